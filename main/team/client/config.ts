/**
 * The CLI's team membership: the server's URL and this user's API token in
 * <data>/team.json, mode 0600, written atomically (temp file, fsync,
 * rename). A file others can read is refused rather than used. The desktop
 * app keeps the token in the OS keychain instead (keychain.ts): the host
 * picks the TokenStore, team.json then holds everything but the token.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, existsSync } from 'node:fs';
import path from 'node:path';
import { privateDir } from '../../store/private';

export interface TeamConfig {
  url: string;
  token: string;
  user: string;
  role: string;
  joinedAt: string;
}

/** team.json as written: the token is there only when the file itself is the token store. */
export type StoredTeamConfig = Omit<TeamConfig, 'token'> & { token?: string; tokenIn?: 'keychain' };

/**
 * Where a membership's API token lives. `get` reads it given team.json;
 * `set` stores it and returns what team.json must hold of it (the file
 * store: the token itself; the keychain: nothing).
 */
export interface TokenStore {
  readonly kind: 'file' | 'keychain';
  get(stored: StoredTeamConfig): string | null;
  set(token: string): Pick<StoredTeamConfig, 'token' | 'tokenIn'>;
  clear(): void;
}

/** The CLI's and the web host's store: the token inside team.json (0600). */
export const fileTokenStore: TokenStore = {
  kind: 'file',
  get: (stored) => (typeof stored.token === 'string' ? stored.token : null),
  set: (token) => ({ token }),
  clear: () => undefined,
};

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

/** Saves a membership: the token into `tokens` first, then team.json (atomically), so a crash leaves no membership without its token. */
export function saveConfig(dataDir: string, cfg: TeamConfig, tokens: TokenStore = fileTokenStore): void {
  // Joining can be the first thing done on a machine: the data folder may not exist yet.
  privateDir(dataDir);
  const { token, ...rest } = cfg;
  const stored: StoredTeamConfig = { ...rest, ...tokens.set(token) };
  writePrivateAtomic(configFile(dataDir), JSON.stringify(stored, null, 2) + '\n');
}

export function loadConfig(dataDir: string, tokens: TokenStore = fileTokenStore): TeamConfig | null {
  const file = configFile(dataDir);
  if (!existsSync(file)) return null;
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new Error(`${file} holds an API token but others can read it; run chmod 600 ${file} (or drillbook team leave and join again)`);
  }
  let stored: StoredTeamConfig;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as StoredTeamConfig;
  } catch {
    throw new Error(`${file} is not a team membership file; leave the team and join again`);
  }
  if (typeof stored?.url !== 'string') throw new Error(`${file} is not a team membership file; leave the team and join again`);
  const token = tokens.get(stored);
  if (token === null) {
    throw new Error(
      stored.tokenIn === 'keychain' && tokens.kind !== 'keychain'
        ? 'this data folder joined its team server from the desktop app, whose token is in the OS keychain; publish from the desktop app, or leave and join again here'
        : `the team server's token for this data folder is missing; leave the team and join again`,
    );
  }
  return { url: stored.url, token, user: String(stored.user ?? ''), role: String(stored.role ?? ''), joinedAt: String(stored.joinedAt ?? '') };
}

export function removeConfig(dataDir: string, tokens: TokenStore = fileTokenStore): boolean {
  const file = configFile(dataDir);
  const had = existsSync(file);
  tokens.clear();
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
  /** When a publish round last reached the server and finished, when one was last tried, and its problem (one sentence). */
  lastPublishAt?: string;
  lastAttemptAt?: string;
  lastError?: string | null;
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

/** Records how a publish round went, for team status: `error` null when it reached the server and finished clean. */
export function recordRound(dataDir: string, url: string, error: string | null, reached: boolean, at = new Date()): void {
  if (!existsSync(configFile(dataDir))) return; // left the team meanwhile: nothing to record
  const s = loadState(dataDir, url);
  s.lastAttemptAt = at.toISOString();
  if (reached) s.lastPublishAt = s.lastAttemptAt;
  s.lastError = error;
  saveState(dataDir, s);
}
