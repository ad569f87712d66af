/**
 * Where the desktop app keeps the history and which better-sqlite3 binary it
 * loads — kept out of electron-main.ts (which needs Electron to run) so it is
 * tested here. The data folder is decided by the same function as the CLI's
 * (main/store/paths.ts: DRILLBOOK_DATA, else the per-user app data folder), so
 * a drill run from the desktop, the browser or `drillbook run` lands in one
 * history. (Before: the desktop used Electron's userData, ~/.config/Drillbook
 * on Linux, while the CLI used ~/.local/share/drillbook, and ignored
 * DRILLBOOK_DATA.) Electron's own browser data stays in userData.
 */
import path from 'node:path';
import { defaultDataDir } from '../store/paths';
import { checkSqliteBinding, sqliteBindingFor, unpackedPath, type NativeCheck } from './native';

export function desktopDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return defaultDataDir(env, platform);
}

/** The Electron build of better-sqlite3 for this runtime, and whether it fits (main/desktop/native.ts). */
export function desktopSqliteBinding(appRoot: string, versions: { modules: string; electron?: string } = process.versions): NativeCheck {
  const file = unpackedPath(sqliteBindingFor(appRoot, versions.modules));
  return checkSqliteBinding(path.resolve(file), Number(versions.modules), `Electron ${versions.electron ?? '?'} (ABI ${versions.modules})`);
}
