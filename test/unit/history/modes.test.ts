/**
 * Statistics per mode (issue 9, item 11): the medians behind the slow flag
 * mixed unattended runs (seconds) with human rehearsals (minutes), so every
 * rehearsal step was flagged slow in the waterfall, the comparison and the
 * runbook page, even with the rehearsal filter set. Each drill is now measured
 * against drills of its own mode, and nothing is flagged on fewer than 3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { medianByMode, isSlow } from '../../../main/history/stats';

test('medianByMode keeps modes apart', () => {
  const m = medianByMode([
    { mode: 'automated', value: 1 },
    { mode: 'automated', value: 2 },
    { mode: 'automated', value: 3 },
    { mode: 'rehearsal', value: 60 },
    { mode: 'rehearsal', value: 80 },
  ]);
  assert.deepEqual(m.get('automated'), { p50: 2, n: 3 });
  assert.deepEqual(m.get('rehearsal'), { p50: 70, n: 2 });
  assert.equal(isSlow(90, 70, 2), false, 'no flag on fewer than 3');
  assert.equal(isSlow(106, 70, 3), true);
});

function mixed() {
  const f = historyFixture();
  const rb = runbook(['Restore', 'Verify']);
  // Six cron runs: seconds. Three rehearsals: minutes, steady.
  for (let i = 0; i < 6; i++) f.drill(rb, [2_000 + i * 10, 1_000], { mode: 'automated' });
  const rehearsals = [0, 1, 2].map((i) => f.drill(rb, [120_000 + i * 1_000, 60_000], { mode: 'rehearsal' }));
  return { f, rb, rehearsals };
}

test('the waterfall flags a rehearsal step only against rehearsals', () => {
  const { f, rehearsals } = mixed();
  try {
    const w = f.history.waterfall(rehearsals[2]!);
    assert.deepEqual(w.steps.map((s) => s.slow), [false, false], 'a steady rehearsal is not slow for being slower than cron runs');
    assert.equal(w.steps[0]!.samples, 3, 'the median rests on the 3 rehearsals');
    assert.equal(w.steps[0]!.medianMs, 121_000);
  } finally {
    f.close();
  }
});

test('the comparison measures each side against its own mode', () => {
  const { f, rehearsals } = mixed();
  try {
    const auto = f.history.list({ mode: 'automated', limit: 1 })[0]!.id;
    const c = f.history.compare(auto, rehearsals[2]!);
    for (const row of c.steps) {
      assert.equal(row.a?.slow, false, `${row.key}: automated side`);
      assert.equal(row.b?.slow, false, `${row.key}: rehearsal side`);
    }
  } finally {
    f.close();
  }
});

test('the runbook page (no filter, and the rehearsal filter) flags nothing in steady rehearsals; a really slow one still is', () => {
  const { f, rb } = mixed();
  try {
    for (const mode of [undefined, 'rehearsal' as const]) {
      const s = f.history.runbookStats({ runbookPath: rb.file, ...(mode ? { mode } : {}) });
      for (const d of s.recent) assert.deepEqual(d.slowSteps, [], `${d.mode} drill ${d.id} (filter ${mode ?? 'none'})`);
      assert.ok(s.recent.every((d) => !d.slowOverall));
      assert.ok(s.steps.every((st) => st.last?.slow !== true));
      assert.ok(s.steps.every((st) => st.slowRuns === 0), JSON.stringify(s.steps.map((st) => st.slowRuns)));
    }
    const slow = f.drill(rb, [400_000, 60_000], { mode: 'rehearsal' });
    const s = f.history.runbookStats({ runbookPath: rb.file });
    const last = s.recent.find((d) => d.id === slow)!;
    assert.deepEqual(last.slowSteps.map((x) => x.title), ['Restore']);
    assert.equal(s.steps[0]!.last?.slow, true);
    assert.equal(s.steps[0]!.slowRuns, 1);
    assert.equal(f.history.waterfall(slow).steps[0]!.slow, true);
  } finally {
    f.close();
  }
});

test('two rehearsals among many cron runs: no flag (fewer than 3 of its mode)', () => {
  const f = historyFixture();
  try {
    const rb = runbook(['Restore']);
    for (let i = 0; i < 5; i++) f.drill(rb, [1_000], { mode: 'automated' });
    f.drill(rb, [60_000], { mode: 'rehearsal' });
    const second = f.drill(rb, [200_000], { mode: 'rehearsal' });
    assert.equal(f.history.waterfall(second).steps[0]!.slow, false);
    assert.equal(f.history.runbookStats({ runbookPath: rb.file }).recent[0]!.slowSteps.length, 0);
  } finally {
    f.close();
  }
});

test('the runbook page gives the figures per mode as well', () => {
  const { f, rb } = mixed();
  try {
    const s = f.history.runbookStats({ runbookPath: rb.file });
    const by = new Map(s.byMode.map((m) => [m.mode, m]));
    assert.deepEqual([...by.keys()].sort(), ['automated', 'rehearsal']);
    assert.equal(by.get('automated')!.drills, 6);
    assert.equal(by.get('rehearsal')!.drills, 3);
    // Net time per mode: cron runs ~3 s (+ the 1 s between steps), rehearsals ~3 min.
    assert.ok(by.get('automated')!.netMs!.p50 < 10_000);
    assert.ok(by.get('rehearsal')!.netMs!.p50 > 150_000);
    assert.equal(f.history.runbookStats({ runbookPath: rb.file, mode: 'rehearsal' }).byMode.length, 1);
  } finally {
    f.close();
  }
});
