/**
 * The `local` target: a real bash in a real pty (node-pty) with Drillbook's
 * shell integration — runs, exit codes, step changes in the transcript,
 * live-mode confirmation, the shell exiting and coming back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readTranscriptIndex, terminalText } from '../../../main/terminal';
import { makeHarness, waitFor } from './harness';

const RUNBOOK = `---
title: Local drill
---
# Local drill

## Prepare

\`\`\`sh {name=where expect="/^in-workdir$/m"}
test "$PWD" = "$DRILLBOOK_WORKDIR" && echo in-$(echo workdir)
\`\`\`

\`\`\`sh {name=multi expect=4}
echo one
echo two
( exit 4 )
\`\`\`

\`\`\`sh {name=broken}
if then fi
\`\`\`

## Restore

\`\`\`sh {name=nap}
sleep 20
\`\`\`

\`\`\`sh {name=late}
echo late
\`\`\`
`;

test('local terminal: runs are typed, followed to their exit code, and recorded against their step', { timeout: 60_000 }, async () => {
  const h = makeHarness();
  try {
    const drill = h.drills.start(h.runbook(RUNBOOK), 'rehearsal', 'op');
    h.drills.stepStart(drill.id, 0);
    const r0 = await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 0 }, h.sink);
    assert.equal(r0.tracked, true);
    await waitFor('where', () => h.drills.get(drill.id).commands[0]?.endedAt);
    await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 1 }, h.sink);
    await waitFor('multi', () => h.drills.get(drill.id).commands[1]?.endedAt);
    await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 2 }, h.sink);
    await waitFor('broken', () => h.drills.get(drill.id).commands[2]?.endedAt);
    const c = h.drills.get(drill.id).commands;
    assert.deepEqual(
      c.map((x) => [x.name, x.exitCode, x.expectPassed]),
      [
        ['where', 0, true],
        ['multi', 4, true], // a multi-line block runs as one script: the exit code is the last command's
        ['broken', 2, false], // bash's syntax error status, as drillbook run records it
      ],
    );
    assert.match(c[2]!.note!, /exited with code 2/);
    assert.match(terminalText(h.sink.bytes(r0.terminalId)), /\none\ntwo\n/);

    // A second step; a long command keeps the shell busy; a Run then waits its turn, says so, and runs after it.
    h.drills.stepComplete(drill.id, 0);
    h.drills.stepStart(drill.id, 1);
    const nap = await h.svc.run({ drillId: drill.id, stepIndex: 1, commandIndex: 0 }, h.sink);
    await waitFor('nap running', () => h.status(r0.terminalId)?.running === nap.runId && h.status(r0.terminalId)?.busy);
    const late = await h.svc.run({ drillId: drill.id, stepIndex: 1, commandIndex: 1 }, h.sink);
    assert.equal(late.tracked, true);
    assert.equal(late.queued, 1);
    assert.match(late.note!, /queued behind 1 earlier run/);
    assert.equal(h.drills.get(drill.id).commands[4]!.queued, true);
    h.svc.input(r0.terminalId, '\x03'); // Ctrl-C
    await waitFor('nap interrupted', () => h.drills.get(drill.id).commands[3]?.endedAt);
    assert.equal(h.drills.get(drill.id).commands[3]!.exitCode, 130);
    const lateRec = await waitFor('late ran after it', () => {
      const c4 = h.drills.get(drill.id).commands[4];
      return c4?.endedAt ? c4 : null;
    });
    assert.deepEqual([lateRec.exitCode, lateRec.queued], [0, false]);
    assert.ok(lateRec.startedAt >= h.drills.get(drill.id).commands[3]!.endedAt!, 'its time starts when its turn came, not when it was clicked');

    const idx = await readTranscriptIndex(h.status(r0.terminalId)!.transcript.index);
    const steps = idx.records.filter((r) => r.t === 'step').map((r) => (r as { stepIndex: number | null }).stepIndex);
    assert.deepEqual(steps, [null, 1]); // opened during step 0 (in the open record); step 0 done, then step 1
    assert.equal((idx.records[0] as { stepIndex: number | null }).stepIndex, 0);
    const inputs = idx.records.filter((r) => r.t === 'input');
    assert.deepEqual((inputs.at(-1) as { keys?: string[] }).keys, ['Ctrl-C']);
  } finally {
    await h.close();
  }
});

test('live drills refuse an unconfirmed Run; the shell exiting is reported and Enter starts a new one', { timeout: 60_000 }, async () => {
  const h = makeHarness();
  try {
    const drill = h.drills.start(h.runbook(RUNBOOK), 'live', 'op');
    await assert.rejects(h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 0 }, h.sink), /live drill: confirm the command/);
    assert.equal(h.drills.get(drill.id).commands.length, 0);
    const r = await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 0, confirmed: true }, h.sink);
    await waitFor('confirmed run', () => h.drills.get(drill.id).commands[0]?.expectPassed === true);

    h.svc.input(r.terminalId, 'exit 7\r');
    const exit = await waitFor('exit event', () => h.events.find((e) => e.type === 'terminal.exit'));
    assert.equal(exit.type === 'terminal.exit' && exit.exitCode, 7);
    assert.equal(h.status(r.terminalId)?.status, 'exited');
    h.svc.input(r.terminalId, '\r');
    await waitFor('a new shell', () => h.status(r.terminalId)?.status === 'open' && h.status(r.terminalId)?.shellIntegration);
    h.svc.input(r.terminalId, 'echo "back $((40+2))"\r');
    await waitFor('output', () => h.sink.bytes(r.terminalId).includes('back 42'));

    // Finishing the drill closes its terminals; the transcript stays.
    h.drills.abort(drill.id, 'test over');
    await waitFor('closed', () => h.svc.list(drill.id).length === 0);
    assert.match(readFileSync(h.svc.transcripts(drill.id)[0]!.out, 'utf8'), /back 42/);
  } finally {
    await h.close();
  }
});
