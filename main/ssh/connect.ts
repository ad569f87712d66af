/**
 * Opening an SSH connection the way the operator's own `ssh` would, in the
 * main process (ssh2): known_hosts checking with a policy, the usual
 * authentication chain, ProxyJump by connection hopping, keepalive, and a
 * bounded time to connect that does not count the time a human spends
 * answering a prompt.
 *
 * Every attempt ends with its socket destroyed, never merely ended: ssh2's
 * end() half-closes and waits for the peer, and a stalled or garbage-speaking
 * peer that keeps its side open would hold the socket (and the process that
 * owns it: `drillbook run` never exited) forever. Drillbook opens the first
 * hop's TCP socket itself so it can always destroy it.
 *
 * Secrets (passwords, passphrases, keyboard-interactive answers) live only
 * in the closures of one connection attempt and go straight to ssh2;
 * nothing here writes or logs them.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, utils, type AnyAuthMethod, type AuthenticationType, type ClientChannel, type ConnectConfig, type Prompt } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { SshEndpoint } from './config';
import { SshError, describeSshError } from './errors';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintOfLine,
  fingerprintSha256,
  keyTypeOfBlob,
  knownHostName,
  knownKeyTypes,
  readKnownHostsFiles,
} from './known-hosts';

export type HostKeyPolicy =
  /** Unknown keys are shown to the operator, who accepts or refuses (UI). */
  | 'ask'
  /** Unknown keys are accepted and recorded (OpenSSH accept-new). */
  | 'accept-new'
  /** Unknown keys are refused (OpenSSH StrictHostKeyChecking=yes). */
  | 'strict';

export interface HostKeyQuestion {
  label: string;
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  /** Where an accepted key will be written. */
  knownHostsFile: string;
}

export interface KeyboardInteractiveQuestion {
  label: string;
  name: string;
  instructions: string;
  prompts: { prompt: string; echo: boolean }[];
}

/** Asks the human. Every method resolves null (or false) when the operator cancels. */
export interface Prompter {
  hostKey(q: HostKeyQuestion): Promise<boolean>;
  secret(q: { kind: 'password' | 'passphrase'; label: string; message: string }): Promise<string | null>;
  keyboardInteractive(q: KeyboardInteractiveQuestion): Promise<string[] | null>;
}

export interface ConnectOptions {
  endpoint: SshEndpoint;
  prompter?: Prompter | null;
  hostKeyPolicy: HostKeyPolicy;
  /** known_hosts files to consult; the first is where accepted keys go. Default: OpenSSH's. */
  knownHostsFiles?: string[];
  /** ssh-agent socket; default $SSH_AUTH_SOCK; null disables the agent. */
  agentSocket?: string | null;
  /** Keys given explicitly (CLI --identity), tried before the configured ones. */
  extraIdentityFiles?: string[];
  /** Bound on reaching each hop (TCP + handshake + auth), prompts excluded. Default 15s or ConnectTimeout. */
  timeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Progress lines ("connecting to …", "authenticating …"). */
  onProgress?: (line: string) => void;
}

