/**
 * A runbook's page (its trend, step statistics, recent drills and version markers), computed over every drill of
 * the query, uncut: `cutStats` then cuts the trend to a chart's width (cheap, per request), so one computation
 * serves every window size. A pure function of the database's rows through HistoryQueries, so the service computes
 * it on request and the start-up warm-up (./warm.ts) computes it in a worker on its own read-only connection, with
 * the same code: the answers cannot differ.
 *
 * The first computation of the hot runbook's page (49,850 of 100,000 drills) took 1.3-2.2 s in-process on the
 * loaded 2-core build machine (the trend read and per-drill work over 49,850 rows; per-mode slow-run counts
 * ~175 ms), so the first visit of that page was 1.03 s against a 174 ms median.
 */
import { performance } from 'node:perf_hooks';
import { notFound } from '../common/errors';
import type { DrillMode } from '../drill/model';
import { rtoMetClaim } from '../drill/headline';
import type { DurationSummary, RecentDrill, RunbookStats, RunbookStatsQuery, StepStat, VersionMarker } from './model';
import type { HistoryQueries, StepBrief, StepScope, TrendRow } from './queries';
import { coefficientOfVariation, drillResult, isSlow, medianByMode, statsByMode, MIN_SAMPLES_FOR_FLAG, rankSteps, SLOW_FACTOR, statKeys, stepChanges, summarize, versionsOf } from './stats';
import { cutTrend, rollingByMode } from './downsample';
import type { StepMedians } from './waterfall';

/** How many of the most recent drills the runbook page lists with their flags. */
export const RECENT_DRILLS = 20;
/** Only the most recent version markers carry step-change detail (the page lists the last few); older ones just mark the change. */
export const MARKER_DETAIL_LIMIT = 20;

/** The query a page is computed for: everything but the chart's width. */
export type PageQuery = Omit<RunbookStatsQuery, 'chartPx'>;

