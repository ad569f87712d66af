import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { cpSync, mkdirSync } from 'node:fs';
import { ROOT, SocketClient, startServer } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';

test('kill -9 mid-drill loses nothing that was acknowledged; the drill resumes with its clock and the gap', async () => {
  const tmp = tempDir();
  const runbookDir = path.join(tmp.dir, 'runbooks');
  const dataDir = path.join(tmp.dir, 'data');
  mkdirSync(runbookDir);
  cpSync(path.join(ROOT, 'test/fixtures/three-steps.md'), path.join(runbookDir, 'three-steps.md'));
  let server = await startServer(dataDir, runbookDir);
  try {
    let c = await SocketClient.connect(server);
    const [entry] = await c.call('runbooks.list', {});
    const started = await c.call('drill.start', { runbookPath: entry!.path, mode: 'live', operator: 'ana' });
    const id = started.id;
    await c.call('step.start', { drillId: id, stepIndex: 0 });
    await c.call('check.set', { drillId: id, stepIndex: 0, itemIndex: 0, checked: true });
    await c.call('check.set', { drillId: id, stepIndex: 0, itemIndex: 1, checked: true, note: 'told the CTO' });
    await c.call('step.complete', { drillId: id, stepIndex: 0 });
    await c.call('step.start', { drillId: id, stepIndex: 1 });
    const lastAck = await c.call('note.add', { drillId: id, stepIndex: 1, text: 'restore started from snapshot 42' });
    c.close();

    await server.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 300)); // a measurable gap
    server = await startServer(dataDir, runbookDir);
    c = await SocketClient.connect(server);

    const active = await c.call('drill.active', {});
    assert.equal(active.length, 1);
    const found = active[0]!;
    assert.equal(found.id, id);
    assert.equal(found.interrupted, true);
    assert.equal(found.eventCount, lastAck.eventCount, 'every acknowledged event is there');
    assert.equal(found.chainHead, lastAck.chainHead);
    await assert.rejects(c.call('step.complete', { drillId: id, stepIndex: 1 }), /interrupted; resume it first/);

    const resumed = await c.call('drill.recover', { drillId: id });
    assert.equal(resumed.interrupted, false);
    assert.deepEqual(resumed.steps.map((s) => s.status), ['completed', 'running', 'pending']);
    assert.deepEqual(resumed.steps[0]!.checklist.map((i) => [i.checked, i.by, i.note]), [[true, 'ana', null], [true, 'ana', 'told the CTO']]);
    assert.equal(resumed.notes[0]!.text, 'restore started from snapshot 42');
    assert.equal(resumed.gaps.length, 1);
    assert.ok(resumed.gaps[0]!.durationMs >= 300, `gap ${resumed.gaps[0]!.durationMs} ms covers the downtime`);
    assert.ok(resumed.clock.grossMs >= lastAck.clock.grossMs + resumed.gaps[0]!.durationMs, 'the clock kept running through the gap');

    await c.call('step.complete', { drillId: id, stepIndex: 1 });
    await c.call('step.complete', { drillId: id, stepIndex: 2 });
    const done = await c.call('drill.finish', { drillId: id });
    assert.equal(done.status, 'completed');
    const history = await c.call('history.list', {});
    assert.equal(history[0]!.id, id);
    assert.equal(history[0]!.status, 'completed');
    c.close();
  } finally {
    await server.stop();
    tmp.cleanup();
  }
});
