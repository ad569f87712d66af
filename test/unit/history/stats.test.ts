import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import {
  coefficientOfVariation,
  drillResult,
  FAIL_SQL,
  isSlow,
  median,
  PASS_SQL,
  passRate,
  quantileSorted,
  rankSteps,
  statKeys,
  stepChanges,
  summarize,
  versionsOf,
} from '../../../main/history/stats';
import { dateBounds } from '../../../main/history/filter';
import { UserError } from '../../../main/common/errors';

test('percentiles interpolate linearly between closest ranks (R-7), so p50 is the usual median', () => {
  assert.equal(quantileSorted([10], 0.5), 10);
  assert.equal(quantileSorted([10], 0.9), 10);
  assert.equal(quantileSorted([10, 20], 0.5), 15);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  // h = (4-1)*0.9 = 2.7 → 3 + 0.7*(4-3)
  assert.ok(Math.abs(quantileSorted([1, 2, 3, 4], 0.9)! - 3.7) < 1e-12);
  assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.9), 4.6);
  assert.equal(quantileSorted([], 0.5), null);
  assert.equal(median([30, 10, 20]), 20);
  // Matches NumPy's default: numpy.percentile([7, 1, 3, 9, 15, 2], 90) == 12.0
  assert.equal(quantileSorted([1, 2, 3, 7, 9, 15], 0.9), 12);
});

test('summaries: min, max, mean, p50, p90 and the coefficient of variation (sample standard deviation / mean)', () => {
  const s = summarize([4, 8, 6, 2])!;
  assert.deepEqual({ n: s.n, min: s.min, max: s.max, mean: s.mean, p50: s.p50 }, { n: 4, min: 2, max: 8, mean: 5, p50: 5 });
  // Sample variance of 2,4,6,8 = 20/3.
  assert.ok(Math.abs(s.cv! - Math.sqrt(20 / 3) / 5) < 1e-12);
  assert.equal(summarize([])!, null);
  assert.equal(summarize([5])!.cv, null, 'no variation from one sample');
  assert.equal(coefficientOfVariation(3, 30, 300), 0, 'identical values vary by nothing (no negative rounding)');
  assert.equal(coefficientOfVariation(3, 0, 0), null);
});

test('pass: completed with the RTO met or no target; running has no result; everything else fails', () => {
  assert.equal(drillResult('completed', 600, true), 'pass');
  assert.equal(drillResult('completed', null, null), 'pass');
  assert.equal(drillResult('completed', 600, false), 'fail');
  assert.equal(drillResult('completed', 600, null), 'fail', 'a target it cannot show it met');
  assert.equal(drillResult('failed', null, null), 'fail');
  assert.equal(drillResult('failed', 600, true), 'fail');
  assert.equal(drillResult('aborted', 600, true), 'fail');
  assert.equal(drillResult('running', 600, null), null);
  assert.deepEqual(passRate(['pass', 'fail', null, 'pass']), { finished: 3, passed: 2, rate: 2 / 3 });
  assert.deepEqual(passRate([null]), { finished: 0, passed: 0, rate: null });
});

test('the SQL pass/fail filters agree with drillResult on every combination', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE drills (status TEXT, rto_target_sec REAL, rto_met INTEGER)');
  const combos: [string, number | null, number | null][] = [];
  for (const status of ['running', 'completed', 'failed', 'aborted']) {
    for (const target of [null, 600]) for (const met of [null, 0, 1]) combos.push([status, target, met]);
  }
  const ins = db.prepare('INSERT INTO drills VALUES (?, ?, ?)');
  for (const c of combos) ins.run(...c);
  const pass = db.prepare(`SELECT status, rto_target_sec, rto_met FROM drills WHERE ${PASS_SQL}`).raw().all();
  const fail = db.prepare(`SELECT status, rto_target_sec, rto_met FROM drills WHERE ${FAIL_SQL}`).raw().all();
  const js = (want: string) => combos.filter(([s, t, m]) => drillResult(s as 'completed', t, m === null ? null : m === 1) === want);
  assert.deepEqual(pass, js('pass'));
  assert.deepEqual(fail, js('fail'));
  assert.equal(pass.length + fail.length, combos.length - 6, 'only running drills are in neither');
  db.close();
});

