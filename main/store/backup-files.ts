/**
 * The backup files under <data>/backups/: their names (the time and kind
 * in the name, so the list needs no index), listing and rotation, and the
 * copy itself. A copy is made beside its destination as `.partial`, with
 * SQLite's online backup API (a consistent snapshot while drills keep
 * recording) or VACUUM INTO (synchronous, for a short-lived CLI process),
 * made one self-contained file (no -wal), checked with quick_check, fsynced,
 * and only then renamed into place: a crash leaves a stale `.partial`, never
 * a half backup under a backup's name. Part of the history's safety
 * (backup.ts lists the parts).
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db';
import { BackupError, REQUIRED_TABLES, integrityCheck } from './integrity';
import { sqliteOpts } from './native-binding';
import { privateFiles } from './private';
import type { BackupInfo, BackupKind } from './model';

export type { BackupInfo, BackupKind };

export const DB_FILE = 'drillbook.sqlite';
export const BACKUP_DIR = 'backups';


export function dbFile(dataDir: string): string {
  return path.join(dataDir, DB_FILE);
}

export function backupDir(dataDir: string): string {
  return path.join(dataDir, BACKUP_DIR);
}

function stamp(date: Date): string {
  // 2026-01-31T09-00-00-000Z: sorts by time, and is a valid file name everywhere.
  return date.toISOString().replace(/[:.]/g, '-');
}

const NAME_RE = /^drillbook-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)-(auto|manual|pre-restore)(?:-\d+)?\.sqlite$/;

function parseStamp(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(s)!;
  return `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`;
}

export function backupName(kind: BackupKind, date: Date, dir?: string): string {
  const base = `drillbook-${stamp(date)}-${kind}`;
  if (!dir) return `${base}.sqlite`;
  let name = `${base}.sqlite`;
  for (let i = 2; existsSync(path.join(dir, name)); i++) name = `${base}-${i}.sqlite`;
  return name;
}

/** Backups in <data>/backups, newest first. */
export function listBackups(dataDir: string): BackupInfo[] {
  const dir = backupDir(dataDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: BackupInfo[] = [];
  for (const name of names) {
    const m = NAME_RE.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    let bytes = 0;
    try {
      bytes = statSync(file).size;
    } catch {
      continue;
    }
    out.push({ file, name, kind: m[2] as BackupKind, createdAt: parseStamp(m[1]!), bytes });
  }
  return out.sort((a, b) => (a.createdAt === b.createdAt ? b.name.localeCompare(a.name) : b.createdAt.localeCompare(a.createdAt)));
}

/** Removes automatic backups beyond the newest `keep`; returns what was removed. */
export function rotateBackups(dataDir: string, keep: number): string[] {
  const autos = listBackups(dataDir).filter((b) => b.kind === 'auto');
  const removed: string[] = [];
  for (const b of autos.slice(Math.max(1, keep))) {
    rmSync(b.file, { force: true });
    removed.push(b.file);
  }
  return removed;
}

/** Leftovers of a backup interrupted by a crash; old enough that no live process can still be writing them. */
export function removeStalePartials(dir: string, olderThanMs = 3_600_000): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.endsWith('.partial') && !n.endsWith('.partial-journal')) continue;
    const file = path.join(dir, n);
    try {
      if (Date.now() - statSync(file).mtimeMs > olderThanMs) rmSync(file, { force: true });
    } catch {
      // Gone already.
    }
  }
}

export function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported everywhere (Windows); the rename is still atomic.
  }
}

/** Turns a fresh copy into one self-contained, checked file, then moves it into place. */
function finishCopy(partial: string, dest: string): void {
  const copy = new Database(partial, sqliteOpts({ fileMustExist: true }));
  try {
    copy.pragma('journal_mode = DELETE');
    const check = integrityCheck(copy, 'quick');
    if (!check.ok) throw new BackupError(`the new backup failed its check: ${check.problems.slice(0, 3).join('; ')}`);
    const tables = copy.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    if (!REQUIRED_TABLES.every((t) => tables.includes(t))) throw new BackupError('the new backup is incomplete (tables missing)');
  } finally {
    copy.close();
  }
  privateFiles(partial);
  fsyncFile(partial);
  renameSync(partial, dest);
  fsyncDir(path.dirname(dest));
}

/** Online backup (SQLite backup API) of an open database to `dest`, which must not exist. */
export async function backupTo(db: Db, dest: string): Promise<void> {
  if (existsSync(dest)) throw new BackupError(`${dest} already exists; refusing to overwrite it`);
  const dir = path.dirname(dest);
  if (!existsSync(dir)) throw new BackupError(`the folder ${dir} does not exist`);
  const partial = dest + '.partial';
  rmSync(partial, { force: true });
  try {
    await db.backup(partial);
    finishCopy(partial, dest);
  } catch (err) {
    rmSync(partial, { force: true });
    rmSync(partial + '-journal', { force: true });
    throw err instanceof BackupError ? err : new BackupError(`backup to ${dest} failed: ${(err as Error).message}`);
  }
}

/** The same, synchronously (VACUUM INTO: a consistent, compacted copy), for short-lived processes. */
export function backupToSync(db: Db, dest: string): void {
  if (existsSync(dest)) throw new BackupError(`${dest} already exists; refusing to overwrite it`);
  const partial = dest + '.partial';
  rmSync(partial, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(partial);
    finishCopy(partial, dest);
  } catch (err) {
    rmSync(partial, { force: true });
    rmSync(partial + '-journal', { force: true });
    throw err instanceof BackupError ? err : new BackupError(`backup to ${dest} failed: ${(err as Error).message}`);
  }
}

export function backupInfo(file: string, kind: BackupKind, date: Date): BackupInfo {
  return { file, name: path.basename(file), kind, createdAt: date.toISOString(), bytes: statSync(file).size };
}
