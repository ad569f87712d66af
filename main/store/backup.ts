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
 *
 * The parts, one concern per file:
 * - integrity.ts     integrity_check / quick_check, in a worker or not; is a file a Drillbook history
 * - backup-files.ts  backup names, listing, rotation, and the checked copy itself
 * - guard.ts         DatabaseGuard: the check at start, automatic backups, the health the UI shows
 * - restore.ts       restoreDatabase: a verified copy in place of the current file, which is kept
 * This file only gathers them for the importers that want the whole (api, cli).
 */
export { BackupError, integrityCheck, integrityCheckInBackground, type IntegrityReport } from './integrity';
export { BACKUP_DIR, DB_FILE, backupDir, backupName, backupTo, dbFile, listBackups, type BackupInfo } from './backup-files';
export { AFTER_DRILL_CHANGE, AFTER_DRILL_HOURS, DatabaseGuard, FULL_CHECK_DAYS, type DbHealth } from './guard';
export { restoreDatabase } from './restore';
