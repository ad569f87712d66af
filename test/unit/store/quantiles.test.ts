/**
 * step_quantiles (migration 5, main/store/quantiles.ts): the kept counts and
 * anchors give exactly what a sort of the rows gives, after finished,
 * aborted and running drills, edited and deleted step rows, anchors far from
 * their rank and anchors never placed; and a finished drill leaves every
 * anchor of its runbook at its rank, so a page visit walks nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { HistoryService } from '../../../main/history';
import { quantileSorted } from '../../../main/history/stats';
import { ALL_MODES, keptQuantile, quantileRow, rankOf, walk, ANCHORED } from '../../../main/store/quantiles';
import { tempDir } from '../../helpers/runbooks';
import { runbook } from '../../helpers/history-fixture';

const PATH = '/runbooks/restore.md';

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function record(db: Database.Database, drillCount: number, seed: number): DrillService {
  const rand = rng(seed);
  const clock = manualClock(Date.UTC(2026, 0, 1, 9));
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'quantiles-test' });
  const rb = runbook(['Declare', 'Verify', 'Restore', 'Verify'], { rto: 600, file: PATH });
  for (let i = 0; i < drillCount; i++) {
    clock.advance(3_600_000);
    const id = drills.start(rb, rand() < 0.6 ? 'rehearsal' : 'automated', 'ana').id;
    for (let s = 0; s < 4; s++) {
      drills.stepStart(id, s);
      // Few distinct durations, so ties are common.
      clock.advance(1_000 * (1 + Math.floor(rand() * 6)) * (s === 2 ? 10 : 1));
      if (rand() < 0.1) drills.stepSkip(id, s, 'not needed');
      else drills.stepComplete(id, s);
    }
    if (i === drillCount - 1) break; // the last stays running, its completed steps counted but not settled
    if (rand() < 0.1) drills.abort(id, 'stopped');
    else drills.finish(id);
  }
  return drills;
}

function sorted(db: Database.Database, key: string, mode: string): number[] {
  return db
    .prepare(`SELECT duration_ms FROM drill_steps WHERE runbook_path = ? AND status = 'completed' AND duration_ms IS NOT NULL AND stat_key = ? AND (? = '' OR drill_mode = ?) ORDER BY duration_ms`)
    .pluck()
    .all(PATH, key, mode, mode) as number[];
}

function assertAllExact(db: Database.Database, label: string): void {
  const rows = db.prepare('SELECT stat_key, mode, n FROM step_quantiles WHERE runbook_path = ?').all(PATH) as { stat_key: string; mode: string; n: number }[];
  assert.equal(rows.length, 4 * 3, `${label}: a row per step and mode (and all modes)`);
  for (const r of rows) {
    const values = sorted(db, r.stat_key, r.mode);
    assert.equal(r.n, values.length, `${label}: ${r.stat_key}/${r.mode || 'all'} count`);
    for (const q of [0.5, 0.9]) {
      assert.equal(keptQuantile(db, { runbookPath: PATH, key: r.stat_key, mode: r.mode }, q), quantileSorted(values, q), `${label}: ${r.stat_key}/${r.mode || 'all'} p${q * 100}`);
    }
  }
}

test('kept quantiles equal a sort of the rows, through finishes, a running drill, edits, deletes and displaced anchors', () => {
  const t = tempDir();
  const db = openDatabase(t.dir);
  try {
    record(db, 120, 7);
    assertAllExact(db, 'recorded');

    // Edits and deletes of completed rows (the triggers keep n and `below` exact) move ranks without a settle.
    const rand = rng(11);
    const ids = db.prepare("SELECT drill_id, step_index FROM drill_steps WHERE status = 'completed'").raw().all() as [string, number][];
    for (let i = 0; i < 40; i++) {
      const [id, idx] = ids[Math.floor(rand() * ids.length)]!;
      db.prepare('UPDATE drill_steps SET duration_ms = ? WHERE drill_id = ? AND step_index = ?').run(1_000 * Math.floor(1 + rand() * 8), id, idx);
    }
    for (let i = 0; i < 15; i++) {
      const [id, idx] = ids[Math.floor(rand() * ids.length)]!;
      db.prepare('DELETE FROM drill_steps WHERE drill_id = ? AND step_index = ?').run(id, idx);
    }
    assertAllExact(db, 'edited');

    // An anchor moved to the minimum (a long walk up) or to a value no row holds, and one never placed (the counted skip).
    db.prepare(`UPDATE step_quantiles SET q50_value = (SELECT MIN(duration_ms) FROM drill_steps s WHERE s.status = 'completed' AND s.stat_key = step_quantiles.stat_key), q50_below = 0 WHERE stat_key = 'restore'`).run();
    db.prepare(`UPDATE step_quantiles SET q90_value = 1.5, q90_below = 0 WHERE stat_key = 'declare'`).run();
    db.prepare(`UPDATE step_quantiles SET q50_value = NULL, q50_below = 0, q90_value = NULL, q90_below = 0 WHERE stat_key = 'verify'`).run();
    assertAllExact(db, 'displaced');
  } finally {
    db.close();
    t.cleanup();
  }
});

test('a finished drill leaves every anchor of its runbook at its rank, so a page visit walks nothing', () => {
  const t = tempDir();
  const db = openDatabase(t.dir);
  try {
    const drills = record(db, 60, 3);
    const running = db.prepare("SELECT id FROM drills WHERE status = 'running'").pluck().get() as string;
    drills.finish(running);
    for (const r of db.prepare('SELECT stat_key, mode, n FROM step_quantiles WHERE runbook_path = ?').all(PATH) as { stat_key: string; mode: string; n: number }[]) {
      const scope = { runbookPath: PATH, key: r.stat_key, mode: r.mode };
      const row = quantileRow(db, scope)!;
      ANCHORED.forEach((a, i) => {
        const anchor = row.anchors[i]!;
        const settled = walk(db, scope, anchor, rankOf(r.n, a.q).lo);
        assert.deepEqual(settled?.anchor, anchor, `${r.stat_key}/${r.mode || 'all'} p${a.q * 100}: already at its rank`);
      });
    }
    // The page's per-mode medians are these figures.
    const h = new HistoryService(db, new DrillService(db));
    for (const mode of ['rehearsal', 'automated'] as const) {
      for (const [key, m] of h.stepMedians(PATH, ['declare', 'verify', 'restore', 'verify'], mode)) {
        const values = sorted(db, key, mode);
        assert.equal(m.samples, values.length);
        assert.equal(m.medianMs, quantileSorted(values, 0.5));
      }
    }
    const stats = h.runbookStats({ runbookPath: PATH });
    for (const s of stats.steps) assert.equal(s.durations?.p90, quantileSorted(sorted(db, s.key, ALL_MODES), 0.9), `${s.key} p90 on the page`);
  } finally {
    db.close();
    t.cleanup();
  }
});
