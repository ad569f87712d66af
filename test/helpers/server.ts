/**
 * Starts `drillbook web` as a real child process (so tests can kill -9 it)
 * and talks to it over a real WebSocket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { drillWireSchema, type ApiEvent, type DrillWire, type Method, type Params, type Results, type WireEvent } from '../../main/api/contract';
import { DrillMirror } from '../../main/api/mirror';
import type { DrillSnapshot } from '../../main/drill/model';
import { decodeFrame } from '../../main/terminal/frames';
import { cliPrefix } from './cli';

export { ROOT } from './root';
import { ROOT } from './root';

export interface RunningServer {
  url: string;
  origin: string;
  token: string;
  port: number;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `detached`: the server gets a process group of its own, so a test can signal the group as Ctrl+C in a terminal does. */
export async function startServer(dataDir: string, runbookDir: string, timeoutMs = 20_000, opts: { detached?: boolean } = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [...cliPrefix(), 'web', '--port', '0', '--no-open', '--data', dataDir, '--runbooks', runbookDir], {
    cwd: ROOT,
    detached: opts.detached === true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A short grace: the terminal host of a test's data folder goes soon after its shells (main/terminal/host).
    env: { ...process.env, DRILLBOOK_DATA: '', DRILLBOOK_HOST_GRACE_MS: '3000' },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token')!,
    port: Number(u.port),
    child,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        // A graceful stop leaves the shells in the terminal host for the next server; tests end them too.
        if (signal !== 'SIGKILL') killTerminalHost(dataDir);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/** The pid of the terminal host serving `dataDir`, if one is running. */
export function terminalHostPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'terminal-host', 'host.pid'), 'utf8').trim());
    if (!(pid > 1)) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** Stops the terminal host a test's servers started (its shells end with it). */
export function killTerminalHost(dataDir: string, signal: NodeJS.Signals = 'SIGTERM'): void {
  const pid = terminalHostPid(dataDir);
  if (pid) process.kill(pid, signal);
}

/** A minimal API client over the real socket, authenticated by the cookie the server hands out. */
export class SocketClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Pushed events, drill snapshots made whole again (main/api/mirror.ts), as the renderer's transport does. */
  readonly events: ApiEvent[] = [];
  /** Terminal output received as binary frames, by terminal id. */
  readonly output = new Map<string, Buffer[]>();
  binaryFrames = 0;
  /** Bytes of JSON (text) frames received, and their count. */
  textBytes = 0;
  textFrames = 0;
  /** Drill messages that could not be applied (a missed version), each answered by a whole snapshot. */
  resyncs = 0;
  /** Test hook: drop the next N drill messages pushed, as if lost. */
  dropPushes = 0;
  private readonly mirror = new DrillMirror();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.binaryFrames++;
        const f = decodeFrame(data)!;
        const list = this.output.get(f.terminalId) ?? [];
        list.push(Buffer.from(f.payload));
        this.output.set(f.terminalId, list);
        return;
      }
      this.textBytes += data.length;
      this.textFrames++;
      const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown; drill?: unknown; error?: { code: string; message: string }; event?: WireEvent };
      if (msg.event) return this.pushed(msg.event);
      const drill = msg.drill !== undefined ? this.snapshot(drillWireSchema.parse(msg.drill)) : null;
      const p = this.pending.get(msg.id ?? -1);
      if (!p) return;
      this.pending.delete(msg.id!);
      if (msg.error) p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
      else if (drill) drill.then(p.resolve, p.reject);
      else p.resolve(msg.result);
    });
  }

  private pushed(e: WireEvent): void {
    if (e.type !== 'drill.changed') return void this.events.push(e);
    if (this.dropPushes > 0) return void this.dropPushes--;
    void this.snapshot(drillWireSchema.parse(e.wire)).then((drill) => this.events.push({ type: 'drill.changed', drill }));
  }

  /** The mirror takes the message now, in arrival order; a version it does not hold costs one whole snapshot. */
  private snapshot(wire: DrillWire): Promise<DrillSnapshot> {
    const snap = this.mirror.accept(wire);
    if (snap) return Promise.resolve(snap);
    this.resyncs++;
    return this.call('drill.get', { drillId: wire.drillId, full: true });
  }

  static connect(server: RunningServer): Promise<SocketClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`, {
      headers: { Cookie: `drillbook_token_${server.port}=${server.token}`, Origin: server.origin },
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new SocketClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    });
  }

  call<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * Sends anything at all, for boundary tests, and resolves with the next reply.
   * Pushed events (db.health, drill.changed, ...) may arrive at any moment, so they
   * and binary terminal frames are not taken for the reply.
   */
  raw(text: string): Promise<unknown> {
    return new Promise((resolve) => {
      const onMessage = (d: Buffer, isBinary: boolean): void => {
        if (isBinary) return;
        const msg = JSON.parse(d.toString()) as { event?: unknown };
        if (msg.event) return;
        this.ws.off('message', onMessage);
        resolve(msg);
      };
      this.ws.on('message', onMessage);
      this.ws.send(text);
    });
  }

  /** Everything a terminal has printed so far, as text. */
  text(terminalId: string): string {
    return Buffer.concat(this.output.get(terminalId) ?? []).toString('utf8');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
