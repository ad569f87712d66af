/**
 * The CLI's team membership: the server's URL and this user's API token in
 * <data>/team.json, mode 0600, written atomically (temp file, fsync,
 * rename). A file others can read is refused rather than used. The desktop
 * app keeps the token in the OS keychain instead (keychain.ts).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, existsSync } from 'node:fs';
import path from 'node:path';

export interface TeamConfig {
  url: string;
  token: string;
  user: string;
  role: string;
  joinedAt: string;
}

export const configFile = (dataDir: string) => path.join(dataDir, 'team.json');
export const stateFile = (dataDir: string) => path.join(dataDir, 'team-published.json');

/** Writes `text` to `file` (0600) so that a crash leaves the old file or the new one, never half of one. */
export function writePrivateAtomic(file: string, text: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    if (typeof text === "string") writeSync(fd, text);
    else writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function normaliseUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL; give the team server's address, such as https://drillbook.example.org`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`the team server's URL must start with https:// (got ${u.protocol})`);
  const loop = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || u.hostname.startsWith('127.');
  if (u.protocol === 'http:' && !loop) throw new Error('the team server must be reached over https:// unless it is on this machine (127.0.0.1): the API token would cross the network in the clear');
  if (u.username || u.password) throw new Error('put the token in the join prompt, not in the URL');
  return u.origin + u.pathname.replace(/\/+$/, '');
}

export function saveConfig(dataDir: string, cfg: TeamConfig): void {
  writePrivateAtomic(configFile(dataDir), JSON.stringify(cfg, null, 2) + '\n');
}

export function loadConfig(dataDir: string): TeamConfig | null {
  const file = configFile(dataDir);
  if (!existsSync(file)) return null;
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new Error(`${file} holds an API token but others can read it; run chmod 600 ${file} (or drillbook team leave and join again)`);
  }
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as TeamConfig;
  if (typeof cfg.url !== 'string' || typeof cfg.token !== 'string') throw new Error(`${file} is not a team membership file; run drillbook team leave and join again`);
  return cfg;
}

export function removeConfig(dataDir: string): boolean {
  const file = configFile(dataDir);
  const had = existsSync(file);
  rmSync(file, { force: true });
  rmSync(stateFile(dataDir), { force: true });
  return had;
}

/** What the server has acknowledged: drill id → chain head. */
export interface PublishState {
  url: string;
  acked: Record<string, string>;
  /** Drill id → the chain head whose evidence bundle the server stored (or refused: it is not sent again). */
  bundles?: Record<string, string>;
}

export function loadState(dataDir: string, url: string): PublishState {
  const file = stateFile(dataDir);
  if (!existsSync(file)) return { url, acked: {} };
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as PublishState;
    // Another server: everything goes again (the server skips what it has).
    return s.url === url && s.acked && typeof s.acked === 'object' ? s : { url, acked: {} };
  } catch {
    return { url, acked: {} };
  }
}

export function saveState(dataDir: string, s: PublishState): void {
  writePrivateAtomic(stateFile(dataDir), JSON.stringify(s));
}
