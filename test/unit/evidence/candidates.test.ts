/**
 * The candidate-line prefilter (main/evidence/redact/candidates.ts) and the
 * keyword automaton (keywords.ts) against the code they replaced, kept here
 * as the oracle: the same windows on real material (gitleaks' samples, the
 * restore-work set, kept-evidence lines, restore output, `seq`) and on
 * random text, and each rule's keyword gate the same as `includes` on the
 * lower-cased window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { candidateLines, candidateWindows, KEYWORDS as NEW_KEYWORDS } from '../../../main/evidence/redact/candidates';
import { fold, intersects, KeywordSet } from '../../../main/evidence/redact/keywords';
import { builtinDetectors, collect, compilePatterns, type Finding, type RedactionPattern } from '../../../main/evidence/redact';
import { GITLEAKS_RULES, KEYED_TEMPLATES } from '../../fixtures/secrets/gitleaks-samples';
import { RESTORE_WORK, VENDOR, fake } from '../../fixtures/secrets/restore-work';

// ---- the code before (git 0bc375d, main/evidence/redact/candidates.ts), verbatim -------------------------
// Lower-case words and prefixes that mark a line as a candidate.
const OLD_KEYWORDS = ['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'cred', 'login', 'private', 'bearer', '://', 'sig=', 'redis', 'q~', 'sg.', 'hvs.', 'hvb.', 'hvr.', 'xox', 'xapp', 'sk-', 'pypi-', '--user', ' -p', ' -u', ' -a', '\t-p', '\t-u'];
const OLD_CONTEXT_LINES = 2;
/** Windows closer than this are scanned as one. */
const OLD_JOIN = 512;

// Character classes for the token scan (one pass over char codes: a regular expression was 10× slower).
const OLD_TOKEN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_=.~-') OLD_TOKEN[c.charCodeAt(0)] = 1;

/** Positions of long random-looking tokens and of lines with 4+ colons (.pgpass lines). */
function old_scanTokens(text: string, hits: number[]): void {
  let run = 0;
  let upper = false;
  let lower = false;
  let digit = false;
  let nonHex = false;
  let colons = 0;
  let lineStart = 0;
  const n = text.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 10;
    if (c < 128 && OLD_TOKEN[c] === 1) {
      run++;
      if (c >= 65 && c <= 90) {
        upper = true;
        if (c > 70) nonHex = true;
      } else if (c >= 97 && c <= 122) {
        lower = true;
        if (c > 102) nonHex = true;
      } else if (c >= 48 && c <= 57) digit = true;
      else if (c !== 45 && c !== 46) nonHex = true;
      continue;
    }
    if (run >= 16 && nonHex && ((upper && lower) || (run >= 20 && digit && (upper || lower)))) hits.push(i - run);
    run = 0;
    upper = lower = digit = nonHex = false;
    if (c === 58) colons++;
    else if (c === 10) {
      if (colons >= 4) hits.push(lineStart);
      colons = 0;
      lineStart = i + 1;
    }
  }
}

/** [start, end) ranges of `text` worth scanning, in order, not overlapping. */
function old_candidateWindows(text: string): [number, number][] {
  const hits: number[] = [];
  const lower = text.toLowerCase();
  // Case folding that changes the length (a few Unicode letters) would shift positions: scan everything then.
  if (lower.length !== text.length) return [[0, text.length]];
  for (const kw of OLD_KEYWORDS) {
    for (let i = lower.indexOf(kw); i >= 0; ) {
      hits.push(i);
      const nl = lower.indexOf('\n', i);
      if (nl < 0) break;
      i = lower.indexOf(kw, nl + 1);
    }
  }
  old_scanTokens(text, hits);
  hits.sort((a, b) => a - b);
  const out: [number, number][] = [];
  let lineEnd = -1; // end of the line of the last hit looked at: more hits on it change nothing
  for (const at of hits) {
    if (at <= lineEnd) continue;
    let ws = text.lastIndexOf('\n', at - 1) + 1;
    for (let i = 0; i < OLD_CONTEXT_LINES && ws > 0; i++) ws = text.lastIndexOf('\n', ws - 2) + 1;
    let we = text.indexOf('\n', at);
    if (we < 0) we = text.length;
    lineEnd = we;
    for (let i = 0; i < OLD_CONTEXT_LINES && we < text.length; i++) {
      const nx = text.indexOf('\n', we + 1);
      we = nx < 0 ? text.length : nx;
    }
    // A window ends after its last line's newline, so a detector sees that line whole.
    if (we < text.length) we++;
    const last = out[out.length - 1];
    if (last && ws <= last[1] + OLD_JOIN) last[1] = Math.max(last[1], we);
    else out.push([ws, we]);
  }
  return out;
}

