/**
 * History filters → SQL. Dates are compared as ISO-8601 UTC strings, which
 * is how drills record their start (`2026-01-31T09:00:00.000Z`), so a range
 * is an index range.
 */
import { badRequest } from '../common/errors';
import type { HistoryFilter } from './model';
import { FAIL_SQL, PASS_SQL } from './stats';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Accepts what the API schema lets through; used by the contract to reject bad shapes early. */
export const DATE_FILTER_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The UTC instant a --since / --until value stands for, as the ISO string drills are stored with. */
export interface DateBounds {
  /** Inclusive lower bound. */
  from: string | null;
  /** Exclusive upper bound. */
  to: string | null;
}

function parseDay(text: string, flag: string): number {
  const m = DATE_RE.exec(text)!;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw badRequest(`${flag} ${text} is not a real date`);
  }
  return ms;
}

function parseInstant(text: string, flag: string): number {
  if (!DATE_TIME_RE.test(text)) {
    throw badRequest(`${flag} must be a date (2026-01-31) or an ISO date-time with a zone (2026-01-31T09:00:00Z); got "${text}"`);
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw badRequest(`${flag} ${text} is not a real date-time`);
  parseDay(text.slice(0, 10), flag);
  return ms;
}

/**
 * since: a date means from the start of that UTC day; until: a date means
 * to the end of that UTC day (inclusive), a date-time is inclusive.
 */
export function dateBounds(since: string | undefined, until: string | undefined): DateBounds {
  let from: number | null = null;
  let to: number | null = null;
  if (since !== undefined) from = DATE_RE.test(since) ? parseDay(since, 'since') : parseInstant(since, 'since');
  if (until !== undefined) to = DATE_RE.test(until) ? parseDay(until, 'until') + 86_400_000 : parseInstant(until, 'until') + 1;
  if (from !== null && to !== null && from >= to) throw badRequest(`since (${since}) is after until (${until}): no drill can match`);
  return { from: from === null ? null : new Date(from).toISOString(), to: to === null ? null : new Date(to).toISOString() };
}

export interface SqlWhere {
  sql: string;
  args: Record<string, string>;
}

/** WHERE clause over the drills table (columns unqualified). */
export function drillWhere(filter: HistoryFilter): SqlWhere {
  const where: string[] = [];
  const args: Record<string, string> = {};
  if (filter.runbookPath) {
    where.push('runbook_path = @runbookPath');
    args.runbookPath = filter.runbookPath;
  }
  if (filter.mode) {
    where.push('mode = @mode');
    args.mode = filter.mode;
  }
  if (filter.status) {
    // Evaluated on the covering indexes with the other filters (see PASS_SQL).
    where.push('+status = @status');
    args.status = filter.status;
  }
  if (filter.result) where.push(filter.result === 'pass' ? PASS_SQL : FAIL_SQL);
  const { from, to } = dateBounds(filter.since, filter.until);
  if (from) {
    where.push('started_at >= @since');
    args.since = from;
  }
  if (to) {
    where.push('started_at < @until');
    args.until = to;
  }
  return { sql: where.length ? 'WHERE ' + where.join(' AND ') : '', args };
}
