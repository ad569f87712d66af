/**
 * The history's answers: the filtered list, a runbook's trend and step
 * statistics, one drill's waterfall, and two drills side by side. Reads
 * through ./queries, computes through ./stats and ./waterfall.
 */
import { performance } from 'node:perf_hooks';
import type { Db } from '../store/db';
import { notFound } from '../common/errors';
import type { DrillService } from '../drill/service';
import type { DrillMode } from '../drill/model';
import { rtoMetClaim } from '../drill/headline';
import type {
  DrillBrief,
  DrillComparison,
  DurationSummary,
  HistoryEntry,
  HistoryFilter,
  HistoryRunbook,
  ListOptions,
  RecentDrill,
  RunbookStats,
  RunbookStatsQuery,
  StepStat,
  VersionMarker,
  Waterfall,
} from './model';
import { HistoryQueries, type DrillRow, type StepBrief, type StepScope, type TrendRow } from './queries';
import { coefficientOfVariation, drillResult, isSlow, medianByMode, statsByMode, MIN_SAMPLES_FOR_FLAG, rankSteps, SLOW_FACTOR, statKeys, stepChanges, summarize, versionsOf } from './stats';
import { cutTrend, rollingByMode } from './downsample';
import { buildWaterfall, compareSteps, type StepMedians } from './waterfall';

/** How many of the most recent drills the runbook page lists with their flags. */
export const RECENT_DRILLS = 20;
/** Only the most recent version markers carry step-change detail (the page lists the last few); older ones just mark the change. */
export const MARKER_DETAIL_LIMIT = 20;

/** Runbook pages kept computed (hot runbooks, a few filters each). */
const STATS_CACHE_SIZE = 16;

