/**
 * The server's side of the terminal host (host.ts): connects to the host
 * for a data folder, starting it (detached, in its own session) when none
 * answers, and turns each host session into a TerminalBackend.
 *
 * A backend attached at offset N first replays the transcript's bytes from
 * the offset the session asks for up to N (read from the .out file the host
 * wrote: output produced while no server was attached, e.g. the end of a
 * block that finished while Drillbook was down), then continues with live
 * frames, dropping nothing and repeating nothing (frames carry offsets).
 */
import net from 'node:net';
import { spawn } from 'node:child_process';
import { openSync, closeSync, existsSync } from 'node:fs';
import path from 'node:path';
import {
  FrameReader,
  HOST_PROTOCOL_VERSION,
  encodeBytes,
  encodeJson,
  hostMessageSchema,
  type ClientMessage,
  type HostExit,
  type HostQuestion,
  type HostMessage,
  type HostSession,
} from './protocol';
import { hostPaths, privateDir, readToken } from './paths';
import { readTranscriptBytes } from '../transcript';
import type { TerminalBackend } from '../backend';
import type { Prompter } from '../../ssh';

const CONNECT_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Catch-up is read from the transcript in pieces of this size. */
const CATCH_UP_CHUNK = 1024 * 1024;

type Waiter = { resolve: (m: HostMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
interface Route {
  data(offset: number, bytes: Buffer): void;
  exit(exit: HostExit): void;
  lost(reason: string): void;
}

export interface ConnectOptions {
  /** Start a host when none answers (default true). */
  start?: boolean;
  /** Passed to a host this call starts (tests use a short one). */
  graceMs?: number;
}

export class TerminalHostClient {
  private readonly waiters = new Map<number, Waiter>();
  private readonly routes = new Map<string, Route>();
  /** SSH connections being made by the host: who answers their questions. */
  private readonly asking = new Map<string, { prompter: Prompter; progress: (line: string) => void }>();
  private nextReq = 1;
  private closedReason: string | null = null;
  private readonly closeListeners = new Set<(reason: string) => void>();
  hostPid = 0;

  private constructor(private readonly socket: net.Socket) {
    const reader = new FrameReader();
    socket.on('data', (chunk) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch (err) {
        socket.destroy();
        return this.closed(`the terminal host sent something unreadable: ${(err as Error).message}`);
      }
      for (const f of frames) {
        if (f.kind === 'bytes') {
          this.routes.get(f.id)?.data(f.offset, f.payload);
          continue;
        }
        const parsed = hostMessageSchema.safeParse(f.value);
        if (!parsed.success) continue;
        const msg = parsed.data;
        if (msg.t === 'exit') {
          this.routes.get(msg.id)?.exit(msg.exit);
          continue;
        }
        if (msg.t === 'progress') {
          this.asking.get(msg.id)?.progress(msg.line);
          continue;
        }
        if (msg.t === 'prompt') {
          void this.answerPrompt(msg.id, msg.promptId, msg.question);
          continue;
        }
        if (!('reqId' in msg)) continue;
        const w = this.waiters.get(msg.reqId);
        if (!w) continue;
        this.waiters.delete(msg.reqId);
        clearTimeout(w.timer);
        if (msg.t === 'error') w.reject(new Error(msg.message));
        else w.resolve(msg);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.closed('the terminal host stopped'));
  }

  /** Connects to the data folder's host, starting one if needed. */
  static async connect(dataDir: string, opts: ConnectOptions = {}): Promise<TerminalHostClient> {
    const paths = hostPaths(dataDir);
    const first = await TerminalHostClient.tryConnect(paths.socket, readToken(paths));
    if (first) return first;
    if (opts.start === false) throw new Error('no terminal host is running for this data folder');
    startHost(dataDir, opts.graceMs);
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    let delay = 50;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(500, delay * 2);
      const c = await TerminalHostClient.tryConnect(paths.socket, readToken(paths));
      if (c) return c;
    }
    throw new Error(`the terminal host did not start within ${CONNECT_TIMEOUT_MS / 1000}s (see ${paths.log})`);
  }

  private static tryConnect(socketPath: string, token: string | null): Promise<TerminalHostClient | null> {
    if (!token || !existsSync(socketPath)) return Promise.resolve(null);
    return new Promise((resolve) => {
      const socket = net.connect(socketPath);
      const fail = () => {
        socket.destroy();
        resolve(null);
      };
      const timer = setTimeout(fail, 3000);
      socket.once('error', () => {
        clearTimeout(timer);
        resolve(null);
      });
      socket.once('connect', () => {
        const client = new TerminalHostClient(socket);
        client
          .request({ t: 'hello', reqId: 0, token, version: HOST_PROTOCOL_VERSION })
          .then((ok) => {
            clearTimeout(timer);
            client.hostPid = ok.t === 'ok' ? (ok.pid ?? 0) : 0;
            resolve(client);
          })
          .catch(() => {
            clearTimeout(timer);
            fail();
          });
      });
    });
  }

  get alive(): boolean {
    return this.closedReason === null;
  }

  onClose(cb: (reason: string) => void): () => void {
    this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  private closed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
    }
    this.waiters.clear();
    for (const r of Array.from(this.routes.values())) r.lost(reason); // a snapshot: lost() may remove its route
    this.routes.clear();
    for (const cb of this.closeListeners) cb(reason);
  }

  private request(msg: ClientMessage & { reqId: number }, timeoutMs: number | null = REQUEST_TIMEOUT_MS): Promise<HostMessage> {
    if (this.closedReason !== null) return Promise.reject(new Error(this.closedReason));
    const reqId = this.nextReq++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.waiters.delete(reqId);
          reject(new Error(`the terminal host did not answer ${msg.t} within ${(timeoutMs ?? 0) / 1000}s`));
        },
        timeoutMs ?? 2 ** 31 - 1,
      );
      this.waiters.set(reqId, { resolve, reject, timer });
      this.socket.write(encodeJson({ ...msg, reqId } as ClientMessage));
    });
  }

  private post(msg: ClientMessage): void {
    if (this.closedReason === null) this.socket.write(encodeJson(msg));
  }

  /**
   * Has the host connect an SSH shell (so it outlives this server). The
   * host's questions (host key, password…) are put to `prompter`.
   */
  async connectSsh(
    p: Omit<Extract<ClientMessage, { t: 'connect' }>, 't' | 'reqId'>,
    ask: { prompter: Prompter; progress: (line: string) => void },
  ): Promise<HostSession> {
    this.asking.set(p.id, ask);
    try {
      // Bounded by the host's own timeouts (connectSsh); prompts wait for the operator.
      const r = await this.request({ t: 'connect', reqId: 0, ...p }, null);
      if (r.t !== 'ok' || !r.session) throw new Error('the terminal host did not open the SSH shell');
      return r.session;
    } finally {
      this.asking.delete(p.id);
    }
  }

  private async answerPrompt(id: string, promptId: number, q: HostQuestion): Promise<void> {
    const who = this.asking.get(id);
    let answer: boolean | string | string[] | null = null;
    try {
      if (who && q.kind === 'hostKey') answer = await who.prompter.hostKey(q);
      else if (who && q.kind === 'secret') answer = await who.prompter.secret({ kind: q.secretKind, label: q.label, message: q.message });
      else if (who && q.kind === 'keyboardInteractive') answer = await who.prompter.keyboardInteractive(q);
    } catch {
      answer = null;
    }
    this.post({ t: 'answer', promptId, answer });
  }

  async list(): Promise<HostSession[]> {
    const r = await this.request({ t: 'list', reqId: 0 });
    return r.t === 'sessions' ? r.sessions : [];
  }

  async spawn(p: Omit<Extract<ClientMessage, { t: 'spawn' }>, 't' | 'reqId'>): Promise<HostSession> {
    const r = await this.request({ t: 'spawn', reqId: 0, ...p });
    if (r.t !== 'ok' || !r.session) throw new Error('the terminal host did not start the shell');
    return r.session;
  }

  /**
   * Attaches to a host session and returns its backend. Output from
   * `fromOffset` on is delivered: first what is already in the transcript
   * file, then live output.
   */
  async attach(id: string, fromOffset: number | null): Promise<{ backend: HostBackend; session: HostSession }> {
    const backend = new HostBackend(this, id);
    this.routes.set(id, backend.route);
    let r: HostMessage;
    try {
      r = await this.request({ t: 'attach', reqId: 0, id });
    } catch (err) {
      this.routes.delete(id);
      throw err;
    }
    if (r.t !== 'ok' || r.offset === undefined || !r.session) throw new Error('the terminal host did not attach the shell');
    backend.begin(r.session.out, fromOffset ?? r.offset, r.offset);
    return { backend, session: r.session };
  }

  input(id: string, bytes: Uint8Array): void {
    if (this.closedReason === null) this.socket.write(encodeBytes(id, 0, bytes));
  }
  resize(id: string, cols: number, rows: number): void {
    this.post({ t: 'resize', id, cols, rows });
  }
  pause(id: string): void {
    this.post({ t: 'pause', id });
  }
  resume(id: string): void {
    this.post({ t: 'resume', id });
  }
  ack(id: string, bytes: number): void {
    this.post({ t: 'ack', id, bytes });
  }
  kill(id: string): void {
    this.post({ t: 'kill', id });
  }
  forget(id: string): void {
    this.routes.delete(id);
    this.post({ t: 'forget', id });
  }
  unroute(id: string): void {
    this.routes.delete(id);
  }

  /** Disconnects; the host and its shells go on. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closedReason !== null || this.socket.destroyed) return resolve();
      this.socket.end(() => resolve());
      setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 1000).unref();
    });
  }
}

type EndInfo = { exitCode: number | null; signal: string | null; error: string | null };

/** One host session seen as a TerminalBackend (see backend.ts). */
export class HostBackend implements TerminalBackend {
  private dataCb: ((chunk: Uint8Array) => void) | null = null;
  private endCb: ((end: EndInfo) => void) | null = null;
  private ended: EndInfo | null = null;
  private pendingExit: EndInfo | null = null;
  /** The next offset to deliver; bytes before it are dropped (already delivered). */
  private next = 0;
  /** Frames that arrived before the catch-up was delivered. */
  private queued: { offset: number; bytes: Buffer }[] = [];
  private catchUp: { file: string; from: number; to: number } | null = null;
  private ready = false;
  private ackPending = 0;
  private ackScheduled = false;

