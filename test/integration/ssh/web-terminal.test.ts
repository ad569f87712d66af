/**
 * The terminal API through the real web host: control as JSON, output as
 * binary frames on the same WebSocket; a closed socket leaves the terminal
 * running and a new one re-attaches with the scrollback replayed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SocketClient, startServer, type RunningServer } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { waitFor } from './harness';

const tmp = tempDir('drillbook-webterm-');
const runbookDir = path.join(tmp.dir, 'runbooks');
let server: RunningServer;

before(async () => {
  mkdirSync(runbookDir);
  writeFileSync(
    path.join(runbookDir, 'local.md'),
    '---\ntitle: Local terminal drill\n---\n# Local terminal drill\n\n## Say hello\n\n```sh {name=hello expect="/^hello 42$/m"}\necho "hello $((6*7))"\n```\n',
  );
  server = await startServer(path.join(tmp.dir, 'data'), runbookDir);
});
after(async () => {
  await server.stop();
  tmp.cleanup();
});

test('terminal over the web host: JSON control, binary output, Run recorded, live needs confirmation', { timeout: 60_000 }, async () => {
  const c = await SocketClient.connect(server);
  try {
    const drill = await c.call('drill.start', { runbookPath: path.join(runbookDir, 'local.md'), mode: 'rehearsal', operator: 'op' });
    const t = await c.call('terminal.open', { drillId: drill.id, target: 'local', cols: 100, rows: 30 });
    assert.equal(t.kind, 'local');
    await waitFor('a prompt', () => c.events.some((e) => e.type === 'terminal.status' && e.terminal.shellIntegration));
    await c.call('terminal.input', { terminalId: t.terminalId, data: 'echo "typed $((40+2))"\r' });
    await waitFor('typed output', () => c.text(t.terminalId).includes('typed 42'));
    assert.ok(c.binaryFrames > 0);
    await c.call('terminal.ack', { terminalId: t.terminalId, bytes: 100_000 });
    await c.call('terminal.resize', { terminalId: t.terminalId, cols: 120, rows: 40 });

    const run = await c.call('terminal.run', { drillId: drill.id, stepIndex: 0, commandIndex: 0 });
    assert.equal(run.terminalId, t.terminalId); // the drill's local terminal is reused
    await waitFor('recorded result', () => {
      const e = [...c.events].reverse().find((x) => x.type === 'drill.changed');
      return e?.type === 'drill.changed' && e.drill.commands.find((x) => x.origin === 'run')?.expectPassed === true;
    });
    // The command typed by hand before it is on the record too.
    const typed = (await c.call('drill.get', { drillId: drill.id })).commands.find((x) => x.origin === 'typed');
    assert.deepEqual([typed?.text, typed?.exitCode], ['echo "typed $((40+2))"', 0]);
    const list = await c.call('terminal.list', { drillId: drill.id });
    assert.deepEqual(list.terminals.map((x) => x.terminalId), [t.terminalId]);
    const transcripts = await c.call('transcript.list', { drillId: drill.id });
    assert.equal(transcripts.length, 1);
    const page = await c.call('transcript.get', { drillId: drill.id, terminalId: t.terminalId, offset: 0, length: 1 << 20 });
    assert.match(Buffer.from(page.bytes, 'base64').toString(), /hello 42/);
    assert.ok(page.records.some((r) => r.t === 'command' && r.text.includes('hello')));

    await assert.rejects(c.call('terminal.answer', { promptId: 'p000000000000', answer: { accept: true } }), /no longer open/);
    await assert.rejects(
      c.call('terminal.input', { terminalId: 'tffffffffffff', data: 'x' }),
      (e: Error & { code?: string }) => e.code === 'not_found',
    );
    const live = await c.call('drill.start', { runbookPath: path.join(runbookDir, 'local.md'), mode: 'live', operator: 'op' });
    await assert.rejects(
      c.call('terminal.run', { drillId: live.id, stepIndex: 0, commandIndex: 0 }),
      (e: Error & { code?: string }) => e.code === 'bad_request' && /confirm/.test(e.message),
    );
    await c.call('drill.abort', { drillId: live.id, reason: 'test' });
  } finally {
    await c.close();
  }
});

test('a terminal outlives its socket; a new connection re-attaches and gets the scrollback', { timeout: 60_000 }, async () => {
  const a = await SocketClient.connect(server);
  const drill = await a.call('drill.start', { runbookPath: path.join(runbookDir, 'local.md'), mode: 'rehearsal', operator: 'op' });
  const t = await a.call('terminal.open', { drillId: drill.id, target: 'local', cols: 80, rows: 24 });
  await waitFor('a prompt', () => a.events.some((e) => e.type === 'terminal.status' && e.terminal.terminalId === t.terminalId && e.terminal.shellIntegration));
  await a.call('terminal.input', { terminalId: t.terminalId, data: 'echo "before $((1+1))"\r' });
  await waitFor('output', () => a.text(t.terminalId).includes('before 2'));
  await a.close();

  const b = await SocketClient.connect(server);
  try {
    const listed = await b.call('terminal.list', { drillId: drill.id });
    assert.equal(listed.terminals[0]?.status, 'open');
    await b.call('terminal.attach', { terminalId: t.terminalId });
    await waitFor('replayed scrollback', () => b.text(t.terminalId).includes('before 2'));
    await b.call('terminal.input', { terminalId: t.terminalId, data: 'echo "after $((2+2))"\r' });
    await waitFor('live output after replay', () => b.text(t.terminalId).includes('after 4'));
    await b.call('terminal.close', { terminalId: t.terminalId });
    assert.deepEqual((await b.call('terminal.list', { drillId: drill.id })).terminals, []);
  } finally {
    await b.close();
  }
});
