/**
 * The guard a long-running host (desktop, web) or the CLI holds on its open
 * history: the integrity check at start (in a worker, so the UI is not held
 * up), automatic rotating backups (at start at most once per interval, and
 * after finished drills, bounded), and the health the UI's banner shows.
 * While the check has not passed, no automatic backup runs: a damaged
 * database must not rotate the good copies out. Part of the history's
 * safety (backup.ts lists the parts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db';
import { databaseLost, onDatabaseLost } from './db';
import { backupDir, backupInfo, backupName, backupTo, backupToSync, dbFile, listBackups, removeStalePartials, rotateBackups, type BackupInfo } from './backup-files';
import { BackupError, integrityCheckInBackground, type IntegrityReport } from './integrity';
import { privateDir } from './private';
import type { DbHealth } from './model';

export type { DbHealth };

const DEFAULT_KEEP = 10;
const DEFAULT_INTERVAL_HOURS = 24;
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