// ---- end of the code before ----------------------------------------------------------------------------

const fixtures = path.join(__dirname, '../../fixtures/secrets');
const evidence = readFileSync(path.join(fixtures, 'evidence-lines.txt'), 'utf8').split('\n').filter(Boolean);

/** Restore output as the redaction bench makes it (pg_restore lines, kept evidence, now and then a secret). */
function restoreOutput(bytes: number): string {
  const restore = RESTORE_WORK.map((c) => c.text);
  const parts: string[] = [];
  let size = 0;
  for (let n = 1; size < bytes; n++) {
    const line = n % 1500 === 0 ? restore[n % restore.length]! : n % 7 === 0 ? evidence[n % evidence.length]! : `2026-12-01T03:${String(n % 60).padStart(2, '0')}:12Z pg_restore: processing data for table "public.orders_${n % 97}" (${fake(8, undefined, n % 5000)} rows ${n})`;
    parts.push(line);
    size += line.length + 1;
  }
  return parts.join('\n') + '\n';
}

function seqOutput(from: number, lines: number): string {
  const parts: string[] = [];
  for (let i = from; i < from + lines; i++) parts.push(String(i));
  return parts.join('\n') + '\n';
}

/** Every secret-bearing line of the fixtures, keyed and bare, plus gitleaks' own lines. */
function fixtureLines(): string[] {
  const out: string[] = [...evidence, ...RESTORE_WORK.map((c) => c.text), ...VENDOR.map((c) => c.text)];
  for (const rule of GITLEAKS_RULES) {
    out.push(...rule.tps, ...rule.fps);
    for (const v of rule.values) {
      out.push(v, `the value is ${v} here`);
      for (const t of KEYED_TEMPLATES) out.push(t.replaceAll('{i}', rule.identifier).replaceAll('{s}', v));
    }
  }
  return out;
}

