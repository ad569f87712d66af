/**
 * Restore: only from a file that is a Drillbook database and passes
 * integrity_check; refused while another process has the history open (it
 * would keep writing to the replaced file); the current database is kept
 * as a pre-restore copy first. Part of the history's safety (backup.ts
 * lists the parts).
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db';
import { openDatabase } from './db';
import { backupDir, backupName, dbFile, fsyncDir, fsyncFile } from './backup-files';
import { BackupError, inspectDatabaseFile, integrityCheck } from './integrity';
import { sqliteOpts } from './native-binding';
import { privateDir, privateFiles } from './private';
import { processAlive } from './process';

export interface RestoreReport {
  restoredFrom: string;
  /** The database that was replaced, kept in backups/ (null when there was none). */
  safetyCopy: string | null;
  schemaVersion: number;
  drills: number;
  events: number;
}

/**
 * Makes sure nothing else has the database open. SQLite cannot leave WAL
 * mode while another connection has the file open, so a successful switch
 * to rollback journaling proves we are alone (and leaves one self-contained
 * file behind). Returns the connection for the caller to close; null when
 * the file is too damaged to open (then there is nothing to ask).
 */
function claimCurrent(file: string): Db | null {
  let db: Db;
  try {
    db = new Database(file, sqliteOpts({ fileMustExist: true, timeout: 0 }));
  } catch {
    return null;
  }
  try {
    const running = db.prepare(`SELECT id, owner_pid FROM drills WHERE status = 'running'`).all() as { id: string; owner_pid: number | null }[];
    const live = running.find((r) => r.owner_pid !== null && r.owner_pid !== process.pid && r.owner_pid > 0 && processAlive(r.owner_pid));
    if (live) {
      db.close();
      throw new BackupError(`drill ${live.id} is running in process ${live.owner_pid}; finish or abort it (or close that Drillbook) before restoring`);
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    // Damaged enough that the drills table cannot be read: go on; the safety copy keeps it as it is.
  }
  let mode: string;
  try {
    mode = String(db.pragma('journal_mode = DELETE', { simple: true }));
  } catch (err) {
    if (!/locked|busy/i.test((err as Error).message)) return db;
    mode = 'busy';
  }
  if (mode !== 'delete') {
    db.close();
    throw new BackupError('another Drillbook process (the app, or drillbook web) has the history open; close it before restoring');
  }
  return db;
}

/**
 * Replaces <data>/drillbook.sqlite with a verified copy of `source`,
 * keeping the current file as backups/drillbook-…-pre-restore.sqlite.
 * Must run with no other Drillbook process using the data folder.
 */
export async function restoreDatabase(dataDir: string, source: string, now: () => Date = () => new Date()): Promise<RestoreReport> {
  const src = path.resolve(source);
  const target = dbFile(dataDir);
  if (existsSync(target) && path.resolve(target) === src) throw new BackupError('that is the database in use; name a backup to restore from');
  inspectDatabaseFile(src, 'full');
  privateDir(backupDir(dataDir));

  // 1. Keep what is there now, byte for byte (with its log, if it has one: that is part of it),
  //    then make sure we are alone. Refused → the copy goes again; nothing else was touched.
  let safetyCopy: string | null = null;
  if (existsSync(target)) {
    safetyCopy = path.join(backupDir(dataDir), backupName('pre-restore', now(), backupDir(dataDir)));
    const copies = [safetyCopy];
    copyFileSync(target, safetyCopy);
    for (const suffix of ['-wal', '-journal']) {
      if (existsSync(target + suffix)) {
        copyFileSync(target + suffix, safetyCopy + suffix);
        copies.push(safetyCopy + suffix);
      }
    }
    privateFiles(...copies);
    for (const c of copies) fsyncFile(c);
    try {
      claimCurrent(target)?.close();
    } catch (err) {
      for (const c of copies) rmSync(c, { force: true });
      throw err;
    }
  }

  // 2. A faithful page-by-page copy of the source (reading through its WAL, if it has one) beside the target.
  const incoming = target + '.restoring';
  rmSync(incoming, { force: true });
  const srcDb = new Database(src, sqliteOpts({ readonly: true, fileMustExist: true }));
  try {
    await srcDb.backup(incoming);
  } finally {
    srcDb.close();
  }
  finishCopyInPlace(incoming);
  privateFiles(incoming);

  // 3. Swap it in. Stale -wal/-shm files would be replayed onto the restored file: remove them first.
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(target + suffix, { force: true });
  renameSync(incoming, target);
  fsyncDir(dataDir);

  // 4. Open it the normal way (bringing an older schema up to date) and count what came back.
  const db = openDatabase(dataDir);
  try {
    const check = integrityCheck(db, 'quick');
    if (!check.ok) throw new BackupError(`the restored database failed its check: ${check.problems.slice(0, 3).join('; ')}`);
    return {
      restoredFrom: src,
      safetyCopy,
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
      drills: db.prepare('SELECT COUNT(*) FROM drills').pluck().get() as number,
      events: db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

function finishCopyInPlace(file: string): void {
  const copy = new Database(file, sqliteOpts());
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  fsyncFile(file);
}
