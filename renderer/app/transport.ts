/**
 * The renderer's only door to the Drillbook core.
 *
 * Two implementations of one interface: Electron IPC (when the preload
 * exposes `window.drillbook`) and a WebSocket to the web host. Both speak
 * the wire shapes in main/api/contract.ts; only types are imported from
 * there so no Node code reaches the bundle.
 *
 * Drill snapshots arrive as patches against the last one received
 * (main/api/wire.ts); DrillDecoder (main/api/mirror.ts) turns them back into whole
 * snapshots, so everything above the transport sees `drill.changed` with a
 * snapshot and calls resolve with one, as before.
 */
import type { ApiEvent, DrillWire, ErrorCode, Method, Params, Results, ServerMessage, WireEvent } from '../../main/api/contract';
import { DrillDecoder } from '../../main/api/mirror';

export type ConnState =
  /** First connection attempt, nothing shown yet. */
  | 'connecting'
  | 'open'
  /** Was open (or never opened), lost, retrying with backoff. */
  | 'reconnecting'
  /** The server answered but refused our credentials: it restarted with a new token. */
  | 'refused';

export interface ConnStatus {
  state: ConnState;
  /** Milliseconds until the next attempt, when waiting. */
  retryInMs?: number;
  /** How many consecutive attempts have failed. */
  attempts?: number;
}

export interface ApiClient {
  call<M extends Method>(method: M, params: Params<M>): Promise<Results[M]>;
  onEvent(cb: (e: ApiEvent) => void): () => void;
  onStatus(cb: (s: ConnStatus) => void): () => void;
  /** Terminal output: raw bytes per terminal, outside the JSON messages (see main/terminal/frames.ts). */
  onTerminalData(cb: (terminalId: string, bytes: Uint8Array) => void): () => void;
  readonly kind: 'electron' | 'websocket';
}