export class HistoryService {
  readonly queries: HistoryQueries;
  /**
   * Runbook statistics as last computed, per query. A hot runbook's page costs 50-60 ms of queries on a quiet
   * machine at 5,000 drills and 2-3.5 s on the loaded 2-core build machine (per-mode step medians walk the step
   * index once per step and mode); the answer only changes when a drill of that runbook changes. Each entry
   * carries the stamp it was computed under: this service's change count for the runbook (every event of every
   * drill, through DrillService.onChange), SQLite's data_version (a commit by another connection), and the
   * runbook's drill count and step_stats sums (rows written around DrillService, as imports and tests do).
   */
  private readonly statsCache = new Map<string, { stamp: string; stats: RunbookStats }>();
  private readonly changes = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly drills: DrillService,
  ) {
    this.queries = new HistoryQueries(db);
    drills.onChange((snap) => this.changes.set(snap.runbook.path, (this.changes.get(snap.runbook.path) ?? 0) + 1));
  }

  /** The runbook's page, from the cache when nothing it depends on changed since it was computed. */
  runbookStats(query: RunbookStatsQuery): RunbookStats {
    const key = JSON.stringify([query.runbookPath, query.mode ?? '', query.since ?? '', query.until ?? '', query.chartPx ?? 0]);
    const stamp = this.statsStamp(query.runbookPath);
    const hit = this.statsCache.get(key);
    if (hit && hit.stamp === stamp) {
      this.statsCache.delete(key);
      this.statsCache.set(key, hit);
      return { ...hit.stats, query, cached: true };
    }
    const stats = this.computeRunbookStats(query);
    this.statsCache.set(key, { stamp, stats });
    while (this.statsCache.size > STATS_CACHE_SIZE) this.statsCache.delete(this.statsCache.keys().next().value!);
    return stats;
  }

  private statsStamp(runbookPath: string): string {
    const version = this.db.pragma('data_version', { simple: true });
    const drills = this.db.prepare('SELECT COUNT(*) FROM drills WHERE runbook_path = ?').pluck().get(runbookPath);
    const steps = this.db.prepare('SELECT SUM(n), SUM(sum_ms) FROM step_stats WHERE runbook_path = ?').raw().get(runbookPath);
    return JSON.stringify([this.changes.get(runbookPath) ?? 0, version, drills, steps]);
  }

  list(opts: ListOptions = {}): HistoryEntry[] {
    const rows = this.queries.list(opts);
    const ids = rows.map((r) => r.id);
    const withSteps = opts.steps !== false;
    const steps = withSteps ? this.queries.stepsOf(ids) : null;
    const counts = this.queries.stepCounts(ids);
    return rows.map((r) => ({
      ...brief(r, counts.get(r.id)?.failed ?? 0),
      interrupted: r.status === 'running' ? this.interrupted(r.id) : false,
      pausedMs: r.paused_ms,
      steps: (steps?.get(r.id) ?? []).map((s) => ({
        title: s.title,
        status: s.status,
        startedAt: s.started_at,
        endedAt: s.ended_at,
        durationMs: s.duration_ms,
      })),
      stepCounts: counts.get(r.id) ?? { total: 0, completed: 0, skipped: 0, failed: 0 },
    }));
  }

  count(filter: HistoryFilter = {}): number {
    return this.queries.count(filter);
  }

  runbooks(): HistoryRunbook[] {
    return this.queries.runbooks();
  }

  private computeRunbookStats(query: RunbookStatsQuery): RunbookStats {
    const t0 = performance.now();
    const scope: StepScope = {
      runbookPath: query.runbookPath,
      ...(query.mode ? { mode: query.mode } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(query.until !== undefined ? { until: query.until } : {}),
    };
    const rows = this.queries.trend(scope);
    const title = this.queries.latestTitle(query.runbookPath);
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
    const aggregates = this.queries.stepAggregates(scope);
    const byKey = new Map<string, { durations: DurationSummary; slowRuns: number }>();
    for (const a of aggregates) {
      const p50 = this.queries.stepQuantile(scope, a.key, a.n, 0.5)!;
      const p90 = this.queries.stepQuantile(scope, a.key, a.n, 0.9)!;
      const durations: DurationSummary = { n: a.n, min: a.min, max: a.max, mean: a.sum / a.n, p50, p90, cv: coefficientOfVariation(a.n, a.sum, a.sumSq) };
      const slowRuns = a.n >= MIN_SAMPLES_FOR_FLAG ? this.queries.stepRunsOver(scope, a.key, SLOW_FACTOR * p50) : 0;
      byKey.set(a.key, { durations, slowRuns });
    }
    // Flags compare a drill with drills of its own mode only: an unattended run and a human rehearsal of the same
    // step differ by design (seconds vs minutes), and a median over both flags every rehearsal step as slow.
    const modesSeen = [...new Set(rows.map((r) => r[2]))];
    const stepKeysSeen = [...byKey.keys()];
    const mediansByMode = new Map<DrillMode, StepMedians>(
      modesSeen.map((m) => [m, query.mode ? new Map([...byKey].map(([k, v]) => [k, { medianMs: v.durations.p50, samples: v.durations.n }])) : this.medians(query.runbookPath, stepKeysSeen, m, scope)]),
    );
    const netByMode = medianByMode(rows.filter((r) => r[3] === 'completed' && r[7] !== null).map((r) => ({ mode: r[2], value: r[7]! })));
    if (!query.mode) {
      // How many runs of each step were slow for their mode.
      for (const [key, stat] of byKey) {
        let slowRuns = 0;
        for (const m of modesSeen) {
          const base = mediansByMode.get(m)?.get(key);
          if (base && base.medianMs !== null && base.samples >= MIN_SAMPLES_FOR_FLAG) slowRuns += this.queries.stepRunsOver({ ...scope, mode: m }, key, SLOW_FACTOR * base.medianMs);
        }
        stat.slowRuns = slowRuns;
      }
    }

    // The recent drills (and the last one) with their steps, flagged against the medians of their mode.
    const recentRows = rows.slice(-RECENT_DRILLS).reverse();
    const detailed = markers.slice(-MARKER_DETAIL_LIMIT);
    const markerIds = detailed.flatMap((m) => [rows[m.index - 1]![0], rows[m.index]![0]]);
    const stepsById = this.queries.stepBriefs(recentRows.map((r) => r[0]));
    const markerSteps = this.queries.stepLists([...new Set(markerIds)]);
    const recentInfo = this.queries.recentInfo(recentRows.map((r) => r[0]));
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
      const seen = this.queries.lastSeen(scope, key);
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
    // The chart gets what its pixels can show; every figure above was computed over all the drills.
    const cut = cutTrend(trend, fullMarkers, query.chartPx);
    return {
      runbook: { path: query.runbookPath, title, rtoTargetSec: lastRow ? lastRow[5] : null },
      query,
      counts,
      passRate: counts.finished === 0 ? null : counts.passed / counts.finished,
      rtoSec,
      netMs,
      last: recent[0] ?? null,
      recent,
      trend: cut.trend,
      trendSample: cut.sample,
      versions,
      markers: cut.markers,
      steps,
      slowest,
      mostVariable,
      computeMs: Math.round((performance.now() - t0) * 10) / 10,
      byMode: statsByMode(rows.map((r, i) => ({ mode: r[2], status: r[3], result: trend.result[i]!, rtoSec: r[6], netMs: r[7] }))),
    };
  }

  /** One drill laid out on its own time axis, each step against its median. */
  waterfall(drillId: string): Waterfall {
    const snap = this.drills.get(drillId);
    const events = this.drills.events(drillId);
    const medians = this.stepMedians(snap.runbook.path, snap.steps.map((s) => s.key), snap.mode);
    const row = this.queries.drill(drillId);
    return buildWaterfall(events, snap, medians, row ? drillResult(row.status, row.rto_target_sec, row.rto_met === null ? null : row.rto_met === 1) : null);
  }

  /** Two drills step by step, matched by stable step key; b is measured against a. */
  compare(aId: string, bId: string): DrillComparison {
    const a = this.queries.drill(aId);
    if (!a) throw notFound(`no drill with id ${aId}`);
    const b = this.queries.drill(bId);
    if (!b) throw notFound(`no drill with id ${bId}`);
    const steps = this.queries.stepBriefs([aId, bId]);
    const aSteps = steps.get(aId) ?? [];
    const bSteps = steps.get(bId) ?? [];
    // Each side against drills of its own mode (a rehearsal is not slow for being slower than a cron run).
    const bMedians = this.medians(b.runbook_path, statKeys(bSteps.map((s) => s.key)), b.mode);
    const aMedians = a.runbook_path === b.runbook_path && a.mode === b.mode ? bMedians : this.medians(a.runbook_path, statKeys(aSteps.map((s) => s.key)), a.mode);
    const ba = brief(a);
    const bb = brief(b);
    return {
      a: ba,
      b: bb,
      sameRunbook: a.runbook_path === b.runbook_path,
      sameVersion: a.runbook_sha256 === b.runbook_sha256,
      steps: compareSteps(aSteps, bSteps, aMedians, bMedians),
      netDeltaMs: a.net_ms !== null && b.net_ms !== null ? b.net_ms - a.net_ms : null,
      rtoDeltaSec: a.rto_actual_sec !== null && b.rto_actual_sec !== null ? Math.round((b.rto_actual_sec - a.rto_actual_sec) * 10) / 10 : null,
    };
  }

  /** Median and sample count of each step (by stable key, repeats numbered) over the runbook's drills of one mode. */
  stepMedians(runbookPath: string, stepKeys: readonly string[], mode: DrillMode): StepMedians {
    return this.medians(runbookPath, statKeys(stepKeys), mode);
  }

  private medians(runbookPath: string, keys: readonly string[], mode: DrillMode, within: Omit<StepScope, 'mode'> = { runbookPath }): StepMedians {
    const out: StepMedians = new Map();
    const scope: StepScope = { ...within, runbookPath, mode };
    for (const key of keys) {
      const n = this.queries.stepCountIn(scope, key);
      out.set(key, { medianMs: n > 0 ? this.queries.stepQuantile(scope, key, n, 0.5) : null, samples: n });
    }
    return out;
  }

  private interrupted(id: string): boolean {
    try {
      return this.drills.get(id).interrupted;
    } catch {
      return false;
    }
  }
}

/** `rto.met` is what the record may claim (main/drill/headline.ts: never "met" for a failed or aborted drill). */
function brief(r: DrillRow, failedSteps = 0): DrillBrief {
  const met = r.rto_met === null ? null : r.rto_met === 1;
  return {
    id: r.id,
    runbook: { title: r.runbook_title, path: r.runbook_path, sha256: r.runbook_sha256 },
    mode: r.mode,
    operator: r.operator,
    status: r.status,
    result: drillResult(r.status, r.rto_target_sec, met),
    startedAt: r.started_at,
    endedAt: r.ended_at,
    netMs: r.net_ms,
    rto: { targetSec: r.rto_target_sec, actualSec: r.rto_actual_sec, met: rtoMetClaim(r.status, met, failedSteps) },
  };
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