export interface SshConnection {
  /** The client for the final host. */
  readonly client: Client;
  readonly endpoint: SshEndpoint;
  /** Resolves once with the reason the connection ended (null: closed by us). */
  readonly closed: Promise<SshError | null>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const PASSWORD_ATTEMPTS = 3;
const PASSPHRASE_ATTEMPTS = 3;
const DEFAULT_HOST_KEY_ALGOS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** OpenSSH's default known_hosts files: the user's (written) and the system's (read). */
export function defaultKnownHostsFiles(endpoint?: SshEndpoint, home = os.homedir()): string[] {
  const user = endpoint?.userKnownHostsFiles?.length
    ? endpoint.userKnownHostsFiles
    : [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2')];
  return [...user, '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
}

/** Connects through every ProxyJump hop to the endpoint. */
export async function connectSsh(opts: ConnectOptions): Promise<SshConnection> {
  const hops = [...opts.endpoint.jumps, { ...opts.endpoint, jumps: [] }];
  const clients: Client[] = [];
  const sockets: Duplex[] = [];
  try {
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i]!;
      const sock: Duplex = i > 0 ? await forward(clients[i - 1]!, hops[i - 1]!, hop) : net.connect({ host: hop.host, port: hop.port });
      sockets.push(sock);
      opts.onProgress?.(`connecting to ${hop.user}@${hop.host}${hop.port === 22 ? '' : ':' + hop.port}${i > 0 ? ` through ${hops[i - 1]!.host}` : ''}…`);
      clients.push(await connectHop(hop, sock, opts));
    }
  } catch (err) {
    for (const c of clients.reverse()) c.end();
    for (const s of sockets) s.destroy();
    throw err;
  }
  const final = clients[clients.length - 1]!;
  let resolveClosed!: (e: SshError | null) => void;
  const closed = new Promise<SshError | null>((r) => (resolveClosed = r));
  let ending = false;
  let closedByUs = false;
  let lastError: SshError | null = null;
  clients.forEach((c, i) => {
    const hop = hops[i]!;
    c.on('error', (err: Error) => {
      lastError = describeSshError(err, { where: whereOf(hop), user: hop.user, timeoutMs: 0, tried: [], wasReady: true });
    });
    c.on('close', () => {
      if (!ending) {
        ending = true;
        for (const other of clients) if (other !== c) other.end();
      }
      resolveClosed(closedByUs ? null : (lastError ?? new SshError('closed', `${whereOf(hop)} closed the connection`)));
    });
  });
  return {
    client: final,
    endpoint: opts.endpoint,
    closed,
    close() {
      closedByUs = true;
      for (const c of [...clients].reverse()) c.end();
      // A polite disconnect first; a peer that never closes its side is cut off shortly after.
      setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 1000).unref();
    },
  };
}

function whereOf(e: { host: string; port: number }): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** Opens a direct-tcpip channel from one hop to the next (what `ssh -J` does). */
function forward(via: Client, viaHop: SshEndpoint, to: SshEndpoint): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, to.host, to.port, (err, stream) => {
      if (err) {
        reject(new SshError('jump', `${viaHop.host} could not open a connection to ${whereOf(to)}: ${err.message.split('\n')[0]}`));
        return;
      }
      resolve(stream);
    });
  });
}

/** A deadline that stops while a human is being asked something. */
class Deadline {
  private timer: NodeJS.Timeout | null = null;
  private remaining: number;
  private startedAt = 0;
  constructor(
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.remaining = ms;
  }
  start(): void {
    if (this.timer || this.remaining <= 0) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onExpire();
    }, this.remaining);
  }
  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.remaining -= Date.now() - this.startedAt;
  }
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.remaining = 0;
  }
}