/** What every rejected call rejects with: the server's code and message, never a stack. */
export class ApiCallError extends Error {
  constructor(
    readonly code: ErrorCode | 'disconnected' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

export function toApiError(err: unknown): ApiCallError {
  if (err instanceof ApiCallError) return err;
  if (err && typeof err === 'object') {
    const o = err as { code?: unknown; message?: unknown };
    const code = typeof o.code === 'string' ? o.code : 'internal';
    let message = typeof o.message === 'string' && o.message ? o.message : 'Unexpected error';
    // Electron wraps rejections from ipcMain.handle as
    // "Error invoking remote method 'x': Error: message" — keep the message.
    message = message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
    return new ApiCallError(code as ErrorCode, message);
  }
  return new ApiCallError('internal', typeof err === 'string' ? err : 'Unexpected error');
}

class Emitter<T> {
  private readonly subs = new Set<(v: T) => void>();
  on(cb: (v: T) => void): () => void {
    this.subs.add(cb);
    return () => this.subs.delete(cb);
  }
  emit(v: T): void {
    for (const cb of Array.from(this.subs)) { // a snapshot: a callback may unsubscribe
      try {
        cb(v);
      } catch (e) {
        console.error('listener failed', e);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Electron

class ElectronClient implements ApiClient {
  readonly kind = 'electron' as const;
  private readonly status = new Emitter<ConnStatus>();
  private readonly events = new Emitter<ApiEvent>();
  private readonly drills = new DrillDecoder(
    (drillId) => this.call('drill.get', { drillId, full: true }),
    (e) => this.events.emit(e),
  );
  constructor(private readonly bridge: DrillbookBridge) {
    bridge.onEvent((e) => this.drills.event(e as WireEvent));
  }

  async call<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
    let res: { result: unknown } | { drill: unknown };
    try {
      res = await this.bridge.call(method, params);
    } catch (err) {
      throw toApiError(err);
    }
    if ('drill' in res) return (await this.drills.result(res.drill as DrillWire)) as Results[M];
    return res.result as Results[M];
  }
  onEvent(cb: (e: ApiEvent) => void): () => void {
    return this.events.on(cb);
  }
  onTerminalData(cb: (terminalId: string, bytes: Uint8Array) => void): () => void {
    return this.bridge.onTerminalData?.(cb) ?? (() => {});
  }
  onStatus(cb: (s: ConnStatus) => void): () => void {
    // IPC is always connected; report it once, asynchronously, like the socket does.
    queueMicrotask(() => cb({ state: 'open' }));
    return this.status.on(cb);
  }
}

// ---------------------------------------------------------------------------
// WebSocket

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: ApiCallError) => void;
  timer: number;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 5000;
const CALL_TIMEOUT_MS = 60_000;
/** How long a call made before the first connection waits for it. */
const INITIAL_QUEUE_MS = 15_000;

export class WebSocketClient implements ApiClient {
  readonly kind = 'websocket' as const;
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Calls made before the first connection opened. */
  private queue: { send: () => void; fail: (e: ApiCallError) => void; timer: number }[] = [];
  private readonly events = new Emitter<ApiEvent>();
  private readonly drills = new DrillDecoder(
    (drillId) => this.call('drill.get', { drillId, full: true }),
    (e) => this.events.emit(e),
  );
  private readonly terminalData = new Emitter<{ terminalId: string; bytes: Uint8Array }>();
  private readonly statusEm = new Emitter<ConnStatus>();
  private current: ConnStatus = { state: 'connecting' };
  private everOpened = false;
  private attempts = 0;
  private retryTimer = 0;
  private closed = false;

  constructor(private readonly url: string) {
    this.connect();
  }

  private setStatus(s: ConnStatus): void {
    this.current = s;
    this.statusEm.emit(s);
  }

  private connect(): void {
    if (this.closed) return;
    let opened = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
      ws.binaryType = 'arraybuffer'; // terminal output frames
    } catch {
      this.scheduleRetry(false);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      opened = true;
      this.drills.reset();
      this.everOpened = true;
      this.attempts = 0;
      this.setStatus({ state: 'open' });
      const q = this.queue;
      this.queue = [];
      for (const item of q) {
        window.clearTimeout(item.timer);
        item.send();
      }
    };
    ws.onmessage = (ev) => this.handleMessage(ev.data);
    ws.onerror = () => {
      /* onclose follows and does the work */
    };
    ws.onclose = () => {
      if (this.ws === ws) this.ws = null;
      this.failPending(
        'Connection to Drillbook lost before it answered. The action may or may not have been applied — check the drill before retrying.',
      );
      this.scheduleRetry(opened);
    };
  }

  private failPending(message: string): void {
    for (const [id, p] of this.pending) {
      window.clearTimeout(p.timer);
      p.reject(new ApiCallError('disconnected', message));
      this.pending.delete(id);
    }
  }

  private async scheduleRetry(wasOpen: boolean): Promise<void> {
    if (this.closed) return;
    this.attempts = wasOpen ? 1 : this.attempts + 1;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, this.attempts - 1));
    // A WebSocket cannot see the HTTP status of a refused handshake, so ask
    // the page's own origin: 401/403 means the server is up but no longer
    // accepts our cookie (it restarted with a new token).
    let refused = false;
    if (!wasOpen) refused = await this.probeRefused();
    if (this.closed) return;
    this.setStatus({ state: refused ? 'refused' : this.everOpened ? 'reconnecting' : 'connecting', retryInMs: delay, attempts: this.attempts });
    if (!this.everOpened && !refused && this.attempts > 2) {
      // The first connection is taking long: stop holding queued calls.
      this.flushQueue(new ApiCallError('disconnected', 'Cannot reach Drillbook — still trying to connect.'));
    }
    if (refused) this.flushQueue(new ApiCallError('disconnected', 'Drillbook refused the connection (it restarted). Open the new URL it printed.'));
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  private flushQueue(err: ApiCallError): void {
    const q = this.queue;
    this.queue = [];
    for (const item of q) {
      window.clearTimeout(item.timer);
      item.fail(err);
    }
  }

  private async probeRefused(): Promise<boolean> {
    if (typeof fetch !== 'function' || !/^wss?:/.test(this.url)) return false;
    const ctrl = new AbortController();
    const t = window.setTimeout(() => ctrl.abort(), 2000);
    try {
      const res = await fetch(new URL('./', location.href).toString(), {
        method: 'GET',
        cache: 'no-store',
        credentials: 'same-origin',
        redirect: 'manual',
        signal: ctrl.signal,
      });
      return res.status === 401 || res.status === 403;
    } catch {
      return false;
    } finally {
      window.clearTimeout(t);
    }
  }

  private handleMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      // [0x01][idLen][id][payload]: terminal output (main/terminal/frames.ts).
      const frame = new Uint8Array(data);
      const idLen = frame[1] ?? 0;
      if (frame[0] !== 1 || frame.length < 2 + idLen) return;
      const terminalId = String.fromCharCode(...frame.subarray(2, 2 + idLen));
      this.terminalData.emit({ terminalId, bytes: frame.subarray(2 + idLen) });
      return;
    }
    if (typeof data !== 'string') return;
    let msg: ServerMessage;
    try {
      msg = JSON.parse(data) as ServerMessage;
    } catch {
      console.warn('Drillbook: unparseable frame from server');
      return;
    }
    if ('event' in msg) {
      this.drills.event(msg.event);
      return;
    }
    const p = this.pending.get(msg.id);
    // A snapshot the caller no longer waits for still moves the mirror on.
    const drill = 'drill' in msg ? this.drills.result(msg.drill) : null;
    if (!p) return void drill?.catch(() => {});
    this.pending.delete(msg.id);
    window.clearTimeout(p.timer);
    if ('error' in msg) p.reject(toApiError(msg.error));
    else if ('result' in msg) p.resolve(msg.result);
    else drill?.then(p.resolve, (err: unknown) => p.reject(toApiError(err)));
  }

