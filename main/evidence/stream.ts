/**
 * Transcripts through the bundle in bounded memory. A drill whose one block
 * printed 92 MB (`seq 1 12000000`) took 9.3 s and 1.3 GB to export: the
 * transcript was read whole, turned to text whole, redacted whole, and held
 * again as the bundle's bytes and as the asciicast. Here the raw bytes are
 * read in chunks, cut after a line end, turned to text, redacted and written
 * to the staged bundle file chunk by chunk, hashed while written.
 *
 * Why cutting after a line end is exact: terminalText works line by line
 * (escape sequences other than OSC/DCS strings never hold a newline, and a
 * chunk is never cut inside an unterminated OSC/DCS string), and every
 * built-in redaction pattern but one matches within a line. The one that
 * does not, PEM private-key blocks, is kept whole: a chunk is not cut inside
 * a BEGIN … PRIVATE KEY block (up to MAX_CARRY), and a block cut anyway is
 * still masked by both halves of that pattern (BEGIN to the end of the text;
 * key lines ending in END). A custom pattern spanning lines could still be
 * split at a chunk edge (every CHUNK bytes): `Transform` is the place where a
 * streaming redactor with its own overlap window (`redactStream`) plugs in.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { StagedFile } from './manifest';
import { terminalText } from '../terminal/scanner';

/** Chunk size for reading and redacting. */
export const CHUNK = 1024 * 1024;
/** A chunk with no line end (or inside an escape string or a key block) is still cut at this size. */
export const MAX_CARRY = 8 * 1024 * 1024;

/** Raw transcript bytes, in order. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export function fileChunks(file: string): AsyncIterable<Uint8Array> {
  return createReadStream(file, { highWaterMark: CHUNK });
}

export function bufferChunks(buf: Buffer): Iterable<Uint8Array> {
  return (function* () {
    for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, Math.min(buf.length, i + CHUNK));
  })();
}

const NL = 0x0a;
// eslint-disable-next-line no-control-regex -- an open OSC/DCS string is found by its ESC and BEL bytes
const OPEN_STRING = /\x1b[\]P^_X](?![\s\S]*?(?:\x07|\x1b\\))/;
const OPEN_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?![\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY)/;

/** Where a line-aligned piece of `buf` may end (exclusive), or 0 when it may not be cut yet. */
function cutPoint(buf: Buffer, final: boolean): number {
  if (final) return buf.length;
  let cut = buf.lastIndexOf(NL) + 1;
  // Not inside an OSC/DCS string or a private-key block: move the cut back before its line.
  while (cut > 0) {
    const latin = buf.toString('latin1', 0, cut);
    const m = OPEN_STRING.exec(latin) ?? OPEN_KEY.exec(latin);
    if (!m) break;
    cut = latin.lastIndexOf('\n', m.index) + 1;
  }
  if (cut > 0) return cut;
  return buf.length >= MAX_CARRY ? buf.length : 0;
}

/**
 * terminalText of a line-aligned piece, with a fast path for plain output
 * (the `seq 1 12000000` case: printable bytes, tabs and CRLFs), where all it
 * does is drop the CR of each CRLF (plainText). Anything else (an escape, a
 * control character, a lone CR) takes terminalText.
 */
export function textOf(piece: Buffer): string {
  return plainText(piece)?.text ?? terminalText(piece);
}

/** A plain piece as text: its UTF-8 bytes, and whether every line feed of the raw piece followed a CR. */
export interface PlainText {
  text: string;
  /** The text's UTF-8 bytes (written to the .txt as they are when redaction changes nothing); null when the piece is not well-formed UTF-8 (decoding replaced something). */
  bytes: Buffer | null;
  /** The raw bytes are the text with CRLF line ends (a terminal's output): the cast can take them as they are. */
  crlf: boolean;
  /**
   * Asked for (`json`), and the piece is CRLF-only, well-formed UTF-8: the raw
   * bytes escaped as the inside of a JSON string, byte for byte what
   * JSON.stringify makes of them (the cast event's text, with no string made).
   */
  json: Buffer | null;
}