function connectHop(hop: SshEndpoint, sock: Duplex, opts: ConnectOptions): Promise<Client> {
  const timeoutMs = opts.timeoutMs ?? (hop.connectTimeoutSec ? hop.connectTimeoutSec * 1000 : DEFAULT_TIMEOUT_MS);
  const where = whereOf(hop);
  const knownFiles = opts.knownHostsFiles?.length ? opts.knownHostsFiles : defaultKnownHostsFiles(hop);
  const writeFile = knownFiles[0]!;
  const entries = readKnownHostsFiles(knownFiles);
  const lookupName = hop.hostKeyAlias ?? knownHostName(hop.host, hop.port);
  const policy: HostKeyPolicy =
    hop.strictHostKeyChecking === 'yes' ? 'strict' : opts.hostKeyPolicy; // the config can only make it stricter
  const tried: string[] = [];
  const client = new Client();

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    let hostKeyError: SshError | null = null;
    let acceptedNew: Buffer | null = null;
    let verifiedKey: Buffer | null = null;

    const fail = (err: SshError) => {
      if (settled) return;
      settled = true;
      deadline.stop();
      client.removeAllListeners('ready');
      client.on('error', () => {}); // late errors from a connection we gave up on
      client.end();
      sock.destroy(); // end() alone leaves it half-open for as long as the peer likes
      reject(err);
    };
    const deadline = new Deadline(timeoutMs, () => {
      fail(new SshError('timeout', `no SSH answer from ${where} within ${Math.round(timeoutMs / 1000)}s (host down, a firewall dropping the traffic, or not an SSH server?)`));
      client.destroy();
    });
    /** Runs a human question with the deadline stopped. */
    const ask = async <T>(fn: () => Promise<T>): Promise<T> => {
      deadline.pause();
      try {
        return await fn();
      } finally {
        if (!settled) deadline.start();
      }
    };

    const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
      // A re-key must present the key we already accepted.
      if (verifiedKey) return verify(verifiedKey.equals(key));
      const keyType = keyTypeOfBlob(key);
      const fingerprint = fingerprintSha256(key);
      const check = checkHostKey(entries, lookupName, key);
      if (check.status === 'known') {
        verifiedKey = key;
        return verify(true);
      }
      if (check.status === 'revoked') {
        hostKeyError = new SshError(
          'hostkey-revoked',
          `the host key of ${hop.label} (${where}) is marked @revoked in ${check.entry.file}:${check.entry.line} (${keyType} ${fingerprint}). Drillbook will not connect.`,
        );
        return verify(false);
      }
      if (check.status === 'changed') {
        const was = check.known.map((e) => `${e.keyType} ${fingerprintOfLine(e)} (${e.file}:${e.line})`).join('; ');
        hostKeyError = new SshError(
          'hostkey-changed',
          `HOST KEY CHANGED for ${hop.label} (${where}): known_hosts has ${was}, but the server presented ${keyType} ${fingerprint}. ` +
            `Someone may be intercepting the connection (man-in-the-middle), or the host was rebuilt with new keys. Drillbook will not connect. ` +
            `If the change is expected, confirm the new fingerprint with the host's owner, then remove the old entry: ssh-keygen -R '${lookupName}' -f ${check.known[0]!.file}`,
        );
        return verify(false);
      }
      // Unknown host.
      if (policy === 'strict') {
        hostKeyError = new SshError(
          'hostkey-unknown',
          `${hop.label} (${where}) is not in known_hosts (${knownFiles[0]}); its key is ${keyType} ${fingerprint}. Verify it and add it, or allow new hosts (--accept-new-host-keys)`,
        );
        return verify(false);
      }
      if (policy === 'accept-new') {
        acceptedNew = key;
        verifiedKey = key;
        opts.onProgress?.(`new host ${hop.label}: accepted ${keyType} key ${fingerprint}`);
        return verify(true);
      }
      if (!opts.prompter) {
        hostKeyError = new SshError('hostkey-unknown', `${hop.label} (${where}) is not in known_hosts and nobody is here to confirm its key ${keyType} ${fingerprint}`);
        return verify(false);
      }
      const prompter = opts.prompter;
      void ask(() => prompter.hostKey({ label: hop.label, host: hop.host, port: hop.port, keyType, fingerprint, knownHostsFile: writeFile })).then(
        (ok) => {
          if (ok) {
            acceptedNew = key;
            verifiedKey = key;
          } else {
            hostKeyError = new SshError('hostkey-rejected', `you did not accept the host key of ${hop.label} (${keyType} ${fingerprint}); not connected`);
          }
          verify(ok);
        },
        () => {
          hostKeyError = new SshError('hostkey-rejected', `the host key question for ${hop.label} was not answered; not connected`);
          verify(false);
        },
      );
    };

    const candidates = authCandidates(hop, opts, tried, ask);
    const authHandler = (left: AuthenticationType[] | null, _partial: boolean | null, next: (m: AnyAuthMethod | false) => void): void => {
      void (async () => {
        for (;;) {
          const c = candidates.shift();
          if (!c) return next(false);
          // Skip what the server said it does not accept (it lists what is left after each failure).
          if (c.wire !== 'none' && left && left.length && !left.includes(c.wire as AuthenticationType)) continue;
          if (c.wire === 'none' && left) continue;
          const m = await c.make();
          if (settled) return;
          if (m instanceof SshError) return fail(m);
          if (!m) continue;
          if (c.wire !== 'none') tried.push(c.wire);
          return next(m);
        }
      })().catch((err: unknown) => fail(err instanceof SshError ? err : new SshError('auth', String((err as Error)?.message ?? err))));
    };

    client.on('handshake', () => {
      // Record a newly accepted key only once the server has proved it holds it (the signature checked out).
      if (acceptedNew) {
        try {
          appendKnownHost(writeFile, lookupName, acceptedNew, { hash: hop.hashKnownHosts });
        } catch (err) {
          opts.onProgress?.(`could not record the host key in ${writeFile}: ${(err as Error).message}`);
        }
        acceptedNew = null;
      }
      opts.onProgress?.(`authenticating as ${hop.user}…`);
    });
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      deadline.stop();
      client.removeAllListeners('error');
      resolve(client);
    });
    client.on('error', (err: Error) => {
      fail(hostKeyError ?? describeSshError(err, { where, user: hop.user, timeoutMs, tried }));
    });
    client.on('close', () => {
      fail(hostKeyError ?? new SshError('closed', `${where} closed the connection before the session was ready`));
    });

    const preferred = knownKeyTypes(entries, lookupName).flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
    const serverHostKey = [...new Set([...preferred.filter((a) => DEFAULT_HOST_KEY_ALGOS.includes(a)), ...DEFAULT_HOST_KEY_ALGOS])];
    const config: ConnectConfig = {
      host: hop.host,
      port: hop.port,
      username: hop.user,
      readyTimeout: 0, // our Deadline instead: it pauses while the operator answers
      keepaliveInterval: opts.keepaliveIntervalMs ?? (hop.serverAliveIntervalSec !== undefined ? hop.serverAliveIntervalSec * 1000 : 15_000),
      keepaliveCountMax: opts.keepaliveCountMax ?? hop.serverAliveCountMax ?? 3,
      hostVerifier: hostVerifier as ConnectConfig['hostVerifier'],
      authHandler: authHandler as unknown as ConnectConfig['authHandler'],
      algorithms: { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
    };
    config.sock = sock;
    deadline.start();
    try {
      client.connect(config);
    } catch (err) {
      fail(describeSshError(err, { where, user: hop.user, timeoutMs, tried }));
    }
  });
}

