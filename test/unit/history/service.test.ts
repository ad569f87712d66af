import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize, drillResult, SLOW_FACTOR } from '../../../main/history';
import { UserError } from '../../../main/common/errors';
import { historyFixture, runbook } from '../../helpers/history-fixture';

function close(a: number | null | undefined, b: number | null | undefined, what: string) {
  if (a === null || b === null || a === undefined || b === undefined) return assert.equal(a ?? null, b ?? null, what);
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

/** Deterministic durations with some spread. */
function durations(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return 1_000 + (x % 600) * 1_000;
  };
}

test('runbook statistics from the indexes equal the same statistics computed from every drill snapshot', () => {
  const f = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore', 'Verify', 'Verify'], { rto: 1500 });
    const next = durations(7);
    const ids: string[] = [];
    for (let i = 0; i < 14; i++) {
      const mode = i % 4 === 3 ? 'automated' : 'rehearsal';
      if (i === 5) ids.push(f.drill(rb, [next(), { ms: next(), end: 'skip' }, next(), next()], { mode }));
      else if (i === 8) ids.push(f.drill(rb, [next(), { ms: next(), end: 'fail' }, next(), next()], { mode }));
      else if (i === 11) ids.push(f.drill(rb, [next(), next()], { mode, abort: true }));
      else ids.push(f.drill(rb, [next(), next(), next(), next()], { mode }));
    }
    const running = f.drill(rb, [next()], { finish: false });

    const check = (query: Parameters<typeof f.history.runbookStats>[0], pick: (id: string) => boolean) => {
      const stats = f.history.runbookStats(query);
      const snaps = [...ids, running].filter(pick).map((id) => f.drills.get(id));
      assert.equal(stats.counts.drills, snaps.length);
      const results = snaps.map((s) => drillResult(s.status, s.rto.targetSec, s.rto.met));
      assert.equal(stats.counts.passed, results.filter((r) => r === 'pass').length);
      assert.equal(stats.counts.failed, results.filter((r) => r === 'fail').length);
      assert.equal(stats.counts.running, snaps.filter((s) => s.status === 'running').length);
      assert.equal(stats.passRate, stats.counts.passed / stats.counts.finished);
      const completed = snaps.filter((s) => s.status === 'completed');
      const rto = summarize(completed.map((s) => s.rto.actualSec!))!;
      assert.deepEqual(stats.rtoSec, rto);
      assert.deepEqual(stats.netMs, summarize(completed.map((s) => s.clock.netMs)));
      // Per step, matched by stable key; the second "Verify" is verify#2.
      const keys = ['declare', 'restore', 'verify', 'verify#2'];
      assert.deepEqual(stats.steps.map((s) => s.key), keys);
      keys.forEach((key, i) => {
        const values = snaps.flatMap((s) => (s.steps[i]!.status === 'completed' ? [s.steps[i]!.durationMs!] : []));
        const want = summarize(values)!;
        const got = stats.steps[i]!.durations!;
        assert.equal(got.n, want.n, `${key} n`);
        for (const k of ['min', 'max', 'mean', 'p50', 'p90', 'cv'] as const) close(got[k], want[k], `${key} ${k}`);
        assert.equal(stats.steps[i]!.slowRuns, values.filter((v) => v > SLOW_FACTOR * want.p50).length, `${key} slow runs`);
      });
      return stats;
    };
    const all = check({ runbookPath: rb.file }, () => true);
    assert.equal(all.trend.t.length, 15);
    assert.deepEqual(all.trend.id, [...ids, running], 'oldest first');
    assert.deepEqual(
      all.trend.result,
      [...ids, running].map((id) => f.drills.get(id)).map((s) => drillResult(s.status, s.rto.targetSec, s.rto.met)),
    );
    assert.ok(all.trend.result.includes('fail') && all.trend.result.includes('pass'));
    check({ runbookPath: rb.file, mode: 'automated' }, (id) => f.drills.get(id).mode === 'automated');
    const since = f.drills.get(ids[6]!).startedAt;
    const until = f.drills.get(ids[10]!).startedAt;
    check({ runbookPath: rb.file, since, until }, (id) => {
      const t = f.drills.get(id).startedAt;
      return t >= since && t <= until;
    });

    // The trigger-kept sums equal a recount from the step rows.
    const kept = f.db.prepare('SELECT stat_key, n, sum_ms, sum_sq FROM step_stats ORDER BY stat_key').raw().all() as [string, number, number, number][];
    const recount = f.db
      .prepare(
        `SELECT stat_key, COUNT(*), SUM(duration_ms), SUM(duration_ms * duration_ms) FROM drill_steps WHERE status = 'completed' GROUP BY stat_key ORDER BY stat_key`,
      )
      .raw()
      .all() as [string, number, number, number][];
    assert.equal(kept.length, recount.length);
    kept.forEach((k, i) => {
      assert.equal(k[0], recount[i]![0]);
      assert.equal(k[1], recount[i]![1]);
      close(k[2], recount[i]![2], `${k[0]} sum`);
      close(k[3], recount[i]![3], `${k[0]} sum of squares`);
    });
  } finally {
    f.close();
  }
});

