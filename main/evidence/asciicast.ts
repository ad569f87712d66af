/**
 * A terminal transcript as asciicast v2 (asciinema's format,
 * https://docs.asciinema.org/manual/asciicast/v2/), so any standard player
 * (asciinema play, asciinema-player on a web page) replays the session with
 * its timing and colours.
 *
 * Timing comes from the transcript's JSONL index (main/terminal/transcript.ts):
 * each record holds a wall-clock time and the byte offset of the raw output at
 * that moment, written at every keystroke batch, command, result, step change
 * and resize. The bytes between two records are placed at the later record's
 * time — the moment by which they had certainly arrived — so a replay never
 * shows output earlier than it happened; its resolution is the index's. Step
 * changes become markers ("m"), resizes "r" events. Times are made monotonic
 * (a wall clock stepped back by NTP would otherwise go backwards: the later
 * event keeps the earlier time, never an invented one).
 *
 * Redaction: each output segment is masked with the bundle's redactor; as a
 * segment boundary or an escape sequence could split a credential, the replay
 * stripped to text must then equal the redacted text transcript (the .txt),
 * else the cast is not written (the caller lists it as withheld). Pure: bytes
 * and text in, text out.
 */
import { StringDecoder } from 'node:string_decoder';
import { createHash } from 'node:crypto';
import { terminalText } from '../terminal/scanner';
import { LineCutter, rawBuffer, TextHash, type PlainText, type RawOutput } from './stream';

export type CastEvent = [number, 'o' | 'm' | 'r', string];

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp?: number;
  title?: string;
  env?: Record<string, string>;
}

interface IndexPoint {
  at: number;
  offset: number;
  t: string;
  kind?: string;
  title?: string | null;
  cols?: number;
  rows?: number;
}

function points(indexJsonl: string): IndexPoint[] {
  const out: IndexPoint[] = [];
  for (const line of indexJsonl.split('\n')) {
    if (!line.trim()) continue;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a torn last line (crash mid-write)
    }
    const at = typeof r.at === 'string' ? Date.parse(r.at) : NaN;
    if (!Number.isFinite(at) || typeof r.offset !== 'number' || typeof r.t !== 'string') continue;
    out.push({ at, offset: r.offset, t: r.t, kind: typeof r.kind === 'string' ? r.kind : undefined, title: typeof r.title === 'string' ? r.title : null, cols: typeof r.cols === 'number' ? r.cols : undefined, rows: typeof r.rows === 'number' ? r.rows : undefined } as IndexPoint);
  }
  return out;
}

export interface CastOptions {
  title?: string;
  /** Masks credentials in a piece of text (the bundle's redactor); identity when not redacting. */
  redact: (text: string) => string;
}

/**
 * The asciicast v2 text; null when the index has no timing to replay with;
 * `{ withheld }` when the replay would show what redaction masks.
 */
export function toAsciicast(raw: Buffer, indexJsonl: string | null, opts: CastOptions): string | { withheld: string } | null {
  const lines: string[] = [];
  const expected = createHash('sha256').update(opts.redact(terminalText(raw)), 'utf8').digest('hex');
  const r = writeAsciicast(rawBuffer(raw), indexJsonl, opts, (line) => lines.push(line), expected);
  return r === 'written' ? lines.join('') : r;
}

/**
 * Writes the cast line by line to `emit`, holding at most one CHUNK of output:
 * output between two index records longer than that becomes several events
 * at the same time, each ending at a line end (so redaction sees whole lines).
 * `expectedTextSha` is the SHA-256 of the redacted text transcript (the .txt):
 * the replay stripped to text must hash the same, else the cast is withheld
 * (and what was emitted must be discarded by the caller).
 */