/** The page over every drill of the query (the trend holds every drill; `trendSample` is null). */
export function computeRunbookStats(queries: HistoryQueries, query: PageQuery): RunbookStats {
  const t0 = performance.now();
  const scope: StepScope = {
    runbookPath: query.runbookPath,
    ...(query.mode ? { mode: query.mode } : {}),
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
  };
  const rows = queries.trend(scope);
  const title = queries.latestTitle(query.runbookPath);
  if (title === null) throw notFound(`no drills of ${query.runbookPath} in the history`);

  const { versions, versionIndex, markers } = versionsOf(rows.map((r) => ({ id: r[0], startedAt: r[1], sha256: r[8] })));
  const trend: RunbookStats['trend'] = { t: [], id: [], rtoActualSec: [], rtoTargetSec: [], netSec: [], result: [], status: [], mode: [], version: versionIndex, rolling: [] };
  const counts = { drills: rows.length, running: 0, finished: 0, passed: 0, failed: 0, completed: 0 };
  const rtoValues: number[] = [];
  const netValues: number[] = [];
  for (const [id, startedAt, mode, status, met, target, actual, net] of rows) {
    const result = drillResult(status, target, met === null ? null : met === 1);
    trend.t.push(Date.parse(startedAt) / 1000);
    trend.id.push(id);
    trend.rtoActualSec.push(actual);
    trend.rtoTargetSec.push(target);
    trend.netSec.push(net === null ? null : net / 1000);
    trend.result.push(result);
    trend.status.push(status);
    trend.mode.push(mode);
    if (status === 'running') counts.running++;
    else counts.finished++;
    if (result === 'pass') counts.passed++;
    if (result === 'fail') counts.failed++;
    if (status === 'completed') {
      counts.completed++;
      if (actual !== null) rtoValues.push(actual);
      if (net !== null) netValues.push(net);
    }
  }
  // The chart plots RTO actual when any drill has one, else net time; its rolling line is computed over every drill.
  trend.rolling = rollingByMode(trend.rtoActualSec.some((v) => v !== null) ? trend.rtoActualSec : trend.netSec, trend.mode, trend.status);
  const rtoSec = summarize(rtoValues);
  const netMs = summarize(netValues);

  // Per-step statistics, straight from the sorted index.
  const aggregates = queries.stepAggregates(scope);
  const byKey = new Map<string, { durations: DurationSummary; slowRuns: number }>();
  for (const a of aggregates) {
    const p50 = queries.stepQuantile(scope, a.key, a.n, 0.5)!;
    const p90 = queries.stepQuantile(scope, a.key, a.n, 0.9)!;
    const durations: DurationSummary = { n: a.n, min: a.min, max: a.max, mean: a.sum / a.n, p50, p90, cv: coefficientOfVariation(a.n, a.sum, a.sumSq) };
    const slowRuns = a.n >= MIN_SAMPLES_FOR_FLAG ? queries.stepRunsOver(scope, a.key, SLOW_FACTOR * p50) : 0;
    byKey.set(a.key, { durations, slowRuns });
  }
  // Flags compare a drill with drills of its own mode only: an unattended run and a human rehearsal of the same
  // step differ by design (seconds vs minutes), and a median over both flags every rehearsal step as slow.
  const modesSeen = [...new Set(rows.map((r) => r[2]))];
  const stepKeysSeen = [...byKey.keys()];
  const mediansByMode = new Map<DrillMode, StepMedians>(
    modesSeen.map((m) => [m, query.mode ? new Map([...byKey].map(([k, v]) => [k, { medianMs: v.durations.p50, samples: v.durations.n }])) : medians(queries, query.runbookPath, stepKeysSeen, m, scope)]),
  );
  const netByMode = medianByMode(rows.filter((r) => r[3] === 'completed' && r[7] !== null).map((r) => ({ mode: r[2], value: r[7]! })));
  if (!query.mode) {
    // How many runs of each step were slow for their mode.
    for (const [key, stat] of byKey) {
      let slowRuns = 0;
      for (const m of modesSeen) {
        const base = mediansByMode.get(m)?.get(key);
        if (base && base.medianMs !== null && base.samples >= MIN_SAMPLES_FOR_FLAG) slowRuns += queries.stepRunsOver({ ...scope, mode: m }, key, SLOW_FACTOR * base.medianMs);
      }
      stat.slowRuns = slowRuns;
    }
  }

  // The recent drills (and the last one) with their steps, flagged against the medians of their mode.
  const recentRows = rows.slice(-RECENT_DRILLS).reverse();
  const detailed = markers.slice(-MARKER_DETAIL_LIMIT);
  const markerIds = detailed.flatMap((m) => [rows[m.index - 1]![0], rows[m.index]![0]]);
  const stepsById = queries.stepBriefs(recentRows.map((r) => r[0]));
  const markerSteps = queries.stepLists([...new Set(markerIds)]);
  const recentInfo = queries.recentInfo(recentRows.map((r) => r[0]));
  const recent = recentRows.map((r) =>
    recentDrill(r, query.runbookPath, title, recentInfo.get(r[0]), stepsById.get(r[0]) ?? [], mediansByMode.get(r[2]) ?? new Map(), netByMode.get(r[2]) ?? null),
  );

  const lastRow = rows[rows.length - 1];
  const lastSteps = lastRow ? (stepsById.get(lastRow[0]) ?? []) : [];
  const steps: StepStat[] = [];
  const lastMedians = lastRow ? (mediansByMode.get(lastRow[2]) ?? new Map()) : new Map();
  lastSteps.forEach((s, i) => {
    const stat = byKey.get(s.key);
    const base = lastMedians.get(s.key);
    steps.push({
      key: s.key,
      title: s.title,
      order: i,
      current: true,
      n: stat?.durations.n ?? 0,
      durations: stat?.durations ?? null,
      shareOfMedian: null,
      slowRuns: stat?.slowRuns ?? 0,
      last: {
        drillId: lastRow![0],
        status: s.status,
        durationMs: s.durationMs,
        slow: s.status === 'completed' && isSlow(s.durationMs, base?.medianMs ?? null, base?.samples ?? 0),
      },
    });
  });
  const inLast = new Set(steps.map((s) => s.key));
  for (const [key, stat] of byKey) {
    if (inLast.has(key)) continue;
    const seen = queries.lastSeen(scope, key);
    steps.push({
      key,
      title: seen?.title ?? key,
      order: lastSteps.length + (seen?.step_index ?? 0),
      current: false,
      n: stat.durations.n,
      durations: stat.durations,
      shareOfMedian: null,
      slowRuns: stat.slowRuns,
      last: null,
    });
  }
  steps.sort((a, b) => a.order - b.order || a.key.localeCompare(b.key));
  const medianSum = steps.reduce((acc, s) => acc + (s.current && s.durations ? s.durations.p50 : 0), 0);
  for (const s of steps) s.shareOfMedian = s.current && s.durations && medianSum > 0 ? s.durations.p50 / medianSum : null;

  const withDetail = new Set(detailed.map((m) => m.index));
  const fullMarkers: VersionMarker[] = markers.map((m) => {
    if (!withDetail.has(m.index)) return { ...m, detailed: false, stepsAdded: [], stepsRemoved: [], stepsRenamed: [] };
    const before = markerSteps.get(rows[m.index - 1]![0]) ?? [];
    const after = markerSteps.get(rows[m.index]![0]) ?? [];
    return { ...m, detailed: true, ...stepChanges(before, after) };
  });

  const { slowest, mostVariable } = rankSteps(steps);
  return {
    runbook: { path: query.runbookPath, title, rtoTargetSec: lastRow ? lastRow[5] : null },
    query,
    counts,
    passRate: counts.finished === 0 ? null : counts.passed / counts.finished,
    rtoSec,
    netMs,
    last: recent[0] ?? null,
    recent,
    trend,
    trendSample: null,
    versions,
    markers: fullMarkers,
    steps,
    slowest,
    mostVariable,
    computeMs: Math.round((performance.now() - t0) * 10) / 10,
    byMode: statsByMode(rows.map((r, i) => ({ mode: r[2], status: r[3], result: trend.result[i]!, rtoSec: r[6], netMs: r[7] }))),
  };
}