/** One way to authenticate, prepared only if the server still accepts its method. */
interface AuthCandidate {
  wire: 'none' | 'publickey' | 'keyboard-interactive' | 'password';
  /** Builds the attempt (may ask the operator); null skips it, an SshError aborts. */
  make: () => Promise<AnyAuthMethod | SshError | null>;
}

/**
 * The authentication methods to try, in OpenSSH's order: "none" (which
 * tells us what the server accepts), agent keys, key files (asking for a
 * passphrase when one is encrypted), keyboard-interactive, then password.
 * Nothing is asked of the operator for a method the server does not offer.
 */
function authCandidates(
  hop: SshEndpoint,
  opts: ConnectOptions,
  tried: string[],
  ask: <T>(fn: () => Promise<T>) => Promise<T>,
): AuthCandidate[] {
  const username = hop.user;
  const out: AuthCandidate[] = [{ wire: 'none', make: async () => ({ type: 'none', username }) }];
  const agent = opts.agentSocket === undefined ? process.env.SSH_AUTH_SOCK : opts.agentSocket;
  // IdentitiesOnly: the agent may hold many keys; servers lock out after a few failures.
  if (agent && !hop.identitiesOnly) out.push({ wire: 'publickey', make: async () => ({ type: 'agent', username, agent }) });

  const files = [...new Set([...(opts.extraIdentityFiles ?? []), ...hop.identityFiles])];
  for (const file of files) {
    out.push({
      wire: 'publickey',
      make: async () => {
        let data: Buffer;
        try {
          data = readFileSync(file);
        } catch {
          return null; // OpenSSH silently skips configured keys that do not exist
        }
        const parsed = utils.parseKey(data);
        if (!(parsed instanceof Error)) return { type: 'publickey', username, key: data };
        if (!/encrypted|passphrase/i.test(parsed.message)) {
          opts.onProgress?.(`skipping ${file}: not a private key ssh2 can read (${parsed.message.split('\n')[0]})`);
          return null;
        }
        if (!opts.prompter) {
          opts.onProgress?.(`skipping ${file}: it needs a passphrase (load it into ssh-agent to use it here)`);
          tried.push(`publickey (${path.basename(file)} needs a passphrase)`);
          return null;
        }
        const prompter = opts.prompter;
        for (let attempt = 1; attempt <= PASSPHRASE_ATTEMPTS; attempt++) {
          const passphrase = await ask(() =>
            prompter.secret({
              kind: 'passphrase',
              label: hop.label,
              message: attempt === 1 ? `Passphrase for key ${file}` : `Wrong passphrase — try again (${attempt} of ${PASSPHRASE_ATTEMPTS}) for ${file}`,
            }),
          );
          if (passphrase === null) return null; // skip this key, as ssh does on an empty answer
          // Decrypting is slow (bcrypt KDF): hand ssh2 the key parsed here rather than have it decrypt again.
          const key = utils.parseKey(data, passphrase);
          if (!(key instanceof Error)) return { type: 'publickey', username, key: Array.isArray(key) ? key[0]! : key };
        }
        return null;
      },
    });
  }

  if (opts.prompter) {
    const prompter = opts.prompter;
    out.push({
      wire: 'keyboard-interactive',
      make: async () => ({
        type: 'keyboard-interactive',
        username,
        prompt: (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: (answers: string[]) => void) => {
          if (prompts.length === 0) return finish([]);
          void ask(() =>
            prompter.keyboardInteractive({
              label: hop.label,
              name,
              instructions,
              prompts: prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true })),
            }),
          ).then(
            (answers) => finish(answers ?? prompts.map(() => '')),
            () => finish(prompts.map(() => '')),
          );
        },
      }),
    });
    for (let attempt = 1; attempt <= PASSWORD_ATTEMPTS; attempt++) {
      out.push({
        wire: 'password',
        make: async () => {
          const password = await ask(() =>
            prompter.secret({
              kind: 'password',
              label: hop.label,
              message: attempt === 1 ? `Password for ${username}@${hop.host}` : `Permission denied — password for ${username}@${hop.host} (${attempt} of ${PASSWORD_ATTEMPTS})`,
            }),
          );
          if (password === null) return new SshError('cancelled', `you cancelled the password prompt for ${username}@${hop.host}; not connected`);
          return { type: 'password', username, password };
        },
      });
    }
  }
  return out;
}