export function writeAsciicast(
  raw: RawOutput,
  indexJsonl: string | null,
  opts: CastOptions,
  emit: (line: string) => void,
  expectedTextSha: string,
): 'written' | { withheld: string } | null {
  const pts = indexJsonl ? points(indexJsonl) : [];
  if (pts.length === 0) return null;
  const open = pts.find((p) => p.t === 'open') ?? pts[0]!;
  const start = pts[0]!.at;
  const header: CastHeader = {
    version: 2,
    // A headless run's output came through pipes, not a terminal: it has no size (0×0) and bare \n line ends.
    width: open.cols && open.cols > 0 ? open.cols : 80,
    height: open.rows && open.rows > 0 ? open.rows : 24,
    timestamp: Math.floor(start / 1000),
    ...(opts.title ? { title: opts.title } : {}),
    env: { TERM: 'xterm-256color' },
  };
  emit(JSON.stringify(header) + '\n');

  const shown = new TextHash();
  const event = (e: CastEvent) => {
    if (e[1] === 'o') shown.push(e[2]);
    emit(JSON.stringify(e) + '\n');
  };
  const decoder = new StringDecoder('utf8');
  // What a terminal's line discipline (onlcr) does to piped output, so a player does not draw a staircase.
  const piped = open.kind === 'exec';
  const lines = (text: string) => (piped ? text.replace(/\r?\n/g, '\r\n') : text);
  let sent = 0;
  let last = 0;
  const time = (at: number) => (last = Math.max(last, Math.round(at - start) / 1000));
  const output = (to: number, at: number) => {
    const end = Math.min(Math.max(to, sent), raw.size);
    if (end <= sent) return;
    const cutter = new LineCutter();
    const put = (piece: Buffer) => {
      const text = decoder.write(piece);
      if (text) event([time(at), 'o', opts.redact(lines(text))]);
    };
    for (const c of raw.range(sent, end)) for (const piece of cutter.push(c)) put(piece);
    for (const piece of cutter.end()) put(piece);
    sent = end;
  };
  for (const p of pts) {
    output(p.offset, p.at);
    if (p.t === 'step' && p.title) event([time(p.at), 'm', opts.redact(p.title)]);
    if (p.t === 'resize' && p.cols && p.rows) event([time(p.at), 'r', `${p.cols}x${p.rows}`]);
  }
  // Output after the last record: its time is not known beyond "after the last record".
  output(raw.size, pts[pts.length - 1]!.at);
  const tail = decoder.end();
  if (tail) event([last, 'o', opts.redact(lines(tail))]);

  // What a player would show, as text, must be exactly the redacted text transcript (the bundle's .txt):
  // a credential split by a segment boundary or an escape sequence would leave a part of it unmasked.
  if (shown.digest() !== expectedTextSha) {
    return { withheld: 'a credential spans the recorded output segments, so the replay could not be redacted safely; the .txt transcript is redacted' };
  }
  return 'written';
}

/** Parses asciicast v2 text strictly (for tests and the verifier): header, then events with non-decreasing times. */
export function parseAsciicast(text: string): { header: CastHeader; events: CastEvent[] } {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.length === 0) throw new Error('empty asciicast');
  const header = JSON.parse(lines[0]!) as CastHeader;
  if (header.version !== 2) throw new Error(`asciicast version ${String(header.version)}, expected 2`);
  if (!Number.isInteger(header.width) || !Number.isInteger(header.height) || header.width <= 0 || header.height <= 0) throw new Error('asciicast header needs positive integer width and height');
  let prev = 0;
  const events = lines.slice(1).map((l, i) => {
    const e = JSON.parse(l) as unknown;
    if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'number' || typeof e[1] !== 'string' || typeof e[2] !== 'string') throw new Error(`event ${i + 1} is not [time, code, data]`);
    if (e[0] < prev) throw new Error(`event ${i + 1} goes back in time (${e[0]} < ${prev})`);
    prev = e[0];
    return e as CastEvent;
  });
  return { header, events };
}

/**
 * The cast written in the same pass as the text transcript, from the same
 * redacted text: the raw output is read and redacted once for both files.
 *
 * Why: the export of a 109 MB transcript read, converted and redacted the
 * output twice (the .txt, then the .cast, then the cast once more stripped to
 * text for its check): 6.9 s CPU at load 14 on 2 cores. Here each
 * line-aligned piece of the stream (stream.ts) is redacted once; where the
 * piece lies inside one index segment and is plain output whose line ends are
 * all CRLF (or piped output, which a terminal would show with CRLF), the cast
 * event is that redacted text with CRLF line ends: what a player shows is then
 * the .txt's text by construction, no second redaction or check needed. Any
 * other piece (an escape, a bare LF, a record inside it) is cast as
 * writeAsciicast does, segment by segment, and checked against the .txt.
 */
export class CastAlongside {
  private readonly pts: IndexPoint[];
  private readonly start: number;
  private readonly piped: boolean;
  private readonly decoder = new StringDecoder('utf8');
  private readonly shown = createHash('sha256');
  private next = 0;
  private last = 0;

  constructor(
    indexJsonl: string,
    private readonly opts: CastOptions,
    private readonly emit: (line: string | Buffer) => void,
  ) {
    this.pts = points(indexJsonl);
    const open = this.pts.find((p) => p.t === 'open') ?? this.pts[0];
    this.start = this.pts[0]?.at ?? 0;
    this.piped = open?.kind === 'exec';
    if (!open) return;
    const header: CastHeader = {
      version: 2,
      width: open.cols && open.cols > 0 ? open.cols : 80,
      height: open.rows && open.rows > 0 ? open.rows : 24,
      timestamp: Math.floor(this.start / 1000),
      ...(opts.title ? { title: opts.title } : {}),
      env: { TERM: 'xterm-256color' },
    };
    emit(JSON.stringify(header) + '\n');
  }

  /** No index records: no cast (as writeAsciicast). */
  get empty(): boolean {
    return this.pts.length === 0;
  }

  private time(at: number): number {
    return (this.last = Math.max(this.last, Math.round(at - this.start) / 1000));
  }

  private event(e: CastEvent): void {
    this.emit(JSON.stringify(e) + '\n');
  }