/** The page as a chart `chartPx` wide draws it: every figure was computed over all the drills; the trend is cut. */
export function cutStats(full: RunbookStats, query: RunbookStatsQuery): RunbookStats {
  // The chart gets what its pixels can show.
  const cut = cutTrend(full.trend, full.markers, query.chartPx);
  return { ...full, query, trend: cut.trend, trendSample: cut.sample, markers: cut.markers };
}

/** Median and sample count of each step (by stable key, repeats numbered) over the runbook's drills of one mode. */
export function stepMedians(queries: HistoryQueries, runbookPath: string, stepKeys: readonly string[], mode: DrillMode): StepMedians {
  return medians(queries, runbookPath, statKeys(stepKeys), mode);
}

function medians(queries: HistoryQueries, runbookPath: string, keys: readonly string[], mode: DrillMode, within: Omit<StepScope, 'mode'> = { runbookPath }): StepMedians {
  const out: StepMedians = new Map();
  const scope: StepScope = { ...within, runbookPath, mode };
  for (const key of keys) {
    const n = queries.stepCountIn(scope, key);
    out.set(key, { medianMs: n > 0 ? queries.stepQuantile(scope, key, n, 0.5) : null, samples: n });
  }
  return out;
}

function recentDrill(
  r: TrendRow,
  path: string,
  title: string,
  info: { runbook_title: string; operator: string; ended_at: string | null } | undefined,
  steps: StepBrief[],
  medians: StepMedians,
  net: { p50: number; n: number } | null,
): RecentDrill {
  const [id, startedAt, mode, status, met, target, actual, netMs, sha256] = r;
  const slowSteps: RecentDrill['slowSteps'] = [];
  for (const s of steps) {
    const m = medians.get(s.key);
    if (s.status === 'completed' && m && m.medianMs !== null && isSlow(s.durationMs, m.medianMs, m.samples)) {
      slowSteps.push({ key: s.key, title: s.title, durationMs: s.durationMs!, medianMs: m.medianMs });
    }
  }
  return {
    id,
    runbook: { title: info?.runbook_title ?? title, path, sha256 },
    mode,
    operator: info?.operator ?? '',
    status,
    result: drillResult(status, target, met === null ? null : met === 1),
    startedAt,
    endedAt: info?.ended_at ?? null,
    netMs,
    rto: { targetSec: target, actualSec: actual, met: rtoMetClaim(status, met === null ? null : met === 1, steps.filter((s) => s.status === 'failed').length) },
    slowSteps,
    slowOverall: status === 'completed' && isSlow(netMs, net?.p50 ?? null, net?.n ?? 0),
  };
}
