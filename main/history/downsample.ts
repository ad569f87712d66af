/**
 * The runbook trend chart, cut to what its pixels can show. A hot runbook
 * with 50,000 drills shipped every drill to the page (5 MB of JSON at
 * 100,000 drills; 528 KB and 250 ms to data-in-hand at 10,000), and a
 * 1,200-pixel chart draws at most a few dots per pixel column anyway.
 *
 * So the server bins the drills by start time into one bin per two pixels
 * of the chart's width, and keeps, per bin and per result (passed / not
 * passed), the fastest and the slowest drill: the envelope of the dots and
 * every outlier stay where they were, only dots hidden under others go. The
 * first drill of each runbook version (the dashed markers), the first and
 * the last drill are always kept. The rolling median is computed over every
 * drill before the cut, so the line's value at each kept dot is exact.
 * Counts, pass rate and percentiles are computed over all drills elsewhere;
 * the response says how many drills the dots stand for.
 */
import type { TrendColumns, TrendSample } from './model';

/** Pixels per bin: a dot is 3 px wide when the chart is dense, so two columns per bin lose nothing visible. */
export const PX_PER_BIN = 2;
/** The chart's width when the caller does not say (a 1440-pixel window, with margins, rounded up). */
export const DEFAULT_CHART_PX = 1600;

export interface SampleInput {
  /** Start times, ascending (the trend is oldest first). */
  t: readonly number[];
  /** The plotted value per drill (RTO actual, or net time); null draws nothing. */
  y: readonly (number | null)[];
  /** Whether each drill passed (pass and fail dots are separate series). */
  pass: readonly boolean[];
  /** Indices that must stay (version changes). */
  keep: Iterable<number>;
}

/**
 * The indices (ascending) of the drills to draw: all of them when there are
 * no more than 4 per bin, else per time bin and per result the min and max
 * of y, plus `keep`, the first and the last.
 */
export function sampleTrend(input: SampleInput, chartPx = DEFAULT_CHART_PX): number[] {
  const n = input.t.length;
  const bins = Math.max(1, Math.floor(chartPx / PX_PER_BIN));
  if (n <= bins * 4) return Array.from({ length: n }, (_, i) => i);
  const t0 = input.t[0]!;
  const span = input.t[n - 1]! - t0;
  const binOf = (i: number) => (span > 0 ? Math.min(bins - 1, Math.floor(((input.t[i]! - t0) / span) * bins)) : Math.floor((i / n) * bins));
  // Per bin and result: [minIndex, maxIndex], -1 when none yet.
  const lo = new Int32Array(bins * 2).fill(-1);
  const hi = new Int32Array(bins * 2).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = input.y[i];
    if (v === null || v === undefined) continue;
    const slot = binOf(i) * 2 + (input.pass[i] ? 0 : 1);
    const a = lo[slot]!;
    if (a < 0 || v < input.y[a]!) lo[slot] = i;
    const b = hi[slot]!;
    if (b < 0 || v > input.y[b]!) hi[slot] = i;
  }
  const kept = new Set<number>([0, n - 1]);
  for (const i of input.keep) if (i >= 0 && i < n) kept.add(i);
  for (let s = 0; s < bins * 2; s++) {
    if (lo[s]! >= 0) kept.add(lo[s]!);
    if (hi[s]! >= 0) kept.add(hi[s]!);
  }
  return [...kept].sort((a, b) => a - b);
}

/**
 * The median of the last `w` included values at each position (null until
 * one is included): the chart's rolling line, one mode at a time.
 */
export function rollingMedian(values: readonly (number | null)[], include: readonly boolean[], w: number): (number | null)[] {
  const win: number[] = [];
  let last: number | null = null;
  return values.map((v, i) => {
    if (v !== null && include[i]) {
      win.push(v);
      if (win.length > w) win.shift();
      const s = [...win].sort((a, b) => a - b);
      const h = (s.length - 1) / 2;
      last = (s[Math.floor(h)]! + s[Math.ceil(h)]!) / 2;
    }
    return last;
  });
}

/** Picks `idx` out of every column of a column-shaped record (arrays of equal length). */
export function pickColumns<T extends Record<string, unknown[]>>(cols: T, idx: readonly number[]): T {
  const out = {} as Record<string, unknown[]>;
  for (const [k, col] of Object.entries(cols)) out[k] = idx.map((i) => col[i]);
  return out as T;
}

/** Rolling-median window: 9 completed drills of the same mode. */
export const ROLLING_WINDOW = 9;

/** The rolling median of each drill's own mode at that drill (a cron run's seconds and a rehearsal's minutes never share a line). */
export function rollingByMode(y: readonly (number | null)[], mode: readonly string[], status: readonly string[]): (number | null)[] {
  const out: (number | null)[] = Array.from({ length: y.length }, () => null);
  for (const m of new Set(mode)) {
    const line = rollingMedian(y, status.map((st, i) => st === 'completed' && mode[i] === m), ROLLING_WINDOW);
    for (let i = 0; i < y.length; i++) if (mode[i] === m) out[i] = line[i]!;
  }
  return out;
}

/**
 * Cuts a full trend (every drill) to the chart's width, with the version
 * markers' indices moved to the cut columns. The plotted value is RTO
 * actual when any drill has one, else net time (as the chart draws it).
 */
export function cutTrend<M extends { index: number }>(
  trend: TrendColumns,
  markers: readonly M[],
  chartPx = DEFAULT_CHART_PX,
): { trend: TrendColumns; markers: M[]; sample: TrendSample | null } {
  const hasRto = trend.rtoActualSec.some((v) => v !== null);
  const y = hasRto ? trend.rtoActualSec : trend.netSec;
  const idx = sampleTrend({ t: trend.t, y, pass: trend.result.map((r) => r === 'pass'), keep: markers.map((m) => m.index) }, chartPx);
  if (idx.length === trend.t.length) return { trend, markers: [...markers], sample: null };
  const at = new Map(idx.map((orig, i) => [orig, i]));
  return {
    trend: pickColumns(trend as unknown as Record<string, unknown[]>, idx) as unknown as TrendColumns,
    markers: markers.map((m) => ({ ...m, index: at.get(m.index)! })),
    sample: { drills: trend.t.length, shown: idx.length, pxPerBin: PX_PER_BIN },
  };
}
