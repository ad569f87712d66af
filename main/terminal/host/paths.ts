/**
 * Where the terminal host listens and keeps its secret.
 *
 * `<data>/terminal-host/` (0700) holds `token` (0600, 32 random bytes hex):
 * a client must present it before anything else, so another local user who
 * could reach the socket still cannot attach to a shell. The socket itself
 * is `<data>/terminal-host/host.sock` (0600) when that path fits the unix
 * socket limit (104 bytes on macOS, 108 on Linux, counting the NUL); a data
 * folder deep in the tree gets a short 0700 folder of ours instead, under
 * $XDG_RUNTIME_DIR or the temp folder, named by a hash of the data folder.
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** Leaves room for macOS's 104-byte sun_path including the terminating NUL. */
export const MAX_SOCKET_PATH = 100;

export interface HostPaths {
  dir: string;
  socket: string;
  token: string;
  log: string;
  /** The running host's pid (for tests and support; the socket is what counts). */
  pid: string;
}

export function hostPaths(dataDir: string): HostPaths {
  const dir = path.join(path.resolve(dataDir), 'terminal-host');
  const socket = path.join(dir, 'host.sock');
  return { dir, socket: socket.length <= MAX_SOCKET_PATH ? socket : shortSocketPath(dataDir), token: path.join(dir, 'token'), log: path.join(dir, 'host.log'), pid: path.join(dir, 'host.pid') };
}

function shortSocketPath(dataDir: string): string {
  const tag = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const bases = [process.env.XDG_RUNTIME_DIR, os.tmpdir(), '/tmp'].filter((b): b is string => !!b);
  for (const base of bases) {
    const p = path.join(base, `drillbook-${uid}-${tag}`, 's');
    if (p.length <= MAX_SOCKET_PATH) return p;
  }
  throw new Error('no folder short enough for the terminal host socket (set XDG_RUNTIME_DIR to a short path)');
}

/** Creates `dir` as a private folder (0700), refusing one that is a symlink or owned by someone else. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (!st.isDirectory() || st.uid !== uid) throw new Error(`${dir} is not a folder of this user's; the terminal host will not use it`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** The host's token, created (0600) if missing. */
export function ensureToken(paths: HostPaths): string {
  privateDir(paths.dir);
  try {
    const t = readFileSync(paths.token, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(t)) return t;
  } catch {
    /* create it */
  }
  const t = randomBytes(32).toString('hex');
  writeFileSync(paths.token, t + '\n', { mode: 0o600 });
  chmodSync(paths.token, 0o600);
  return t;
}

export function readToken(paths: HostPaths): string | null {
  try {
    const t = readFileSync(paths.token, 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(t) ? t : null;
  } catch {
    return null;
  }
}
