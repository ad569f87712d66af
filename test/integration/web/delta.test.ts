/**
 * The web host sends a drill's changes, not the drill (main/api/wire.ts): the
 * bytes one event costs on the socket stay under a bound that does not depend
 * on the drill's size, and a client that misses a version gets back to the
 * exact snapshot the server holds. Before the delta protocol every event sent
 * the whole snapshot twice: about 2 MB per event at 5,000 steps.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { ROOT, SocketClient, startServer, type RunningServer } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { bigRunbookText } from '../../bench/big-runbook';
import type { DrillSnapshot } from '../../../main/drill/model';

let server: RunningServer;
const tmp = tempDir();
const runbookDir = path.join(tmp.dir, 'runbooks');
const BIG = path.join(runbookDir, 'big-5000.md');
const SMALL = path.join(runbookDir, 'small-40.md');
/** Bytes on the socket per recorded event, whatever the drill's size: the reply (the caller) plus the push. */
const BYTES_PER_EVENT = 3000;

before(async () => {
  mkdirSync(runbookDir);
  cpSync(path.join(ROOT, 'test/fixtures/three-steps.md'), path.join(runbookDir, 'three-steps.md'));
  writeFileSync(BIG, bigRunbookText(5000));
  writeFileSync(SMALL, bigRunbookText(40));
  server = await startServer(path.join(tmp.dir, 'data'), runbookDir, 60_000);
});
after(async () => {
  await server.stop();
  tmp.cleanup();
});

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function lastSeen(c: SocketClient, drillId: string): DrillSnapshot | undefined {
  for (let i = c.events.length - 1; i >= 0; i--) {
    const e = c.events[i]!;
    if (e.type === 'drill.changed' && e.drill.id === drillId) return e.drill;
  }
  return undefined;
}

/** The snapshot without what depends on the moment it was taken (the clock, the RTO so far, a running step's time). */
function timeless(s: DrillSnapshot | undefined): unknown {
  if (!s) return s;
  return { ...s, clock: null, rto: { ...s.rto, actualSec: null }, steps: s.steps.map((st) => (st.status === 'running' ? { ...st, durationMs: null } : st)) };
}

/** Records a mix of events on a drill; returns the bytes each client received per event. */
async function perEventBytes(runbookPath: string): Promise<{ caller: number[]; watcher: number[]; steps: number }> {
  const a = await SocketClient.connect(server);
  const b = await SocketClient.connect(server);
  try {
    const drill = await a.call('drill.start', { runbookPath, mode: 'rehearsal', operator: 'ana' });
    await until(() => lastSeen(b, drill.id) !== undefined, 'the watcher to hear of the drill');
    const actions: (() => Promise<DrillSnapshot>)[] = [];
    for (let i = 0; i < 5; i++) {
      actions.push(() => a.call('step.start', { drillId: drill.id, stepIndex: i }));
      actions.push(() => a.call('check.set', { drillId: drill.id, stepIndex: i, itemIndex: 0, checked: true }));
      actions.push(() => a.call('note.add', { drillId: drill.id, stepIndex: i, text: `step ${i} looks fine` }));
      actions.push(() => a.call('step.complete', { drillId: drill.id, stepIndex: i }));
    }
    const caller: number[] = [];
    const watcher: number[] = [];
    for (const act of actions) {
      const [a0, b0] = [a.textBytes, b.textBytes];
      const snap = await act();
      await until(() => lastSeen(b, drill.id)?.eventCount === snap.eventCount, 'the push');
      caller.push(a.textBytes - a0);
      watcher.push(b.textBytes - b0);
    }
    // What both clients hold is exactly what the server holds.
    const fresh = await SocketClient.connect(server);
    try {
      const truth = await fresh.call('drill.get', { drillId: drill.id });
      assert.deepEqual(timeless(lastSeen(b, drill.id)), timeless(truth));
      assert.deepEqual(timeless(lastSeen(a, drill.id)), timeless(truth));
    } finally {
      await fresh.close();
    }
    await a.call('drill.abort', { drillId: drill.id, reason: 'test over' });
    return { caller, watcher, steps: drill.steps.length };
  } finally {
    await a.close();
    await b.close();
  }
}

test('an event costs the same few hundred bytes on the socket at 40 steps and at 5,000', async () => {
  const small = await perEventBytes(SMALL);
  const big = await perEventBytes(BIG);
  assert.equal(big.steps, 5000);
  assert.equal(small.steps, 40);
  for (const [name, r] of [['40 steps', small], ['5,000 steps', big]] as const) {
    const worst = Math.max(...r.caller, ...r.watcher);
    assert.ok(worst < BYTES_PER_EVENT, `${name}: an event cost up to ${worst} bytes (caller ${r.caller.join(',')}; watcher ${r.watcher.join(',')})`);
  }
  // O(change): the big drill's events cost what the small drill's do, give or take the digits of the bigger indexes.
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  assert.ok(sum(big.watcher) < sum(small.watcher) * 1.5 + 2000, `5,000 steps: ${sum(big.watcher)} bytes; 40 steps: ${sum(small.watcher)}`);
});

test('a client that misses a version asks for the whole snapshot and ends with exactly the server\'s', async () => {
  const a = await SocketClient.connect(server);
  const b = await SocketClient.connect(server);
  try {
    const drill = await a.call('drill.start', { runbookPath: SMALL, mode: 'rehearsal', operator: 'ana' });
    await until(() => lastSeen(b, drill.id) !== undefined, 'the watcher to hear of the drill');
    await a.call('step.start', { drillId: drill.id, stepIndex: 0 });
    await until(() => lastSeen(b, drill.id)?.eventCount === 2, 'the first push');
    b.dropPushes = 1; // the push of the next event is lost
    await a.call('note.add', { drillId: drill.id, stepIndex: 0, text: 'this push is lost' });
    const last = await a.call('check.set', { drillId: drill.id, stepIndex: 0, itemIndex: 0, checked: true });
    await until(() => lastSeen(b, drill.id)?.eventCount === last.eventCount, 'the watcher to catch up');
    assert.equal(b.resyncs, 1, 'one whole snapshot was asked for');
    // And from there on, patches again: the next event applies without another resync.
    const after = await a.call('step.complete', { drillId: drill.id, stepIndex: 0 });
    await until(() => lastSeen(b, drill.id)?.eventCount === after.eventCount, 'the next push');
    assert.equal(b.resyncs, 1);
    const fresh = await SocketClient.connect(server);
    try {
      const truth = await fresh.call('drill.get', { drillId: drill.id });
      assert.deepEqual(timeless(lastSeen(b, drill.id)), timeless(truth));
      assert.deepEqual(lastSeen(b, drill.id), after, 'the watcher holds exactly the snapshot the caller was answered with');
      assert.equal(truth.notes.at(-1)!.text, 'this push is lost');
    } finally {
      await fresh.close();
    }
    await a.call('drill.abort', { drillId: drill.id, reason: 'test over' });
  } finally {
    await a.close();
    await b.close();
  }
});
