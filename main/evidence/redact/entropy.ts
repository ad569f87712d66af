/**
 * High-entropy tokens near a credential word. A token printed on its own
 * (`vault print token`, `aws configure get aws_secret_access_key`, a
 * password generator's output) has no name before it, so no assignment rule
 * sees it; it is masked when it is random-looking AND a credential word
 * stands on the same line or the line before it.
 *
 * Evidence is left alone: hex strings (SHA-256 sums, commit hashes, restic
 * ids, ETags), UUIDs, `sha256:` digests, paths, URLs, dotted names and
 * version strings never count as random-looking tokens.
 */
import type { Finding } from './types';

const WORD = /(?:passw(?:or)?d|passphrase|secret|token|credential|api[_-]?key|access[_-]?key|private[_ -]?key|auth|bearer|\bpwd\b|\bpass\b)/i;
// Token characters: base64 (also URL-safe), dots, tildes; `=` only as padding at the end.
const TOKEN = /(?<![A-Za-z0-9+/_.~-])[A-Za-z0-9+/_.~-]{16,512}={0,2}(?![A-Za-z0-9+/_.~=-])/g;
export const MIN_ENTROPY = 3.5;

export function shannon(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A token that looks random and is not a kind of evidence. */
export function looksRandom(t: string, before: string): boolean {
  if (/^[0-9a-f]+$/i.test(t.replace(/[-:]/g, ''))) return false; // hashes, ids, UUIDs, MACs
  if (/(?:sha(?:1|224|256|384|512)|md5|blake2b?|digest)[:=]$/i.test(before)) return false;
  if (/^[A-Za-z]+(?:[-_.][A-Za-z]+)*$/.test(t)) return false; // words, dotted and dashed names
  if (/^(?:[A-Za-z0-9_-]+\.)+[A-Za-z0-9_-]{1,10}$/.test(t) && /[a-z]{3}/.test(t) && t.split('.').length > 2 && !/[A-Z]/.test(t)) return false; // file.tar.gz, host names
  if (/^[vV]?\d+(?:[._-]\d+)+/.test(t)) return false; // versions, dates
  if (/^\d[\d_.:-]*$/.test(t)) return false; // numbers, times
  if (/^(?:i|ami|vol|snap|sg|subnet|vpc|eni|igw|rtb|acl|r|lt)-[0-9a-f]{8,17}$/.test(t)) return false; // AWS resource ids
  if (t.startsWith('/') || t.startsWith('./') || t.startsWith('~/')) return false; // paths
  if (t.startsWith('[REDACTED')) return false;
  const classes = Number(/[a-z]/.test(t)) + Number(/[A-Z]/.test(t)) + Number(/[0-9]/.test(t)) + Number(/[+/_=~.-]/.test(t));
  if (classes < 3 || !/[0-9]/.test(t)) return false;
  return shannon(t) >= MIN_ENTROPY;
}

/** Random-looking tokens on a line with a credential word, or on the line after one. */
export function findEntropyTokens(text: string, report: (f: Finding) => void): void {
  const words = new RegExp(WORD.source, 'gi');
  let done = 0; // text before this was looked at
  let m: RegExpExecArray | null;
  while ((m = words.exec(text)) !== null) {
    const ls = text.lastIndexOf('\n', m.index) + 1;
    let le = text.indexOf('\n', m.index);
    if (le < 0) le = text.length;
    let ne = le < text.length ? text.indexOf('\n', le + 1) : text.length;
    if (ne < 0) ne = text.length;
    const from = Math.max(ls, done);
    if (ne > from) scan(text, from, ne, report);
    done = Math.max(done, ne);
    words.lastIndex = Math.max(words.lastIndex, le);
  }
}

function scan(text: string, from: number, to: number, report: (f: Finding) => void): void {
  const part = text.slice(from, to);
  for (const t of part.matchAll(TOKEN)) {
    const at = from + t.index!;
    const before = text.slice(Math.max(0, at - 12), at);
    if (looksRandom(t[0], before)) report({ start: at, end: at + t[0].length, kind: 'high-entropy-token' });
  }
}
