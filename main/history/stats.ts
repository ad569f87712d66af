/**
 * Pure statistics over drill history. No I/O: the queries in ./queries feed
 * these, and the tests check the SQL path against them.
 */
import type { DrillStatus } from '../drill/model';
import type { DrillResult, DurationSummary, RunbookVersion, VersionMarker } from './model';

/** A step (or drill) is slow when it took more than this many times its median… */
export const SLOW_FACTOR = 1.5;
/** …and the median rests on at least this many samples (with fewer, "unusual" means nothing). */
export const MIN_SAMPLES_FOR_FLAG = 3;

/**
 * Pass/fail of a drill. A running drill has none; a drill passes when it
 * completed and met its RTO target, or had none. `met` unknown with a target
 * counts as a fail: the drill cannot show it met the target.
 */
export function drillResult(status: DrillStatus, rtoTargetSec: number | null, rtoMet: boolean | null): DrillResult | null {
  if (status === 'running') return null;
  return status === 'completed' && (rtoTargetSec === null || rtoMet === true) ? 'pass' : 'fail';
}

/**
 * SQL for the same rule over the drills table's columns (the tests hold it
 * to drillResult). `+status` keeps SQLite from picking the status index,
 * which would read every matching drill row; the filter is cheaper
 * evaluated on the covering list/trend indexes.
 */
export const PASS_SQL = `(+status = 'completed' AND (rto_target_sec IS NULL OR IFNULL(rto_met, 0) = 1))`;
export const FAIL_SQL = `(+status <> 'running' AND NOT ${PASS_SQL})`;

/**
 * Where the q-quantile sits in n sorted values under linear interpolation
 * between closest ranks: h = (n-1)q, between positions floor(h) and
 * ceil(h), weighted by the fraction.
 */
export function quantilePosition(n: number, q: number): { lo: number; hi: number; frac: number } {
  if (n < 1) throw new RangeError('no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside 0..1`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return { lo, hi, frac: h - lo };
}

export function interpolate(loValue: number, hiValue: number, frac: number): number {
  return frac === 0 ? loValue : loValue + (hiValue - loValue) * frac;
}

/** The q-quantile of values already sorted ascending. */
export function quantileSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const { lo, hi, frac } = quantilePosition(sorted.length, q);
  return interpolate(sorted[lo]!, sorted[hi]!, frac);
}

export function median(values: readonly number[]): number | null {
  return quantileSorted([...values].sort((a, b) => a - b), 0.5);
}

/** Sample standard deviation over the mean, from running sums; null below 2 samples or at a zero mean. */
export function coefficientOfVariation(n: number, sum: number, sumSq: number): number | null {
  if (n < 2 || sum === 0) return null;
  const mean = sum / n;
  // Clamp: rounding can leave a hair below zero when every value is equal.
  const variance = Math.max(0, (sumSq - sum * mean) / (n - 1));
  return Math.sqrt(variance) / Math.abs(mean);
}

/** min / max / mean / p50 / p90 / CV of a list of durations (any order); null when empty. */
export function summarize(values: readonly number[]): DurationSummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  let sumSq = 0;
  for (const v of sorted) {
    sum += v;
    sumSq += v * v;
  }
  return {
    n: sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
    p50: quantileSorted(sorted, 0.5)!,
    p90: quantileSorted(sorted, 0.9)!,
    cv: coefficientOfVariation(sorted.length, sum, sumSq),
  };
}

/**
 * Median (and sample count) of values per drill mode. Flags compare a drill
 * with its own mode only: an unattended run (automated) and a rehearsal by a
 * person take different times by design, and one median over both flagged
 * every rehearsal step as slow.
 */
export function medianByMode<M extends string>(values: readonly { mode: M; value: number }[]): Map<M, { p50: number; n: number }> {
  const by = new Map<M, number[]>();
  // Push, never copy: spreading the list on every value was quadratic (4.2 s for a 50,000-drill runbook).
  for (const v of values) {
    const list = by.get(v.mode);
    if (list) list.push(v.value);
    else by.set(v.mode, [v.value]);
  }
  return new Map([...by].map(([m, vs]) => [m, { p50: median(vs)!, n: vs.length }]));
}

/** The >1.5× median rule. */
export function isSlow(value: number | null, medianValue: number | null, samples: number): boolean {
  if (value === null || medianValue === null || samples < MIN_SAMPLES_FOR_FLAG) return false;
  return value > SLOW_FACTOR * medianValue;
}

export function passRate(results: readonly (DrillResult | null)[]): { finished: number; passed: number; rate: number | null } {
  let finished = 0;
  let passed = 0;
  for (const r of results) {
    if (r === null) continue;
    finished++;
    if (r === 'pass') passed++;
  }
  return { finished, passed, rate: finished === 0 ? null : passed / finished };
}