/**
 * The text of plain output (printable bytes, tabs, line feeds and CRLFs
 * only), or null for anything else. One pass over the bytes: it checks,
 * drops each CRLF's CR and notes bare line feeds at once, where three
 * passes did before (isPlain, the copy, and the cast's own CRLF check:
 * 2.3 s of the 109 MB export's CPU profile, ~1.2 s now).
 *
 * Dropping CRs before decoding is the same as after: a CR or LF byte is
 * never inside a UTF-8 sequence, and ends a malformed one either way.
 */
export function plainText(piece: Uint8Array, json = false): PlainText | null {
  const n = piece.length;
  const out = Buffer.allocUnsafe(n);
  // JSON escapes at most double a plain piece (\" \\ \t \n; a CRLF's two bytes become four).
  const js = json ? Buffer.allocUnsafe(2 * n) : null;
  let w = 0;
  let j = 0;
  let crlf = true;
  let high = 0;
  for (let i = 0; i < n; i++) {
    const c = piece[i]!;
    high |= c;
    if ((c >= 0x20 && c !== 0x7f) || c === 0x09) {
      out[w++] = c;
      if (js !== null) {
        if (c === 0x22 || c === 0x5c) {
          js[j++] = 0x5c;
          js[j++] = c;
        } else if (c === 0x09) {
          js[j++] = 0x5c;
          js[j++] = 0x74; // \t
        } else js[j++] = c;
      }
    } else if (c === 0x0d && i + 1 < n && piece[i + 1] === 0x0a) {
      out[w++] = 0x0a;
      i++;
      if (js !== null) {
        js[j++] = 0x5c;
        js[j++] = 0x72; // \r
        js[j++] = 0x5c;
        js[j++] = 0x6e; // \n
      }
    } else if (c === 0x0a) {
      out[w++] = c;
      crlf = false;
    } else return null;
  }
  const bytes = out.subarray(0, w);
  const wellFormed = high < 0x80 || isUtf8(bytes);
  return { text: bytes.toString('utf8'), bytes: wellFormed ? bytes : null, crlf, json: js !== null && crlf && wellFormed ? js.subarray(0, j) : null };
}

/** Plain output: printable bytes, tabs, line feeds and CRLFs only (no escape, no other control, no lone CR). */
export function isPlain(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if ((c >= 0x20 && c !== 0x7f) || c === 0x0a || c === 0x09) continue;
    if (c === 0x0d && bytes[i + 1] === 0x0a) continue;
    return false;
  }
  return true;
}

/** The SHA-256 of the streamed text (writeTranscriptText) without writing it: what an asciicast replay stripped to text hashes to. */
export async function streamedTextSha(source: ByteSource, transform: Transform): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of lineChunks(source)) hash.update(transform(textOf(piece)), 'utf8');
  return hash.digest('hex');
}

/**
 * Cuts a byte stream into pieces of about `size` bytes that end after a line
 * end (the last piece: wherever the stream ends). Synchronous, so the
 * asciicast writer can feed it as it goes.
 */
export class LineCutter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly size = CHUNK) {}

  push(c: Uint8Array): Buffer[] {
    this.pending.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    this.pendingBytes += c.byteLength;
    if (this.pendingBytes < this.size) return [];
    const buf = Buffer.concat(this.pending, this.pendingBytes);
    const cut = cutPoint(buf, false);
    if (cut === 0) {
      this.pending = [buf];
      return [];
    }
    const rest = buf.subarray(cut);
    this.pending = rest.length ? [Buffer.from(rest)] : [];
    this.pendingBytes = rest.length;
    return [buf.subarray(0, cut)];
  }

  end(): Buffer[] {
    const out = this.pendingBytes > 0 ? [Buffer.concat(this.pending, this.pendingBytes)] : [];
    this.pending = [];
    this.pendingBytes = 0;
    return out;
  }
}

