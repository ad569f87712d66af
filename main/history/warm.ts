/**
 * Computes runbook pages in a worker thread on its own read-only connection (./warm-worker.ts), for the start-up
 * warm-up (HistoryService.warmUp): the first computation of the hot runbook's page at 100,000 drills took
 * 1.3-2.2 s on the loaded 2-core build machine, and on the host's own thread it would hold every request behind it.
 * Plain JS boots the worker, so it runs the same from source (through tsx's loader, the dev tools' only) and from
 * dist, in Node and Electron. Anything that goes wrong in the worker only means no warm-up.
 */
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { sqliteBinding } from '../store/native-binding';
import type { RunbookStats } from './model';
import type { PageQuery } from './page';

const BOOT = `
const { workerData } = require('node:worker_threads');
if (workerData.tsx) require(workerData.tsx).register();
require(workerData.entry);
`;

export interface WarmMessage {
  query: PageQuery;
  stats?: RunbookStats;
  error?: string;
}

function tsxLoader(): string | null {
  if (!__filename.endsWith('.ts')) return null;
  try {
    return require.resolve('tsx/cjs/api');
  } catch {
    return null;
  }
}

/** Runs the worker over `queries` in order; `onPage` gets each page as it arrives. `done` never rejects. */
export function warmInWorker(file: string, queries: PageQuery[], onPage: (query: PageQuery, stats: RunbookStats) => void): { done: Promise<void>; cancel: () => void } {
  const entry = path.join(__dirname, `warm-worker${path.extname(__filename)}`);
  const tsx = tsxLoader();
  if (entry.endsWith('.ts') && tsx === null) return { done: Promise.resolve(), cancel: () => undefined };
  let worker: Worker;
  try {
    worker = new Worker(BOOT, { eval: true, workerData: { tsx, entry, file, binding: sqliteBinding(), queries } });
  } catch {
    return { done: Promise.resolve(), cancel: () => undefined };
  }
  // Not unref'd: a caller awaiting `done` keeps the process up until the worker answers (close() cancels it).
  let cancelled = false;
  const done = new Promise<void>((resolve) => {
    worker.on('message', (m: WarmMessage) => {
      if (!cancelled && m.stats) onPage(m.query, m.stats);
    });
    worker.once('error', () => resolve());
    worker.once('exit', () => resolve());
  });
  return {
    done,
    cancel: () => {
      cancelled = true;
      void worker.terminate();
    },
  };
}
