/**
 * The history database: one SQLite file, WAL, versioned migrations.
 *
 * synchronous=FULL because an event must be on disk before the UI is told
 * it happened (principle 1); drill events arrive at human speed, so the
 * fsync per transaction costs nothing anyone can feel.
 */
import Database from 'better-sqlite3';
import { sqliteOpts } from './native-binding';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

export class DatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseError';
  }
}

export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'drillbook.sqlite');
  let db: Db;
  try {
    db = new Database(file, sqliteOpts());
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Another Drillbook process (the CLI beside the app) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new DatabaseError(`cannot open the history database ${file}: ${(err as Error).message}`);
  }
  migrate(db, file);
  return db;
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
