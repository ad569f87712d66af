import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../../main/store/migrations';
import { openDatabase, schemaVersion } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { HistoryService } from '../../../main/history';
import { tempDir } from '../../helpers/runbooks';
import { runbook } from './fixture';

/** The same drills, recorded into any database the engine can write to. */
function recordInto(db: Database.Database): void {
  const clock = manualClock(Date.UTC(2026, 0, 1, 9));
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'migration-test' });
  const rb = runbook(['Declare', 'Verify', 'Restore', 'Verify'], { rto: 600 });
  for (let i = 0; i < 5; i++) {
    clock.advance(86_400_000);
    const id = drills.start(rb, i % 2 ? 'automated' : 'rehearsal', 'ana').id;
    [1_000 + i, 2_000, 30_000 + i * 1_000, 4_000 + i].forEach((ms, s) => {
      drills.stepStart(id, s);
      clock.advance(ms);
      drills.stepComplete(id, s);
    });
    drills.finish(id);
  }
  const running = drills.start(rb, 'rehearsal', 'ana').id;
  drills.stepStart(running, 0);
  clock.advance(2_000);
  drills.stepComplete(running, 0);
}

test('upgrading a history recorded before migration 2 fills the statistics columns and sums exactly as if recorded after it', () => {
  const old = tempDir();
  const fresh = tempDir();
  try {
    // A database as the previous version left it: schema 1, drills in it.
    const raw = new Database(path.join(old.dir, 'drillbook.sqlite'));
    raw.pragma('journal_mode = WAL');
    MIGRATIONS[0]!(raw);
    raw.pragma('user_version = 1');
    recordInto(raw);
    raw.close();

    const upgraded = openDatabase(old.dir);
    const current = openDatabase(fresh.dir);
    recordInto(current);
    try {
      assert.equal(schemaVersion(upgraded), MIGRATIONS.length);
      const unfilled = upgraded
        .prepare('SELECT COUNT(*) FROM drill_steps WHERE runbook_path IS NULL OR drill_started_at IS NULL OR drill_mode IS NULL OR stat_key IS NULL')
        .pluck()
        .get();
      assert.equal(unfilled, 0);
      const cols = 'step_index, step_key, stat_key, title, status, duration_ms, runbook_path, drill_mode';
      const steps = (db: Database.Database) => db.prepare(`SELECT ${cols} FROM drill_steps ORDER BY drill_started_at, step_index`).raw().all();
      assert.deepEqual(steps(upgraded), steps(current), 'backfilled rows equal trigger-filled rows');
      assert.deepEqual(
        upgraded.prepare('SELECT DISTINCT stat_key FROM drill_steps ORDER BY stat_key').pluck().all(),
        ['declare', 'restore', 'verify', 'verify#2'],
      );
      const sums = (db: Database.Database) => db.prepare('SELECT * FROM step_stats ORDER BY stat_key').raw().all();
      assert.deepEqual(sums(upgraded), sums(current));
      const stats = (db: Database.Database) => {
        const s = new HistoryService(db, new DrillService(db)).runbookStats({ runbookPath: '/runbooks/restore.md' });
        return { counts: s.counts, steps: s.steps.map((x) => [x.key, x.n, x.durations, x.slowRuns]), rto: s.rtoSec };
      };
      assert.deepEqual(stats(upgraded), stats(current));
      assert.equal(stats(upgraded).counts.running, 1);
    } finally {
      upgraded.close();
      current.close();
    }
  } finally {
    old.cleanup();
    fresh.cleanup();
  }
});
