/**
 * The trend cut to the chart's width (main/history/downsample.ts): the
 * envelope of every bin survives, markers and ends stay, the rolling median
 * is the one over every drill, and a service call on a big history ships a
 * bounded trend while every figure is still over all drills.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutTrend, PX_PER_BIN, rollingByMode, rollingMedian, sampleTrend } from '../../../main/history/downsample';
import type { TrendColumns } from '../../../main/history/model';
import { medianByMode, statsByMode } from '../../../main/history/stats';
import { historyFixture, runbook } from '../../helpers/history-fixture';

function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

function bigTrend(n: number, seed = 3): TrendColumns {
  const r = lcg(seed);
  const tr: TrendColumns = { t: [], id: [], rtoActualSec: [], rtoTargetSec: [], netSec: [], result: [], status: [], mode: [], version: [], rolling: [] };
  let t = 1_700_000_000;
  for (let i = 0; i < n; i++) {
    t += 60 + Math.floor(r() * 7200);
    const fail = r() < 0.2;
    tr.t.push(t);
    tr.id.push(`d${i}`);
    tr.rtoActualSec.push(r() < 0.02 ? null : 600 + Math.floor(r() * 3000));
    tr.rtoTargetSec.push(1800);
    tr.netSec.push(500 + Math.floor(r() * 3000));
    tr.result.push(fail ? 'fail' : 'pass');
    tr.status.push(fail ? 'failed' : 'completed');
    tr.mode.push(i % 5 === 0 ? 'automated' : 'rehearsal');
    tr.version.push(Math.floor(i / 400));
    tr.rolling.push(null);
  }
  return tr;
}

test('few drills: every one is kept', () => {
  const tr = bigTrend(1000);
  assert.equal(sampleTrend({ t: tr.t, y: tr.rtoActualSec, pass: tr.result.map((x) => x === 'pass'), keep: [] }, 1600).length, 1000);
  assert.equal(cutTrend(tr, [], 1600).sample, null);
});

test('many drills: per time bin and result, the fastest and slowest are kept; markers and both ends too', () => {
  const n = 50_000;
  const tr = bigTrend(n);
  const px = 1200;
  const bins = px / PX_PER_BIN;
  const markers = [400, 800, 12_000, 49_600].map((index) => ({ index, t: tr.t[index]! }));
  const { trend, markers: moved, sample } = cutTrend(tr, markers, px);
  assert.ok(sample, 'cut');
  assert.equal(sample.drills, n);
  assert.equal(sample.shown, trend.t.length);
  assert.ok(trend.t.length <= bins * 4 + markers.length + 2, `at most 4 per bin (+ markers, ends): ${trend.t.length}`);
  assert.ok(trend.t.length < n / 10);
  // Every column has the same length and is a subsequence of the original, oldest first.
  for (const col of Object.values(trend)) assert.equal((col as unknown[]).length, trend.t.length);
  for (let i = 1; i < trend.t.length; i++) assert.ok(trend.t[i]! >= trend.t[i - 1]!);
  assert.equal(trend.id[0], 'd0');
  assert.equal(trend.id.at(-1), `d${n - 1}`);
  // Markers point at the same drills in the cut columns.
  for (const [k, m] of moved.entries()) assert.equal(trend.id[m.index], `d${markers[k]!.index}`);
  // The envelope: per bin and per result, min and max over all drills equal min and max over the kept ones.
  const t0 = tr.t[0]!;
  const span = tr.t[n - 1]! - t0;
  const bin = (t: number) => Math.min(bins - 1, Math.floor(((t - t0) / span) * bins));
  const env = (c: TrendColumns) => {
    const m = new Map<string, [number, number]>();
    c.t.forEach((t, i) => {
      const v = c.rtoActualSec[i];
      if (v === null || v === undefined) return;
      const key = `${bin(t)}:${c.result[i]}`;
      const e = m.get(key);
      m.set(key, e ? [Math.min(e[0], v), Math.max(e[1], v)] : [v, v]);
    });
    return m;
  };
  assert.deepEqual(env(trend), env(tr));
  // The rolling median travels with its drill (computed before the cut).
  const withRolling = { ...tr, rolling: rollingByMode(tr.rtoActualSec, tr.mode, tr.status) };
  const cut = cutTrend(withRolling, [], px);
  cut.trend.id.forEach((id, i) => assert.equal(cut.trend.rolling[i], withRolling.rolling[Number(id.slice(1))]));
});

test('the rolling median of each mode is the median of its last 9 completed drills', () => {
  const y = [5, 1, 9, null, 3, 7, 2, 8, 4, 6, 10, 11];
  const inc = y.map((v, i) => v !== null && i !== 2);
  const got = rollingMedian(y, inc, 3);
  const naive = y.map((_, i) => {
    const w = y.slice(0, i + 1).filter((v, j) => v !== null && inc[j]).slice(-3) as number[];
    if (!w.length) return null;
    const s = [...w].sort((a, b) => a - b);
    return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
  });
  assert.deepEqual(got, naive);
  const byMode = rollingByMode([10, 100, 20, 200, 30], ['a', 'b', 'a', 'b', 'a'], ['completed', 'completed', 'completed', 'failed', 'completed']);
  assert.deepEqual(byMode, [10, 100, 15, 100, 20]);
});

test('runbookStats on 300 drills with a narrow chart: a cut trend, every figure still over all drills', () => {
  const f = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore'], { rto: 1500 });
    for (let i = 0; i < 300; i++) f.drill(rb, [1000 + (i % 17) * 100, 2000 + (i % 13) * 250], i % 7 === 0 ? { abort: true } : {});
    const full = f.history.runbookStats({ runbookPath: rb.file });
    assert.equal(full.trendSample, null);
    assert.equal(full.trend.t.length, 300);
    const narrow = f.history.runbookStats({ runbookPath: rb.file, chartPx: 100 });
    assert.ok(narrow.trendSample, 'cut at 100 px');
    assert.equal(narrow.trendSample.drills, 300);
    assert.ok(narrow.trend.t.length <= 50 * 4 + 2 + narrow.markers.length && narrow.trend.t.length < 300);
    assert.deepEqual(narrow.counts, full.counts);
    assert.deepEqual(narrow.rtoSec, full.rtoSec);
    assert.deepEqual(narrow.steps, full.steps);
    assert.equal(narrow.trend.id.at(-1), full.trend.id.at(-1));
    narrow.trend.id.forEach((id, i) => assert.equal(narrow.trend.rolling[i], full.trend.rolling[full.trend.id.indexOf(id)]));
  } finally {
    f.close();
  }
});

test('runbookStats is served from the cache until a drill of that runbook changes, and then recomputed', () => {
  const f = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore'], { rto: 1500, file: '/rb/a.md' });
    const other = runbook(['Only'], { file: '/rb/b.md' });
    for (let i = 0; i < 5; i++) f.drill(rb, [1000 + i * 10, 2000]);
    f.drill(other, [500]);
    const first = f.history.runbookStats({ runbookPath: rb.file });
    assert.equal(first.cached, undefined);
    const again = f.history.runbookStats({ runbookPath: rb.file });
    assert.equal(again.cached, true);
    assert.deepEqual({ ...again, cached: undefined }, { ...first, cached: undefined });
    // A drill of another runbook leaves this page's cache alone.
    f.drill(other, [600]);
    assert.equal(f.history.runbookStats({ runbookPath: rb.file }).cached, true);
    // A running drill of this runbook: every event counts (a completed step changes the medians).
    const id = f.drills.start(rb, 'rehearsal', 'ana').id;
    const running = f.history.runbookStats({ runbookPath: rb.file });
    assert.equal(running.cached, undefined);
    assert.equal(running.counts.running, 1);
    f.drills.stepStart(id, 0);
    f.clock.advance(99_000);
    f.drills.stepComplete(id, 0);
    const afterStep = f.history.runbookStats({ runbookPath: rb.file });
    assert.equal(afterStep.cached, undefined);
    assert.equal(afterStep.steps[0]!.durations!.n, 6);
    assert.equal(afterStep.steps[0]!.durations!.max, 99_000);
    // Rows written around the drill service (an import, a test) are seen through the drill count and step sums.
    f.db.prepare("UPDATE step_stats SET n = n + 0, sum_ms = sum_ms + 1 WHERE runbook_path = ?").run(rb.file);
    assert.equal(f.history.runbookStats({ runbookPath: rb.file }).cached, undefined);
    // Other filters are other entries.
    assert.equal(f.history.runbookStats({ runbookPath: rb.file, mode: 'rehearsal' }).cached, undefined);
  } finally {
    f.close();
  }
});

test('per-mode figures of 200,000 drills take linear time (they copied the list on every drill: minutes)', () => {
  const modes = ['rehearsal', 'automated', 'live'] as const;
  const rows = Array.from({ length: 200_000 }, (_, i) => ({
    mode: modes[i % 3]!,
    status: 'completed' as const,
    result: 'pass' as const,
    rtoSec: 100 + (i % 977),
    netMs: 1000 + (i % 9973),
  }));
  const t = performance.now();
  const by = statsByMode(rows);
  const med = medianByMode(rows.map((r) => ({ mode: r.mode, value: r.netMs })));
  const ms = performance.now() - t;
  assert.equal(by.reduce((a, m) => a + m.drills, 0), 200_000);
  assert.equal([...med.values()].reduce((a, m) => a + m.n, 0), 200_000);
  // Linear work is ~0.1-0.5 s even on a loaded machine; the quadratic version copied ~13 billion elements.
  assert.ok(ms < 5_000, `statsByMode + medianByMode of 200,000 rows took ${ms.toFixed(0)} ms`);
});
