/**
 * Output into a pipe whose reader stops early (`drillbook history | head`)
 * ends the command quietly, as `cat` does: no EPIPE stack trace, exit 0.
 * The reader here is the test itself: it takes the first chunk and closes
 * its end, exactly what `head` does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { cliArgs, runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/runbooks';
import { historyFixture, runbook } from '../../helpers/history-fixture';

function readFirstChunkThenClose(args: string[]): Promise<{ code: number | null; signal: string | null; err: string; first: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs(args), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DRILLBOOK_DATA: '' } });
    let err = '';
    let first = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not end in 60 s: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', (d: Buffer) => {
      first = d.toString();
      child.stdout.destroy(); // the reader goes away, like `head`
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, err, first });
    });
  });
}

test('history, history export and lint --json into a closed pipe exit quietly', { timeout: 240_000 }, async () => {
  const tmp = tempDir();
  try {
    // Enough drills that the output is far larger than a pipe's 64 KiB buffer.
    const f = historyFixture();
    const rb = runbook(['Declare', 'Restore', 'Verify'], { file: '/srv/runbooks/db-restore.md', rto: 120 });
    for (let i = 0; i < 800; i++) f.drill(rb, [1_000, 2_000, 3_000]);
    f.db.close();
    const data = path.join(tmp.dir, 'data');
    mkdirSync(data);
    cpSync(path.join(f.dir, 'drillbook.sqlite'), path.join(data, 'drillbook.sqlite'));
    f.close();

    const runbooks = ['lint', '--json', ...Array.from({ length: 4 }, () => ['runbooks/sqlite-backup-restore.md', 'runbooks/postgres-pg-dump-restore.md', 'runbooks/mariadb-mysqldump-restore.md']).flat()];
    for (const args of [
      ['history', '--limit', '800', '--data', data],
      ['history', '--json', '--data', data],
      ['history', 'export', '--data', data],
      runbooks,
    ]) {
      const r = await readFirstChunkThenClose(args);
      assert.ok(r.first.length > 0, `${args[0]} wrote something first`);
      assert.doesNotMatch(r.err, /EPIPE|Error:|    at /, `${args.join(' ')}: no stack trace, got:\n${r.err}`);
      assert.equal(r.signal, null);
      assert.equal(r.code, 0, `${args.join(' ')} exit code; stderr: ${r.err}`);
    }
  } finally {
    tmp.cleanup();
  }
});

test('a run whose reader goes away keeps going: the drill finishes and is recorded', { timeout: 120_000 }, async () => {
  const tmp = tempDir();
  try {
    const rb = path.join(tmp.dir, 'restore.md');
    // Enough output after the reader is gone that every later write meets a closed pipe.
    writeFileSync(rb, '---\ntitle: Noisy restore\n---\n# Noisy restore\n\n## Restore\n```sh {auto=true}\nsleep 1\nseq 1 200000\n```\n\n## Verify\n```sh {auto=true}\necho verified\n```\n');
    const data = path.join(tmp.dir, 'data');
    const r = await readFirstChunkThenClose(['run', rb, '--data', data, '--mode', 'rehearsal']);
    assert.doesNotMatch(r.err, /EPIPE|    at /, r.err);
    assert.equal(r.code, 0, r.err);
    const drills = JSON.parse(runCli(['history', '--json', '--data', data]).out) as { status: string; steps: { status: string }[] }[];
    assert.equal(drills.length, 1);
    assert.equal(drills[0]!.status, 'completed');
    assert.deepEqual(drills[0]!.steps.map((s) => s.status), ['completed', 'completed']);
  } finally {
    tmp.cleanup();
  }
});
