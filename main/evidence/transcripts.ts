/**
 * Terminal transcripts in evidence bundles. Terminals (main/terminal) keep
 * each session as raw bytes plus a JSONL index linking it to the drill and
 * its steps; the exporter needs only what TranscriptSource asks for, so
 * tests (or another recorder) can feed it too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { listTranscripts } from '../terminal/transcript';

export interface TranscriptInfo {
  /** Unique among the drill's transcripts; becomes the file name (made safe). */
  id: string;
  /** What the session was, for the report: "local shell", "ssh db (ana@db-1:22)". */
  title: string;
  stepIndex: number | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface TranscriptSource {
  list(drillId: string): TranscriptInfo[] | Promise<TranscriptInfo[]>;
  /** The raw bytes the terminal showed, escape sequences included. */
  read(drillId: string, id: string): Buffer | Promise<Buffer>;
  /** Where the raw bytes are on disk, when they are: the export then streams them instead of calling `read`. */
  file?(drillId: string, id: string): string | null | Promise<string | null>;
  /** The session's JSONL index (steps, commands, results, with times), when there is one. */
  index?(drillId: string, id: string): string | null | Promise<string | null>;
}

/** Transcripts as main/terminal records them under <dataDir>/transcripts/<drillId>/. */
export function terminalTranscripts(dataDir: string): TranscriptSource {
  const find = (drillId: string, id: string) => {
    const t = listTranscripts(dataDir, drillId).find((x) => x.terminalId === id);
    if (!t) throw new Error(`drill ${drillId} has no transcript ${id}`);
    return t;
  };
  return {
    list: (drillId) =>
      listTranscripts(dataDir, drillId).map((t) => {
        const records = readIndex(t.index);
        const open = records.find((r) => r.t === 'open');
        const last = records[records.length - 1];
        return {
          id: t.terminalId,
          title: `${t.kind === 'ssh' ? `ssh ${t.target}` : t.kind === 'exec' ? `run ${t.target}` : 'local shell'}${t.endpoint && t.kind === 'ssh' ? ` (${t.endpoint})` : ''}`,
          stepIndex: typeof open?.stepIndex === 'number' ? open.stepIndex : null,
          startedAt: t.openedAt,
          endedAt: typeof last?.at === 'string' ? last.at : null,
        };
      }),
    read: (drillId, id) => {
      const t = find(drillId, id);
      try {
        return readFileSync(t.out);
      } catch {
        return Buffer.alloc(0); // the session opened but never printed anything
      }
    },
    file: (drillId, id) => {
      const out = find(drillId, id).out;
      return existsSync(out) ? out : null;
    },
    index: (drillId, id) => {
      try {
        return readFileSync(find(drillId, id).index, 'utf8');
      } catch {
        return null;
      }
    },
  };
}

function readIndex(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a torn last line (crash mid-write) is skipped
    }
  }
  return out;
}
