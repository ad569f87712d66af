/**
 * The warm-up's worker (./warm.ts): opens the history read-only and computes each page asked for with the very
 * function the service uses on request (./page.ts), posting each as it is done. A page that fails is reported and
 * skipped; the worker then exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { setSqliteBinding, sqliteOpts } from '../store/native-binding';
import { HistoryQueries } from './queries';
import { computeRunbookStats, type PageQuery } from './page';
import type { WarmMessage } from './warm';

const data = workerData as { file: string; binding: string | null; queries: PageQuery[] };
setSqliteBinding(data.binding);
const db = new Database(data.file, sqliteOpts({ readonly: true, fileMustExist: true }));
try {
  db.pragma('busy_timeout = 5000');
  const queries = new HistoryQueries(db);
  for (const query of data.queries) {
    let msg: WarmMessage;
    try {
      msg = { query, stats: computeRunbookStats(queries, query) };
    } catch (err) {
      msg = { query, error: (err as Error).message };
    }
    parentPort!.postMessage(msg);
  }
} finally {
  db.close();
}
