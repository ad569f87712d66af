/**
 * Resolves a target to everything needed to connect, the way `ssh NAME`
 * would: ~/.ssh/config (via the ssh-config package) for Host aliases,
 * HostName, User, Port, IdentityFile, ProxyJump and friends, with values
 * given explicitly (runbook front matter, CLI flags) taking precedence as
 * OpenSSH's command line does.
 *
 * Pure apart from `loadSshConfig` (reads the file and its Includes) and the
 * `exists` probe for default identity files, which callers inject.
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { default as SSHConfigType } from 'ssh-config' with { 'resolution-mode': 'import' };
import { SshError } from './errors';
import { wildcardMatch } from './known-hosts';
import { parseDestination, type SshDestination } from '../common/ssh-destination';

// ssh-config ships CommonJS for require() (dist/) but only ESM type
// declarations; the types above describe the same API.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see the two lines above
const sshConfig = require('ssh-config') as { parse(text: string): SSHConfigType };

export type { SshDestination };

/** A fully resolved host to connect to (one hop). */
export interface SshEndpoint {
  /** The name as the user wrote it (alias or host), for messages. */
  label: string;
  /** Where to connect (HostName after alias resolution). */
  host: string;
  port: number;
  user: string;
  /** Absolute paths of private keys to try, in order. */
  identityFiles: string[];
  /** IdentitiesOnly: use only agent keys that match identityFiles. */
  identitiesOnly: boolean;
  /** Name to look up in known_hosts instead of host (HostKeyAlias). */
  hostKeyAlias?: string;
  connectTimeoutSec?: number;
  serverAliveIntervalSec?: number;
  serverAliveCountMax?: number;
  /** UserKnownHostsFile entries, expanded. */
  userKnownHostsFiles?: string[];
  hashKnownHosts: boolean;
  strictHostKeyChecking?: 'yes' | 'ask' | 'accept-new' | 'no';
  /** Hosts to hop through first (ProxyJump), outermost first. */
  jumps: SshEndpoint[];
}

export interface ResolveContext {
  /** Parsed ~/.ssh/config (or null when there is none). */
  config: SSHConfigType | null;
  home: string;
  localUser: string;
  /** Whether a file exists (default identity files are only tried when present). */
  exists: (file: string) => boolean;
}

const MAX_JUMP_DEPTH = 8;
const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk'];

/** `ssh://user@host:port`, `user@host:port`, `user@host`, `[v6]:port` or a bare alias; null for anything else (main/common/ssh-destination.ts). */
export { parseDestination };

/** Parses config text, expanding Include directives relative to ~/.ssh. */
export function parseSshConfig(text: string, home: string, readFile: (file: string) => string | null = safeRead): SSHConfigType {
  return sshConfig.parse(expandIncludes(text, home, readFile, 0));
}

