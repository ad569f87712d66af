/**
 * The CLI at a real terminal (a pty from node-pty) versus in a pipe:
 * tables get a header row and colour only on a terminal, never with
 * NO_COLOR; long work (run, export, db check) shows a live line on stderr
 * only on a terminal; `run --json` prints one JSON object; `--quiet` only
 * the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { ROOT } from '../../helpers/server';
import { cliArgs, runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/runbooks';

function inPty(args: string[], env: Record<string, string> = {}): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const p = pty.spawn(process.execPath, cliArgs(args), {
      cols: 160,
      rows: 40,
      cwd: ROOT,
      env: { ...(process.env as Record<string, string>), DRILLBOOK_DATA: '', NO_COLOR: '', TERM: 'xterm-256color', ...env },
    });
    let text = '';
    const timer = setTimeout(() => {
      p.kill();
      reject(new Error(`${args.join(' ')} did not end in 90 s:\n${text}`));
    }, 90_000);
    p.onData((d) => (text += d));
    p.onExit(({ exitCode }) => {
      clearTimeout(timer);
      // Let the last output arrive.
      setTimeout(() => resolve({ code: exitCode, text }), 100);
    });
  });
}

const RUNBOOK = `---
title: Slow restore
rto: 10m
---
# Slow restore

## Restore
\`\`\`sh {auto=true}
sleep 2.5
echo restored
\`\`\`
`;

test('history: header row and colour on a terminal; plain rows in a pipe; NO_COLOR is honoured', { timeout: 300_000 }, async () => {
  const tmp = tempDir();
  try {
    const rb = path.join(tmp.dir, 'slow.md');
    writeFileSync(rb, RUNBOOK);
    const data = path.join(tmp.dir, 'data');

    // run at a terminal: the live elapsed-vs-RTO line, redrawn while the step sleeps.
    const ran = await inPty(['run', rb, '--data', data, '--mode', 'rehearsal']);
    assert.equal(ran.code, 0, ran.text);
    /* eslint-disable no-control-regex -- the tests check the ANSI colour escapes the CLI prints */
    assert.match(ran.text, /\r\x1b\[2K\S*⏱ [\d.]+s of RTO 10m 00s · \[1\/1\] Restore/, 'live line with elapsed, RTO and step');
    assert.match(ran.text, /\x1b\[32mcompleted\x1b\[0m/, 'the result in colour');

    // run in a pipe: the same lines, no live line, no colour.
    const piped = runCli(['run', rb, '--data', data, '--mode', 'rehearsal']);
    assert.equal(piped.code, 0, piped.err);
    assert.doesNotMatch(piped.out + piped.err, /⏱|\x1b\[/);
    assert.match(piped.out, /│ restored/);

    // --json: stdout is exactly one JSON object; the step lines went to stderr.
    const json = runCli(['run', rb, '--data', data, '--mode', 'rehearsal', '--json']);
    assert.equal(json.code, 0, json.err);
    const result = JSON.parse(json.out) as { outcome: string; exitCode: number; rto: { met: boolean }; steps: { status: string }[] };
    assert.equal(result.outcome, 'passed');
    assert.equal(result.exitCode, 0);
    assert.equal(result.steps[0]!.status, 'completed');
    assert.match(json.err, /\[1\/1\] Restore/);

    // --quiet: only the result line.
    const quiet = runCli(['run', rb, '--data', data, '--mode', 'rehearsal', '--quiet']);
    assert.equal(quiet.code, 0);
    assert.match(quiet.out, /^Drill \S+ completed: \S+ net; RTO \S+ of 10m 00s — met\n$/);

    const tty = await inPty(['history', '--data', data]);
    assert.equal(tty.code, 0);
    const lines = tty.text.split('\r\n').filter(Boolean);
    assert.match(lines[0]!, /^\x1b\[1mID\s+STARTED \(UTC\)\s+RESULT\s+STATUS\s+MODE\s+NET\s+RTO\s+RUNBOOK \(OPERATOR\)\x1b\[0m$/);
    assert.equal(lines.length, 1 + 4);
    assert.match(lines[1]!, /\x1b\[32mpass\x1b\[0m/);

    const noColor = await inPty(['history', '--data', data], { NO_COLOR: '1' });
    assert.doesNotMatch(noColor.text, /\x1b\[/, 'NO_COLOR: no escape codes at all');
    assert.match(noColor.text, /^ID\s+STARTED/, 'still a header row on a terminal');

    const pipe = runCli(['history', '--data', data]);
    assert.doesNotMatch(pipe.out, /\x1b\[|^ID/);
    /* eslint-enable no-control-regex */
    assert.equal(pipe.out.trim().split('\n').length, 4, 'one line per drill, no header');

    // db check: stage lines on a terminal, none in a pipe.
    const check = await inPty(['db', 'check', '--data', data]);
    assert.equal(check.code, 0, check.text);
    assert.match(check.text, /db check: integrity_check of /);
    assert.doesNotMatch(runCli(['db', 'check', '--data', data]).err, /db check:/);
  } finally {
    tmp.cleanup();
  }
});

test('export without Chromium says how to get a PDF (or --no-pdf), exit 3, nothing written', () => {
  const tmp = tempDir();
  try {
    const r = runCli(['export', 'whatever', '--out', path.join(tmp.dir, 'b'), '--data', tmp.dir], { env: { DRILLBOOK_CHROMIUM: '/nonexistent/chromium' } });
    assert.equal(r.code, 3, r.err);
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.match(r.err, /report\.pdf needs Chromium.*DRILLBOOK_CHROMIUM.*--no-pdf/);
  } finally {
    tmp.cleanup();
  }
});
