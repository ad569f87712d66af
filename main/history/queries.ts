/**
 * The history's SQL. Every hot query is answered from an index (migration 2
 * in main/store/migrations.ts; test/unit/history/query-plan.test.ts holds
 * them to it with EXPLAIN QUERY PLAN):
 *
 * - the list and its count: drills_list (by start) or drills_trend (by runbook);
 * - a runbook's trend: drills_trend, covering;
 * - per-step statistics: drill_steps_stats, a partial covering index of
 *   completed steps sorted by duration, so a percentile is one seek and a
 *   skip, and nothing reads 40 rows per drill.
 */
import type Database from 'better-sqlite3';
import type { Db } from '../store/db';
import type { DrillMode, DrillStatus, StepStatus } from '../drill/model';
import type { HistoryFilter, HistoryRunbook, ListOptions } from './model';
import { dateBounds, drillWhere } from './filter';
import { interpolate, quantilePosition } from './stats';
import { ALL_MODES, ANCHORED, keptQuantile, quantileRow } from '../store/quantiles';

export interface DrillRow {
  id: string;
  runbook_path: string;
  runbook_title: string;
  runbook_sha256: string;
  mode: DrillMode;
  operator: string;
  status: DrillStatus;
  started_at: string;
  ended_at: string | null;
  rto_target_sec: number | null;
  rto_actual_sec: number | null;
  rto_met: number | null;
  net_ms: number | null;
  paused_ms: number | null;
}

export interface StepRow {
  drill_id: string;
  step_index: number;
  step_key: string;
  stat_key: string | null;
  title: string;
  status: StepStatus;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
}

/** One drill of a runbook's trend: [id, started_at, mode, status, rto_met, rto_target_sec, rto_actual_sec, net_ms, runbook_sha256]. */
export type TrendRow = [string, string, DrillMode, DrillStatus, number | null, number | null, number | null, number | null, string];

export interface StepBrief {
  index: number;
  /** stat_key: the stable key, "#n" for a repeat within the drill. */
  key: string;
  title: string;
  status: StepStatus;
  durationMs: number | null;
}

export interface StepCounts {
  total: number;
  completed: number;
  skipped: number;
  failed: number;
}

export interface StepAggregate {
  key: string;
  n: number;
  sum: number;
  sumSq: number;
  min: number;
  max: number;
}

/** Which completed step runs a statistic covers. */
export interface StepScope {
  runbookPath: string;
  mode?: DrillMode;
  since?: string;
  until?: string;
}

const DRILL_COLUMNS = `id, runbook_path, runbook_title, runbook_sha256, mode, operator, status, started_at, ended_at,
  rto_target_sec, rto_actual_sec, rto_met, net_ms, paused_ms`;

