/**
 * Keeping the history safe: it is evidence, so it gets what we tell
 * everyone else to do with their databases.
 *
 * - Automatic rotating backups under <data>/backups/: when a long-running
 *   host (desktop, web) starts, at most once per `intervalHours`, and after
 *   every drill that finishes. Each copy is made with SQLite's online backup
 *   API (a consistent snapshot while drills keep recording; the CLI uses
 *   VACUUM INTO, which is synchronous, so a short-lived process cannot exit
 *   half-way), converted to a single self-contained file (no -wal), checked
 *   with quick_check, and only then renamed into place and allowed to push
 *   the oldest automatic copy out. Manual and pre-restore copies are never
 *   rotated away.
 * - An integrity check (PRAGMA integrity_check) when a long-running host
 *   starts, in a worker thread on its own read-only connection so the UI is
 *   not held up. While it has not passed, no automatic backup runs: a damaged
 *   database must not rotate the good copies out.
 * - Restore: only from a file that is a Drillbook database and passes
 *   integrity_check; refused while another process has the history open
 *   (it would keep writing to the replaced file) or a drill is running;
 *   the current database is kept as a safety copy first.
 */
import { processAlive } from './process';
import Database from 'better-sqlite3';
import { sqliteBinding, sqliteOpts } from './native-binding';
import { privateDir, privateFiles } from './private';
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db } from './db';
import type { BackupInfo, BackupKind, DbHealth, IntegrityReport } from './model';
import { databaseLost, onDatabaseLost, openDatabase } from './db';
import { MIGRATIONS } from './migrations';

export const DB_FILE = 'drillbook.sqlite';
export const BACKUP_DIR = 'backups';
export const DEFAULT_KEEP = 10;
export const DEFAULT_INTERVAL_HOURS = 24;
/**
 * Automatic backups after a finished drill are bounded (issue 15: a 683 MB
 * copy after every drill): one is made when none was made in the last
 * AFTER_DRILL_HOURS, or when the drills finished since the newest automatic
 * backup are at least AFTER_DRILL_CHANGE of the history (so a small history
 * is copied after every drill, a large one a few times a day).
 */
export const AFTER_DRILL_HOURS = 6;
export const AFTER_DRILL_CHANGE = 0.05;
/**
 * Start-up checks: quick_check (page structure: 10× cheaper than the full
 * integrity_check on a large history) at every start, the full check when the
 * last full one is FULL_CHECK_DAYS old. Both run in a worker; nothing waits
 * for them but the start-up backup.
 */
export const FULL_CHECK_DAYS = 7;
const LAST_FULL_CHECK = '.last-full-check';
/** How many problems an integrity check reports at most. */
const MAX_PROBLEMS = 50;
const REQUIRED_TABLES = ['drills', 'events', 'drill_steps'];

export type { BackupInfo, BackupKind, DbHealth, IntegrityReport };

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export function dbFile(dataDir: string): string {
  return path.join(dataDir, DB_FILE);
}

export function backupDir(dataDir: string): string {
  return path.join(dataDir, BACKUP_DIR);
}

