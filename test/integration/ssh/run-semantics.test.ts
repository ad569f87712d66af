/**
 * Run in a terminal behaves as `drillbook run` does (main/runbook/block-script.ts):
 * each block in a fresh `bash -e -o pipefail` child, from the terminal's
 * start folder, sent as a script rather than pasted through readline; runs
 * clicked back to back queue and each keeps its own exit code, output and
 * time; commands typed by hand are recorded from what the shell reports
 * (never keystrokes), and the exported evidence says what the log holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { terminalText } from '../../../main/terminal';
import { exportBundle, terminalTranscripts } from '../../../main/evidence';
import { AttachmentStore } from '../../../main/evidence/attachments';
import { makeHarness, waitFor } from './harness';

const LONG = 'x'.repeat(5000);
const RUNBOOK = `---
title: Run semantics
---
# Run semantics

## Blocks do not leak

\`\`\`sh {name=leaky}
cd /tmp
X=leaked
set +e
echo "moved to $PWD"
\`\`\`

\`\`\`sh {name=fresh expect=1}
echo "pwd=$PWD X=\${X-unset}"
false
echo not-reached
\`\`\`

\`\`\`sh {name=pipe expect=1}
false | cat
echo not-reached
\`\`\`

\`\`\`sh {name=odd expect="/^ok 5006$/m"}
# a backslash \\ a tab	and a control-looking ^C stay data
s='${LONG}'
t='a\\tb'
[ "\${#t}" = 4 ] && printf 'ok %s\\n' "$(( \${#s} + \${#t} + 2 ))"
\`\`\`

## Back to back

\`\`\`sh {name=first}
sleep 1
echo first-out
exit 3
\`\`\`

\`\`\`sh {name=second}
echo second-out
exit 4
\`\`\`
`;

test('Run: a fresh bash -e -o pipefail per block, queued runs, typed commands on the record and in the evidence', { timeout: 120_000 }, async () => {
  const h = makeHarness();
  try {
    const drill = h.drills.start(h.runbook(RUNBOOK), 'rehearsal', 'op');
    h.drills.stepStart(drill.id, 0);
    const r = await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 0 }, h.sink);
    for (const i of [1, 2, 3]) await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: i }, h.sink);
    await waitFor('four runs', () => h.drills.get(drill.id).commands.filter((c) => c.endedAt).length === 4, 30_000);
    const c = h.drills.get(drill.id).commands;
    assert.deepEqual(
      c.map((x) => [x.name, x.exitCode, x.expectPassed]),
      [
        ['leaky', 0, true],
        ['fresh', 1, true], // set -e stops at `false`: `set +e`, cd and X from the block before did not carry over
        ['pipe', 1, true], // pipefail
        ['odd', 0, true], // backslashes, tabs and a 5,000-character line arrive intact
      ],
    );
    const workdir = path.join(h.dir, 'work', drill.id);
    const screen = terminalText(h.sink.bytes(r.terminalId));
    assert.match(screen, new RegExp(`pwd=${workdir} X=unset`));
    assert.doesNotMatch(screen, /^not-reached$/m);
    // The block is shown once, whole, after the one Run line: no readline continuation prompts or redraws.
    assert.match(screen, /__drillbook_block r[0-9a-f]+\necho "pwd=\$PWD X=\$\{X-unset\}"\nfalse\necho not-reached\npwd=/);
    assert.doesNotMatch(screen, /^> /m);

    // Two runs clicked back to back: the second waits, then each has its own exit code, output and time.
    h.drills.stepComplete(drill.id, 0);
    h.drills.stepStart(drill.id, 1);
    const [a, b] = await Promise.all([
      h.svc.run({ drillId: drill.id, stepIndex: 1, commandIndex: 0 }, h.sink),
      h.svc.run({ drillId: drill.id, stepIndex: 1, commandIndex: 1 }, h.sink),
    ]);
    assert.deepEqual([a.queued, b.queued], [0, 1]);
    await waitFor('both runs', () => h.drills.get(drill.id).commands.filter((x) => x.stepIndex === 1 && x.endedAt).length === 2, 30_000);
    const [first, second] = h.drills.get(drill.id).commands.filter((x) => x.stepIndex === 1);
    assert.deepEqual([first!.name, first!.exitCode, second!.name, second!.exitCode], ['first', 3, 'second', 4]);
    assert.ok(second!.startedAt >= first!.endedAt!, 'the second started after the first ended');
    assert.ok(first!.durationMs! >= 900, `the first took its own ~1 s (${first!.durationMs} ms)`);
    assert.ok(second!.durationMs! < first!.durationMs!, 'the second is not charged the time it waited');
    const events = h.drills.events(drill.id);
    const result = (name: string) => events.find((e) => e.type === 'command.run' && e.data.resultOf && e.data.name === name)!.data as Record<string, unknown>;
    assert.match(String(result('first').outputTail), /first-out/);
    assert.doesNotMatch(String(result('first').outputTail), /second-out/);
    assert.match(String(result('second').outputTail), /second-out/);
    assert.doesNotMatch(String(result('second').outputTail), /first-out/);
    const out = readFileSync(first!.transcript!);
    assert.match(terminalText(out.subarray(first!.outputFrom!, first!.outputTo!)), /first-out/);
    assert.doesNotMatch(terminalText(out.subarray(first!.outputFrom!, first!.outputTo!)), /second-out/);

    // Typed by hand: recorded from the shell's report with exit code, output range and step.
    h.svc.input(r.terminalId, 'echo typed-$((6*7)); (exit 5)\r');
    const typed = await waitFor('typed command', () => h.drills.get(drill.id).commands.find((x) => x.origin === 'typed' && x.endedAt));
    assert.deepEqual([typed.text, typed.exitCode, typed.stepIndex], ['echo typed-$((6*7)); (exit 5)', 5, 1]);
    assert.match(terminalText(readFileSync(typed.transcript!).subarray(typed.outputFrom!, typed.outputTo!)), /^typed-42\s*$/);

    // A password typed at a no-echo prompt is never a command, and never in the log.
    h.svc.input(r.terminalId, "read -r -s -p 'Password: ' pw; echo; echo \"got ${#pw}\"\r");
    await waitFor('password prompt', () => terminalText(h.sink.bytes(r.terminalId)).includes('Password: '));
    h.svc.input(r.terminalId, 'hunter2-secret\r');
    await waitFor('read done', () => h.drills.get(drill.id).commands.filter((x) => x.origin === 'typed').length === 2);
    // A line typed with a leading space is left out of the history: recorded, but without its text.
    h.svc.input(r.terminalId, 'HISTCONTROL=ignorespace\r');
    await waitFor('history control', () => h.drills.get(drill.id).commands.filter((x) => x.origin === 'typed').length === 3);
    h.svc.input(r.terminalId, ' echo quiet\r');
    await waitFor('quiet command', () => h.drills.get(drill.id).commands.filter((x) => x.origin === 'typed').length === 4);
    const typedAll = h.drills.get(drill.id).commands.filter((x) => x.origin === 'typed');
    assert.equal(typedAll[1]!.text, "read -r -s -p 'Password: ' pw; echo; echo \"got ${#pw}\"");
    assert.deepEqual([typedAll[3]!.text, typedAll[3]!.exitCode], ['', 0]);
    assert.match(typedAll[3]!.note!, /not save this command line/);
    assert.doesNotMatch(JSON.stringify(h.drills.events(drill.id)), /hunter2/);

    // The evidence: every command (typed and Run) with its exit code and output, and a statement the log supports.
    h.drills.stepComplete(drill.id, 1);
    h.drills.finish(drill.id);
    const dir = path.join(h.dir, 'bundle');
    await exportBundle({ drills: h.drills, attachments: new AttachmentStore(h.dir) }, drill.id, {
      outDir: dir,
      redact: false,
      patterns: [],
      printToPdf: null,
      transcripts: terminalTranscripts(h.dir),
    });
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    assert.doesNotMatch(html, /Every command run is in the runbook/);
    assert.match(html, /The log records 6 runbook block runs and 4 commands typed by hand/);
    assert.match(html, /1 typed command is not in the shell history/);
    assert.match(html, /echo typed-\$\(\(6\*7\)\); \(exit 5\)/);
    assert.match(html, /typed-42/);
    const json = JSON.parse(readFileSync(path.join(dir, 'drill.json'), 'utf8'));
    const rows = json.drill.commands.map((x: { origin: string; name: string | null; text: string; exitCode: number | null }) => [x.origin, x.name ?? x.text.split('\n')[0], x.exitCode]);
    assert.deepEqual(rows.slice(4), [
      ['run', 'first', 3],
      ['run', 'second', 4],
      ['typed', 'echo typed-$((6*7)); (exit 5)', 5],
      ['typed', "read -r -s -p 'Password: ' pw; echo; echo \"got ${#pw}\"", 0],
      ['typed', 'HISTCONTROL=ignorespace', 0],
      ['typed', '', 0],
    ]);
    const csv = readFileSync(path.join(dir, 'steps.csv'), 'utf8').split('\r\n');
    assert.match(csv[2]!, /,2,2,4$/); // step 2: 2 blocks run, 2 failed (exit 3 and 4, no expect), 4 typed
    assert.doesNotMatch(readFileSync(path.join(dir, 'report.html'), 'utf8') + JSON.stringify(json), /hunter2/);
  } finally {
    await h.close();
  }
});

test('a shell without Drillbook integration: Run is refused with the reason, and the drill log says typed commands there are not recorded', { timeout: 60_000 }, async () => {
  const h = makeHarness({ localShell: { file: '/bin/sh', args: ['-i'] } });
  try {
    const drill = h.drills.start(h.runbook(RUNBOOK), 'rehearsal', 'op');
    h.drills.stepStart(drill.id, 0);
    await assert.rejects(h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 0 }, h.sink), /does not run Drillbook's integration/);
    const snap = await waitFor('untracked terminal recorded', () => (h.drills.get(drill.id).untrackedTerminals.length ? h.drills.get(drill.id) : null), 15_000);
    assert.match(snap.untrackedTerminals[0]!.reason, /typed commands and exit codes are not recorded/);
    assert.equal(snap.commands.length, 0);
  } finally {
    await h.close();
  }
});

test('a queued Run can be taken back before it starts; a started one cannot', { timeout: 60_000 }, async () => {
  const h = makeHarness();
  try {
    const drill = h.drills.start(h.runbook(RUNBOOK), 'rehearsal', 'op');
    h.drills.stepStart(drill.id, 1);
    const first = await h.svc.run({ drillId: drill.id, stepIndex: 1, commandIndex: 0 }, h.sink);
    const second = await h.svc.run({ drillId: drill.id, stepIndex: 1, commandIndex: 1 }, h.sink);
    assert.equal(second.queued, 1);
    assert.match(h.drills.get(drill.id).commands[1]!.note!, /queued behind 1 earlier run/);
    assert.deepEqual(h.svc.cancelQueued(drill.id, second.runId), { cancelled: true });
    const cancelled = h.drills.get(drill.id).commands[1]!;
    assert.deepEqual([cancelled.queued, cancelled.exitCode, cancelled.note], [false, null, 'cancelled before it started']);
    assert.ok(cancelled.endedAt);
    await waitFor('first ran', () => h.drills.get(drill.id).commands[0]?.endedAt, 20_000);
    assert.throws(() => h.svc.cancelQueued(drill.id, first.runId), /not queued any more/);
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(terminalText(h.sink.bytes(first.terminalId)), /^second-out$/m, 'the cancelled block never ran');
    assert.equal(h.drills.get(drill.id).commands.length, 2);
  } finally {
    await h.close();
  }
});

const PLANNED = `---
title: Planned as drillbook run plans
---
# Planned

## Languages

\`\`\`python {name=py}
import sys
print("py-%d" % (sys.version_info[0] * 14))
\`\`\`

\`\`\`console {name=session}
$ echo "hi-$((2+3))"
hi-5
\`\`\`

\`\`\`json
{"shown": "not run"}
\`\`\`
`;

test('Run uses drillbook run\'s plan: a python block runs in python3, a console block runs only its $ lines, a data block is refused with the reason', { timeout: 60_000 }, async () => {
  const h = makeHarness();
  try {
    const drill = h.drills.start(h.runbook(PLANNED), 'rehearsal', 'op');
    h.drills.stepStart(drill.id, 0);
    await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 0 }, h.sink);
    await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 1 }, h.sink);
    await assert.rejects(h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 2 }, h.sink), /not run: a json block is shown, not run/);
    await waitFor('two runs', () => h.drills.get(drill.id).commands.filter((c) => c.endedAt).length === 2, 30_000);
    const c = h.drills.get(drill.id).commands;
    assert.deepEqual(c.map((x) => [x.name, x.exitCode]), [['py', 0], ['session', 0]]);
    const tail = (name: string) => String((h.drills.events(drill.id).find((e) => e.type === 'command.run' && e.data.resultOf && e.data.name === name)?.data as { outputTail?: string } | undefined)?.outputTail ?? '');
    assert.match(tail('py'), /^py-42$/m);
    assert.match(tail('session'), /^hi-5$/m);
    assert.doesNotMatch(tail('session'), /command not found/);
  } finally {
    await h.close();
  }
});