  call<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
    return new Promise<Results[M]>((resolve, reject) => {
      const send = () => {
        const ws = this.ws;
        if (!ws || ws.readyState !== WebSocket.OPEN) {
          reject(new ApiCallError('disconnected', 'Not connected to Drillbook — reconnecting. Try again once the connection is back.'));
          return;
        }
        const id = this.nextId++;
        const timer = window.setTimeout(() => {
          if (this.pending.delete(id)) {
            reject(new ApiCallError('timeout', `Drillbook did not answer ${method} within ${CALL_TIMEOUT_MS / 1000}s.`));
          }
        }, CALL_TIMEOUT_MS);
        this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
        ws.send(JSON.stringify({ id, method, params }));
      };
      if (this.current.state === 'open') send();
      else if (!this.everOpened && this.current.state !== 'refused') {
        const timer = window.setTimeout(() => {
          this.queue = this.queue.filter((q) => q.timer !== timer);
          reject(new ApiCallError('disconnected', 'Cannot reach Drillbook — still trying to connect.'));
        }, INITIAL_QUEUE_MS);
        this.queue.push({ send, fail: reject, timer });
      } else send();
    });
  }

  onEvent(cb: (e: ApiEvent) => void): () => void {
    return this.events.on(cb);
  }

  onTerminalData(cb: (terminalId: string, bytes: Uint8Array) => void): () => void {
    return this.terminalData.on((d) => cb(d.terminalId, d.bytes));
  }

  onStatus(cb: (s: ConnStatus) => void): () => void {
    const off = this.statusEm.on(cb);
    cb(this.current);
    return off;
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.retryTimer);
    this.ws?.close();
    this.failPending('Closed.');
  }
}

export function socketUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api`;
}

let client: ApiClient | null = null;

export function getClient(): ApiClient {
  if (!client) {
    client = window.drillbook ? new ElectronClient(window.drillbook) : new WebSocketClient(socketUrl());
  }
  return client;
}