/** A seeded xorshift, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

// Pieces random text is made of: keywords and their fragments, tokens, digits, colons, blanks, case, odd Unicode.
const PIECES = [
  ...NEW_KEYWORDS, 'PASS', 'Token', 'KEY', 'pas', 'ke', 'x', 'o', 'sk', 'hv', 'SG.', ':', '::', ' ', '\t', '\r', '\n', '\n', '\n', '\r\n', '12', '0', '9876543',
  'aB3dE5gH7jK9mN1pQ', 'abcdef0123456789abcdef', 'A1b2C3d4E5f6G7h8I9j0', '-', '.', '/', '=', '~', '_', '+', 'é', '\u212a', '\u212aEY', '\u0130', '😀', 'ß', 'ﬀ',
];

function randomText(next: () => number, pieces: number): string {
  let s = '';
  for (let i = 0; i < pieces; i++) s += PIECES[Math.floor(next() * PIECES.length)]!;
  return s;
}

test('candidate windows are the same as before on real material', () => {
  const lines = fixtureLines();
  assert.ok(lines.length > 2000, `${lines.length} fixture lines`);
  for (const line of lines) assert.deepEqual(candidateWindows(line), old_candidateWindows(line), JSON.stringify(line));
  // Whole texts: the fixtures in one piece, restore output, seq output, and a mix.
  const texts = [lines.join('\n'), restoreOutput(2 * 1024 * 1024), seqOutput(1, 200_000), seqOutput(9_000_000, 1000) + lines.slice(0, 300).join('\n') + seqOutput(1, 5000)];
  for (const text of texts) assert.deepEqual(candidateWindows(text), old_candidateWindows(text));
});

test('candidate windows are the same as before on random text', () => {
  const next = rng(15);
  for (let i = 0; i < 3000; i++) {
    const text = randomText(next, 1 + Math.floor(next() * 120));
    assert.deepEqual(candidateWindows(text), old_candidateWindows(text), JSON.stringify(text));
  }
});

test('lines of digits and blanks are never candidates; one other character makes its line one again', () => {
  assert.deepEqual(candidateLines(seqOutput(1, 100_000)), []);
  assert.deepEqual(candidateLines('1\n 2 \t\r\n3\n'), []);
  const text = seqOutput(1, 1000) + '42 password 7\n' + seqOutput(1, 10);
  const at = text.indexOf('42 password');
  assert.deepEqual(candidateLines(text), [at]);
  // A .pgpass line made of digits but for its colons.
  assert.deepEqual(candidateLines('1\n10:5432:1:2:3\n2\n'), [2]);
});

test('the keyword automaton finds what includes() on the lower-cased text finds', () => {
  const words = [...new Set(builtinDetectors().flatMap((d) => d.requiresAny ?? []))];
  assert.ok(words.length > 50, `${words.length} words`);
  const set = new KeywordSet(words);
  const next = rng(7);
  const samples = [...fixtureLines().slice(0, 1500), ...Array.from({ length: 1500 }, () => randomText(next, 1 + Math.floor(next() * 60)))];
  for (const text of samples) {
    const bits = set.present(text, 0, text.length, new Uint32Array(set.width));
    const lower = text.toLowerCase();
    for (const w of words) {
      const found = intersects(bits, set.mask([w]));
      // İ folds to i here and to i + a combining dot in toLowerCase: the automaton may see more, never less.
      if (text.includes('\u0130') && found) continue;
      assert.equal(found, lower.includes(w), `${JSON.stringify(w)} in ${JSON.stringify(text)}`);
    }
  }
});

test('fold: only A-Z, the Kelvin sign and İ fold to ASCII, as toLowerCase folds them', () => {
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const lower = String.fromCharCode(c).toLowerCase();
    const ascii = lower.charCodeAt(0) < 128 ? lower.charCodeAt(0) : 0;
    if (c < 128) assert.equal(fold(c), ascii);
    else if (ascii) assert.equal(fold(c), ascii, `U+${c.toString(16)}`);
    else assert.equal(fold(c), 0, `U+${c.toString(16)}`);
  }
});

test('each rule runs on the same windows as when its keywords and its required text were looked for with includes()', () => {
  const patterns = compilePatterns();
  // The gate before: each rule with keywords looked for them in the lower-cased window itself.
  const before: RedactionPattern[] = patterns.map((p) => {
    if (p.requiresAny === undefined && p.requires === undefined) return p;
    const { requiresAny, requires, ...rest } = p;
    const pass = (t: string) => (requires === undefined || t.includes(requires)) && (requiresAny === undefined || requiresAny.some((w) => t.toLowerCase().includes(w)));
    return { ...rest, find: (t: string, report: (f: Finding) => void) => (pass(t) ? p.find(t, report) : undefined) };
  });
  assert.ok(before.filter((p, i) => p !== patterns[i]).length > 40, 'most rules are gated');
  const next = rng(3);
  const lines = fixtureLines();
  const texts = [lines.join('\n'), restoreOutput(512 * 1024), ...Array.from({ length: 300 }, () => randomText(next, 200)), ...lines];
  let findings = 0;
  for (const text of texts) {
    const now = collect(text, patterns);
    assert.deepEqual(now, collect(text, before), JSON.stringify(text.slice(0, 200)));
    findings += now.length;
  }
  assert.ok(findings > 3000, `${findings} findings`);
});
