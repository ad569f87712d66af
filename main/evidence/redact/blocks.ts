/**
 * Detectors that need more than one regular expression:
 *
 * - Private key blocks, bounded. BEGIN…END is masked whole. A BEGIN with no
 *   END (output cut off, a key printed by a failing script) is masked line by
 *   line while the lines look like key material, at most MAX_KEY_LINES, and
 *   the mask says how much it withheld and why; before, such a block wiped
 *   the rest of the transcript without a word (1,449 → 311 bytes).
 * - An AWS secret access key printed next to its key id without a name
 *   (`aws iam create-access-key --output text`, a credentials CSV).
 * - Base64 values (`kubectl get secret -o yaml`, `-o json`): decoded, and
 *   masked when the decoded text holds a credential (a DATABASE_URL with a
 *   password, a private key).
 */
import type { Finding } from './types';

export const MAX_KEY_LINES = 200;
const BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----/g;
const END_OF = (label: string) => `-----END ${label}-----`;
const END_ANY = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
// Lines inside a key block: base64, PEM headers (Proc-Type, DEK-Info, Comment, Version), blank.
const KEY_LINE = /^[ \t]*(?:[A-Za-z0-9+/=]{1,}|(?:Proc-Type|DEK-Info|Comment|Version|Hash|Charset):[^\r\n]*|)[ \t]*\r?$/;
/** Key material, or a short line carrying a long base64 run (`echo "MIIEow…"` in a script that prints a key). */
function isKeyLine(line: string): boolean {
  return KEY_LINE.test(line) || (line.length < 200 && /[A-Za-z0-9+/]{40,}/.test(line));
}
// Up to 64 KiB between BEGIN and END (a 16k-bit RSA key is 12 KiB).
const MAX_BLOCK = 64 * 1024;

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function findPrivateKeys(text: string, report: (f: Finding) => void): void {
  const begin = new RegExp(BEGIN.source, 'g');
  let m: RegExpExecArray | null;
  let from = 0;
  while ((m = begin.exec(text)) !== null) {
    if (m.index < from) continue;
    const start = m.index;
    const afterBegin = start + m[0].length;
    const endMarker = END_OF(m[1]!);
    const end = text.indexOf(endMarker, afterBegin);
    if (end >= 0 && end - afterBegin <= MAX_BLOCK && !text.slice(afterBegin, end).includes('-----BEGIN ')) {
      report({ start, end: end + endMarker.length, kind: 'private-key' });
      from = end + endMarker.length;
      begin.lastIndex = from;
      continue;
    }
    // No END: mask the BEGIN line and the key-material lines after it, at most MAX_KEY_LINES.
    let pos = afterBegin;
    let lines = 0;
    let bounded = false;
    while (pos < text.length) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) {
        // The last line of the text (maybe cut): key material if it looks like it.
        if (pos < text.length && isKeyLine(text.slice(pos)) && text.length - pos <= 4096) {
          pos = text.length;
          lines++;
        }
        break;
      }
      if (pos === afterBegin) {
        // The rest of the BEGIN line.
        pos = nl + 1;
        continue;
      }
      const line = text.slice(pos, nl);
      // Key material, or a short line carrying a long base64 run (`echo "MIIEow…"` in a script that prints a key).
      if (!isKeyLine(line)) break;
      if (lines >= MAX_KEY_LINES) {
        bounded = true;
        break;
      }
      lines++;
      pos = nl + 1;
    }
    const stopAt = pos > afterBegin && text[pos - 1] === '\n' ? pos - 1 : pos;
    const withheld = stopAt - start;
    const why = bounded
      ? `stopped after ${MAX_KEY_LINES} lines, the most a key block is given`
      : 'masked up to the first line that is not key material';
    report({
      start,
      end: stopAt,
      kind: 'private-key',
      note: ` (a private key block with no END line: ${fmt(lines + 1)} line${lines ? 's' : ''}, ${fmt(withheld)} characters withheld; ${why})`,
    });
    from = stopAt;
    begin.lastIndex = Math.max(stopAt, start + 1);
  }
  // The tail of a block whose BEGIN was cut off (an output tail): base64 lines ending in END.
  if (END_ANY.test(text)) {
    const tail = /(?:^[ \t]*[A-Za-z0-9+/=]{16,}[ \t]*\r?\n){1,400}[ \t]*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/gm;
    for (const t of text.matchAll(tail)) report({ start: t.index!, end: t.index! + t[0].length, kind: 'private-key' });
  }
}

const KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
const AWS_SECRET = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

/** A 40-character secret access key within two lines of an access key id, with no name before it. */
export function findAwsSecretNearKeyId(text: string, report: (f: Finding) => void): void {
  for (const id of text.matchAll(KEY_ID)) {
    const at = id.index!;
    const from = lineStart(text, at, 2);
    const to = lineEnd(text, at + id[0].length, 2);
    const window = text.slice(from, to);
    for (const s of window.matchAll(AWS_SECRET)) {
      const v = s[0];
      if (/^[0-9a-f]+$/i.test(v) || !/[0-9]/.test(v) && !/[/+]/.test(v) || !/[a-z]/.test(v) || !/[A-Z]/.test(v)) continue;
      report({ start: from + s.index!, end: from + s.index! + v.length, kind: 'aws-secret-access-key' });
    }
  }
}

/** Start of the line `back` lines above the one holding `at`. */
function lineStart(text: string, at: number, back: number): number {
  let p = text.lastIndexOf('\n', at - 1);
  for (let i = 0; i < back && p > 0; i++) p = text.lastIndexOf('\n', p - 1);
  return p < 0 ? 0 : p + 1;
}

/** End of the line `ahead` lines below the one holding `at`. */
function lineEnd(text: string, at: number, ahead: number): number {
  let p = text.indexOf('\n', at);
  for (let i = 0; i < ahead && p >= 0; i++) p = text.indexOf('\n', p + 1);
  return p < 0 ? text.length : p;
}

// A base64 value standing as a YAML/JSON/env value (the whole value, to the end of the line).
const B64_VALUE = /(?:[:=][ \t]*["']?)([A-Za-z0-9+/]{12,}={0,2})(?=["']?[ \t]*(?:[,}\]]|\r?$))/gm;

/**
 * Base64 values whose decoded text holds a credential. `inner` finds
 * secrets in the decoded text (every detector but this one).
 */
export function findEncodedSecrets(text: string, report: (f: Finding) => void, inner: (decoded: string) => string | null): void {
  for (const m of text.matchAll(B64_VALUE)) {
    const v = m[1]!;
    if (/^[0-9a-f]+$/i.test(v)) continue; // hex: a hash, not base64 text
    const decoded = Buffer.from(v, 'base64').toString('utf8');
    // eslint-disable-next-line no-control-regex -- a decoded block with C0 control characters is binary, not text
    if (decoded.length < 4 || /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(decoded)) continue; // not text
    const kind = inner(decoded);
    if (!kind) continue;
    const start = m.index! + m[0].length - v.length;
    report({ start, end: start + v.length, kind: `base64-${kind}`.slice(0, 40) });
  }
}
