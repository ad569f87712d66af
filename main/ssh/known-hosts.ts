/**
 * OpenSSH known_hosts files (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"):
 * parsing, lookup and appending. Lookup is pure over the file's text, so the
 * policy can be tested without a network.
 *
 * Supported: plain and hashed (`|1|salt|hash`, HMAC-SHA1) host fields,
 * comma-separated patterns with `*`/`?` wildcards and `!` negation,
 * `[host]:port` for non-standard ports, and the `@revoked` marker.
 * `@cert-authority` lines are skipped: Drillbook does not do host
 * certificates, and treating a CA key as a host key would be wrong.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';

export interface KnownHostLine {
  /** 1-based line number in its file. */
  line: number;
  file: string;
  marker: 'revoked' | null;
  /** The host field as written (patterns or a hashed entry). */
  hosts: string;
  keyType: string;
  /** Base64 of the public key blob. */
  key: string;
}

export type HostKeyCheck =
  | { status: 'known'; entry: KnownHostLine }
  | { status: 'unknown' }
  /** Keys are recorded for this host, none of them is the presented one. */
  | { status: 'changed'; known: KnownHostLine[] }
  | { status: 'revoked'; entry: KnownHostLine };

/** Parses one file's text; malformed lines are skipped as OpenSSH does. */
export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostLine['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else continue; // @cert-authority and anything unknown
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) continue;
    out.push({ line: i + 1, file, marker, hosts, keyType, key });
  }
  return out;
}

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Does a known_hosts host field match this host name? */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern === '') continue;
    const negated = pattern.startsWith('!');
    const p = negated ? pattern.slice(1) : pattern;
    if (wildcardMatch(p.toLowerCase(), name.toLowerCase())) {
      if (negated) return false; // a negated match overrides any positive one
      matched = true;
    }
  }
  return matched;
}

function hashedMatches(field: string, name: string): boolean {
  const parts = field.split('|');
  // ['', '1', salt, hash]
  if (parts.length !== 4) return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const hash = Buffer.from(parts[3] ?? '', 'base64');
  if (salt.length === 0 || hash.length === 0) return false;
  const mine = createHmac('sha1', salt).update(name).digest();
  return mine.length === hash.length && mine.equals(hash);
}

/** `*` any run, `?` one character; everything else literal. */
export function wildcardMatch(pattern: string, text: string): boolean {
  // Iterative glob with backtracking on the last `*`: linear enough for host names.
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The key type written inside an SSH public key blob (its first string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len > 64 || 4 + len > blob.length) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's fingerprint: `SHA256:` + unpadded base64 of the blob's SHA-256. */
export function fingerprintSha256(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export function fingerprintOfLine(entry: KnownHostLine): string {
  return fingerprintSha256(Buffer.from(entry.key, 'base64'));
}

/**
 * Checks a presented key against the entries for a host. A host with keys on
 * record, none of which is the presented key, is "changed" — whatever the key
 * types: a server that stops offering the type we know is exactly what an
 * attacker without that key would do.
 */
export function checkHostKey(entries: readonly KnownHostLine[], name: string, blob: Buffer): HostKeyCheck {
  const b64 = blob.toString('base64');
  const forHost = entries.filter((e) => hostFieldMatches(e.hosts, name));
  // A revoked key is refused wherever it is listed, even for other hosts.
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key === b64);
  if (revoked) return { status: 'revoked', entry: revoked };
  const current = forHost.filter((e) => e.marker === null);
  const match = current.find((e) => e.key === b64);
  if (match) return { status: 'known', entry: match };
  if (current.length > 0) return { status: 'changed', known: current };
  return { status: 'unknown' };
}

/** Key types on record for a host, to prefer them in the handshake as OpenSSH does. */
export function knownKeyTypes(entries: readonly KnownHostLine[], name: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === null && hostFieldMatches(e.hosts, name)).map((e) => e.keyType))];
}

/** Reads every file that exists; unreadable files count as empty. */
export function readKnownHostsFiles(files: readonly string[]): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    out.push(...parseKnownHosts(text, file));
  }
  return out;
}

/** `|1|salt|hash` for a name, as `ssh-keygen -H` writes it. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

/**
 * Appends an accepted key. Creates ~/.ssh (0700) and the file (0600) when
 * missing, and starts on a fresh line if the file does not end with one.
 */
export function appendKnownHost(file: string, name: string, blob: Buffer, opts: { hash?: boolean } = {}): string {
  const dir = path.dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const host = opts.hash ? hashHostName(name) : name;
  const line = `${host} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}\n`;
  const prefix = endsWithoutNewline(file) ? '\n' : '';
  appendFileSync(file, prefix + line, { mode: 0o600 });
  return line.trimEnd();
}

function endsWithoutNewline(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}