/**
 * Keys to match steps by across drills: the parser's stable key, with a
 * "#n" suffix for the n-th repeat of a key within one drill (two steps both
 * titled "Verify"), the same rule the database trigger applies to stat_key.
 */
export function statKeys(stepKeys: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return stepKeys.map((k) => {
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return n === 1 ? k : `${k}#${n}`;
  });
}

/**
 * Runbook versions in order of first use, and a marker wherever a drill ran
 * a different version from the drill before it. Drills come oldest first.
 */
export function versionsOf(drills: readonly { id: string; startedAt: string; sha256: string }[]): {
  versions: RunbookVersion[];
  versionIndex: number[];
  markers: Omit<VersionMarker, 'detailed' | 'stepsAdded' | 'stepsRemoved' | 'stepsRenamed'>[];
} {
  const versions: RunbookVersion[] = [];
  const bySha = new Map<string, number>();
  const versionIndex: number[] = [];
  const markers: Omit<VersionMarker, 'detailed' | 'stepsAdded' | 'stepsRemoved' | 'stepsRenamed'>[] = [];
  drills.forEach((d, i) => {
    let v = bySha.get(d.sha256);
    const revisited = v !== undefined;
    if (v === undefined) {
      v = versions.length;
      bySha.set(d.sha256, v);
      versions.push({ sha256: d.sha256, firstStartedAt: d.startedAt, drills: 0 });
    }
    versions[v]!.drills++;
    versionIndex.push(v);
    if (i > 0 && versionIndex[i - 1] !== v) {
      markers.push({ index: i, t: Date.parse(d.startedAt) / 1000, drillId: d.id, sha256: d.sha256, version: v, revisited });
    }
  });
  return { versions, versionIndex, markers };
}

/** What changed in a runbook's steps between two drills (by stable key; a renamed step keeps its key). */
export function stepChanges(
  before: readonly { key: string; title: string }[],
  after: readonly { key: string; title: string }[],
): { stepsAdded: string[]; stepsRemoved: string[]; stepsRenamed: { key: string; from: string; to: string }[] } {
  const old = new Map(before.map((s) => [s.key, s.title]));
  const now = new Map(after.map((s) => [s.key, s.title]));
  return {
    stepsAdded: after.filter((s) => !old.has(s.key)).map((s) => s.key),
    stepsRemoved: before.filter((s) => !now.has(s.key)).map((s) => s.key),
    stepsRenamed: after
      .filter((s) => old.has(s.key) && old.get(s.key) !== s.title)
      .map((s) => ({ key: s.key, from: old.get(s.key)!, to: s.title })),
  };
}

/** Step keys ordered slowest median first; and most variable first (needs MIN_SAMPLES_FOR_FLAG runs). */
export function rankSteps(steps: readonly { key: string; durations: DurationSummary | null }[]): { slowest: string[]; mostVariable: string[] } {
  const measured = steps.filter((s) => s.durations !== null);
  const slowest = [...measured].sort((a, b) => b.durations!.p50 - a.durations!.p50 || a.key.localeCompare(b.key)).map((s) => s.key);
  const mostVariable = measured
    .filter((s) => s.durations!.cv !== null && s.durations!.n >= MIN_SAMPLES_FOR_FLAG)
    .sort((a, b) => b.durations!.cv! - a.durations!.cv! || a.key.localeCompare(b.key))
    .map((s) => s.key);
  return { slowest, mostVariable };
}

/**
 * Per mode, from a runbook's trend rows: drills, finished, pass rate, and
 * RTO / net time over completed drills. In the order the modes first appear.
 */
export function statsByMode<M extends string>(
  rows: readonly { mode: M; status: DrillStatus; result: DrillResult | null; rtoSec: number | null; netMs: number | null }[],
): { mode: M; drills: number; finished: number; passRate: number | null; rtoSec: DurationSummary | null; netMs: DurationSummary | null }[] {
  const by = new Map<M, typeof rows[number][]>();
  // Push, never copy (quadratic before: 5.9 s for a 50,000-drill runbook).
  for (const r of rows) {
    const list = by.get(r.mode);
    if (list) list.push(r);
    else by.set(r.mode, [r]);
  }
  return [...by].map(([mode, rs]) => {
    const pr = passRate(rs.map((r) => r.result));
    const done = rs.filter((r) => r.status === 'completed');
    return {
      mode,
      drills: rs.length,
      finished: pr.finished,
      passRate: pr.rate,
      rtoSec: summarize(done.flatMap((r) => (r.rtoSec === null ? [] : [r.rtoSec]))),
      netMs: summarize(done.flatMap((r) => (r.netMs === null ? [] : [r.netMs]))),
    };
  });
}
