/**
 * The terminal host: a small process of its own that owns the local shells
 * (node-pty), as VS Code's pty host does, so a crash, kill -9 or restart of
 * the Drillbook server does not take a running `pg_restore` with it.
 *
 * It is started detached (its own session and process group: a kill -9 of
 * the server or Ctrl+C in the server's terminal does not reach it), listens
 * on a 0600 unix socket in a 0700 folder (paths.ts) and answers only a
 * client that presents the token from the data folder. One server at a time
 * is attached; a new one replaces the old.
 *
 * Every byte a shell prints is appended to the transcript's .out file
 * before it is forwarded (synchronously, so a server reading the file after
 * an `attach` finds everything before the offset it was given). While no
 * server is attached the shells run on and the host holds nothing in
 * memory: bytes go to disk only. While one is attached, flow control goes
 * end to end: the host pauses a shell when the server has not acknowledged
 * HOST_HIGH bytes (the server acknowledges what it has passed on) or when
 * the server asks (its viewers are behind, main/terminal/flow.ts).
 *
 * It exits by itself once no shell is left and no server has been attached
 * for `graceMs`.
 */
import net from 'node:net';
import { writeFileSync, closeSync, chmodSync, existsSync, fstatSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import {
  FrameReader,
  HOST_PROTOCOL_VERSION,
  clientMessageSchema,
  encodeBytes,
  encodeJson,
  type ClientMessage,
  type HostExit,
  type HostMessage,
  type HostQuestion,
  type HostSession,
  type SessionMeta,
  type SshSpec,
} from './protocol';
import { openSshShell, spawnLocalShell, type TerminalBackend } from '../backend';
import { connectSsh, type Prompter } from '../../ssh';
import { ensureToken, hostPaths, privateDir } from './paths';

/** Unacknowledged bytes towards the server above which a shell is paused, and below which it resumes. */
export const HOST_HIGH = 4_000_000;
export const HOST_LOW = 1_000_000;
const HELLO_TIMEOUT_MS = 5000;

interface Session {
  id: string;
  meta: SessionMeta;
  /** The shell: a local pty or an SSH channel (main/terminal/backend.ts). */
  backend: TerminalBackend;
  pid: number;
  out: string;
  fd: number | null;
  offset: number;
  cols: number;
  rows: number;
  exited: HostExit | null;
  lastOutputAt: string;
  writeError: string | null;
  /** The attached server wants this session's output. */
  attached: boolean;
  unacked: number;
  serverPaused: boolean;
  paused: boolean;
}

export interface TerminalHostOptions {
  dataDir: string;
  /** How long to live with no shells and no server attached. */
  graceMs: number;
  /** How long a terminal outside any drill runs on with no server attached (drill terminals: until the drill ends). */
  adhocOrphanMs: number;
  log?: (line: string) => void;
}

export class TerminalHost {
  private readonly sessions = new Map<string, Session>();
  private server: net.Server | null = null;
  private client: net.Socket | null = null;
  private idleSince = Date.now();
  /** Since when no server has been attached. */
  private detachedSince = Date.now();
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly token: string;
  private readonly paths;
  private stopped = false;
  /** SSH connections being made (their id is taken). */
  private readonly connecting = new Set<string>();
  /** Questions to the operator waiting for the server's answer. */
  private readonly questions = new Map<number, (answer: unknown) => void>();
  private nextQuestion = 1;
  onExit: () => void = () => undefined;

  constructor(private readonly opts: TerminalHostOptions) {
    this.paths = hostPaths(opts.dataDir);
    this.token = ensureToken(this.paths);
  }

  private log(line: string): void {
    this.opts.log?.(`${new Date().toISOString()} ${line}`);
  }

  /** Listens; resolves false if another host already answers on the socket. */
  async listen(): Promise<boolean> {
    const sock = this.paths.socket;
    privateDir(path.dirname(sock));
    if (existsSync(sock)) {
      if (await answers(sock)) return false;
      unlinkSync(sock); // a stale socket from a host that died
    }
    const server = net.createServer((s) => this.accept(s));
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(sock, () => resolve());
      });
    } finally {
      process.umask(oldMask);
    }
    chmodSync(sock, 0o600);
    writeFileSync(this.paths.pid, `${process.pid}\n`, { mode: 0o600 });
    this.server = server;
    this.idleTimer = setInterval(() => this.checkIdle(), Math.min(1000, this.opts.graceMs)).unref();
    this.log(`listening on ${sock}`);
    return true;
  }

  private checkIdle(): void {
    if (!this.client && Date.now() - this.detachedSince >= this.opts.adhocOrphanMs) {
      // A terminal outside any drill, unattended this long, was abandoned: end it (a drill's never is).
      for (const s of this.sessions.values()) if (!s.exited && s.meta.drillId === null) s.backend.close();
    }
    const live = [...this.sessions.values()].some((s) => !s.exited);
    if (this.client || live) {
      this.idleSince = Date.now();
      return;
    }
    if (Date.now() - this.idleSince >= this.opts.graceMs) this.stop('idle: no shells and no server');
  }

  stop(why: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.log(`stopping (${why})`);
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const s of this.sessions.values()) {
      if (!s.exited) s.backend.close();
      closeFd(s);
    }
    this.client?.destroy();
    this.server?.close();
    for (const f of [this.paths.socket, this.paths.pid]) {
      try {
        unlinkSync(f);
      } catch {
        /* gone */
      }
    }
    this.onExit();
  }

  // ---------------------------------------------------------------------------
  // Connections

  private accept(socket: net.Socket): void {
    const reader = new FrameReader();
    let authed = false;
    const hello = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    const drop = (why: string) => {
      this.log(`dropping a client: ${why}`);
      socket.destroy();
    };
    socket.on('data', (chunk) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch (err) {
        return drop((err as Error).message);
      }
      for (const f of frames) {
        if (socket.destroyed) return;
        if (f.kind === 'bytes') {
          if (!authed) return drop('bytes before hello');
          this.input(f.id, f.payload);
          continue;
        }
        const parsed = clientMessageSchema.safeParse(f.value);
        if (!parsed.success) return drop(`invalid message: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
        const msg = parsed.data;
        if (!authed) {
          if (msg.t !== 'hello' || !sameSecret(msg.token, this.token)) return drop('wrong or missing token');
          if (msg.version !== HOST_PROTOCOL_VERSION) {
            send(socket, { t: 'error', reqId: msg.reqId, message: `terminal host protocol ${HOST_PROTOCOL_VERSION}, client speaks ${msg.version}` });
            return socket.end();
          }
          authed = true;
          clearTimeout(hello);
          this.adopt(socket);
          send(socket, { t: 'ok', reqId: msg.reqId, pid: process.pid });
          continue;
        }
        if (this.client !== socket) return drop('replaced by a newer server');
        try {
          this.handle(socket, msg);
        } catch (err) {
          if ('reqId' in msg) send(socket, { t: 'error', reqId: msg.reqId, message: (err as Error).message });
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(hello);
      if (this.client === socket) this.release();
    });
  }

  /** A new server is attached: the old one (if any) is dropped, and nothing is attached until it asks. */
  private adopt(socket: net.Socket): void {
    if (this.client && this.client !== socket) this.client.destroy();
    this.release();
    this.client = socket;
    this.log('a server attached');
  }

  /** No server: shells run free, output goes to disk only; questions in flight are cancelled. */
  private release(): void {
    this.client = null;
    this.detachedSince = Date.now();
    for (const answer of this.questions.values()) answer(null);
    this.questions.clear();
    this.idleSince = Date.now();
    for (const s of this.sessions.values()) {
      s.attached = false;
      s.unacked = 0;
      s.serverPaused = false;
      this.updatePause(s);
    }
  }

  private handle(socket: net.Socket, msg: ClientMessage): void {
    switch (msg.t) {
      case 'hello':
        throw new Error('already greeted');
      case 'spawn': {
        if (this.sessions.has(msg.id)) throw new Error(`terminal ${msg.id} already exists`);
        const s = this.spawn(msg);
        send(socket, { t: 'ok', reqId: msg.reqId, pid: s.pid, session: describe(s) });
        return;
      }
      case 'connect': {
        if (this.sessions.has(msg.id) || this.connecting.has(msg.id)) throw new Error(`terminal ${msg.id} already exists`);
        this.connecting.add(msg.id);
        this.connectSsh(socket, msg).then(
          (s) => send(socket, { t: 'ok', reqId: msg.reqId, pid: 0, session: describe(s) }),
          (err: Error) => send(socket, { t: 'error', reqId: msg.reqId, message: err.message }),
        ).finally(() => this.connecting.delete(msg.id));
        return;
      }
      case 'answer': {
        const answer = this.questions.get(msg.promptId);
        this.questions.delete(msg.promptId);
        answer?.(msg.answer);
        return;
      }
      case 'list':
        send(socket, { t: 'sessions', reqId: msg.reqId, sessions: [...this.sessions.values()].map(describe) });
        return;
      case 'attach': {
        const s = this.need(msg.id);
        s.attached = true;
        s.unacked = 0;
        // Everything before `offset` is on disk; later output follows as frames.
        send(socket, { t: 'ok', reqId: msg.reqId, offset: s.offset, session: describe(s) });
        if (s.exited) send(socket, { t: 'exit', id: s.id, exit: s.exited });
        return;
      }
      case 'resize': {
        const s = this.need(msg.id);
        s.cols = msg.cols;
        s.rows = msg.rows;
        if (!s.exited) s.backend.resize(msg.cols, msg.rows);
        return;
      }
      case 'pause':
      case 'resume': {
        const s = this.need(msg.id);
        s.serverPaused = msg.t === 'pause';
        this.updatePause(s);
        return;
      }
      case 'ack': {
        const s = this.sessions.get(msg.id);
        if (!s) return;
        s.unacked = Math.max(0, s.unacked - msg.bytes);
        this.updatePause(s);
        return;
      }
      case 'kill': {
        const s = this.sessions.get(msg.id);
        if (s && !s.exited) s.backend.close();
        return;
      }
      case 'forget': {
        const s = this.sessions.get(msg.id);
        if (!s) return;
        if (!s.exited) s.backend.close();
        closeFd(s);
        this.sessions.delete(msg.id);
        return;
      }
    }
  }

  private need(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new Error(`the terminal host has no terminal ${id}`);
    return s;
  }

  // ---------------------------------------------------------------------------
  // Shells

  private spawn(msg: Extract<ClientMessage, { t: 'spawn' }>): Session {
    const proc = spawnLocalShell({ cols: msg.cols, rows: msg.rows, cwd: msg.cwd, env: msg.env, integrationDir: this.paths.dir, shell: { file: msg.file, args: msg.args } });
    return this.track(msg, proc, proc.pid);
  }

  /** Connects to an SSH target and opens its shell; the operator's answers come through the server. */
  private async connectSsh(socket: net.Socket, msg: Extract<ClientMessage, { t: 'connect' }>): Promise<Session> {
    const spec: SshSpec = msg.ssh;
    const conn = await connectSsh({
      endpoint: spec.endpoint,
      prompter: this.prompterFor(socket, msg.id),
      hostKeyPolicy: spec.hostKeyPolicy,
      ...(spec.knownHostsFiles ? { knownHostsFiles: spec.knownHostsFiles } : {}),
      ...(spec.agentSocket !== undefined ? { agentSocket: spec.agentSocket } : {}),
      ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
      ...(spec.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: spec.keepaliveIntervalMs } : {}),
      ...(spec.keepaliveCountMax !== undefined ? { keepaliveCountMax: spec.keepaliveCountMax } : {}),
      onProgress: (line) => {
        if (this.client === socket) send(socket, { t: 'progress', id: msg.id, line });
      },
    });
    let backend: TerminalBackend;
    try {
      backend = await openSshShell(conn, { cols: msg.cols, rows: msg.rows });
    } catch (err) {
      conn.close();
      throw new Error(`connected to ${msg.meta.endpoint}, but it refused to start a shell: ${(err as Error).message}`);
    }
    if (this.stopped) {
      backend.close();
      throw new Error('the terminal host is stopping');
    }
    return this.track(msg, backend, 0);
  }

  private prompterFor(socket: net.Socket, id: string): Prompter {
    const ask = (question: HostQuestion): Promise<unknown> =>
      new Promise((resolve) => {
        if (this.client !== socket) return resolve(null); // nobody to ask: cancelled
        const promptId = this.nextQuestion++;
        this.questions.set(promptId, resolve);
        send(socket, { t: 'prompt', id, promptId, question });
      });
    return {
      hostKey: async (q) => (await ask({ kind: 'hostKey', ...q })) === true,
      secret: async (q) => {
        const a = await ask({ kind: 'secret', secretKind: q.kind, label: q.label, message: q.message });
        return typeof a === 'string' ? a : null;
      },
      keyboardInteractive: async (q) => {
        const a = await ask({ kind: 'keyboardInteractive', ...q });
        return Array.isArray(a) ? (a as string[]) : null;
      },
    };
  }

  private track(msg: { id: string; meta: SessionMeta; out: string; cols: number; rows: number }, backend: TerminalBackend, pid: number): Session {
    mkdirSync(path.dirname(msg.out), { recursive: true, mode: 0o700 });
    const fd = openSync(msg.out, 'a', 0o600);
    let offset = 0;
    try {
      offset = fstatSync(fd).size;
    } catch {
      offset = 0;
    }
    const s: Session = {
      id: msg.id,
      meta: msg.meta,
      backend,
      pid,
      out: msg.out,
      fd,
      offset,
      cols: msg.cols,
      rows: msg.rows,
      exited: null,
      lastOutputAt: new Date().toISOString(),
      writeError: null,
      attached: true,
      unacked: 0,
      serverPaused: false,
      paused: false,
    };
    this.sessions.set(s.id, s);
    backend.onData((d) => this.output(s, Buffer.from(d.buffer, d.byteOffset, d.byteLength)));
    backend.onEnd(({ exitCode, signal, error }) => {
      // node-pty can report the exit before the last output: let it drain first.
      setTimeout(() => {
        s.exited = { exitCode, signal, error, at: new Date().toISOString() };
        closeFd(s);
        this.log(`terminal ${s.id} ended (${error ? 'connection lost' : signal ? 'signal ' + signal : 'code ' + exitCode})`);
        if (this.client && s.attached) send(this.client, { t: 'exit', id: s.id, exit: s.exited });
      }, 150);
    });
    this.log(`terminal ${s.id} started (${s.meta.kind}${pid ? ', pid ' + pid : ''})`);
    return s;
  }

  private output(s: Session, bytes: Buffer): void {
    const start = s.offset;
    if (s.fd !== null) {
      try {
        let done = 0;
        while (done < bytes.length) done += writeSync(s.fd, bytes, done, bytes.length - done);
      } catch (err) {
        // A full disk must not kill the shell; the server is told (writeError) and says so.
        s.writeError = (err as Error).message;
      }
    }
    s.offset += bytes.length;
    s.lastOutputAt = new Date().toISOString();
    if (this.client && s.attached) {
      this.client.write(encodeBytes(s.id, start, bytes));
      s.unacked += bytes.length;
      this.updatePause(s);
    }
  }

  private input(id: string, bytes: Buffer): void {
    const s = this.sessions.get(id);
    if (s && !s.exited) s.backend.write(bytes);
  }

  private updatePause(s: Session): void {
    const want = s.serverPaused || s.unacked > HOST_HIGH || (s.paused && s.unacked > HOST_LOW);
    if (want === s.paused || s.exited) return;
    s.paused = want;
    if (want) s.backend.pause();
    else s.backend.resume();
  }

  /** Test hook. */
  state(id: string): { paused: boolean; unacked: number } | null {
    const s = this.sessions.get(id);
    return s ? { paused: s.paused, unacked: s.unacked } : null;
  }
}

function describe(s: Session): HostSession {
  return {
    id: s.id,
    meta: s.meta,
    pid: s.pid,
    offset: s.offset,
    cols: s.cols,
    rows: s.rows,
    out: s.out,
    exited: s.exited,
    lastOutputAt: s.lastOutputAt,
    writeError: s.writeError,
  };
}

function closeFd(s: Session): void {
  if (s.fd === null) return;
  try {
    closeSync(s.fd);
  } catch {
    /* closed */
  }
  s.fd = null;
}

function send(socket: net.Socket, msg: HostMessage): void {
  if (!socket.destroyed) socket.write(encodeJson(msg));
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether something accepts connections on the socket (a live host). */
export function answers(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(sock);
    const t = setTimeout(() => {
      c.destroy();
      resolve(false);
    }, 1000);
    c.once('connect', () => {
      clearTimeout(t);
      c.destroy();
      resolve(true);
    });
    c.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}
