/**
 * Is this history intact, and is this file a Drillbook history at all?
 * PRAGMA integrity_check (full) or quick_check (page structure: 10× cheaper
 * on a large history), on an open connection, on a file opened read-only,
 * or in a worker thread so a long-running host starts without waiting.
 * A damaged or foreign file is reported, never thrown at the caller as a
 * SQLite error (inspectDatabaseFile throws one BackupError sentence).
 * Part of the history's safety (backup.ts lists the parts).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Db } from './db';
import { MIGRATIONS } from './migrations';
import { sqliteBinding, sqliteOpts } from './native-binding';
import type { IntegrityReport } from './model';

export type { IntegrityReport };

/** How many problems an integrity check reports at most. */
const MAX_PROBLEMS = 50;
export const REQUIRED_TABLES = ['drills', 'events', 'drill_steps'];


/** Why a backup, a restore or a file was refused: one sentence for the user. */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/** Runs integrity_check (full) or quick_check on an open connection. */
export function integrityCheck(db: Db, mode: 'quick' | 'full' = 'full'): IntegrityReport {
  const t0 = performance.now();
  const pragma = mode === 'full' ? 'integrity_check' : 'quick_check';
  let problems: string[];
  try {
    problems = (db.pragma(`${pragma}(${MAX_PROBLEMS})`) as Record<string, unknown>[]).map((r) => String(Object.values(r)[0]));
  } catch (err) {
    // A badly damaged file fails the check itself ("database disk image is malformed").
    problems = [(err as Error).message];
  }
  const ok = problems.length === 1 && problems[0] === 'ok';
  return { ok, mode, problems: ok ? [] : problemLines(problems), ms: Math.round(performance.now() - t0) };
}

/** One problem per line: SQLite puts several in one row, under a "*** in database main ***" header. */
function problemLines(rows: string[]): string[] {
  return rows.flatMap((r) => r.split('\n')).filter((l) => l.trim() !== '' && !/^\*\*\* in database \w+ \*\*\*$/.test(l));
}

/** Opens a file read-only and checks it; never throws for a damaged or foreign file. */
function integrityCheckFile(file: string, mode: 'quick' | 'full' = 'full'): IntegrityReport {
  let db: Db | null = null;
  try {
    db = new Database(file, sqliteOpts({ readonly: true, fileMustExist: true }));
    return integrityCheck(db, mode);
  } catch (err) {
    return { ok: false, mode, problems: [(err as Error).message], ms: 0 };
  } finally {
    db?.close();
  }
}

// Plain JS so it runs the same from source (tsx) and from dist, in Node and Electron.
const CHECK_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
let Database = null;
try {
  Database = require(workerData.module);
} catch (err) {
  parentPort.postMessage({ loadError: String((err && err.message) || err) });
}
if (Database) {
  const t0 = Date.now();
  let db = null;
  let problems;
  try {
    db = new Database(workerData.file, Object.assign({ readonly: true, fileMustExist: true }, workerData.binding ? { nativeBinding: workerData.binding } : {}));
    problems = db.pragma(workerData.pragma + '(' + workerData.max + ')').map((r) => String(Object.values(r)[0]));
  } catch (err) {
    problems = [String((err && err.message) || err)];
  } finally {
    try { if (db) db.close(); } catch {}
  }
  parentPort.postMessage({ problems, ms: Date.now() - t0 });
}
`;

/**
 * integrity_check in a worker thread on its own read-only connection. If
 * the worker itself cannot run (a packaging problem, not a database one),
 * the check runs here instead: a slow start beats a false alarm.
 */
export function integrityCheckInBackground(
  file: string,
  mode: 'quick' | 'full' = 'full',
  module: string = require.resolve('better-sqlite3'),
): { done: Promise<IntegrityReport>; cancel: () => void } {
  let cancelled = false;
  let worker: Worker;
  try {
    worker = new Worker(CHECK_WORKER, {
      eval: true,
      workerData: { module, binding: sqliteBinding(), file, pragma: mode === 'full' ? 'integrity_check' : 'quick_check', max: MAX_PROBLEMS },
    });
  } catch {
    return { done: Promise.resolve(integrityCheckFile(file, mode)), cancel: () => undefined };
  }
  worker.unref();
  const inProcess = () => (cancelled ? { ok: true, mode, problems: [], ms: 0 } : integrityCheckFile(file, mode));
  const done = new Promise<IntegrityReport>((resolve) => {
    worker.once('message', (m: { problems?: string[]; ms?: number; loadError?: string }) => {
      if (m.loadError !== undefined || !m.problems) return resolve(inProcess());
      const ok = m.problems.length === 1 && m.problems[0] === 'ok';
      resolve({ ok, mode, problems: ok ? [] : problemLines(m.problems), ms: m.ms ?? 0 });
    });
    worker.once('error', () => resolve(inProcess()));
    worker.once('exit', (code) => {
      // Terminated by cancel(), or crashed: either way the promise must settle (a no-op if it already has).
      if (code !== 0) resolve(inProcess());
    });
  });
  return {
    done,
    cancel: () => {
      cancelled = true;
      void worker.terminate();
    },
  };
}

export interface DatabaseFileInfo {
  schemaVersion: number;
  drills: number;
  events: number;
  integrity: IntegrityReport;
}

/**
 * Whether a file is a Drillbook history this version can open, and intact.
 * Throws BackupError with the reason when it is not.
 */
export function inspectDatabaseFile(file: string, mode: 'quick' | 'full' = 'full'): DatabaseFileInfo {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`);
  let db: Db;
  try {
    db = new Database(file, sqliteOpts({ readonly: true, fileMustExist: true }));
  } catch (err) {
    throw new BackupError(`${file} cannot be opened as a SQLite database: ${(err as Error).message}`);
  }
  try {
    let tables: string[];
    try {
      tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    } catch (err) {
      throw new BackupError(`${file} is not a SQLite database (${(err as Error).message})`);
    }
    const missing = REQUIRED_TABLES.filter((t) => !tables.includes(t));
    if (missing.length > 0) throw new BackupError(`${file} is not a Drillbook history database (no ${missing.join(', ')} table)`);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (schemaVersion < 1) throw new BackupError(`${file} is not a Drillbook history database (schema version ${schemaVersion})`);
    if (schemaVersion > MIGRATIONS.length) {
      throw new BackupError(`${file} was written by a newer Drillbook (schema ${schemaVersion}; this version knows ${MIGRATIONS.length})`);
    }
    const integrity = integrityCheck(db, mode);
    if (!integrity.ok) throw new BackupError(`${file} is damaged: ${integrity.problems.slice(0, 3).join('; ')}`);
    const drills = db.prepare('SELECT COUNT(*) FROM drills').pluck().get() as number;
    const events = db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
    return { schemaVersion, drills, events, integrity };
  } finally {
    db.close();
  }
}
