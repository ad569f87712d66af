/**
 * One writer per data folder. Two processes recording into one history (two
 * `drillbook web`, or the app and `drillbook run`) raced for drill ids and
 * event numbers; the first wedged on "UNIQUE constraint failed". A writer
 * now holds an exclusive SQLite lock on <data>/writer.lock for as long as it
 * runs: an fcntl lock the kernel drops when the process ends, even by
 * kill -9, so there is never a stale lock to clean up. Who holds it (pid,
 * command, since when) is written beside it in writer.json, so the second
 * writer is told exactly which process to close. Readers (history, show,
 * stats, export, verify) take no lock and keep working.
 */
import { privateFiles } from './private';
import Database from 'better-sqlite3';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from './process';

export const LOCK_FILE = 'writer.lock';
export const HOLDER_FILE = 'writer.json';

export interface LockHolder {
  pid: number;
  command: string;
  /** ISO UTC. */
  since: string;
}

export class WriterLockError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder | null,
  ) {
    super(message);
    this.name = 'WriterLockError';
  }
}

export interface WriterLock {
  release(): void;
}

/** This process's command line, short enough for a message ("drillbook web --port 8080"). */
export function describeCommand(argv: readonly string[] = process.argv): string {
  const args = argv.slice(1);
  const cli = args.findIndex((a) => /cli[\\/]index\.[jt]s$|[\\/]drillbook$/.test(a));
  const shown = cli >= 0 ? ['drillbook', ...args.slice(cli + 1)] : [path.basename(argv[0] ?? 'node'), ...args.map((a) => path.basename(a))];
  const text = shown.join(' ');
  return text.length > 120 ? text.slice(0, 117) + '…' : text;
}

function readHolder(dataDir: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.command === 'string' && typeof h.since === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** Takes the data folder's writer lock, or throws WriterLockError naming the process that has it. */
export function acquireWriterLock(dataDir: string, command: string = describeCommand(), now: () => Date = () => new Date()): WriterLock {
  const file = path.join(dataDir, LOCK_FILE);
  const db = new Database(file, { timeout: 0 });
  privateFiles(file); // owner-only, like every file of the history (./private.ts)
  try {
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if (!/locked|busy/i.test((err as Error).message)) throw err;
    const holder = readHolder(dataDir);
    const who =
      holder && holder.pid !== process.pid && processAlive(holder.pid)
        ? `process ${holder.pid} (${holder.command}), since ${holder.since}`
        : 'another process';
    throw new WriterLockError(
      `Another Drillbook is already recording into ${dataDir}: ${who}. Close it first, or use --data for another folder; history, show, stats, export and verify still work while it runs.`,
      holder,
    );
  }
  const holder: LockHolder = { pid: process.pid, command, since: now().toISOString() };
  const tmp = path.join(dataDir, `${HOLDER_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(holder) + '\n', { mode: 0o600 });
  renameSync(tmp, path.join(dataDir, HOLDER_FILE));
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      try {
        db.exec('ROLLBACK');
      } catch {
        // closing drops the lock either way
      }
      db.close();
    },
  };
}
