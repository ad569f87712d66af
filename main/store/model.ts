/**
 * The shapes the store reports about itself (integrity, backups, health),
 * apart from backup.ts so the API contract and the renderer can name them
 * without type-checking the SQLite and worker-thread code.
 */

export type BackupKind = 'auto' | 'manual' | 'pre-restore';

export interface BackupInfo {
  file: string;
  name: string;
  kind: BackupKind;
  /** When it was made (from its name), ISO UTC. */
  createdAt: string;
  bytes: number;
}

export interface IntegrityReport {
  ok: boolean;
  mode: 'quick' | 'full';
  /** SQLite's own messages, at most 50 (backup.ts MAX_PROBLEMS). */
  problems: string[];
  ms: number;
}

export interface DbHealth {
  /**
   * unchecked: this host does not check at start (the CLI); checking: running now;
   * lost: the file was moved or deleted under the open connection, and writes are refused.
   */
  state: 'unchecked' | 'checking' | 'ok' | 'failed' | 'lost';
  check: IntegrityReport | null;
  checkedAt: string | null;
  /** One sentence for the user when something is wrong. */
  message: string | null;
  backups: { dir: string; count: number; newest: BackupInfo | null };
  lastBackupError: string | null;
}
