/**
 * `drillbook run` when its data folder is moved away mid-run (issue 12,
 * item 1): it must fail loudly (exit 4, one clear sentence), never report
 * a drill "completed" that nobody will find again.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { cliPrefix } from '../../helpers/cli';

const tmp = tempDir('drillbook-datafolder-');
after(() => tmp.cleanup());

test('drillbook run whose data folder is moved mid-run exits 4 and says what was saved', { timeout: 90_000 }, () => {
  const data = path.join(tmp.dir, 'data');
  const moved = path.join(tmp.dir, 'moved');
  const runbook = path.join(tmp.dir, 'mv.md');
  writeFileSync(runbook, `# Moves its data\n\n## Move the folder\n\n\`\`\`sh {auto=true}\nmv ${data} ${moved}\n\`\`\`\n\n## After\n\n\`\`\`sh {auto=true}\necho after\n\`\`\`\n`);
  const r = spawnSync(process.execPath, [...cliPrefix(), 'run', runbook, '--data', data], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DRILLBOOK_DATA: '' },
    timeout: 60_000,
  });
  assert.equal(r.status, 4, r.stdout + r.stderr);
  assert.match(r.stderr, /The history database was moved or deleted: .*drillbook\.sqlite.*nothing after \d\d:\d\d:\d\d UTC was saved/);
  assert.doesNotMatch(r.stdout, /completed/);
  assert.doesNotMatch(r.stderr, /internal error|at .*\.ts:\d+/, 'one sentence, no stack');
  // What was acknowledged before the move is in the moved file.
  assert.ok(!existsSync(path.join(data, 'drillbook.sqlite')));
  const db = new Database(path.join(moved, 'drillbook.sqlite'), { readonly: true });
  assert.equal(db.prepare('SELECT COUNT(*) FROM drills').pluck().get(), 1);
  assert.ok((db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number) >= 2);
  db.close();
});