/**
 * Runs a command on an exec channel; resolves with its exit status.
 * `holdStdin` writes `stdin` but keeps the channel's input open until the
 * command ends, is aborted or times out: a remote wrapper that watches its
 * stdin (main/runner/ssh.ts) then learns that Drillbook is gone even when the
 * connection dies without a word. An abort sends TERM and closes the input.
 */
export function execOnce(
  client: Client,
  command: string,
  opts: { onData: (chunk: Buffer) => void; timeoutMs?: number; signal?: AbortSignal; stdin?: Buffer | string; holdStdin?: boolean },
): Promise<{ exitCode: number | null; signal: string | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream: ClientChannel) => {
      if (err) return reject(new SshError('closed', `could not start the command: ${err.message}`));
      let exitCode: number | null = null;
      let sig: string | null = null;
      let timedOut = false;
      const sendSignal = (name: string) => {
        // Best effort: OpenSSH honours signal requests; closing the channel stops the output either way.
        try {
          stream.signal(name);
        } catch {
          /* not supported */
        }
      };
      const timer =
        opts.timeoutMs !== undefined
          ? setTimeout(() => {
              timedOut = true;
              sendSignal('KILL');
              stream.close();
            }, opts.timeoutMs)
          : null;
      let abortTimer: NodeJS.Timeout | null = null;
      const onAbort = () => {
        sendSignal('TERM');
        stream.end();
        // The remote side gets a grace period to stop the block's process group, then the channel goes.
        abortTimer = setTimeout(() => stream.close(), 5000);
      };
      stream.on('data', opts.onData);
      stream.stderr.on('data', opts.onData);
      // Whatever the command reads from stdin ends here (as for local blocks, which get none).
      if (opts.holdStdin) stream.write(opts.stdin ?? '');
      else stream.end(opts.stdin ?? '');
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('exit', (code: number | null, signalName?: string) => {
        if (typeof code === 'number') exitCode = code;
        if (signalName) sig = signalName;
        if (opts.holdStdin) stream.end();
      });
      stream.on('close', () => {
        if (timer) clearTimeout(timer);
        if (abortTimer) clearTimeout(abortTimer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve({ exitCode, signal: sig, timedOut });
      });
    });
  });
}
