/**
 * The start-up warm-up (HistoryService.warmUp, main/history/warm.ts): the hot runbook pages computed in a worker
 * thread on a read-only connection are exactly the pages the service computes on request, a runbook that changes
 * while the worker computes is not kept, and a request that comes before the worker's answer is answered correctly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { openDatabase } from '../../../main/store/db';
import { HistoryQueries } from '../../../main/history/queries';
import { computeRunbookStats, cutStats } from '../../../main/history/page';
import type { RunbookStats } from '../../../main/history/model';

/** Drills of every kind: modes, a failed step, skips, aborts, pauses, a version change, one running. */
function seed(f: ReturnType<typeof historyFixture>) {
  const a = runbook(['Declare', 'Restore', 'Verify'], { file: '/rb/hot.md', rto: 60 });
  const a2 = runbook(['Declare', 'Restore', 'Check', 'Verify'], { file: '/rb/hot.md', rto: 60, sha: 'v2', keys: ['declare', 'restore', 'check', 'verify'] });
  const b = runbook(['Only'], { file: '/rb/small.md', rto: null });
  const modes = ['rehearsal', 'automated', 'live'] as const;
  for (let i = 0; i < 60; i++) {
    const rb = i < 40 ? a : a2;
    const ms = (k: number) => 1_000 + ((i * 7919 + k * 104_729) % 29) * 400;
    const plan = rb.steps.map((_, k) => (i % 11 === 3 && k === 1 ? { ms: ms(k), end: 'fail' as const } : i % 9 === 4 && k === 0 ? { ms: 0, end: 'skip' as const } : ms(k)));
    if (i % 13 === 5) {
      // Paused mid-drill: durations exclude the pause.
      f.clock.advance(86_400_000);
      const id = f.drills.start(rb, modes[i % 3]!, 'ana').id;
      f.drills.stepStart(id, 0);
      f.clock.advance(2_000);
      f.drills.pause(id, 'lunch');
      f.clock.advance(600_000);
      f.drills.resume(id);
      f.drills.stepComplete(id, 0);
      for (let k = 1; k < rb.steps.length; k++) {
        f.drills.stepStart(id, k);
        f.clock.advance(ms(k));
        f.drills.stepComplete(id, k);
      }
      f.drills.finish(id);
    } else f.drill(rb, plan, { mode: modes[i % 3]!, abort: i % 10 === 7 });
  }
  for (let i = 0; i < 4; i++) f.drill(b, [500 + i * 100]);
  f.drill(a2, [1_000], { finish: false });
  return { hot: a2.file, small: b.file };
}

/** A page without the fields that say how it was served. */
const figures = (s: RunbookStats) => ({ ...s, computeMs: 0, cached: undefined });

test('pages warmed in a worker equal the pages computed on request, at every chart width; the first request is served from them', async () => {
  const f = historyFixture();
  try {
    const { hot, small } = seed(f);
    assert.equal(await f.history.warmUp({ minDrills: 1 }), 2, 'both runbooks warmed');
    // A second service on its own connection computes the same pages from scratch, as the code before the warm-up did.
    const db = openDatabase(f.dir);
    try {
      const queries = new HistoryQueries(db);
      for (const path of [hot, small]) {
        for (const chartPx of [undefined, 100, 1600]) {
          const query = { runbookPath: path, ...(chartPx ? { chartPx } : {}) };
          const served = f.history.runbookStats(query);
          assert.equal(served.cached, true, `${path} at ${chartPx ?? 'default'} px came from the warm-up`);
          assert.deepEqual(figures(served), figures(cutStats(computeRunbookStats(queries, { runbookPath: path }), query)), `${path} at ${chartPx ?? 'default'} px`);
        }
      }
    } finally {
      db.close();
    }
    // The page holds what the seed made: every kind of drill is in it.
    const page = f.history.runbookStats({ runbookPath: hot });
    assert.deepEqual(new Set(page.trend.status), new Set(['completed', 'failed', 'aborted', 'running']));
    assert.deepEqual(new Set(page.trend.mode), new Set(['rehearsal', 'automated', 'live']));
    assert.equal(page.markers.length, 1);
  } finally {
    f.close();
  }
});

test('a runbook that changes while the worker computes is not kept; a request before the answer is computed on the spot', async () => {
  const f = historyFixture();
  try {
    const { hot, small } = seed(f);
    const warming = f.history.warmUp({ minDrills: 1 });
    // Before the worker can answer (this thread has not yielded): a request, then a new drill of the hot runbook.
    const early = f.history.runbookStats({ runbookPath: small });
    assert.equal(early.cached, undefined, 'computed here, not waited for');
    const rb = runbook(['Declare', 'Restore', 'Check', 'Verify'], { file: hot, rto: 60, sha: 'v2', keys: ['declare', 'restore', 'check', 'verify'] });
    const late = f.drill(rb, [1_000, 1_000, 1_000, 1_000]);
    assert.equal(await warming, 0, 'the hot page changed under the worker; the small one was already computed');
    const after = f.history.runbookStats({ runbookPath: hot });
    assert.equal(after.cached, undefined, 'recomputed, with the new drill');
    assert.equal(after.trend.id.at(-1), late);
    assert.equal(f.history.runbookStats({ runbookPath: small }).cached, true);
  } finally {
    f.close();
  }
});

test('no runbook with enough drills: nothing to warm, no worker', async () => {
  const f = historyFixture();
  try {
    seed(f);
    assert.equal(await f.history.warmUp(), 0);
  } finally {
    f.close();
  }
});
