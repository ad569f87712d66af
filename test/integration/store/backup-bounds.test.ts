/**
 * Automatic backups and the start-up check stay bounded as the history grows
 * (issue 15: a full 683 MB copy after every finished drill, and a 3.9 s full
 * integrity check at every start). After a drill, a backup is made when none
 * was in the last AFTER_DRILL_HOURS or when the drills since the newest
 * automatic backup are AFTER_DRILL_CHANGE of the history; the full check runs
 * once per FULL_CHECK_DAYS, quick_check at the other starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openDatabase } from '../../../main/store/db';
import { AFTER_DRILL_HOURS, DatabaseGuard, FULL_CHECK_DAYS, listBackups } from '../../../main/store/backup';
import { seedHistory } from '../../bench/history-seed';
import { tempDir } from '../../helpers/runbooks';

test('after a drill, a large history is backed up at most once per interval unless it changed enough; the full check is weekly', async () => {
  const tmp = tempDir();
  const data = path.join(tmp.dir, 'data');
  const db = openDatabase(data);
  try {
    // 100 finished drills, the newest ended in 2025-12; the guard's clock is in 2026, so "since the backup" counts new drills only.
    seedHistory(db, { drills: 100, stepsPerDrill: 3, runbooks: 2, hotShare: 0.5, versionEvery: 50, startWallMs: Date.UTC(2019, 11, 1) });
    let now = Date.UTC(2026, 5, 1, 12);
    const guard = new DatabaseGuard(db, data, { longLived: true, now: () => new Date(now) });
    await guard.start();
    assert.equal(guard.health().check?.mode, 'full', 'the first start runs the full check');
    const autos = () => listBackups(data).filter((b) => b.kind === 'auto').length;
    assert.equal(autos(), 1, 'the start-up backup');

    const finish = async (id: string) => {
      guard.drillChanged({ id, status: 'running' });
      db.prepare("UPDATE drills SET status = 'completed', ended_at = ? WHERE id = ?").run(new Date(now).toISOString(), id);
      guard.drillChanged({ id, status: 'completed' });
      await guard.idle();
    };
    const ids = db.prepare('SELECT id FROM drills ORDER BY started_at LIMIT 10').pluck().all() as string[];
    now += 60_000;
    await finish(ids[0]!);
    assert.equal(autos(), 1, 'one drill of 100 finished within the hour: no new full copy');
    for (let i = 1; i < 5; i++) {
      now += 60_000;
      await finish(ids[i]!);
    }
    assert.equal(autos(), 2, 'five drills (5% of the history) since the last backup: a new copy');
    now += AFTER_DRILL_HOURS * 3_600_000;
    await finish(ids[5]!);
    assert.equal(autos(), 3, `${AFTER_DRILL_HOURS} h since the last backup: a new copy`);
    guard.close();

    now += 86_400_000;
    const guard2 = new DatabaseGuard(db, data, { longLived: true, now: () => new Date(now) });
    await guard2.start();
    assert.equal(guard2.health().check?.mode, 'quick', 'a start within the week runs quick_check');
    assert.equal(guard2.health().state, 'ok');
    guard2.close();
    now += FULL_CHECK_DAYS * 86_400_000;
    const guard3 = new DatabaseGuard(db, data, { longLived: true, now: () => new Date(now) });
    await guard3.start();
    assert.equal(guard3.health().check?.mode, 'full', 'a week later, the full check again');
    guard3.close();
  } finally {
    db.close();
    tmp.cleanup();
  }
});