export async function* lineChunks(source: ByteSource, size = CHUNK): AsyncIterable<Buffer> {
  const cutter = new LineCutter(size);
  for await (const c of source) yield* cutter.push(c);
  yield* cutter.end();
}

/** The SHA-256 of terminalText(all bytes pushed), computed piece by piece. */
export class TextHash {
  private readonly cutter = new LineCutter();
  private readonly hash = createHash('sha256');

  push(text: string): void {
    for (const piece of this.cutter.push(Buffer.from(text, 'utf8'))) this.hash.update(textOf(piece), 'utf8');
  }

  digest(): string {
    for (const piece of this.cutter.end()) this.hash.update(textOf(piece), 'utf8');
    return this.hash.digest('hex');
  }
}

/** A text transform applied chunk by chunk (the redactor's `text`); identity when not redacting. */
export type Transform = (text: string) => string;

/** Bytes written to a file while their SHA-256 is computed: what the manifest lists, without reading the file back. */
export class HashingFile {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'wx', 0o644);
  }

  write(data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length === 0) return;
    this.hash.update(buf);
    for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off, buf.length - off);
    this.bytes += buf.length;
  }

  /** Closes the file; returns its SHA-256 and size. */
  close(): { sha256: string; bytes: number } {
    // No fsync, as for the bundle's other files (writeFileSync): an export is re-made, not recovered.
    closeSync(this.fd);
    return { sha256: this.hash.digest('hex'), bytes: this.bytes };
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/**
 * The transcript as text (escape sequences gone, like terminalText), passed
 * through `transform` (redaction) and written to `out`, chunk by chunk.
 */
export async function writeTranscriptText(source: ByteSource, transform: Transform, out: Sink): Promise<void> {
  for await (const piece of lineChunks(source)) out.write(transform(textOf(piece)));
}

/** Reads bytes [from, to) of a file in CHUNK pieces (the asciicast takes the raw output between index records). */
export function* fileRange(file: string, from: number, to: number): Iterable<Buffer> {
  const fd = openSync(file, 'r');
  try {
    for (let pos = from; pos < to; ) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, to - pos));
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      pos += n;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** The raw output bytes of a transcript: in memory, or a file read in ranges. */
export interface RawOutput {
  size: number;
  range(from: number, to: number): Iterable<Uint8Array>;
}

export function rawBuffer(raw: Buffer): RawOutput {
  return { size: raw.length, range: (from, to) => bufferChunks(raw.subarray(from, to)) };
}

/** A transcript file; its size is taken once, so bytes a live terminal appends meanwhile are not half-read. */
export function rawFile(file: string): RawOutput {
  const size = statSync(file).size;
  return { size, range: (from, to) => fileRange(file, from, Math.min(to, size)) };
}

export interface Sink {
  write(data: Buffer | string): void;
}

/**
 * One bundle file produced piece by piece: streamed to `stageDir` (hashed as
 * written) when there is one, else collected in memory (buildBundle without
 * a folder, as tests use it).
 */
export class StagedOutput {
  readonly sink: Sink;
  private readonly file: HashingFile | null;
  private readonly chunks: Buffer[] = [];

  constructor(stageDir: string | null, rel: string) {
    this.file = stageDir ? new HashingFile(path.join(stageDir, rel.replace(/[\\/]/g, '__'))) : null;
    this.sink = this.file ?? { write: (d) => void this.chunks.push(typeof d === 'string' ? Buffer.from(d, 'utf8') : d) };
  }

  finish(): { entry: Buffer | StagedFile; sha256: string; bytes: number } {
    if (this.file) {
      const { sha256, bytes } = this.file.close();
      return { entry: { file: this.file.file, sha256, bytes }, sha256, bytes };
    }
    const buf = Buffer.concat(this.chunks);
    return { entry: buf, sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length };
  }

  abort(): void {
    if (!this.file) return;
    this.file.abort();
    rmSync(this.file.file, { force: true });
  }
}
