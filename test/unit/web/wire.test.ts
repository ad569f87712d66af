/**
 * Drill snapshots as patches (main/api/wire.ts → main/api/mirror.ts): what a
 * client rebuilds is exactly the snapshot the server sent, event after event;
 * it shares what did not change and never alters a snapshot it handed out; a
 * missed version or a patch that does not fit is refused, never half-applied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { DrillChannel, diffJson } from '../../../main/api/wire';
import { applyPatch as referenceApply, deepClone } from 'fast-json-patch';
import { DrillDecoder, DrillMirror, applyPatch } from '../../../main/api/mirror';
import { drillWireSchema, type ApiEvent, type DrillWire } from '../../../main/api/contract';
import type { DrillSnapshot } from '../../../main/drill/model';
import { makeRunbook, tempDir } from '../../helpers/runbooks';

function setup(steps = 12) {
  const tmp = tempDir();
  const clock = manualClock();
  const db = openDatabase(tmp.dir);
  const svc = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
  const rb = makeRunbook(Array.from({ length: steps }, (_, i) => ({ title: `Step ${i}`, checklist: ['a', 'b'] })), 600);
  return { clock, svc, rb, done: () => { db.close(); tmp.cleanup(); } };
}

test('a client rebuilds every snapshot of a drill exactly, from one whole snapshot and patches', () => {
  const { svc, rb, clock, done } = setup();
  try {
    const sent: DrillSnapshot[] = [];
    const asSent: string[] = [];
    svc.onChange((s) => {
      sent.push(s);
      asSent.push(JSON.stringify(s));
    });
    const id = svc.start(rb, 'rehearsal', 'ana').id;
    for (let i = 0; i < rb.steps.length; i++) {
      clock.advance(1_000 + i);
      svc.stepStart(id, i);
      svc.checkSet(id, i, 1, true);
      svc.addNote(id, i, `note ${i} with / and ~ in it`);
      if (i === 3) {
        svc.pause(id, 'coffee');
        clock.advance(5_000);
        svc.resume(id);
      }
      svc.commandRun(id, i, { target: 'local', text: `echo ${i}`, name: null, exitCode: i % 3 === 0 ? 1 : 0, durationMs: 12, expectPassed: null });
      if (i % 4 === 1) svc.stepSkip(id, i, 'not needed');
      else svc.stepComplete(id, i);
    }
    svc.finish(id);
    svc.addNote(id, null, 'written up afterwards');

    const channel = new DrillChannel();
    const mirror = new DrillMirror();
    let prev: DrillSnapshot | null = null;
    let patched = 0;
    for (const snap of sent) {
      const wire = JSON.parse(JSON.stringify(channel.event({ type: 'drill.changed', drill: snap }))).wire as DrillWire;
      drillWireSchema.parse(wire);
      if (!('full' in wire)) patched++;
      const before: string | null = prev ? JSON.stringify(prev) : null;
      if ('ops' in wire && prev) {
        // Plain RFC 6902: fast-json-patch's own apply reaches the same snapshot.
        assert.deepEqual(referenceApply(deepClone(prev), wire.ops as never, true, true).newDocument, JSON.parse(JSON.stringify(snap)));
      }
      const got = mirror.accept(wire)!;
      assert.deepEqual(got, JSON.parse(JSON.stringify(snap)), `event ${snap.eventCount}`);
      if (prev) {
        assert.equal(JSON.stringify(prev), before, 'the snapshot handed out before is left as it was');
        // Untouched steps are the same objects: React re-renders only what changed.
        const shared = got.steps.filter((st, i) => st === prev!.steps[i]).length;
        assert.ok(shared >= rb.steps.length - 2, `event ${snap.eventCount}: only ${shared} steps shared`);
      }
      prev = got;
    }
    // The diff skips what is the same object, so nothing a snapshot holds may change after it was sent.
    sent.forEach((snap, i) => assert.equal(JSON.stringify(snap), asSent[i], `snapshot ${i + 1} changed after it was sent`));
    assert.ok(sent.at(-1)!.steps[5] === sent.at(-2)!.steps[5], 'consecutive snapshots share the steps an event did not touch');
    assert.equal(patched, sent.length - 1, 'the first message is whole, every later one a patch');
    // The reply to the call that recorded the last event is the empty patch from the push.
    const reply = channel.response({ id: 7, result: sent.at(-1) }, 'note.add', {});
    assert.ok('drill' in reply && 'ops' in reply.drill && reply.drill.ops.length === 0);
  } finally {
    done();
  }
});

test('a missed version is refused, and a whole snapshot (drill.get with full) starts the mirror again', () => {
  const { svc, rb, clock, done } = setup(3);
  try {
    const channel = new DrillChannel();
    const mirror = new DrillMirror();
    const id = svc.start(rb, 'rehearsal', 'ana').id;
    assert.ok(mirror.accept(channel.encode(svc.get(id))));
    clock.advance(1000);
    channel.encode(svc.stepStart(id, 0)); // lost on the way
    const next = channel.encode(svc.addNote(id, 0, 'after the lost one'));
    assert.equal(mirror.accept(next), null);
    assert.equal(mirror.version(id), null, 'the mirror forgets the drill rather than guess');
    // Later patches are refused too until a whole snapshot arrives.
    assert.equal(mirror.accept(channel.encode(svc.checkSet(id, 0, 0, true))), null);
    const res = channel.response({ id: 1, result: svc.get(id) }, 'drill.get', { drillId: id, full: true });
    assert.ok('drill' in res && 'full' in res.drill);
    assert.equal(mirror.accept(res.drill), res.drill.full);
    const after = channel.encode(svc.stepComplete(id, 0));
    assert.ok('ops' in after);
    assert.equal(mirror.accept(after)!.steps[0]!.status, 'completed');
  } finally {
    done();
  }
});

test('a patch that does not fit the snapshot is refused whole, never half-applied', () => {
  const doc = { a: { b: [1, 2, 3] }, c: 'x' };
  const frozen = JSON.stringify(doc);
  const bad = [
    [{ op: 'replace', path: '/a/b/3', value: 9 }],
    [{ op: 'remove', path: '/nope' }],
    [{ op: 'add', path: '/a/b/7', value: 1 }],
    [{ op: 'replace', path: '/c/d', value: 1 }],
    [{ op: 'move', from: '/a', path: '/z' }],
    [{ op: 'add', path: '/__proto__/polluted', value: true }],
    [{ op: 'replace', path: 'no-slash', value: 1 }],
    [{ op: 'replace', path: '/c', value: 'y' }, { op: 'remove', path: '/a/b/01' }],
  ];
  for (const ops of bad) {
    assert.throws(() => applyPatch(doc, ops as never), Error, JSON.stringify(ops));
    assert.equal(JSON.stringify(doc), frozen);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // And the good ones, including escaped keys and appends.
  const out = applyPatch({ 'a/b': 1, 'm~n': [1] } as Record<string, unknown>, [
    { op: 'replace', path: '/a~1b', value: 2 },
    { op: 'add', path: '/m~0n/1', value: 2 },
    { op: 'add', path: '/m~0n/-', value: 3 },
    { op: 'add', path: '/new', value: { x: 1 } },
  ]);
  assert.deepEqual(out, { 'a/b': 2, 'm~n': [1, 2, 3], new: { x: 1 } });
  // A refused patch leaves the mirror without the drill: the client asks for it whole.
  const mirror = new DrillMirror();
  mirror.accept({ drillId: 'drill-1', v: 1, full: doc as never });
  assert.equal(mirror.accept({ drillId: 'drill-1', v: 2, base: 1, ops: [{ op: 'remove', path: '/nope' }] }), null);
  assert.equal(mirror.version('drill-1'), null);
});

test('the diff of any two JSON values, applied by us or by fast-json-patch, gives the second', () => {
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const keys = ['a', 'b', 'c/d', 'e~f', '0', 'status'];
  const value = (depth: number): unknown => {
    const k = rnd(depth > 2 ? 4 : 7);
    if (k === 0) return null;
    if (k === 1) return rnd(5);
    if (k === 2) return ['x', 'y', ''][rnd(3)];
    if (k === 3) return rnd(2) === 0;
    if (k === 4 || k === 5) return Array.from({ length: rnd(5) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (const key of keys) if (rnd(2)) o[key] = value(depth + 1);
    return o;
  };
  const mutate = (v: unknown, depth: number): unknown => {
    if (rnd(4) === 0 || depth > 3) return value(depth);
    if (Array.isArray(v)) {
      const c = v.map((x) => (rnd(3) ? x : mutate(x, depth + 1)));
      if (rnd(3) === 0) c.push(value(depth + 1));
      if (rnd(3) === 0) c.splice(0, rnd(c.length + 1));
      return c;
    }
    if (v && typeof v === 'object') {
      const c: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const key of keys) {
        const r = rnd(5);
        if (r === 0) delete c[key];
        else if (r === 1) c[key] = mutate(c[key], depth + 1);
      }
      return c;
    }
    return value(depth);
  };
  for (let i = 0; i < 3000; i++) {
    const a = { root: value(0) };
    const b = mutate(a, 0) as Record<string, unknown>;
    const ops = diffJson(a, b, '', []);
    const frozen = JSON.stringify(a);
    assert.deepEqual(applyPatch(a, ops), b, `case ${i}`);
    assert.equal(JSON.stringify(a), frozen);
    assert.deepEqual(referenceApply(deepClone(a), ops as never, true, true).newDocument, b, `case ${i} (fast-json-patch)`);
  }
});

test('the renderer transport asks for the whole snapshot once after a missed version, however many patches follow', async () => {
  const { svc, rb, clock, done } = setup(4);
  try {
    const channel = new DrillChannel();
    const emitted: DrillSnapshot[] = [];
    let fetches = 0;
    let release: () => void = () => undefined;
    const fetched = new Promise<void>((r) => (release = r));
    const decoder = new DrillDecoder(
      async (drillId: string): Promise<DrillSnapshot> => {
        fetches++;
        await fetched; // the whole snapshot takes a while to come back; patches keep arriving meanwhile
        const res = channel.response({ id: 1, result: svc.get(drillId) }, 'drill.get', { drillId, full: true });
        return decoder.result((res as { drill: DrillWire }).drill);
      },
      (e: ApiEvent) => {
        if (e.type === 'drill.changed') emitted.push(e.drill);
      },
    );
    const push = (s: DrillSnapshot) => decoder.event(JSON.parse(JSON.stringify(channel.event({ type: 'drill.changed', drill: s }))));
    const id = svc.start(rb, 'rehearsal', 'ana').id;
    push(svc.get(id));
    clock.advance(1000);
    channel.event({ type: 'drill.changed', drill: svc.stepStart(id, 0) }); // lost
    push(svc.addNote(id, 0, 'one'));
    push(svc.addNote(id, 0, 'two'));
    push(svc.checkSet(id, 0, 0, true));
    assert.equal(fetches, 1, 'one whole snapshot asked for, not one per patch');
    release();
    await new Promise((r) => setTimeout(r, 10));
    const after = svc.stepComplete(id, 0);
    push(after);
    assert.equal(fetches, 1);
    assert.deepEqual(emitted.at(-1), JSON.parse(JSON.stringify(after)), 'patches apply again after the whole snapshot');
  } finally {
    done();
  }
});