export class HistoryQueries {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Db) {}

  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /** Every statement prepared so far (the query-plan test runs EXPLAIN QUERY PLAN on each). */
  preparedSql(): string[] {
    return [...this.cache.keys()];
  }

  list(opts: ListOptions): DrillRow[] {
    const w = drillWhere(opts);
    return this.stmt(`SELECT ${DRILL_COLUMNS} FROM drills ${w.sql} ORDER BY started_at DESC, id DESC LIMIT @limit OFFSET @offset`).all({
      ...w.args,
      limit: opts.limit ?? 500,
      offset: opts.offset ?? 0,
    }) as DrillRow[];
  }

  count(filter: HistoryFilter): number {
    const w = drillWhere(filter);
    return (this.stmt(`SELECT COUNT(*) FROM drills ${w.sql}`).pluck().get(w.args) as number) ?? 0;
  }

  drill(id: string): DrillRow | undefined {
    return this.stmt(`SELECT ${DRILL_COLUMNS} FROM drills WHERE id = ?`).get(id) as DrillRow | undefined;
  }

  /** Steps of many drills in one query, grouped by drill, in step order. */
  stepsOf(ids: readonly string[]): Map<string, StepRow[]> {
    const out = new Map<string, StepRow[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const rows = this.stmt(
      `SELECT drill_id, step_index, step_key, stat_key, title, status, started_at, ended_at, duration_ms
       FROM drill_steps WHERE drill_id IN (SELECT value FROM json_each(?)) ORDER BY drill_id, step_index`,
    ).all(JSON.stringify(ids)) as StepRow[];
    for (const r of rows) out.get(r.drill_id)?.push(r);
    return out;
  }

  /**
   * The lean version for statistics: stable key, title, status and duration
   * of each step of many drills (plain arrays from SQLite, built into objects
   * here, which is several times cheaper than row objects at this volume).
   */
  stepBriefs(ids: readonly string[]): Map<string, StepBrief[]> {
    const out = new Map<string, StepBrief[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const rows = this.stmt(
      `SELECT drill_id, step_index, IFNULL(stat_key, step_key), title, status, duration_ms
       FROM drill_steps WHERE drill_id IN (SELECT value FROM json_each(?)) ORDER BY drill_id, step_index`,
    )
      .raw()
      .all(JSON.stringify(ids)) as [string, number, string, string, StepStatus, number | null][];
    for (const [drillId, index, key, title, status, durationMs] of rows) out.get(drillId)?.push({ index, key, title, status, durationMs });
    return out;
  }

  /**
   * Each drill's steps as (key, title) pairs, for spotting what changed
   * between versions. One joined string per drill: hundreds of drills cost
   * hundreds of values to hand over, not tens of thousands.
   */
  stepLists(ids: readonly string[]): Map<string, { key: string; title: string }[]> {
    const out = new Map<string, { key: string; title: string }[]>();
    if (ids.length === 0) return out;
    const rows = this.stmt(
      `SELECT drill_id, group_concat(IFNULL(stat_key, step_key) || char(31) || title, char(30))
       FROM (SELECT drill_id, stat_key, step_key, title FROM drill_steps WHERE drill_id IN (SELECT value FROM json_each(?)) ORDER BY drill_id, step_index)
       GROUP BY drill_id`,
    )
      .raw()
      .all(JSON.stringify(ids)) as [string, string | null][];
    for (const [id, joined] of rows) {
      out.set(
        id,
        (joined ?? '').split('\x1e').filter(Boolean).map((pair) => {
          const cut = pair.indexOf('\x1f');
          return { key: pair.slice(0, cut), title: pair.slice(cut + 1) };
        }),
      );
    }
    return out;
  }

  /** How many steps each drill has, and how many completed, were skipped, failed. */
  stepCounts(ids: readonly string[]): Map<string, StepCounts> {
    const out = new Map<string, StepCounts>();
    if (ids.length === 0) return out;
    const rows = this.stmt(
      `SELECT drill_id, COUNT(*), SUM(status = 'completed'), SUM(status = 'skipped'), SUM(status = 'failed')
       FROM drill_steps WHERE drill_id IN (SELECT value FROM json_each(?)) GROUP BY drill_id`,
    )
      .raw()
      .all(JSON.stringify(ids)) as [string, number, number, number, number][];
    for (const [id, total, completed, skipped, failed] of rows) out.set(id, { total, completed, skipped, failed });
    return out;
  }

  /** Title, operator and end of a few drills (the columns the trend index does not carry). */
  recentInfo(ids: readonly string[]): Map<string, { runbook_title: string; operator: string; ended_at: string | null }> {
    const out = new Map<string, { runbook_title: string; operator: string; ended_at: string | null }>();
    if (ids.length === 0) return out;
    const rows = this.stmt(`SELECT id, runbook_title, operator, ended_at FROM drills WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as {
      id: string;
      runbook_title: string;
      operator: string;
      ended_at: string | null;
    }[];
    for (const r of rows) out.set(r.id, r);
    return out;
  }

  /** Runbooks that have drills, most recently drilled first, each with its latest title. */
  runbooks(): HistoryRunbook[] {
    const rows = this.stmt(
      `SELECT runbook_path AS path, COUNT(*) AS drills, MAX(started_at) AS lastStartedAt FROM drills GROUP BY runbook_path ORDER BY lastStartedAt DESC`,
    ).all() as { path: string; drills: number; lastStartedAt: string }[];
    const title = this.stmt(`SELECT runbook_title FROM drills WHERE runbook_path = ? ORDER BY started_at DESC LIMIT 1`).pluck();
    return rows.map((r) => ({ ...r, title: (title.get(r.path) as string | undefined) ?? r.path }));
  }

  latestTitle(runbookPath: string): string | null {
    return (this.stmt(`SELECT runbook_title FROM drills WHERE runbook_path = ? ORDER BY started_at DESC, id DESC LIMIT 1`).pluck().get(runbookPath) as string | undefined) ?? null;
  }

  /** A runbook's drills, oldest first, from the covering trend index. */
  trend(scope: StepScope): TrendRow[] {
    const w = drillWhere({ runbookPath: scope.runbookPath, ...(scope.mode ? { mode: scope.mode } : {}), ...dates(scope) });
    return this.stmt(
      `SELECT id, started_at, mode, status, rto_met, rto_target_sec, rto_actual_sec, net_ms, runbook_sha256
       FROM drills ${w.sql} ORDER BY started_at, id`,
    )
      .raw()
      .all(w.args) as TrendRow[];
  }

  /**
   * Count, sum, sum of squares, min and max of every step's completed runs.
   * For a whole runbook the sums are kept current by triggers (step_stats);
   * a filtered view (mode, dates) scans the runbook's part of the index.
   */
  stepAggregates(scope: StepScope): StepAggregate[] {
    let rows: [string, number, number, number][];
    if (isWhole(scope)) {
      rows = this.stmt(`SELECT stat_key, n, sum_ms, sum_sq FROM step_stats WHERE runbook_path = ? AND n > 0`).raw().all(scope.runbookPath) as [string, number, number, number][];
    } else {
      const w = stepWhere(scope);
      rows = this.stmt(`SELECT stat_key, COUNT(*), SUM(duration_ms), SUM(duration_ms * duration_ms) FROM drill_steps ${w.sql} GROUP BY stat_key`)
        .raw()
        .all(w.args) as [string, number, number, number][];
    }
    return rows.map(([key, n, sum, sumSq]) => ({
      key,
      n,
      sum,
      sumSq,
      min: this.stepQuantile(scope, key, n, 0) ?? 0,
      max: this.stepQuantile(scope, key, n, 1) ?? 0,
    }));
  }

  /**
   * The q-quantile of one step's completed durations, given how many there
   * are. The index is sorted by duration, so this is a seek and a skip, from
   * whichever end is nearer.
   */
  stepQuantile(scope: StepScope, key: string, n: number, q: number): number | null {
    if (n < 1) return null;
    // Whole runbook or one mode: the kept anchor (migration 5), a few seeks instead of a skip over half the runs.
    if (isKept(scope) && ANCHORED.some((a) => a.q === q)) return keptQuantile(this.db, { runbookPath: scope.runbookPath, key, mode: scope.mode ?? ALL_MODES }, q);
    const { lo, hi, frac } = quantilePosition(n, q);
    const w = stepWhere(scope);
    const fromTop = lo > (n - 1) / 2;
    const need = frac === 0 ? 1 : 2;
    const offset = fromTop ? n - 1 - (need === 1 ? lo : hi) : lo;
    const values = this.stmt(
      `SELECT duration_ms FROM drill_steps ${w.sql} AND stat_key = @key ORDER BY duration_ms ${fromTop ? 'DESC' : 'ASC'} LIMIT @need OFFSET @offset`,
    )
      .pluck()
      .all({ ...w.args, key, need, offset }) as number[];
    if (values.length === 0) return null;
    if (need === 1) return values[0]!;
    const [loValue, hiValue] = fromTop ? [values[1] ?? values[0]!, values[0]!] : [values[0]!, values[1] ?? values[0]!];
    return interpolate(loValue, hiValue, frac);
  }

  /** Completed runs of a step longer than `thresholdMs`. */
  stepRunsOver(scope: StepScope, key: string, thresholdMs: number): number {
    const w = stepWhere(scope);
    return this.stmt(`SELECT COUNT(*) FROM drill_steps ${w.sql} AND stat_key = @key AND duration_ms > @threshold`)
      .pluck()
      .get({ ...w.args, key, threshold: thresholdMs }) as number;
  }

  /** Completed runs of one step over a runbook's whole history (kept by triggers in step_stats). */
  stepCount(runbookPath: string, key: string): number {
    return (this.stmt(`SELECT n FROM step_stats WHERE runbook_path = ? AND stat_key = ?`).pluck().get(runbookPath, key) as number | undefined) ?? 0;
  }

  /** Completed runs of one step within a scope (a mode, dates), from the stats index. */
  stepCountIn(scope: StepScope, key: string): number {
    if (isWhole(scope)) return this.stepCount(scope.runbookPath, key);
    if (isKept(scope)) return quantileRow(this.db, { runbookPath: scope.runbookPath, key, mode: scope.mode! })?.n ?? 0;
    const w = stepWhere(scope);
    return this.stmt(`SELECT COUNT(*) FROM drill_steps ${w.sql} AND stat_key = @key`).pluck().get({ ...w.args, key }) as number;
  }

  /** The most recent title and position of a step that is no longer in the latest drill. */
  lastSeen(scope: StepScope, key: string): { title: string; step_index: number } | null {
    const w = stepWhere(scope);
    const row = this.stmt(`SELECT title, step_index, MAX(drill_started_at) AS at FROM drill_steps ${w.sql} AND stat_key = @key`).get({ ...w.args, key }) as
      | { title: string | null; step_index: number | null }
      | undefined;
    return row && row.title !== null && row.step_index !== null ? { title: row.title, step_index: row.step_index } : null;
  }
}

/** A scope whose counts and quantiles step_quantiles keeps: the whole runbook or one mode, no dates. */
function isKept(scope: StepScope): boolean {
  return scope.since === undefined && scope.until === undefined;
}

function isWhole(scope: StepScope): boolean {
  return !scope.mode && scope.since === undefined && scope.until === undefined;
}

function dates(scope: { since?: string; until?: string }): { since?: string; until?: string } {
  return { ...(scope.since !== undefined ? { since: scope.since } : {}), ...(scope.until !== undefined ? { until: scope.until } : {}) };
}

/** WHERE over drill_steps that matches the partial index drill_steps_stats. */
function stepWhere(scope: StepScope): { sql: string; args: Record<string, string> } {
  const where = [`runbook_path = @runbookPath`, `status = 'completed'`, `duration_ms IS NOT NULL`];
  const args: Record<string, string> = { runbookPath: scope.runbookPath };
  if (scope.mode) {
    where.push('drill_mode = @mode');
    args.mode = scope.mode;
  }
  const { from, to } = dateBounds(scope.since, scope.until);
  if (from) {
    where.push('drill_started_at >= @since');
    args.since = from;
  }
  if (to) {
    where.push('drill_started_at < @until');
    args.until = to;
  }
  return { sql: 'WHERE ' + where.join(' AND '), args };
}
