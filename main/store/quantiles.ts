/**
 * Exact step-duration quantiles without a scan (issue 15: the first visit of
 * a hot runbook's page spent 3-6 s at 50,000 drills walking an index per step
 * and mode, since SQLite's OFFSET skips row by row).
 *
 * step_quantiles (migration 5) keeps, per runbook, step and mode ('' = every
 * mode), the count of completed runs and one anchor per tracked quantile: a
 * duration `value` and `below`, how many runs are shorter than it. Triggers
 * keep n and below exact on every change of a step row, in the transaction
 * that changes it. The wanted rank moves by at most one per change, so the
 * anchor is walked to it from distinct value to distinct value, each move an
 * index seek (O(log n); for one mode, plus the other modes' rows passed); the drill store settles the walked anchors back when
 * a drill finishes, in the same transaction. A walk longer than MAX_WALK (an
 * anchor never settled) falls back to the counted skip, so the figure is
 * always exact, never approximated.
 */
import type Database from 'better-sqlite3';

/** The quantiles kept anchored, and their columns in step_quantiles. */
export const ANCHORED = [
  { q: 0.5, value: 'q50_value', below: 'q50_below' },
  { q: 0.9, value: 'q90_value', below: 'q90_below' },
] as const;

/** '' in step_quantiles.mode: the runbook's runs of every mode. */
export const ALL_MODES = '';

const MAX_WALK = 256;

export interface QuantileScope {
  runbookPath: string;
  key: string;
  /** A drill mode, or ALL_MODES. */
  mode: string;
}

export interface Anchor {
  value: number | null;
  below: number;
}

export interface QuantileRow {
  n: number;
  anchors: Anchor[];
}

/** The lower rank (0-based) of the q-quantile of n values, and its interpolation weight toward the next rank. */
export function rankOf(n: number, q: number): { lo: number; hi: number; frac: number } {
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  return { lo, hi: Math.min(n - 1, lo + 1), frac: h - lo };
}

function where(scope: QuantileScope): string {
  // Matches the partial index drill_steps_stats, sorted by duration within a step: a mode's neighbour is the next
  // row of that mode in duration order (a mode of share s costs about 1/s rows per move).
  return scope.mode === ALL_MODES
    ? `runbook_path = @runbookPath AND stat_key = @key AND status = 'completed'`
    : `runbook_path = @runbookPath AND stat_key = @key AND drill_mode = @mode AND status = 'completed'`;
}