  /** The markers of a record whose output has been cast. */
  private record(p: IndexPoint): void {
    if (p.t === 'step' && p.title) this.event([this.time(p.at), 'm', this.opts.redact(p.title)]);
    if (p.t === 'resize' && p.cols && p.rows) this.event([this.time(p.at), 'r', `${p.cols}x${p.rows}`]);
  }

  /** The time output before `offset` is placed at: the first record at or after it, else the last record's. */
  private stampFor(offset: number): number {
    for (let i = this.next; i < this.pts.length; i++) if (this.pts[i]!.offset >= offset) return this.pts[i]!.at;
    return this.pts[this.pts.length - 1]!.at;
  }

  /**
   * The piece [from, from + piece.length) of the raw output, line-aligned, in
   * order, and its text as redacted into the .txt.
   */
  piece(from: number, piece: Buffer, redacted: string, plain?: PlainText | null): void {
    if (this.empty) return;
    const to = from + piece.length;
    while (this.next < this.pts.length && this.pts[this.next]!.offset <= from) this.record(this.pts[this.next++]!);
    const inside = this.next < this.pts.length && this.pts[this.next]!.offset < to;
    // `plain` (stream.ts plainText of this piece), when the caller has it, saves a pass over the bytes.
    const fast = plain === undefined ? (this.piped ? isPlainText(piece) : crlfOnly(piece)) : plain !== null && (this.piped || plain.crlf);
    if (!inside && fast) {
      const stamp = this.stampFor(to);
      // Nothing masked in a CRLF piece: the raw bytes are the event's text as they are (no line-end rewrite of 100 MB).
      const same = plain != null && plain.crlf && !this.piped && redacted === plain.text;
      if (redacted && same && plain.json) {
        // The event's line as JSON.stringify would make it, from the escaped bytes (stream.ts plainText).
        this.emit(Buffer.concat([Buffer.from(`[${JSON.stringify(this.time(stamp))},"o","`), plain.json, CLOSE_EVENT]));
      } else if (redacted) this.event([this.time(stamp), 'o', same ? piece.toString('utf8') : redacted.replace(/\n/g, '\r\n')]);
      if (same && plain.bytes) this.shown.update(plain.bytes);
      else this.shown.update(redacted, 'utf8');
      return;
    }
    // As writeAsciicast: each segment between records redacted on its own, and checked at the end.
    const parts: string[] = [];
    const put = (bytes: Buffer, at: number) => {
      const text = this.decoder.write(bytes);
      if (!text) return;
      const out = this.opts.redact(this.piped ? text.replace(/\r?\n/g, '\r\n') : text);
      parts.push(out);
      this.event([this.time(at), 'o', out]);
    };
    let sent = from;
    while (this.next < this.pts.length && this.pts[this.next]!.offset < to) {
      const p = this.pts[this.next++]!;
      const end = Math.max(sent, p.offset);
      if (end > sent) put(piece.subarray(sent - from, end - from), p.at);
      sent = end;
      this.record(p);
    }
    if (to > sent) put(piece.subarray(sent - from), this.stampFor(to));
    if (parts.length) this.shown.update(terminalText(Buffer.from(parts.join(''), 'utf8')), 'utf8');
  }

  /** After the last piece: the records after the output, and the check against the .txt's SHA-256. */
  finish(expectedTextSha: string): 'written' | { withheld: string } | null {
    if (this.empty) return null;
    while (this.next < this.pts.length) this.record(this.pts[this.next++]!);
    const tail = this.decoder.end();
    if (tail) {
      const out = this.opts.redact(this.piped ? tail.replace(/\r?\n/g, '\r\n') : tail);
      this.event([this.last, 'o', out]);
      this.shown.update(terminalText(Buffer.from(out, 'utf8')), 'utf8');
    }
    if (this.shown.digest('hex') !== expectedTextSha) {
      return { withheld: 'a credential spans the recorded output segments, so the replay could not be redacted safely; the .txt transcript is redacted' };
    }
    return 'written';
  }
}

const CLOSE_EVENT = Buffer.from('"]\n');

/** Plain output whose every line feed follows a CR: the raw bytes are the text with CRLF line ends. */
function crlfOnly(piece: Buffer): boolean {
  for (let i = 0; i < piece.length; i++) {
    const c = piece[i]!;
    if (c >= 0x20 && c !== 0x7f) continue;
    if (c === 0x09) continue;
    if (c === 0x0d && piece[i + 1] === 0x0a) {
      i++;
      continue;
    }
    return false;
  }
  return true;
}

/** Plain output (stream.ts isPlain), for piped output whose line ends become CRLF either way. */
function isPlainText(piece: Buffer): boolean {
  for (let i = 0; i < piece.length; i++) {
    const c = piece[i]!;
    if ((c >= 0x20 && c !== 0x7f) || c === 0x0a || c === 0x09) continue;
    if (c === 0x0d && piece[i + 1] === 0x0a) continue;
    return false;
  }
  return true;
}
