/**
 * Where a secret could be, found in one pass, so the detectors run only
 * there. A line is a candidate when it holds a credential word (password,
 * token, key, auth, …), a command-line password flag (-p, -u, -a, --user),
 * a URL with credentials (://), a `.pgpass`-shaped field, a vendor prefix,
 * or a long random-looking token (mixed case, or 20+ characters of letters
 * and digits that are not only hex: hashes and ids are not candidates).
 * Detectors then see each candidate line with two lines either side, so
 * the ones that read a neighbour (a token under `vault print token`, an
 * AWS secret below its key id, a key block's lines) still see it.
 * Restore output is mostly neither: measured, this cut the time of a 100 MB
 * transcript from 22 s to the figure in the README.
 *
 * The lines are found in one pass (candidateLines): the keywords through one
 * automaton (./keywords.ts), token runs and colons counted in the same loop,
 * a line left at its first hit, lines of digits and blanks jumped over by one
 * regular-expression search. Before, the text was lower-cased and searched
 * once per keyword, then scanned for tokens: 5.3 s of the redaction bench's
 * 11 s profile (100 MB of restore output), 1.6 s of `seq 1 12000000`'s
 * export; the same windows come out (test/unit/evidence/candidates.test.ts
 * keeps the old code as the oracle).
 */
import { shannon } from './entropy';
import { fold, KeywordSet } from './keywords';

// Lower-case words and prefixes that mark a line as a candidate.
export const KEYWORDS = ['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'cred', 'login', 'private', 'bearer', '://', 'sig=', 'redis', 'q~', 'sg.', 'hvs.', 'hvb.', 'hvr.', 'xox', 'xapp', 'sk-', 'pypi-', '--user', ' -p', ' -u', ' -a', '\t-p', '\t-u'];
const CONTEXT_LINES = 2;
/** Windows closer than this are scanned as one. */
const JOIN = 512;

// Transitions of the keywords' automaton; a negative state: a keyword ends here.
const STEP = new KeywordSet(KEYWORDS).signedTable();

// Character classes for the token scan, one table lookup per character (a regular expression was 10× slower).
const IN_TOKEN = 1;
const UPPER = 2;
const LOWER = 4;
const DIGIT = 8;
const NON_HEX = 16;
const CLASS = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_=.~-') {
  const code = c.charCodeAt(0);
  let k = IN_TOKEN;
  if (/[A-Z]/.test(c)) k |= UPPER | (code > 70 ? NON_HEX : 0);
  else if (/[a-z]/.test(c)) k |= LOWER | (code > 102 ? NON_HEX : 0);
  else if (/[0-9]/.test(c)) k |= DIGIT;
  else if (c !== '-' && c !== '.') k |= NON_HEX;
  CLASS[code] = k;
}

/** A run of token characters that looks random: 16+ with mixed case, or 20+ with letters and digits; never hex only. */
function randomRun(run: number, k: number): boolean {
  return run >= 16 && (k & NON_HEX) !== 0 && ((k & (UPPER | LOWER)) === (UPPER | LOWER) || (run >= 20 && (k & DIGIT) !== 0 && (k & (UPPER | LOWER)) !== 0));
}

// A line of digits and blanks only (`seq`, counters, sizes) holds no keyword, token or .pgpass field: skipped whole.
const NOT_DIGITS = /[^0-9 \t\r\n]/g;

/**
 * The start of every candidate line, ascending: a line holding a keyword, a
 * long random-looking token, or 4+ colons (a .pgpass line). One pass: the
 * keywords through one automaton, the token runs and colons counted in the
 * same loop; a line is left as soon as it is known to be a candidate, and
 * lines of digits and blanks are skipped by one regular-expression search.
 */
export function candidateLines(text: string): number[] {
  const lines: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    // i is a line start. Lines of digits and blanks: jump to the line of the next other character.
    const first = text.charCodeAt(i);
    if ((first >= 48 && first <= 57) || first === 32 || first === 9 || first === 13 || first === 10) {
      NOT_DIGITS.lastIndex = i;
      const m = NOT_DIGITS.exec(text);
      if (m === null) break;
      i = text.lastIndexOf('\n', m.index) + 1;
    }
    const start = i;
    let s = 0;
    let run = 0;
    let k = 0;
    let colons = 0;
    let hit = false;
    for (; i <= n; i++) {
      const c = i < n ? text.charCodeAt(i) : 10;
      s = STEP[s * 128 + (c < 128 ? c : fold(c))]!;
      if (s < 0) {
        hit = true;
        break;
      }
      const cls = c < 128 ? CLASS[c]! : 0;
      if (cls !== 0) {
        run++;
        k |= cls;
        continue;
      }
      if (randomRun(run, k)) {
        hit = true;
        break;
      }
      run = 0;
      k = 0;
      if (c === 58) colons++;
      else if (c === 10) {
        hit = colons >= 4;
        break;
      }
    }
    if (hit) lines.push(start);
    // On to the next line (from a hit: the rest of this line changes nothing).
    const nl = i < n && text.charCodeAt(i) === 10 ? i : text.indexOf('\n', i);
    if (nl < 0) break;
    i = nl + 1;
  }
  return lines;
}

/** [start, end) ranges of `text` worth scanning, in order, not overlapping. */
export function candidateWindows(text: string): [number, number][] {
  // Case folding that changes the length (İ) would shift positions, as it did when the text was lower-cased whole: scan everything then.
  if (text.includes('\u0130')) return [[0, text.length]];
  const out: [number, number][] = [];
  for (const at of candidateLines(text)) {
    let ws = at;
    for (let i = 0; i < CONTEXT_LINES && ws > 0; i++) ws = text.lastIndexOf('\n', ws - 2) + 1;
    let we = text.indexOf('\n', at);
    if (we < 0) we = text.length;
    for (let i = 0; i < CONTEXT_LINES && we < text.length; i++) {
      const nx = text.indexOf('\n', we + 1);
      we = nx < 0 ? text.length : nx;
    }
    // A window ends after its last line's newline, so a detector sees that line whole.
    if (we < text.length) we++;
    const last = out[out.length - 1];
    if (last && ws <= last[1] + JOIN) last[1] = Math.max(last[1], we);
    else out.push([ws, we]);
  }
  return out;
}

/** Text that stands where a secret would but is not one: xxxx, ****, $VAR, <your-token>, ${{ secrets.X }}. */
export function isPlaceholder(v: string): boolean {
  if (/^(?:\$[A-Za-z_{(0-9]|<[^>]*>?$|\{\{|%[A-Za-z_]+%)/.test(v)) return true;
  if (/^(?:password|passwd|pass|pwd|secret|token|changeme|changeit|test|\.\.\.)>?$/i.test(v)) return true;
  const body = v.replace(/^[A-Za-z]{2,8}[_.-](?:v1_)?/, '').replace(/[-_.]/g, '');
  if (body.length >= 4 && /^(?:[xX]+|\*+|#+|\.+|•+|0+)$/.test(body)) return true;
  if (body.length >= 8 && new Set(body).size <= 2) return true;
  return v.length >= 16 && shannon(v) < 2.5;
}