/** Reads ~/.ssh/config (or `file`); null when it does not exist. */
export function loadSshConfig(file: string | undefined, home = os.homedir()): SSHConfigType | null {
  const where = file ?? path.join(home, '.ssh', 'config');
  const text = safeRead(where);
  if (text === null) return null;
  try {
    return parseSshConfig(text, home);
  } catch (err) {
    throw new SshError('config', `cannot read ${where}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function safeRead(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Inlines `Include` files where they appear (ssh_config(5): relative paths
 * are under ~/.ssh; globs allowed). Good enough for the common layouts
 * (`Include config.d/*`); depth-limited against include loops.
 */
function expandIncludes(text: string, home: string, readFile: (file: string) => string | null, depth: number): string {
  if (depth > 16) return text;
  return text
    .split(/\r?\n/)
    .map((line) => {
      const m = /^\s*include\s*[=\s]\s*(.+)$/i.exec(line);
      if (!m) return line;
      const parts = (m[1] ?? '').trim().split(/\s+/);
      const chunks: string[] = [];
      for (const part of parts) {
        const unquoted = part.replace(/^"|"$/g, '');
        const expanded = unquoted.startsWith('~') ? path.join(home, unquoted.slice(1)) : unquoted;
        const abs = path.isAbsolute(expanded) ? expanded : path.join(home, '.ssh', expanded);
        for (const file of globFiles(abs)) {
          const inc = readFile(file);
          if (inc !== null) chunks.push(expandIncludes(inc, home, readFile, depth + 1));
        }
      }
      return chunks.join('\n');
    })
    .join('\n');
}

function globFiles(pattern: string): string[] {
  if (!/[*?]/.test(path.basename(pattern))) return [pattern];
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  try {
    return readdirSync(dir)
      .filter((f) => wildcardMatch(base, f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

type Computed = Record<string, string | string[]>;

function first(c: Computed, key: string): string | undefined {
  const v = c[key];
  if (Array.isArray(v)) return v[0];
  return v;
}

function all(c: Computed, key: string): string[] {
  const v = c[key];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function intOf(value: string | undefined, what: string, label: string, min: number, max: number): number | undefined {
  if (value === undefined || value.toLowerCase() === 'none') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new SshError('config', `~/.ssh/config: ${what} for ${label} is "${value}", not a number from ${min} to ${max}`);
  return n;
}

/**
 * Resolves a destination through the config. Explicit `dest.user`/`dest.port`
 * win over the config, as on OpenSSH's command line.
 */
export function resolveEndpoint(dest: SshDestination, ctx: ResolveContext, depth = 0): SshEndpoint {
  if (depth > MAX_JUMP_DEPTH) throw new SshError('config', `ProxyJump chain for ${dest.host} is longer than ${MAX_JUMP_DEPTH} hops (a loop in ~/.ssh/config?)`);
  const computed: Computed = ctx.config
    ? (ctx.config.compute(dest.user ? { Host: dest.host, User: dest.user } : { Host: dest.host }, { ignoreCase: true, matchExec: false }) as Computed)
    : {};
  const host = first(computed, 'hostname')?.replace(/%h/g, dest.host) ?? dest.host;
  const port = dest.port ?? intOf(first(computed, 'port'), 'Port', dest.host, 1, 65535) ?? 22;
  const user = dest.user ?? first(computed, 'user') ?? ctx.localUser;
  const tokens = (s: string) =>
    s.replace(/%(.)/g, (_m, t: string) => {
      switch (t) {
        case 'd':
          return ctx.home;
        case 'u':
          return ctx.localUser;
        case 'h':
          return host;
        case 'n':
          return dest.host;
        case 'r':
          return user;
        case 'p':
          return String(port);
        case '%':
          return '%';
        default:
          return '%' + t;
      }
    });
  const expandPath = (s: string) => {
    const t = tokens(s.replace(/^"|"$/g, ''));
    if (t === '~' || t.startsWith('~/')) return path.join(ctx.home, t.slice(1));
    return path.isAbsolute(t) ? t : path.join(ctx.home, '.ssh', t);
  };

  const configured = all(computed, 'identityfile').filter((f) => f.toLowerCase() !== 'none');
  const identityFiles = configured.length
    ? configured.map(expandPath)
    : DEFAULT_IDENTITIES.map((n) => path.join(ctx.home, '.ssh', n)).filter((f) => ctx.exists(f));

  const proxyJump = first(computed, 'proxyjump');
  const proxyCommand = first(computed, 'proxycommand');
  if (proxyCommand && proxyCommand.toLowerCase() !== 'none' && (!proxyJump || proxyJump.toLowerCase() === 'none')) {
    throw new SshError('config', `${dest.host} uses ProxyCommand in ~/.ssh/config, which Drillbook does not run; use ProxyJump instead`);
  }
  const jumps: SshEndpoint[] = [];
  if (proxyJump && proxyJump.toLowerCase() !== 'none') {
    const hops = proxyJump.split(',').map((h) => h.trim()).filter(Boolean);
    hops.forEach((hop, i) => {
      const hd = parseDestination(hop);
      if (!hd) throw new SshError('config', `ProxyJump for ${dest.host}: "${hop}" is not [user@]host[:port]`);
      const resolved = resolveEndpoint(hd, ctx, depth + 1);
      // Only the first hop's own ProxyJump applies: the later hops are reached through the earlier ones.
      if (i === 0) jumps.push(...resolved.jumps);
      jumps.push({ ...resolved, jumps: [] });
    });
  }

  const strict = first(computed, 'stricthostkeychecking')?.toLowerCase();
  const knownFiles = all(computed, 'userknownhostsfile').flatMap((v) => v.split(/\s+/)).filter((f) => f && f.toLowerCase() !== 'none');
  const hostKeyAlias = first(computed, 'hostkeyalias');
  const connectTimeoutSec = intOf(first(computed, 'connecttimeout'), 'ConnectTimeout', dest.host, 1, 3600);
  const serverAliveIntervalSec = intOf(first(computed, 'serveraliveinterval'), 'ServerAliveInterval', dest.host, 0, 3600);
  const serverAliveCountMax = intOf(first(computed, 'serveralivecountmax'), 'ServerAliveCountMax', dest.host, 1, 100);

  const endpoint: SshEndpoint = {
    label: dest.host,
    host,
    port,
    user,
    identityFiles,
    identitiesOnly: first(computed, 'identitiesonly')?.toLowerCase() === 'yes',
    hashKnownHosts: first(computed, 'hashknownhosts')?.toLowerCase() === 'yes',
    jumps,
  };
  if (hostKeyAlias) endpoint.hostKeyAlias = hostKeyAlias;
  if (connectTimeoutSec !== undefined) endpoint.connectTimeoutSec = connectTimeoutSec;
  if (serverAliveIntervalSec !== undefined) endpoint.serverAliveIntervalSec = serverAliveIntervalSec;
  if (serverAliveCountMax !== undefined) endpoint.serverAliveCountMax = serverAliveCountMax;
  if (knownFiles.length) endpoint.userKnownHostsFiles = knownFiles.map(expandPath);
  if (strict === 'yes' || strict === 'ask' || strict === 'accept-new' || strict === 'no') endpoint.strictHostKeyChecking = strict;
  else if (strict === 'off') endpoint.strictHostKeyChecking = 'no';
  return endpoint;
}

/** The context for this machine's user. */
export function systemResolveContext(configFile?: string): ResolveContext {
  const home = os.homedir();
  return {
    config: loadSshConfig(configFile, home),
    home,
    localUser: safeUser(),
    exists: (f) => safeRead(f) !== null,
  };
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** `user@host:port (via a → b)`, for messages. */
export function describeEndpoint(e: SshEndpoint): string {
  const base = `${e.user}@${e.host}${e.port === 22 ? '' : `:${e.port}`}`;
  return e.jumps.length ? `${base} (via ${e.jumps.map((j) => j.host).join(' → ')})` : base;
}