test('a step over 1.5× its median is flagged in the last drill, the recent list and the step table', () => {
  const f = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore', 'Verify'], { rto: 100_000 });
    for (let i = 0; i < 5; i++) f.drill(rb, [10_000, 60_000 + i * 1_000, 20_000]);
    const last = f.drill(rb, [10_000, 200_000, 20_000]);
    const s = f.history.runbookStats({ runbookPath: rb.file });
    assert.equal(s.last!.id, last);
    assert.deepEqual(s.last!.slowSteps.map((x) => [x.key, x.durationMs]), [['restore', 200_000]]);
    assert.equal(s.last!.slowOverall, true, 'the whole drill took more than 1.5× the median drill');
    assert.equal(s.recent.length, 6);
    assert.equal(s.recent.filter((r) => r.slowSteps.length > 0).length, 1);
    const restore = s.steps.find((x) => x.key === 'restore')!;
    assert.equal(restore.last!.slow, true);
    assert.equal(restore.slowRuns, 1);
    assert.equal(s.steps.find((x) => x.key === 'declare')!.last!.slow, false);
    assert.equal(s.slowest[0], 'restore');
    assert.ok(Math.abs(s.steps.reduce((a, x) => a + (x.shareOfMedian ?? 0), 0) - 1) < 1e-9);
  } finally {
    f.close();
  }
});

test('steps keep their identity across runbook versions; a version change is marked with what changed', () => {
  const f = historyFixture();
  try {
    const v1 = runbook(['Declare', 'Restore', 'Old check'], { sha: 'v1', keys: ['declare', 'restore', 'old-check'] });
    const v2 = runbook(['Declare the incident', 'Restore', 'Verify'], { sha: 'v2', keys: ['declare', 'restore', 'verify'] });
    f.drill(v1, [1_000, 2_000, 3_000]);
    f.drill(v1, [1_000, 2_000, 3_000]);
    const first2 = f.drill(v2, [1_000, 4_000, 5_000]);
    f.drill(v2, [1_000, 4_000, 5_000]);
    const s = f.history.runbookStats({ runbookPath: v1.file });
    assert.equal(s.versions.length, 2);
    assert.deepEqual(s.trend.version, [0, 0, 1, 1]);
    assert.equal(s.markers.length, 1);
    const m = s.markers[0]!;
    assert.equal(m.drillId, first2);
    assert.equal(m.index, 2);
    assert.deepEqual(m.stepsAdded, ['verify']);
    assert.deepEqual(m.stepsRemoved, ['old-check']);
    assert.deepEqual(m.stepsRenamed, [{ key: 'declare', from: 'Declare', to: 'Declare the incident' }]);
    // "declare" spans both versions under its newest title; the removed step stays, marked as no longer current.
    const declare = s.steps.find((x) => x.key === 'declare')!;
    assert.equal(declare.n, 4);
    assert.equal(declare.title, 'Declare the incident');
    assert.equal(s.steps.find((x) => x.key === 'restore')!.durations!.p50, 3_000);
    const old = s.steps.find((x) => x.key === 'old-check')!;
    assert.equal(old.current, false);
    assert.equal(old.title, 'Old check');
    assert.equal(old.n, 2);
    assert.deepEqual(s.steps.map((x) => x.key), ['declare', 'restore', 'verify', 'old-check']);
  } finally {
    f.close();
  }
});

