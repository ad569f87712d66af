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
 */
import { shannon } from './entropy';

// Lower-case words and prefixes that mark a line as a candidate.
const KEYWORDS = ['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'cred', 'login', 'private', 'bearer', '://', 'sig=', 'redis', 'q~', 'sg.', 'hvs.', 'hvb.', 'hvr.', 'xox', 'xapp', 'sk-', 'pypi-', '--user', ' -p', ' -u', ' -a', '\t-p', '\t-u'];
const CONTEXT_LINES = 2;
/** Windows closer than this are scanned as one. */
const JOIN = 512;

// Character classes for the token scan (one pass over char codes: a regular expression was 10× slower).
const TOKEN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_=.~-') TOKEN[c.charCodeAt(0)] = 1;

/** Positions of long random-looking tokens and of lines with 4+ colons (.pgpass lines). */
export function scanTokens(text: string, hits: number[]): void {
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
    if (c < 128 && TOKEN[c] === 1) {
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
export function candidateWindows(text: string): [number, number][] {
  const hits: number[] = [];
  const lower = text.toLowerCase();
  // Case folding that changes the length (a few Unicode letters) would shift positions: scan everything then.
  if (lower.length !== text.length) return [[0, text.length]];
  for (const kw of KEYWORDS) {
    for (let i = lower.indexOf(kw); i >= 0; ) {
      hits.push(i);
      const nl = lower.indexOf('\n', i);
      if (nl < 0) break;
      i = lower.indexOf(kw, nl + 1);
    }
  }
  scanTokens(text, hits);
  hits.sort((a, b) => a - b);
  const out: [number, number][] = [];
  let lineEnd = -1; // end of the line of the last hit looked at: more hits on it change nothing
  for (const at of hits) {
    if (at <= lineEnd) continue;
    let ws = text.lastIndexOf('\n', at - 1) + 1;
    for (let i = 0; i < CONTEXT_LINES && ws > 0; i++) ws = text.lastIndexOf('\n', ws - 2) + 1;
    let we = text.indexOf('\n', at);
    if (we < 0) we = text.length;
    lineEnd = we;
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