  constructor(
    private readonly client: TerminalHostClient,
    readonly id: string,
  ) {}

  readonly route: Route = {
    data: (offset, bytes) => {
      if (!this.ready) {
        this.queued.push({ offset, bytes });
        return;
      }
      this.deliver(offset, bytes);
    },
    exit: (exit) => {
      const end = { exitCode: exit.exitCode, signal: exit.signal, error: exit.error ?? null };
      if (!this.ready) this.pendingExit = end;
      else this.finish(end);
    },
    lost: (reason) => this.finish({ exitCode: null, signal: null, error: reason }),
  };

  /** Called once the host has answered the attach: bytes [from, to) are read from the transcript. */
  begin(file: string, from: number, to: number): void {
    this.next = Math.min(from, to);
    this.catchUp = { file, from: this.next, to };
    if (this.dataCb) this.flushStart();
  }

  private flushStart(): void {
    const c = this.catchUp;
    if (!c || this.ready) return;
    for (let at = c.from; at < c.to; ) {
      let bytes: Buffer;
      try {
        bytes = readTranscriptBytes(c.file, at, Math.min(CATCH_UP_CHUNK, c.to - at)).bytes;
      } catch {
        break;
      }
      if (bytes.length === 0) break;
      this.deliver(at, bytes, false);
      at += bytes.length;
    }
    this.next = Math.max(this.next, c.to);
    this.ready = true;
    const q = this.queued;
    this.queued = [];
    for (const f of q) this.deliver(f.offset, f.bytes);
    if (this.pendingExit) this.finish(this.pendingExit);
  }