test('the history list filters by runbook, mode, status, result and dates; counts agree; steps are optional', () => {
  const f = historyFixture();
  try {
    const a = runbook(['One', 'Two'], { file: '/runbooks/a.md', rto: 5 });
    const b = runbook(['One', 'Two'], { file: '/runbooks/b.md', rto: null });
    const ids = [
      f.drill(a, [1_000, 1_000]), // pass (2s + gaps < 5s)
      f.drill(a, [10_000, 1_000]), // RTO missed → fail
      f.drill(b, [1_000, 1_000], { mode: 'automated' }), // no target → pass
      f.drill(b, [1_000], { abort: true }), // fail
      f.drill(a, [1_000, { ms: 1_000, end: 'fail' }], { mode: 'live' }), // failed → fail
    ];
    const running = f.drill(b, [1_000], { finish: false });
    const all = f.history.list({});
    assert.deepEqual(all.map((d) => d.id), [running, ...[...ids].reverse()], 'newest first');
    assert.deepEqual(all.map((d) => d.result), [null, 'fail', 'fail', 'pass', 'fail', 'pass']);
    const ids_ = (filter: NonNullable<Parameters<typeof f.history.list>[0]>) => {
      const got = f.history.list(filter).map((d) => d.id);
      const { limit: _l, offset: _o, steps: _s, ...countable } = filter;
      assert.equal(f.history.count(countable), got.length, `count agrees for ${JSON.stringify(filter)}`);
      return got.sort();
    };
    assert.deepEqual(ids_({ runbookPath: a.file }), [ids[0]!, ids[1]!, ids[4]!].sort());
    assert.deepEqual(ids_({ mode: 'automated' }), [ids[2]!]);
    assert.deepEqual(ids_({ status: 'aborted' }), [ids[3]!]);
    assert.deepEqual(ids_({ result: 'pass' }), [ids[0]!, ids[2]!].sort());
    assert.deepEqual(ids_({ result: 'fail' }), [ids[1]!, ids[3]!, ids[4]!].sort());
    assert.deepEqual(ids_({ result: 'fail', runbookPath: a.file }), [ids[1]!, ids[4]!].sort());
    const day = (id: string) => f.drills.get(id).startedAt.slice(0, 10);
    assert.deepEqual(ids_({ since: day(ids[2]!), until: day(ids[3]!) }), [ids[2]!, ids[3]!].sort());
    assert.deepEqual(ids_({ until: f.drills.get(ids[0]!).startedAt }), [ids[0]!], 'a date-time until is inclusive');
    // Paging, newest first; the light form has counts but no step rows.
    const page = f.history.list({ limit: 2, offset: 1, steps: false });
    assert.deepEqual(page.map((d) => d.id), [ids[4]!, ids[3]!]);
    assert.deepEqual(page[0]!.steps, []);
    assert.deepEqual(page[0]!.stepCounts, { total: 2, completed: 1, skipped: 0, failed: 1 });
    assert.equal(all[1]!.steps.length, 2);
    assert.equal(all[0]!.interrupted, false, 'running in this process');
    assert.deepEqual(f.history.runbooks().map((r) => [r.path, r.drills]), [[b.file, 3], [a.file, 3]]);
    assert.throws(() => f.history.runbookStats({ runbookPath: '/nowhere.md' }), (e: unknown) => e instanceof UserError && e.code === 'not_found');
  } finally {
    f.close();
  }
});

test('waterfall: steps on the drill axis with pauses as holes, net durations, the RTO window and flags', () => {
  const f = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore', 'Optional', 'Verify'], { rto: 3600 });
    for (let i = 0; i < 3; i++) f.drill(rb, [5_000, 30_000, { ms: 0, end: 'skip' }, 10_000]);
    f.clock.advance(86_400_000);
    const id = f.drills.start(rb, 'rehearsal', 'ana').id; // t = 0
    f.clock.advance(2_000);
    f.drills.stepStart(id, 0); // 2s
    f.clock.advance(5_000);
    f.drills.stepComplete(id, 0); // 7s
    f.drills.stepStart(id, 1); // 7s
    f.clock.advance(10_000);
    f.drills.pause(id, 'waiting for the DBA'); // 17s
    f.clock.advance(60_000);
    f.drills.resume(id); // 77s
    f.clock.advance(50_000);
    f.drills.stepComplete(id, 1); // 127s: 60s net, 2× the median of 30s
    f.drills.stepSkip(id, 2, 'not today'); // 127s
    f.drills.stepStart(id, 3);
    f.clock.advance(10_000);
    f.drills.stepComplete(id, 3); // 137s
    f.drills.finish(id);
    const w = f.history.waterfall(id);
    assert.deepEqual(
      w.steps.map((s) => [s.key, s.status, s.startMs, s.endMs, s.durationMs]),
      [
        ['declare', 'completed', 2_000, 7_000, 5_000],
        ['restore', 'completed', 7_000, 127_000, 60_000],
        ['optional', 'skipped', 127_000, 127_000, null],
        ['verify', 'completed', 127_000, 137_000, 10_000],
      ],
    );
    assert.deepEqual(w.pauses, [{ startMs: 17_000, endMs: 77_000, reason: 'waiting for the DBA' }]);
    assert.deepEqual(w.rtoWindow, { startMs: 2_000, endMs: 137_000 });
    assert.equal(w.totalMs, 137_000);
    assert.equal(w.drill.pausedMs, 60_000);
    assert.equal(w.drill.result, 'pass');
    const restore = w.steps[1]!;
    assert.equal(restore.medianMs, 30_000, 'median over the three earlier drills and this one (30, 30, 30, 60)');
    assert.equal(restore.samples, 4);
    assert.equal(restore.slow, true);
    assert.equal(restore.ratio, 2);
    assert.equal(w.steps[0]!.slow, false);
    assert.equal(w.steps[2]!.slow, false, 'a skipped step is never slow');
  } finally {
    f.close();
  }
});

