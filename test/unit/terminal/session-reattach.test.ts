/**
 * A Run followed again after the server restarted (main/terminal/session.ts,
 * expectRun): the terminal host replays what the shell printed while no
 * server was attached, then live output follows. Marks in the replay are
 * read (the block started, its output began, its exit status) but never
 * answered: answering a replayed "ready" would type the block into a shell
 * that already has it, or into whatever runs there now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TerminalSession, type RunOutcome, type RunRequest } from '../../../main/terminal/session';
import { TranscriptWriter, transcriptPaths } from '../../../main/terminal/transcript';
import type { TerminalBackend } from '../../../main/terminal/backend';
import { tempDir } from '../../helpers/runbooks';

const osc = (s: string) => `\x1b]633;${s}\x07`;

function fakeBackend() {
  let onData: ((b: Uint8Array) => void) | null = null;
  const writes: string[] = [];
  const backend: TerminalBackend = {
    write: (d) => void writes.push(typeof d === 'string' ? d : Buffer.from(d).toString('utf8')),
    resize: () => undefined,
    pause: () => undefined,
    resume: () => undefined,
    close: () => undefined,
    onData: (cb) => void (onData = cb),
    onEnd: () => undefined,
  };
  return { backend, writes, push: (s: string) => onData!(Buffer.from(s, 'utf8')) };
}

async function reattached(historical: string) {
  const tmp = tempDir();
  const from = 1000;
  const fake = fakeBackend();
  const finished: RunOutcome[] = [];
  const session = new TerminalSession({
    terminalId: 't1',
    drillId: 'd1',
    target: 'local',
    kind: 'local',
    endpoint: 'local shell',
    cols: 80,
    rows: 24,
    transcript: new TranscriptWriter(transcriptPaths(tmp.dir, 'd1', 't1'), Date.now, { offset: from }),
    stepIndex: 0,
    reattached: { openedAt: new Date().toISOString() },
    hooks: { status: () => undefined, exit: () => undefined, runStarted: () => undefined, runFinished: (o) => void finished.push(o), commandTyped: () => undefined, noIntegration: () => undefined },
    start: async (s) => {
      s.expectRun(req, Date.now() - 5000, from + Buffer.byteLength(historical));
      return { backend: fake.backend, integrated: null };
    },
  });
  const req: RunRequest = { runId: 'r1', drillId: 'd1', stepIndex: 0, name: 'restore', text: 'sleep 8; echo done', expect: undefined, timeoutMs: undefined };
  await session.start();
  fake.push(historical); // the host's catch-up from the transcript
  return { fake, finished, session, done: async () => { await session.close(); tmp.cleanup(); } };
}

test('a block that had started before the restart: its exit code and output (before and after the gap) are recorded, and nothing is typed', async () => {
  const r = await reattached(`__drillbook_block r1\r\n${osc('C')}${osc('P;DrillbookReady=r1')}${osc('P;DrillbookOutput=r1')}restore-begins\r\n`);
  try {
    r.fake.push(`done\r\n${osc('D;0')}${osc('A')}$ ${osc('B')}`);
    assert.deepEqual(r.fake.writes, [], 'a replayed ready mark is never answered');
    assert.equal(r.finished.length, 1);
    assert.equal(r.finished[0]!.exitCode, 0);
    assert.match(r.finished[0]!.outputTail, /restore-begins[\s\S]*done/);
    assert.ok(r.finished[0]!.durationMs >= 4000, 'its time counts from when it was typed');
  } finally {
    await r.done();
  }
});

test('the shell asked for the block while no server was attached: nothing is sent late, and the run says why it did not run', async () => {
  const r = await reattached(`__drillbook_block r1\r\n${osc('C')}${osc('P;DrillbookReady=r1')}`);
  try {
    // The shell gives up waiting (20 s) and refuses.
    r.fake.push(`drillbook: nothing to run here\r\n${osc('P;DrillbookRefused=r1')}${osc('D;2')}${osc('A')}$ ${osc('B')}`);
    assert.deepEqual(r.fake.writes, []);
    assert.equal(r.finished.length, 1);
    assert.equal(r.finished[0]!.expectPassed, false);
    assert.match(r.finished[0]!.message, /Drillbook stopped after the shell asked for the block and before sending it/);
  } finally {
    await r.done();
  }
});
