/**
 * One writer per data folder (issue 12, item 5): a second server or CLI
 * writer is refused with the first one named; readers keep working; the
 * lock goes with its process, even after kill -9.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { Core } from '../../../main/api/core';
import { cliPrefix } from '../../helpers/cli';

const tmp = tempDir('drillbook-lock-');
after(() => tmp.cleanup());
const data = path.join(tmp.dir, 'data');
const env: NodeJS.ProcessEnv = { ...process.env, DRILLBOOK_DATA: '' };

function cli(args: string[]) {
  return spawnSync(process.execPath, [...cliPrefix(), ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 60_000 });
}

/** `drillbook web --no-open` on the data folder, resolved once it serves. */
function web(): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...cliPrefix(), 'web', '--no-open', '--port', '0', '--data', data], { cwd: ROOT, env });
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`web did not start: ${out}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/running at/.test(out)) {
        clearTimeout(t);
        resolve({
          child,
          stop: () => new Promise<void>((r) => {
            child.once('exit', () => r());
            child.kill('SIGKILL');
          }),
        });
      }
    });
  });
}

test('a second writer is refused, naming the first; readers still work; kill -9 frees the folder', { timeout: 180_000 }, async () => {
  const rb = path.join(tmp.dir, 'quick.md');
  writeFileSync(rb, '# Quick\n\n## One\n\n```sh {auto=true}\necho one\n```\n');
  assert.equal(cli(['run', rb, '--data', data]).status, 0);

  const first = await web();
  try {
    // Another server on the same folder.
    const second = cli(['web', '--no-open', '--port', '0', '--data', data]);
    assert.equal(second.status, 4, second.stdout + second.stderr);
    assert.match(second.stderr, new RegExp(`Another Drillbook is already recording into .*data: process ${first.child.pid} \\(drillbook web --no-open --port 0 --data \\S+\\), since \\d{4}-\\d\\d-\\d\\dT`));
    // A CLI writer.
    const run = cli(['run', rb, '--data', data]);
    assert.equal(run.status, 4, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`process ${first.child.pid} \\(drillbook web`));
    assert.match(run.stderr, /Nothing was run/);
    // In process, too.
    assert.throws(() => new Core({ dataDir: data, runbookDirs: [], host: 'web' }), /already recording into/);
    // Readers.
    const history = cli(['history', '--json', '--data', data]);
    assert.equal(history.status, 0, history.stderr);
    assert.equal((JSON.parse(history.stdout) as unknown[]).length, 1);
    const id = (JSON.parse(history.stdout) as { id: string }[])[0]!.id;
    assert.equal(cli(['show', id, '--data', data]).status, 0);
    assert.equal(cli(['stats', rb, '--data', data]).status, 0);
    assert.equal(cli(['db', 'check', '--data', data]).status, 0);
  } finally {
    await first.stop();
  }
  // The kernel dropped the lock with the process: no stale lock to clean up.
  const after9 = cli(['run', rb, '--data', data]);
  assert.equal(after9.status, 0, after9.stdout + after9.stderr);
});