test('comparing two drills matches steps by key across versions, in the later drill order', () => {
  const f = historyFixture();
  try {
    const v1 = runbook(['A', 'B', 'C'], { sha: 'v1' });
    const v2 = runbook(['A', 'C', 'D'], { sha: 'v2' });
    const a = f.drill(v1, [10_000, 20_000, 30_000]);
    const b = f.drill(v2, [15_000, 24_000, 5_000]);
    const c = f.history.compare(a, b);
    assert.equal(c.sameRunbook, true);
    assert.equal(c.sameVersion, false);
    assert.deepEqual(
      c.steps.map((s) => [s.key, s.a?.durationMs ?? null, s.b?.durationMs ?? null, s.deltaMs, s.ratio]),
      [
        ['a', 10_000, 15_000, 5_000, 1.5],
        ['b', 20_000, null, null, null],
        ['c', 30_000, 24_000, -6_000, 0.8],
        ['d', null, 5_000, null, null],
      ],
    );
    assert.equal(c.netDeltaMs, f.drills.get(b).clock.netMs - f.drills.get(a).clock.netMs);
    assert.throws(() => f.history.compare(a, 'nope-nope'), (e: unknown) => e instanceof UserError && e.code === 'not_found');
  } finally {
    f.close();
  }
});

test('a failed or aborted drill never claims "RTO met" in the list, its brief, the runbook page or the waterfall (one rule: rtoMetClaim)', () => {
  const f = historyFixture();
  try {
    // Every drill closes its RTO window well inside 60 s: the clock alone would say "met" for each.
    const rb = runbook(['Declare', 'Restore', 'Verify'], { file: '/runbooks/claim.md', rto: 60 });
    const passed = f.drill(rb, [1_000, 2_000, 1_000]);
    const failed = f.drill(rb, [1_000, { ms: 2_000, end: 'fail' }, 1_000]);
    const aborted = f.drill(rb, [1_000, 2_000, 1_000], { abort: true });
    const missed = f.drill(rb, [1_000, 90_000, 1_000]);
    // The stored measurement is kept as it was taken (the window did close inside the target)…
    const stored = f.db.prepare('SELECT id, rto_met FROM drills').all() as { id: string; rto_met: number | null }[];
    const raw = new Map(stored.map((r) => [r.id, r.rto_met]));
    assert.deepEqual([raw.get(failed), raw.get(aborted)], [1, 1], 'precondition: the reducer measured both windows as inside the target');
    // …but nothing the history answers claims it.
    const want = new Map<string, boolean | null>([
      [passed, true],
      [failed, null],
      [aborted, null],
      [missed, false],
    ]);
    for (const d of f.history.list({})) assert.equal(d.rto.met, want.get(d.id), `list: ${d.status}`);
    for (const d of f.history.list({ steps: false })) assert.equal(d.rto.met, want.get(d.id), `light list: ${d.status}`);
    const stats = f.history.runbookStats({ runbookPath: rb.file });
    for (const d of stats.recent) assert.equal(d.rto.met, want.get(d.id), `recent: ${d.status}`);
    for (const id of [passed, failed, aborted, missed]) assert.equal(f.history.waterfall(id).drill.rto.met, want.get(id), `waterfall of ${id}`);
    const cmp = f.history.compare(passed, failed);
    assert.deepEqual([cmp.a.rto.met, cmp.b.rto.met], [true, null], 'compare');
  } finally {
    f.close();
  }
});
