/**
 * The history's answers: the filtered list, a runbook's trend and step
 * statistics, one drill's waterfall, and two drills side by side. Reads
 * through ./queries, computes through ./stats and ./waterfall.
 */
import type { Db } from '../store/db';
import { notFound } from '../common/errors';
import type { DrillService } from '../drill/service';
import type { DrillMode } from '../drill/model';
import { rtoMetClaim } from '../drill/headline';
import type {
  DrillBrief,
  DrillComparison,
  HistoryEntry,
  HistoryFilter,
  HistoryRunbook,
  ListOptions,
  RunbookStats,
  RunbookStatsQuery,
  Waterfall,
} from './model';
import { HistoryQueries, type DrillRow } from './queries';
import { drillResult } from './stats';
import { buildWaterfall, compareSteps, type StepMedians } from './waterfall';
import { computeRunbookStats, cutStats, MARKER_DETAIL_LIMIT, RECENT_DRILLS, stepMedians, type PageQuery } from './page';
import { warmInWorker } from './warm';

/** The warm-up computes the pages of this many runbooks, the ones with the most drills… */
const WARM_RUNBOOKS = 8;
/** …among those with at least this many (a smaller page computes in a few tens of ms on first visit). */
const WARM_MIN_DRILLS = 500;

/** The cache key of a page: its query without the chart's width. */
function pageKey(query: PageQuery): string {
  return JSON.stringify([query.runbookPath, query.mode ?? '', query.since ?? '', query.until ?? '']);
}

function pageQuery(query: RunbookStatsQuery): PageQuery {
  const { chartPx: _px, ...rest } = query;
  return rest;
}

export { RECENT_DRILLS, MARKER_DETAIL_LIMIT };

/** Runbook pages kept computed (hot runbooks, a few filters each). */
const STATS_CACHE_SIZE = 16;
/** Cuts of one page kept, per chart width (a window resized back and forth). */
const CUTS_PER_PAGE = 4;

interface CachedPage {
  stamp: string;
  /** The page over every drill (./page.ts computeRunbookStats), whatever the chart's width. */
  full: RunbookStats;
  cuts: Map<number, RunbookStats>;
}

export class HistoryService {
  readonly queries: HistoryQueries;
  /**
   * Runbook pages as last computed, per query (without the chart's width: one computation serves every width).
   * A hot runbook's page costs 50-60 ms of queries on a quiet machine at 5,000 drills and 1.3-2.2 s on the loaded
   * 2-core build machine at 49,850; the answer only changes when a drill of that runbook changes. Each entry
   * carries the stamp it was computed under: this service's change count for the runbook (every event of every
   * drill, through DrillService.onChange), SQLite's data_version (a commit by another connection), and the
   * runbook's drill count and step_stats sums (rows written around DrillService, as imports and tests do).
   * Long-lived hosts fill it at start-up from a worker (warmUp), so the first visit finds the hot pages ready.
   */
  private readonly statsCache = new Map<string, CachedPage>();
  private readonly changes = new Map<string, number>();
  private warming: { cancel: () => void } | null = null;

  constructor(
    private readonly db: Db,
    private readonly drills: DrillService,
  ) {
    this.queries = new HistoryQueries(db);
    drills.onChange((snap) => this.changes.set(snap.runbook.path, (this.changes.get(snap.runbook.path) ?? 0) + 1));
  }

  /** The runbook's page, from the cache when nothing it depends on changed since it was computed. */
  runbookStats(query: RunbookStatsQuery): RunbookStats {
    const key = pageKey(query);
    const stamp = this.statsStamp(query.runbookPath);
    let page = this.statsCache.get(key);
    const cached = page !== undefined && page.stamp === stamp;
    if (!cached) page = { stamp, full: computeRunbookStats(this.queries, pageQuery(query)), cuts: new Map() };
    this.remember(key, page!);
    const px = query.chartPx ?? 0;
    let out = page!.cuts.get(px);
    if (!out) {
      out = cutStats(page!.full, query);
      page!.cuts.set(px, out);
      if (page!.cuts.size > CUTS_PER_PAGE) page!.cuts.delete(page!.cuts.keys().next().value!);
    }
    return cached ? { ...out, query, cached: true } : { ...out, query };
  }

  private remember(key: string, page: CachedPage): void {
    this.statsCache.delete(key);
    this.statsCache.set(key, page);
    while (this.statsCache.size > STATS_CACHE_SIZE) this.statsCache.delete(this.statsCache.keys().next().value!);
  }

  /**
   * Computes the default page of the runbooks with the most drills in a worker thread, on its own read-only
   * connection, and keeps each one whose runbook did not change while it was computed (the stamp taken before the
   * worker started still holds when its answer arrives). A request that comes first computes its page itself, as
   * without the warm-up; a worker that cannot start is no error (the pages are computed on first visit). Resolves
   * with the pages kept.
   */
  warmUp(opts: { runbooks?: number; minDrills?: number } = {}): Promise<number> {
    this.warming?.cancel();
    const paths = this.queries
      .runbooks()
      .filter((r) => r.drills >= (opts.minDrills ?? WARM_MIN_DRILLS))
      .sort((a, b) => b.drills - a.drills || a.path.localeCompare(b.path))
      .slice(0, opts.runbooks ?? WARM_RUNBOOKS)
      .map((r) => r.path);
    if (paths.length === 0 || this.db.memory) return Promise.resolve(0);
    const queries: PageQuery[] = paths.map((runbookPath) => ({ runbookPath }));
    const before = new Map(paths.map((p) => [p, this.statsStamp(p)]));
    let kept = 0;
    const run = warmInWorker(this.db.name, queries, (query, full) => {
      const key = pageKey(query);
      const stamp = this.statsStamp(query.runbookPath);
      const have = this.statsCache.get(key);
      if (stamp !== before.get(query.runbookPath) || (have && have.stamp === stamp)) return;
      this.remember(key, { stamp, full, cuts: new Map() });
      kept++;
    });
    this.warming = run;
    return run.done.then(() => {
      if (this.warming === run) this.warming = null;
      return kept;
    });
  }

  /** Stops a warm-up in progress (the host is closing). */
  close(): void {
    this.warming?.cancel();
    this.warming = null;
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
    const bMedians = stepMedians(this.queries, b.runbook_path, bSteps.map((s) => s.key), b.mode);
    const aMedians = a.runbook_path === b.runbook_path && a.mode === b.mode ? bMedians : stepMedians(this.queries, a.runbook_path, aSteps.map((s) => s.key), a.mode);
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
    return stepMedians(this.queries, runbookPath, stepKeys, mode);
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

