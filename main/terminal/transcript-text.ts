/**
 * A terminal transcript as text, the way the operator saw it: the raw bytes
 * are replayed through a terminal emulator (@xterm/headless, the engine of
 * the UI's xterm.js) at the terminal's own width, resized where it was, so
 * readline's redraws, backspaces and cursor moves come out as the final line
 * rather than overlapping fragments, and lines the terminal wrapped are
 * joined again.
 *
 * Memory stays bounded whatever the size: bytes go in 16 KiB slices; after
 * each, the lines that have scrolled off the screen (final: the cursor can
 * no longer reach them) are taken out as text and dropped from the
 * emulator (ED 3). A 16 KiB slice holds at most 16,384 lines, under the
 * 20,000-line scrollback, so nothing is trimmed before it is read. The
 * transcript's own "erase scrollback" sequences are ignored and a cleared
 * screen is scrolled up first (scrollOnEraseInDisplay), so `clear` never
 * removes evidence. Full-screen programs (the alternate screen: less, vim,
 * top) leave nothing, as in a terminal's scrollback.
 *
 * Measured here (2 shared cores, loaded by other work): 50,000 short lines
 * (490 KB) in 1.8 s, nearly all of it xterm's own parsing; so transcripts
 * over 8 MiB fall back to stripping escape sequences (transcriptText).
 */
import { Terminal } from '@xterm/headless';
import type { IndexRecord } from './transcript';
import { terminalText } from './scanner';

const SLICE = 16 * 1024;
const SCROLLBACK = 20_000;

export interface TextGeometry {
  cols: number;
  rows: number;
  /** Resizes, by byte offset into the raw output. */
  resizes: { offset: number; cols: number; rows: number }[];
}

/** The terminal's size over time, from its JSONL index; null for headless (exec) transcripts, which have no screen. */
export function geometryFromIndex(index: string | null): TextGeometry | null {
  if (!index) return null;
  let geometry: TextGeometry | null = null;
  for (const line of index.split('\n')) {
    if (!line.trim()) continue;
    let r: IndexRecord;
    try {
      r = JSON.parse(line) as IndexRecord;
    } catch {
      continue;
    }
    if (r.t === 'open') {
      if (r.kind === 'exec' || !(r.cols > 0) || !(r.rows > 0)) return null;
      geometry = { cols: r.cols, rows: r.rows, resizes: [] };
    } else if (r.t === 'resize' && geometry && r.cols > 0 && r.rows > 0) {
      geometry.resizes.push({ offset: r.offset, cols: r.cols, rows: r.rows });
    }
  }
  return geometry;
}

function write(term: Terminal, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve) => term.write(data, resolve));
}

/** Renders raw terminal output to text (see the file header). */
export async function renderTranscriptText(raw: Uint8Array, geometry: TextGeometry): Promise<string> {
  const term = new Terminal({
    cols: clamp(geometry.cols, 2, 1000),
    rows: clamp(geometry.rows, 1, 500),
    scrollback: SCROLLBACK,
    allowProposedApi: true,
    scrollOnEraseInDisplay: true,
    convertEol: false,
  });
  const out: string[] = [];
  let pending = '';
  // Takes lines [from, to) of the buffer, joining wrapped lines; the last logical line stays pending.
  const take = (to: number) => {
    const buf = term.buffer.active;
    for (let y = 0; y < to; y++) {
      const line = buf.getLine(y);
      if (!line) continue;
      if (line.isWrapped) pending += line.translateToString(false);
      else {
        if (y > 0 || out.length > 0 || pending !== '') out.push(pending.replace(/\s+$/, ''));
        pending = line.translateToString(false);
      }
    }
  };
  try {
    const resizes = [...geometry.resizes].sort((a, b) => a.offset - b.offset);
    let pos = 0;
    let r = 0;
    while (pos < raw.length) {
      while (r < resizes.length && resizes[r]!.offset <= pos) {
        term.resize(clamp(resizes[r]!.cols, 2, 1000), clamp(resizes[r]!.rows, 1, 500));
        r++;
      }
      const limit = r < resizes.length ? Math.min(resizes[r]!.offset, pos + SLICE) : pos + SLICE;
      let end = Math.max(pos + 1, Math.min(raw.length, limit));
      if (end < raw.length) {
        // End a slice after a line feed, so our own ED 3 never lands inside one of the transcript's sequences.
        const nl = Buffer.from(raw.buffer, raw.byteOffset + pos, end - pos).lastIndexOf(0x0a);
        if (nl >= 0) end = pos + nl + 1;
      }
      await write(term, stripEraseSaved(raw.subarray(pos, end)));
      pos = end;
      const base = term.buffer.active.baseY;
      if (base > 0) {
        take(base);
        await write(term, '\x1b[3J'); // drop what was taken (the screen itself stays)
      }
    }
    take(term.buffer.active.length);
    out.push(pending.replace(/\s+$/, ''));
  } finally {
    term.dispose();
  }
  while (out.length && out[out.length - 1] === '') out.pop();
  while (out.length && out[0] === '') out.shift();
  return out.join('\n') + (out.length ? '\n' : '');
}

/** ESC [ 3 J (erase saved lines) in the transcript would drop lines not yet read. */
function stripEraseSaved(bytes: Uint8Array): Uint8Array {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.indexOf('\x1b[3J') < 0) return bytes;
  // eslint-disable-next-line no-control-regex -- the erase-scrollback escape (ESC [3J) is dropped
  return Buffer.from(b.toString('latin1').replace(/\x1b\[3J/g, ''), 'latin1');
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(n)));
}

/** Above this, a transcript is turned into text by stripping escape sequences only (fast, but redraws stay as typed). */
export const EMULATE_LIMIT = 8 * 1024 * 1024;

/** The text of a terminal transcript for an evidence bundle: emulated when it had a screen and is not huge. */
export async function transcriptText(raw: Uint8Array, index: string | null): Promise<string> {
  const geometry = geometryFromIndex(index);
  if (!geometry || raw.length > EMULATE_LIMIT) return terminalText(raw);
  return renderTranscriptText(raw, geometry);
}