function args(scope: QuantileScope): Record<string, string> {
  return scope.mode === ALL_MODES ? { runbookPath: scope.runbookPath, key: scope.key } : { runbookPath: scope.runbookPath, key: scope.key, mode: scope.mode };
}

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();
function stmt(db: Database.Database, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

function countEqual(db: Database.Database, scope: QuantileScope, value: number): number {
  return stmt(db, `SELECT COUNT(*) FROM drill_steps WHERE ${where(scope)} AND duration_ms = @v`).pluck().get({ ...args(scope), v: value }) as number;
}

function neighbour(db: Database.Database, scope: QuantileScope, value: number, up: boolean): number | null {
  // One seek in the index's duration order, then the first row.
  const sql = up
    ? `SELECT duration_ms FROM drill_steps WHERE ${where(scope)} AND duration_ms > @v ORDER BY duration_ms ASC LIMIT 1`
    : `SELECT duration_ms FROM drill_steps WHERE ${where(scope)} AND duration_ms < @v ORDER BY duration_ms DESC LIMIT 1`;
  return (stmt(db, sql).pluck().get({ ...args(scope), v: value }) as number | undefined) ?? null;
}

/** The value at `rank` by the counted skip (the fallback; O(rank)). */
function valueAt(db: Database.Database, scope: QuantileScope, rank: number): number | null {
  return (
    (stmt(db, `SELECT duration_ms FROM drill_steps WHERE ${where(scope)} AND duration_ms IS NOT NULL ORDER BY duration_ms LIMIT 1 OFFSET @rank`)
      .pluck()
      .get({ ...args(scope), rank }) as number | undefined) ?? null
  );
}

/** An anchor placed at `rank` by the counted skip. */
export function anchorAt(db: Database.Database, scope: QuantileScope, rank: number): Anchor {
  const value = valueAt(db, scope, rank);
  if (value === null) return { value: null, below: 0 };
  const below = stmt(db, `SELECT COUNT(*) FROM drill_steps WHERE ${where(scope)} AND duration_ms < @v`).pluck().get({ ...args(scope), v: value }) as number;
  return { value, below };
}

/**
 * Walks an anchor to the distinct value holding `rank` (0 <= rank < n).
 * Returns the settled anchor and how many runs share its value, or null if
 * the walk would be longer than MAX_WALK moves.
 */
export function walk(db: Database.Database, scope: QuantileScope, from: Anchor, rank: number): { anchor: Anchor; equal: number } | null {
  if (from.value === null) return null;
  let { value, below } = from;
  let equal = countEqual(db, scope, value);
  for (let moves = 0; moves <= MAX_WALK; moves++) {
    if (rank < below) {
      const v = neighbour(db, scope, value, false);
      if (v === null) return null; // the counters disagree with the rows: never guess
      value = v;
      equal = countEqual(db, scope, v);
      below -= equal;
    } else if (rank >= below + equal) {
      const v = neighbour(db, scope, value, true);
      if (v === null) return null;
      below += equal;
      value = v;
      equal = countEqual(db, scope, v);
    } else {
      return { anchor: { value, below }, equal };
    }
  }
  return null;
}

/** The q-quantile (linear interpolation between ranks) of a step's completed runs, exact; null when there are none. */
export function quantile(db: Database.Database, scope: QuantileScope, n: number, q: number, from: Anchor): { value: number | null; anchor: Anchor } {
  if (n < 1) return { value: null, anchor: { value: null, below: 0 } };
  const { lo, hi, frac } = rankOf(n, q);
  const walked = walk(db, scope, from, lo) ?? settleByCount(db, scope, lo);
  if (!walked) return { value: null, anchor: { value: null, below: 0 } };
  const { anchor, equal } = walked;
  const loValue = anchor.value!;
  if (frac === 0 || hi < anchor.below + equal) return { value: loValue, anchor };
  const hiValue = neighbour(db, scope, loValue, true) ?? loValue;
  return { value: loValue + (hiValue - loValue) * frac, anchor };
}

function settleByCount(db: Database.Database, scope: QuantileScope, rank: number): { anchor: Anchor; equal: number } | null {
  const anchor = anchorAt(db, scope, rank);
  return anchor.value === null ? null : { anchor, equal: countEqual(db, scope, anchor.value) };
}

/** The kept row of one step and mode: count and anchors. */
export function quantileRow(db: Database.Database, scope: QuantileScope): QuantileRow | null {
  const row = stmt(db, `SELECT n, ${ANCHORED.map((a) => `${a.value}, ${a.below}`).join(', ')} FROM step_quantiles WHERE runbook_path = ? AND stat_key = ? AND mode = ?`)
    .raw()
    .get(scope.runbookPath, scope.key, scope.mode) as (number | null)[] | undefined;
  if (!row) return null;
  return { n: row[0] ?? 0, anchors: ANCHORED.map((_, i) => ({ value: row[1 + 2 * i] ?? null, below: row[2 + 2 * i] ?? 0 })) };
}

/** The exact q-quantile of one step's completed runs in a mode (or ALL_MODES), from its kept anchor. */
export function keptQuantile(db: Database.Database, scope: QuantileScope, q: number): number | null {
  const row = quantileRow(db, scope);
  if (!row || row.n < 1) return null;
  const i = ANCHORED.findIndex((a) => a.q === q);
  return quantile(db, scope, row.n, q, i < 0 ? { value: null, below: 0 } : row.anchors[i]!).value;
}

/**
 * Walks every anchor of a runbook's steps in `modes` to its current rank and
 * stores it. Called in the transaction that finishes a drill (and by the
 * migration that creates the table), so a reader's walk is at most one
 * drill's worth of moves.
 */
export function settleQuantiles(db: Database.Database, runbookPath: string, modes: readonly string[]): void {
  const keys = stmt(db, `SELECT stat_key, mode, n FROM step_quantiles WHERE runbook_path = ? AND mode = ?`);
  const set = stmt(
    db,
    `UPDATE step_quantiles SET ${ANCHORED.map((a) => `${a.value} = ?, ${a.below} = ?`).join(', ')} WHERE runbook_path = ? AND stat_key = ? AND mode = ?`,
  );
  for (const mode of modes) {
    for (const r of keys.all(runbookPath, mode) as { stat_key: string; mode: string; n: number }[]) {
      const scope = { runbookPath, key: r.stat_key, mode };
      const row = quantileRow(db, scope)!;
      const anchors = ANCHORED.map((a, i) => (r.n < 1 ? { value: null, below: 0 } : quantile(db, scope, r.n, a.q, row.anchors[i]!).anchor));
      set.run(...anchors.flatMap((a) => [a.value, a.below]), runbookPath, r.stat_key, mode);
    }
  }
}

/**
 * Counts every runbook's completed step runs per mode into step_quantiles
 * afresh and places every anchor by the counted skip: O(rows), for the
 * migration that creates the table and for bulk writers that bypass the
 * triggers (the bench's history copies).
 */
export function rebuildQuantiles(db: Database.Database): void {
  db.exec(`
    DELETE FROM step_quantiles;
    INSERT INTO step_quantiles (runbook_path, stat_key, mode, n)
      SELECT runbook_path, stat_key, drill_mode, COUNT(*) FROM drill_steps
      WHERE status = 'completed' AND duration_ms IS NOT NULL AND runbook_path IS NOT NULL AND stat_key IS NOT NULL AND drill_mode IS NOT NULL
      GROUP BY runbook_path, stat_key, drill_mode
      UNION ALL
      SELECT runbook_path, stat_key, '', COUNT(*) FROM drill_steps
      WHERE status = 'completed' AND duration_ms IS NOT NULL AND runbook_path IS NOT NULL AND stat_key IS NOT NULL AND drill_mode IS NOT NULL
      GROUP BY runbook_path, stat_key;
  `);
  const set = db.prepare(
    `UPDATE step_quantiles SET ${ANCHORED.map((a) => `${a.value} = ?, ${a.below} = ?`).join(', ')} WHERE runbook_path = ? AND stat_key = ? AND mode = ?`,
  );
  for (const r of db.prepare('SELECT runbook_path, stat_key, mode, n FROM step_quantiles').all() as { runbook_path: string; stat_key: string; mode: string; n: number }[]) {
    const scope = { runbookPath: r.runbook_path, key: r.stat_key, mode: r.mode };
    const anchors = ANCHORED.map((a) => anchorAt(db, scope, rankOf(r.n, a.q).lo));
    set.run(...anchors.flatMap((a) => [a.value, a.below]), r.runbook_path, r.stat_key, r.mode);
  }
}
