import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { cpSync, mkdirSync } from 'node:fs';
import { ROOT, SocketClient, startServer } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { verifyChain } from '../../../main/drill/chain';

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

test('kill -9 in the middle of a flood from four clients (group commits): every acknowledged event is in the file, chained', async () => {
  const tmp = tempDir();
  const runbookDir = path.join(tmp.dir, 'runbooks');
  const dataDir = path.join(tmp.dir, 'data');
  mkdirSync(runbookDir);
  cpSync(path.join(ROOT, 'test/fixtures/three-steps.md'), path.join(runbookDir, 'three-steps.md'));
  const server = await startServer(dataDir, runbookDir);
  const clients: SocketClient[] = [];
  try {
    for (let k = 0; k < 4; k++) clients.push(await SocketClient.connect(server));
    const [entry] = await clients[0]!.call('runbooks.list', {});
    const id = (await clients[0]!.call('drill.start', { runbookPath: entry!.path, mode: 'live', operator: 'ana' })).id;
    const acked: string[] = [];
    let killed = false;
    let markKilled!: () => void;
    const gone = new Promise<'gone'>((resolve) => (markKilled = () => resolve('gone')));
    // Each client sends its next note as soon as the last is answered; the server's turns of the event loop bundle them.
    const flood = clients.map(async (c, k) => {
      for (let i = 0; i < 10_000 && !killed; i++) {
        const text = `client ${k} note ${i}`;
        const answer = await Promise.race([c.call('note.add', { drillId: id, text }).then(() => 'ok' as const, () => 'error' as const), gone]);
        if (answer !== 'ok') return;
        acked.push(text);
      }
    });
    const deadline = Date.now() + 60_000;
    while (acked.length < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(acked.length >= 400, `the flood got going (${acked.length} notes answered)`);
    killed = true;
    await server.stop('SIGKILL');
    const ackedAtKill = acked.length;
    markKilled();
    await Promise.all(flood);
    assert.equal(acked.length, ackedAtKill);

    const db = openDatabase(dataDir);
    try {
      const drills = new DrillService(db);
      const events = drills.events(id);
      assert.equal(verifyChain(events), null, 'the chain is whole');
      const saved = new Set(events.filter((e) => e.type === 'note.added').map((e) => (e.data as { text: string }).text));
      const lost = acked.filter((t) => !saved.has(t));
      assert.deepEqual(lost, [], `every one of the ${acked.length} acknowledged notes is in the file (${saved.size} saved)`);
      // Each client's notes are in the order it sent them.
      for (let k = 0; k < 4; k++) {
        const mine = events.map((e) => (e.data as { text?: string }).text).filter((t): t is string => t?.startsWith(`client ${k} `) === true);
        assert.deepEqual(mine, mine.slice().sort((x, y) => Number(x.split(' ')[3]) - Number(y.split(' ')[3])));
      }
    } finally {
      db.close();
    }
  } finally {
    await server.stop();
    tmp.cleanup();
  }
});
