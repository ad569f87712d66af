/**
 * The web host's drill messages at two sizes (40 and 2,641 steps): bytes on
 * the socket per recorded event and the time from sending a call to holding
 * both the reply and a second client's push, through the real server
 * (in-process), a real WebSocket and the client-side mirror
 * (main/api/mirror.ts). Beside it, what the same events cost before the delta
 * protocol: the whole snapshot to the caller and to every other client.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Core } from '../../main/api/core';
import { startWebServer } from '../../main/web/server';
import { DrillMirror } from '../../main/api/mirror';
import type { DrillWire } from '../../main/api/contract';
import type { DrillSnapshot } from '../../main/drill/model';
import { bigRunbookText, BIG_STEPS } from './big-runbook';

const EVENTS = 160;

class Client {
  bytes = 0;
  private nextId = 1;
  private readonly mirror = new DrillMirror();
  private readonly waiting = new Map<number, (s: DrillSnapshot | null) => void>();
  last: DrillSnapshot | null = null;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (binary) return;
      this.bytes += data.length;
      const msg = JSON.parse(data.toString()) as { id?: number; drill?: DrillWire; event?: { type: string; wire?: DrillWire }; error?: { message: string } };
      const wire = msg.drill ?? msg.event?.wire;
      const snap = wire ? this.mirror.accept(wire) : null;
      if (wire && !snap) throw new Error('missed a version');
      if (msg.event && snap) this.last = snap;
      if (msg.id !== undefined) {
        if (msg.error) throw new Error(msg.error.message);
        this.waiting.get(msg.id)?.(snap);
        this.waiting.delete(msg.id);
      }
    });
  }
  static async open(port: number, token: string): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { Cookie: `drillbook_token_${port}=${token}`, Origin: `http://127.0.0.1:${port}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Client(ws);
  }
  call(method: string, params: unknown): Promise<DrillSnapshot | null> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
  close(): void {
    this.ws.close();
  }
}

async function measure(steps: number): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-transport-'));
  const books = path.join(dir, 'runbooks');
  mkdirSync(books);
  const file = path.join(books, `steps-${steps}.md`);
  writeFileSync(file, bigRunbookText(steps));
  const core = new Core({ dataDir: path.join(dir, 'data'), runbookDirs: [books], host: 'web' });
  const server = await startWebServer({ core, rendererDir: dir });
  const a = await Client.open(server.port, server.token);
  const b = await Client.open(server.port, server.token);
  try {
    const drill = (await a.call('drill.start', { runbookPath: file, mode: 'rehearsal', operator: 'bench' }))!;
    while (b.last?.id !== drill.id) await new Promise((r) => setImmediate(r)); // the watcher's whole first snapshot is not an event's cost
    const bytes0 = a.bytes + b.bytes;
    const ms: number[] = [];
    let before = 0;
    for (let i = 0; i < EVENTS; i++) {
      const step = Math.floor(i / 4);
      const [method, params] = [
        ['step.start', { drillId: drill.id, stepIndex: step }],
        ['check.set', { drillId: drill.id, stepIndex: step, itemIndex: 0, checked: true }],
        ['note.add', { drillId: drill.id, stepIndex: step, text: `step ${step}: rows match` }],
        ['step.complete', { drillId: drill.id, stepIndex: step }],
      ][i % 4] as [string, unknown];
      const t = performance.now();
      const snap = (await a.call(method, params))!;
      while (b.last?.eventCount !== snap.eventCount) await new Promise((r) => setImmediate(r));
      ms.push(performance.now() - t);
      before += 2 * JSON.stringify({ event: { type: 'drill.changed', drill: snap } }).length; // the old push to a and b
      before += JSON.stringify({ id: 1, result: snap }).length; // and the old reply
    }
    const perEvent = (a.bytes + b.bytes - bytes0) / EVENTS;
    ms.sort((x, y) => x - y);
    const p50 = ms[Math.floor(ms.length / 2)]!;
    const p99 = ms[Math.floor(ms.length * 0.99)]!;
    return `${String(steps).padStart(5)} steps: ${perEvent.toFixed(0).padStart(5)} bytes/event on the socket for 2 clients (the whole snapshot each time: ${(before / EVENTS / 1024).toFixed(1)} KiB) · call → reply and push p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`;
  } finally {
    a.close();
    b.close();
    await server.close();
    core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function transportBench(): Promise<void> {
  console.log(`web host, ${EVENTS} events (step start, tick, note, complete) by one client, watched by another`);
  for (const steps of [40, BIG_STEPS]) console.log('  ' + (await measure(steps)));
}
