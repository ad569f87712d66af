/**
 * The history database: one SQLite file, WAL, versioned migrations.
 *
 * synchronous=FULL because an event must be on disk before the UI is told
 * it happened (principle 1); drill events arrive at human speed, so the
 * fsync per transaction costs nothing anyone can feel.
 */
import Database from 'better-sqlite3';
import { sqliteOpts } from './native-binding';
import { privateDir, privateFiles, touchPrivate } from './private';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

export class DatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseError';
  }
}

export function openDatabase(dataDir: string): Db {
  const file = path.join(dataDir, 'drillbook.sqlite');
  try {
    privateDir(dataDir);
  } catch (err) {
    throw new DatabaseError(`cannot create the data folder ${dataDir}: ${plainFsError(err)}`);
  }
  let db: Db | undefined;
  try {
    touchPrivate(file);
    db = new Database(file, sqliteOpts());
    privateFiles(file, file + '-wal', file + '-shm');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Another Drillbook process (the CLI beside the app) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    db?.close();
    throw new DatabaseError(readOnlyReason(dataDir, file) ?? `cannot open the history database ${file}: ${(err as Error).message}`);
  }
  try {
    migrate(db, file);
  } catch (err) {
    db.close();
    if (err instanceof DatabaseError) throw err;
    throw new DatabaseError(readOnlyReason(dataDir, file) ?? `cannot open the history database ${file}: ${(err as Error).message}`);
  }
  watchPlace(db, file);
  return db;
}

/**
 * SQLite says "unable to open database file" (or "attempt to write a
 * readonly database") for a folder or file it cannot write; say which.
 */
export function readOnlyReason(dataDir: string, file: string): string | null {
  const writable = (p: string) => {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (existsSync(file) && !writable(file)) return `the history database ${file} is read-only: Drillbook needs to write to it (check its permissions, or use --data for another folder)`;
  if (existsSync(dataDir) && !writable(dataDir)) {
    return `the data folder ${dataDir} is read-only: Drillbook needs to write its history there (check the folder's permissions or mount, or use --data for another folder)`;
  }
  return null;
}

function plainFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'the file system is read-only';
  return (err as Error).message;
}

// ---------------------------------------------------------------------------
// The file under the open connection must still be the file at the path.
//
// SQLite keeps writing to an open file after its folder is deleted or moved:
// every commit "succeeds" into an unlinked inode, and a restart finds nothing.
// Before and after each write batch the store compares the path's device and
// inode with the ones the database was opened with (one stat, about 2 µs
// here, against the fsync of synchronous=FULL, about 2 ms), and once they
// differ every later write is refused with the same sentence.

export class DatabaseMovedError extends UserError {
  constructor(message: string) {
    super('internal', message);
    this.name = 'DatabaseMovedError';
  }
}

interface Place {
  file: string;
  dev: bigint;
  ino: bigint;
  /** When the file was last seen in place after a commit (ms since the epoch). */
  lastGoodMs: number;
  lost: string | null;
  listeners: Set<(message: string) => void>;
}

const places = new WeakMap<Db, Place>();

function watchPlace(db: Db, file: string): void {
  const st = statSync(file, { bigint: true });
  places.set(db, { file, dev: st.dev, ino: st.ino, lastGoodMs: Date.now(), lost: null, listeners: new Set() });
}

function hhmmss(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19) + ' UTC';
}

/** The reason writes are refused, or null while the database is where it was opened. Checks now. */
export function databaseLost(db: Db): string | null {
  const p = places.get(db);
  if (!p) return null;
  if (p.lost) return p.lost;
  let same = false;
  try {
    const st = statSync(p.file, { bigint: true });
    same = st.dev === p.dev && st.ino === p.ino;
  } catch {
    same = false;
  }
  if (same) return null;
  p.lost =
    `The history database was moved or deleted: ${p.file} is no longer the file Drillbook opened; ` +
    `nothing after ${hhmmss(p.lastGoodMs)} was saved. Put the data folder back (or restore it) and restart Drillbook.`;
  for (const l of p.listeners) {
    try {
      l(p.lost);
    } catch {
      // a listener's failure is not the database's
    }
  }
  return p.lost;
}

/** Throws DatabaseMovedError unless the database is still in place; call around every write batch. */
export function assertInPlace(db: Db): void {
  const lost = databaseLost(db);
  if (lost) throw new DatabaseMovedError(lost);
}

/** After a commit: the file was in place, so everything so far is saved. */
export function committedInPlace(db: Db): void {
  assertInPlace(db);
  const p = places.get(db);
  if (p) p.lastGoodMs = Date.now();
}

/** Told once when the database is found moved or deleted. */
export function onDatabaseLost(db: Db, listener: (message: string) => void): () => void {
  const p = places.get(db);
  if (!p) return () => undefined;
  p.listeners.add(listener);
  return () => p.listeners.delete(listener);
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, file: string): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new DatabaseError(
      `${file} was written by a newer Drillbook (schema ${current}; this version knows ${MIGRATIONS.length}). Upgrade Drillbook to open it.`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const step = MIGRATIONS[v]!;
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
