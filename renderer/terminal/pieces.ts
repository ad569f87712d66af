/**
 * Hands a frame of terminal output to xterm.js in pieces of at most
 * WRITE_PIECE bytes, each acknowledged as soon as xterm.js has parsed it.
 *
 * The core sends output in frames of up to 1 MiB (main/terminal/session.ts)
 * and pauses the SSH channel while more than 2 MB are unacknowledged
 * (main/terminal/flow.ts), resuming below 500 kB. Written whole, a frame was
 * acknowledged only once all of it was parsed, so the core's count fell in
 * steps of up to 1 MiB: it resumed only when the page had next to nothing
 * left to parse, and the page then sat idle for a round trip through sshd.
 * A CPU profile of the 20 MiB flood (`npm run bench -- terminal`, 2 shared
 * cores at load 5) showed the page idle 29% of the time. In pieces of
 * 64 KiB (what the xterm.js-alone reference writes), acknowledgements
 * follow the parser closely and the core resumes while the page still has
 * work; xterm.js also yields to rendering between pieces (it checks its
 * time budget only between writes).
 */

/** Bytes handed to xterm.js per write call. */
export const WRITE_PIECE = 64 * 1024;

/** The part of xterm.js's Terminal this needs (the real one, or @xterm/headless in tests). */
export interface Writable {
  write(data: Uint8Array, callback?: () => void): void;
}

/** Writes `bytes` to `term` in pieces; `parsed(n)` is called once per piece, in order, when xterm.js has parsed it. */
export function writeInPieces(term: Writable, bytes: Uint8Array, parsed: (n: number) => void, piece = WRITE_PIECE): void {
  for (let i = 0; i < bytes.length; i += piece) {
    const part = bytes.subarray(i, Math.min(bytes.length, i + piece));
    term.write(part, () => parsed(part.length));
  }
}
