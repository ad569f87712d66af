/** A TerminalService over a real SQLite drill store, with a recording sink and bounded waits. */
import path from 'node:path';
import { openDatabase, type Db } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { parseRunbook, type Runbook } from '../../../main/runbook';
import { TerminalService, type TerminalServiceOptions } from '../../../main/terminal';
import type { PromptInfo, TerminalEvent, TerminalInfo, TerminalSink } from '../../../main/terminal/types';
import { tempDir } from '../../helpers/runbooks';

export interface Harness {
  dir: string;
  db: Db;
  drills: DrillService;
  svc: TerminalService;
  events: TerminalEvent[];
  sink: TerminalSink & { bytes(terminalId: string): Buffer; count(terminalId: string): number; frames: number };
  /** Answers prompts as they appear (set per test). */
  onPrompt: ((p: PromptInfo) => void) | null;
  runbook(text: string): Runbook;
  status(terminalId: string): TerminalInfo | undefined;
  close(): Promise<void>;
}

export function makeHarness(opts: Partial<Omit<TerminalServiceOptions, 'dataDir' | 'drills' | 'emit'>> = {}): Harness {
  const tmp = tempDir('drillbook-term-');
  const db = openDatabase(tmp.dir);
  const drills = new DrillService(db);
  const events: TerminalEvent[] = [];
  const received = new Map<string, Buffer[]>();
  const counts = new Map<string, number>();
  const sink = {
    id: 'test-sink',
    frames: 0,
    data(terminalId: string, bytes: Uint8Array) {
      sink.frames++;
      const list = received.get(terminalId) ?? [];
      list.push(Buffer.from(bytes));
      received.set(terminalId, list);
      counts.set(terminalId, (counts.get(terminalId) ?? 0) + bytes.length);
    },
    count(terminalId: string) {
      return counts.get(terminalId) ?? 0;
    },
    bytes(terminalId: string) {
      return Buffer.concat(received.get(terminalId) ?? []);
    },
  };
  const h: Harness = {
    dir: tmp.dir,
    db,
    drills,
    events,
    sink,
    onPrompt: null,
    svc: new TerminalService({
      dataDir: tmp.dir,
      drills,
      emit: (e) => {
        events.push(e);
        if (e.type === 'terminal.prompt' && e.state === 'open') h.onPrompt?.(e.prompt);
      },
      ...opts,
    }),
    runbook: (text) => parseRunbook(text, path.join(tmp.dir, 'runbook.md')),
    status: (id) => h.svc.list().find((t) => t.terminalId === id),
    close: async () => {
      await h.svc.closeAll();
      db.close();
      tmp.cleanup();
    },
  };
  return h;
}

/** Polls until `pred` is truthy; fails with `what` after `ms`. */
export async function waitFor<T>(what: string, pred: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function lastStatus(h: Harness, terminalId: string): TerminalInfo | undefined {
  for (let i = h.events.length - 1; i >= 0; i--) {
    const e = h.events[i]!;
    if (e.type === 'terminal.status' && e.terminal.terminalId === terminalId) return e.terminal;
  }
  return undefined;
}