// ---------------------------------------------------------------------------
// Integrity

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
export function integrityCheckFile(file: string, mode: 'quick' | 'full' = 'full'): IntegrityReport {
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

// ---------------------------------------------------------------------------
// Backups

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
function removeStalePartials(dir: string, olderThanMs = 3_600_000): void {
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

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
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

function backupInfo(file: string, kind: BackupKind, date: Date): BackupInfo {
  return { file, name: path.basename(file), kind, createdAt: date.toISOString(), bytes: statSync(file).size };
}

// ---------------------------------------------------------------------------
// The guard a Core holds

export interface GuardOptions {
  /** Desktop and web: check at start, start-up backups, async backups. The CLI: none of that; backups after a drill are synchronous. */
  longLived: boolean;
  keep?: number;
  intervalHours?: number;
  now?: () => Date;
  /** Told whenever the health changes (the core turns it into an API event). */
  onHealth?: (health: DbHealth) => void;
  /** Where to say that something is wrong, once (stderr by default). */
  warn?: (line: string) => void;
}

/** Watches one open database: integrity at start, automatic backups, and their rotation. */
export class DatabaseGuard {
  private state: DbHealth['state'];
  private check: IntegrityReport | null = null;
  private checkedAt: string | null = null;
  private lastBackupError: string | null = null;
  private running: Promise<BackupInfo | null> | null = null;
  private again = false;
  private closed = false;
  private cancelCheck: (() => void) | null = null;
  private placeTimer: NodeJS.Timeout | null = null;
  private readonly unwatchPlace: () => void;
  private readonly seen = new Map<string, string>();
  private readonly keep: number;
  private readonly intervalMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly opts: GuardOptions,
  ) {
    this.keep = opts.keep ?? DEFAULT_KEEP;
    this.intervalMs = (opts.intervalHours ?? DEFAULT_INTERVAL_HOURS) * 3_600_000;
    this.now = opts.now ?? (() => new Date());
    this.state = 'unchecked';
    privateDir(backupDir(dataDir));
    if (opts.longLived) removeStalePartials(backupDir(dataDir));
    this.unwatchPlace = onDatabaseLost(db, () => this.changed());
    // A long-lived host notices a moved data folder within seconds even when nobody is writing.
    if (opts.longLived) {
      this.placeTimer = setInterval(() => databaseLost(this.db), 5_000);
      this.placeTimer.unref();
    }
  }

  /** Long-lived hosts: integrity check in the background, then a start-up backup if one is due. */
  start(): Promise<void> {
    if (!this.opts.longLived) return Promise.resolve();
    this.state = 'checking';
    // Decided now: drills recorded while the check runs get their own backup when they finish.
    const hadDrills = this.db.prepare('SELECT 1 FROM drills LIMIT 1').get() !== undefined;
    const mode = this.fullCheckDue() ? 'full' : 'quick';
    const { done, cancel } = integrityCheckInBackground(dbFile(this.dataDir), mode);
    this.cancelCheck = cancel;
    return done.then(async (report) => {
      this.cancelCheck = null;
      if (this.closed) return;
      if (report.ok && mode === 'full') this.recordFullCheck();
      this.check = report;
      this.checkedAt = this.now().toISOString();
      this.state = report.ok ? 'ok' : 'failed';
      if (!report.ok) (this.opts.warn ?? defaultWarn)(`drillbook: ${this.failureMessage()}`);
      this.changed();
      if (report.ok && hadDrills && this.startupBackupDue()) await this.backup('auto').catch(() => undefined);
    });
  }

  health(): DbHealth {
    const lost = this.closed ? null : databaseLost(this.db);
    const backups = listBackups(this.dataDir);
    return {
      state: lost ? 'lost' : this.state,
      check: this.check,
      checkedAt: this.checkedAt,
      message: lost ?? (this.state === 'failed' ? this.failureMessage() : null),
      backups: { dir: backupDir(this.dataDir), count: backups.length, newest: backups[0] ?? null },
      lastBackupError: this.lastBackupError,
    };
  }

  /** Feed every drill snapshot here; a drill that just finished triggers a backup. */
  drillChanged(snapshot: { id: string; status: string }): void {
    const before = this.seen.get(snapshot.id);
    this.seen.set(snapshot.id, snapshot.status);
    if (before === 'running' && snapshot.status !== 'running' && this.afterDrillBackupDue()) {
      if (this.opts.longLived) void this.backup('auto').catch(() => undefined);
      else this.backupSyncQuietly();
    }
  }

  /**
   * Makes a backup now (one at a time; a request during a backup runs once
   * more after it). Automatic backups are skipped while the database has
   * failed its check, so they cannot rotate good copies away.
   */
  backup(kind: 'auto' | 'manual' = 'manual'): Promise<BackupInfo | null> {
    if (kind === 'auto' && this.state === 'failed') return Promise.resolve(null);
    const lost = databaseLost(this.db);
    if (lost) return Promise.reject(new BackupError(lost));
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<BackupInfo | null> => {
      let info: BackupInfo | null = null;
      do {
        this.again = false;
        if (this.closed) return info;
        const date = this.now();
        const dir = backupDir(this.dataDir);
        const file = path.join(dir, backupName(kind, date, dir));
        try {
          await backupTo(this.db, file);
          info = backupInfo(file, kind, date);
          this.lastBackupError = null;
          rotateBackups(this.dataDir, this.keep);
        } catch (err) {
          if (this.closed) return info;
          this.lastBackupError = (err as Error).message;
          this.changed();
          throw err;
        }
      } while (this.again);
      this.changed();
      return info;
    };
    this.running = run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Waits for a backup in flight (tests, and hosts that want a clean exit). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    this.cancelCheck?.();
    this.unwatchPlace();
    if (this.placeTimer) clearInterval(this.placeTimer);
  }

  private backupSyncQuietly(): void {
    if (this.state === 'failed' || databaseLost(this.db)) return;
    const date = this.now();
    const dir = backupDir(this.dataDir);
    const file = path.join(dir, backupName('auto', date, dir));
    try {
      backupToSync(this.db, file);
      rotateBackups(this.dataDir, this.keep);
      this.lastBackupError = null;
    } catch (err) {
      this.lastBackupError = (err as Error).message;
      (this.opts.warn ?? defaultWarn)(`drillbook: the automatic backup failed: ${this.lastBackupError}`);
    }
  }

  /** Time- and size-aware (AFTER_DRILL_HOURS, AFTER_DRILL_CHANGE): a backup per drill only while the history is small. */
  private afterDrillBackupDue(): boolean {
    const newest = listBackups(this.dataDir).find((b) => b.kind === 'auto');
    if (!newest) return true;
    if (this.now().getTime() - Date.parse(newest.createdAt) >= AFTER_DRILL_HOURS * 3_600_000) return true;
    const row = this.db
      .prepare<[string], { total: number; since: number }>("SELECT COUNT(*) AS total, COUNT(ended_at > ? OR NULL) AS since FROM drills WHERE status != 'running'")
      .get(newest.createdAt)!;
    return row.total === 0 || row.since / row.total >= AFTER_DRILL_CHANGE;
  }

  private fullCheckDue(): boolean {
    try {
      const last = Date.parse(readFileSync(path.join(backupDir(this.dataDir), LAST_FULL_CHECK), 'utf8').trim());
      return !Number.isFinite(last) || this.now().getTime() - last >= FULL_CHECK_DAYS * 86_400_000;
    } catch {
      return true;
    }
  }

  private recordFullCheck(): void {
    try {
      writeFileSync(path.join(backupDir(this.dataDir), LAST_FULL_CHECK), this.now().toISOString() + '\n', { mode: 0o600 });
    } catch {
      // Not recorded: the next start runs the full check again.
    }
  }

  private startupBackupDue(): boolean {
    const newest = listBackups(this.dataDir).find((b) => b.kind === 'auto');
    return !newest || this.now().getTime() - Date.parse(newest.createdAt) >= this.intervalMs;
  }

  private failureMessage(): string {
    const problems = this.check?.problems ?? [];
    const newest = listBackups(this.dataDir)[0];
    return (
      `the history database ${dbFile(this.dataDir)} failed its integrity check (${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems[0] ?? 'unknown'}). ` +
      `Automatic backups are paused so they cannot replace good copies. Run "drillbook db check" for details` +
      (newest ? `, and "drillbook db restore ${newest.file}" to go back to the newest backup (${newest.createdAt}).` : '.')
    );
  }

  private changed(): void {
    try {
      this.opts.onHealth?.(this.health());
    } catch {
      // A listener's failure is not the database's.
    }
  }
}

function defaultWarn(line: string): void {
  process.stderr.write(line + '\n');
}

// ---------------------------------------------------------------------------
// Restore

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
