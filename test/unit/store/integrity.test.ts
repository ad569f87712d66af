import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { cpSync, rmSync } from 'node:fs';
import { integrityCheckInBackground } from '../../../main/store/backup';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { damageIndexPage } from '../../helpers/runbooks';

test('the start-up integrity check runs in a worker, finds damage, and still answers correctly when the worker cannot load SQLite', async () => {
  const f = historyFixture();
  try {
    f.drill(runbook(['Declare', 'Restore']), [1_000, 2_000]);
    f.db.close();
    const good = path.join(f.dir, 'drillbook.sqlite');
    const bad = path.join(f.dir, 'damaged.sqlite');
    cpSync(good, bad);
    damageIndexPage(bad, 'drill_steps_stats', 0x33);

    for (const module of [undefined, '/nonexistent/better-sqlite3.js']) {
      const ok = await integrityCheckInBackground(good, 'full', module).done;
      assert.equal(ok.ok, true, `good file (${module ?? 'worker'})`);
      assert.deepEqual(ok.problems, []);
      const damaged = await integrityCheckInBackground(bad, 'full', module).done;
      assert.equal(damaged.ok, false, `damaged file (${module ?? 'worker'})`);
      assert.ok(damaged.problems.length > 0);
      assert.doesNotMatch(damaged.problems.join(' '), /could not run|Illegal/);
    }
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});
