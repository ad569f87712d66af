/**
 * A terminal's transcript: two append-only files, streamed as the terminal
 * runs and never held whole in memory.
 *
 * - `<id>.out`: every byte received from the terminal, exactly as received
 *   (escape sequences included), so replaying it through xterm.js shows
 *   what the operator saw.
 * - `<id>.jsonl`: one JSON object per line — the terminal's opening (drill,
 *   target, size), step changes, resizes, commands sent, command results,
 *   connection changes, typed input (counts and control keys only: what was
 *   typed is already in the output as its echo, and a keystroke log would
 *   capture passwords typed at no-echo prompts) — each with the wall-clock
 *   time and the byte offset into `.out` at that moment.
 *
 * Writes go through fs write streams; `backlog` exposes what is still
 * queued so the session can pause its source when the disk falls behind.
 */
import { privateDir } from '../store/private';
import { createReadStream, createWriteStream, openSync, readSync, closeSync, statSync, readdirSync, type WriteStream } from 'node:fs';
import type { IndexRecord, TranscriptEntry, TranscriptInfo } from './types';
import path from 'node:path';
import readline from 'node:readline';

export type { IndexRecord, TranscriptEntry };

export interface TranscriptPaths {
  out: string;
  index: string;
}

/** Where a terminal's transcript lives: <dataDir>/transcripts/<drillId | adhoc>/<terminalId>.{out,jsonl}. */
export function transcriptPaths(dataDir: string, drillId: string | null, terminalId: string): TranscriptPaths {
  const dir = path.join(dataDir, 'transcripts', drillId ?? 'adhoc');
  return { out: path.join(dir, `${terminalId}.out`), index: path.join(dir, `${terminalId}.jsonl`) };
}

export class TranscriptWriter {
  private readonly out: WriteStream;
  private readonly index: WriteStream;
  private written = 0;
  private closed = false;
  private failed: string | null = null;

  constructor(
    readonly paths: TranscriptPaths,
    private readonly wallNow: () => number = Date.now,
    /** The terminal host (main/terminal/host) writes `.out` itself: only count its bytes, from `offset`. */
    private readonly outByHost: { offset: number } | null = null,
  ) {
    privateDir(path.dirname(paths.out));
    // Append: a reconnected terminal (or a recovered drill) continues its transcript.
    let existing = 0;
    try {
      existing = statSync(paths.out).size;
    } catch {
      existing = 0;
    }
    this.written = outByHost ? outByHost.offset : existing;
    this.out = createWriteStream(paths.out, { flags: 'a', mode: 0o600 });
    this.index = createWriteStream(paths.index, { flags: 'a', mode: 0o600 });
    const onError = (err: Error) => {
      // A full disk must not take the terminal down with it; the status says what was lost.
      this.failed = err.message;
    };
    this.out.on('error', onError);
    this.index.on('error', onError);
  }

  /** Bytes in `.out` so far (what the next byte's offset will be). */
  get offset(): number {
    return this.written;
  }

  /** Bytes accepted but not yet on disk. */
  get backlog(): number {
    return this.out.writableLength + this.index.writableLength;
  }

  get error(): string | null {
    return this.failed;
  }

  write(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    if (!this.outByHost) this.out.write(bytes);
    this.written += bytes.length;
  }

  note(entry: TranscriptEntry): IndexRecord {
    const record = { ...entry, at: new Date(this.wallNow()).toISOString(), offset: this.written } as IndexRecord;
    if (!this.closed) this.index.write(JSON.stringify(record) + '\n');
    return record;
  }

  /** Calls back once the queued writes have reached the OS. */
  onDrain(cb: () => void): void {
    let waiting = 0;
    const done = () => {
      if (--waiting === 0) cb();
    };
    for (const s of [this.out, this.index]) {
      if (s.writableNeedDrain) {
        waiting++;
        s.once('drain', done);
      }
    }
    if (waiting === 0) cb();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return Promise.all([this.out, this.index].map((s) => new Promise<void>((resolve) => s.end(() => resolve())))).then(() => undefined);
  }
}

/** Reads up to `max` index records (streamed line by line). */
export async function readTranscriptIndex(file: string, max = 10_000): Promise<{ records: IndexRecord[]; truncated: boolean }> {
  const records: IndexRecord[] = [];
  let truncated = false;
  const stream = createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      if (records.length >= max) {
        truncated = true;
        break;
      }
      try {
        records.push(JSON.parse(line) as IndexRecord);
      } catch {
        // A torn last line (crash mid-write) is skipped, not fatal.
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return { records, truncated };
}

/** Reads a byte range of a transcript's `.out` file. */
export function readTranscriptBytes(file: string, offset: number, length: number): { bytes: Buffer; total: number } {
  const total = statSync(file).size;
  const start = Math.min(Math.max(0, offset), total);
  const n = Math.max(0, Math.min(length, total - start));
  const bytes = Buffer.alloc(n);
  if (n > 0) {
    const fd = openSync(file, 'r');
    try {
      let got = 0;
      while (got < n) {
        const r = readSync(fd, bytes, got, n - got, start + got);
        if (r === 0) break;
        got += r;
      }
    } finally {
      closeSync(fd);
    }
  }
  return { bytes, total };
}

/** Scans <dataDir>/transcripts/<drillId>/ for transcripts; reads each one's opening record. */
export function listTranscripts(dataDir: string, drillId: string): TranscriptInfo[] {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(drillId)) return [];
  const dir = path.join(dataDir, 'transcripts', drillId);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: TranscriptInfo[] = [];
  for (const name of names.filter((n) => n.endsWith('.jsonl')).sort()) {
    const terminalId = name.slice(0, -'.jsonl'.length);
    const index = path.join(dir, name);
    const outFile = path.join(dir, terminalId + '.out');
    const open = firstRecord(index);
    let bytes = 0;
    try {
      bytes = statSync(outFile).size;
    } catch {
      bytes = 0;
    }
    out.push({
      terminalId,
      drillId,
      target: typeof open?.target === 'string' ? open.target : 'unknown',
      kind: open?.kind === 'ssh' || open?.kind === 'local' || open?.kind === 'exec' ? open.kind : 'local',
      endpoint: typeof open?.endpoint === 'string' ? open.endpoint : '',
      out: outFile,
      index,
      bytes,
      openedAt: typeof open?.at === 'string' ? open.at : null,
    });
  }
  return out.sort((a, b) => (a.openedAt ?? '').localeCompare(b.openedAt ?? ''));
}

function firstRecord(file: string): Record<string, unknown> | null {
  try {
    const { bytes } = readTranscriptBytes(file, 0, 8192);
    const line = bytes.toString('utf8').split('\n')[0] ?? '';
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