  private deliver(offset: number, bytes: Buffer, live = true): void {
    if (live) this.scheduleAck(bytes.length);
    const end = offset + bytes.length;
    if (end <= this.next) return;
    const slice = offset < this.next ? bytes.subarray(this.next - offset) : bytes;
    this.next = end;
    this.dataCb?.(slice);
  }

  /** The server passes output on synchronously; acknowledge it to the host in batches. */
  private scheduleAck(n: number): void {
    this.ackPending += n;
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      const bytes = this.ackPending;
      this.ackPending = 0;
      if (bytes > 0 && !this.ended) this.client.ack(this.id, bytes);
    });
  }

  private finish(end: EndInfo): void {
    if (this.ended) return;
    this.ended = end;
    this.client.unroute(this.id);
    // The end is recorded by the session below; the host may forget the shell.
    this.client.forget(this.id);
    this.endCb?.(end);
  }

  write(data: Uint8Array | string): void {
    if (this.ended) return;
    this.client.input(this.id, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }
  resize(cols: number, rows: number): void {
    if (!this.ended) this.client.resize(this.id, cols, rows);
  }
  pause(): void {
    if (!this.ended) this.client.pause(this.id);
  }
  resume(): void {
    if (!this.ended) this.client.resume(this.id);
  }
  close(): void {
    if (this.ended) return;
    this.client.forget(this.id);
    this.finish({ exitCode: null, signal: null, error: null });
  }
  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataCb = cb;
    if (this.catchUp) this.flushStart();
  }
  onEnd(cb: (end: EndInfo) => void): void {
    this.endCb = cb;
    if (this.ended) cb(this.ended);
  }
}

/** Starts a host process for the data folder: detached, its own session, output to the host log. */
export function startHost(dataDir: string, graceMs?: number): void {
  const paths = hostPaths(dataDir);
  privateDir(paths.dir);
  const ts = __filename.endsWith('.ts');
  const entry = path.join(__dirname, ts ? 'main.ts' : 'main.js');
  const args = ts ? ['--require', require.resolve('tsx/cjs'), entry, '--data', dataDir] : [entry, '--data', dataDir];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  if (graceMs !== undefined) env.DRILLBOOK_HOST_GRACE_MS = String(graceMs);
  const log = openSync(paths.log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env, cwd: paths.dir });
    child.on('error', () => undefined);
    child.unref();
  } finally {
    closeSync(log);
  }
}
