/**
 * The history holds what operators typed and saw during restores: only its
 * owner may read it. Folders are 0700 and files 0600, set where they are
 * created and again on files made by copying (backups, restores), since a
 * copy or an older install may carry wider modes. No effect on Windows,
 * where the per-user app data folder is already private.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) owner-only, and narrows it if it already existed. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodQuietly(dir, PRIVATE_DIR_MODE);
}

/** Narrows existing files to owner-only (missing ones are skipped). */
export function privateFiles(...files: string[]): void {
  for (const f of files) if (existsSync(f)) chmodQuietly(f, PRIVATE_FILE_MODE);
}

/** Creates an empty owner-only file when there is none, so what SQLite derives from it (-wal, -shm) is owner-only too. */
export function touchPrivate(file: string): void {
  if (existsSync(file)) return;
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
}

function chmodQuietly(p: string, mode: number): void {
  try {
    chmodSync(p, mode);
  } catch {
    // Not ours to change (a shared mount): the folder around it is still 0700.
  }
}