test('slow means more than 1.5× the median, and only once the median rests on 3 samples', () => {
  assert.equal(isSlow(151, 100, 3), true);
  assert.equal(isSlow(150, 100, 3), false, 'exactly 1.5× is not more than 1.5×');
  assert.equal(isSlow(1000, 100, 2), false, 'two samples are not a baseline');
  assert.equal(isSlow(null, 100, 10), false);
  assert.equal(isSlow(10, null, 10), false);
});

test('steps that share a key within one drill are told apart by occurrence', () => {
  assert.deepEqual(statKeys(['declare', 'verify', 'restore', 'verify', 'verify']), ['declare', 'verify', 'restore', 'verify#2', 'verify#3']);
  assert.deepEqual(statKeys(['a', 'verify#2']), ['a', 'verify#2'], 'idempotent on keys already numbered');
});

test('version markers: a marker where a drill ran a different version than the drill before; revisits say so', () => {
  const d = (id: string, sha: string, day: number) => ({ id, sha256: sha, startedAt: `2026-01-${String(day).padStart(2, '0')}T09:00:00.000Z` });
  const { versions, versionIndex, markers } = versionsOf([d('a', 'v1', 1), d('b', 'v1', 2), d('c', 'v2', 3), d('d', 'v1', 4), d('e', 'v3', 5)]);
  assert.deepEqual(versions.map((v) => [v.sha256, v.drills]), [['v1', 3], ['v2', 1], ['v3', 1]]);
  assert.deepEqual(versionIndex, [0, 0, 1, 0, 2]);
  assert.deepEqual(markers.map((m) => [m.index, m.drillId, m.version, m.revisited]), [[2, 'c', 1, false], [3, 'd', 0, true], [4, 'e', 2, false]]);
  assert.equal(markers[0]!.t, Date.UTC(2026, 0, 3, 9) / 1000);
});

test('step changes between versions, by stable key', () => {
  const c = stepChanges(
    [{ key: 'declare', title: 'Declare' }, { key: 'restore', title: 'Restore' }, { key: 'old', title: 'Old' }],
    [{ key: 'declare', title: 'Declare the incident' }, { key: 'restore', title: 'Restore' }, { key: 'verify', title: 'Verify' }],
  );
  assert.deepEqual(c, { stepsAdded: ['verify'], stepsRemoved: ['old'], stepsRenamed: [{ key: 'declare', from: 'Declare', to: 'Declare the incident' }] });
});

test('ranking: slowest by median; most variable by CV among steps with 3+ runs', () => {
  const sum = (p50: number, cv: number | null, n: number) => ({ n, min: 0, max: 0, mean: p50, p50, p90: p50, cv });
  const r = rankSteps([
    { key: 'a', durations: sum(100, 0.1, 10) },
    { key: 'b', durations: sum(300, 0.05, 10) },
    { key: 'c', durations: sum(200, 0.9, 2) },
    { key: 'd', durations: null },
    { key: 'e', durations: sum(50, 0.5, 3) },
  ]);
  assert.deepEqual(r.slowest, ['b', 'c', 'a', 'e']);
  assert.deepEqual(r.mostVariable, ['e', 'a', 'b']);
});

test('date filters: dates are UTC days (until includes the whole day), date-times are inclusive, bad input is one clear error', () => {
  assert.deepEqual(dateBounds('2026-01-31', '2026-02-01'), { from: '2026-01-31T00:00:00.000Z', to: '2026-02-02T00:00:00.000Z' });
  assert.deepEqual(dateBounds('2026-01-31T09:30:00+02:00', '2026-01-31T10:00:00Z'), { from: '2026-01-31T07:30:00.000Z', to: '2026-01-31T10:00:00.001Z' });
  assert.deepEqual(dateBounds(undefined, undefined), { from: null, to: null });
  const bad = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof UserError && e.code === 'bad_request' && re.test(e.message));
  bad(() => dateBounds('2026-02-30', undefined), /since 2026-02-30 is not a real date/);
  bad(() => dateBounds('yesterday', undefined), /since must be a date \(2026-01-31\)/);
  bad(() => dateBounds('2026-01-31T09:00', undefined), /with a zone/);
  bad(() => dateBounds('2026-03-01', '2026-02-01'), /is after until/);
});
