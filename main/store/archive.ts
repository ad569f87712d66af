/**
 * The compact stored form of a finished drill's event log: one row per drill
 * (table event_logs), the rows' fields as arrays, deflated. Issue 15: the
 * history took 68 KB per drill (10,000 drills: 683 MB), most of it one row per
 * event repeating the drill id, the ISO time next to the same time in ms, the
 * previous event's hash (the same 64 hex digits as the row before it) and the
 * boot id, plus a copy of the whole runbook per drill (now kept once per
 * distinct runbook, table runbooks).
 *
 * Nothing is lost: every field of every row comes back exactly as it was
 * stored (the data JSON as its stored text), so the hash chain verifies as
 * before (hashes are over canonical values, never over this form). What is
 * left out is only what is derived, and only when it is: `at` when it equals
 * the ISO form of wall_ms, `prev_hash` when it equals the previous row's hash,
 * `seq` when it is the row's position. Anything else (a hand-edited row, a
 * broken link) is kept as stored, so a check still finds it.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** One row of the events table (the drill log), as SQLite returns it. */
export interface EventRow {
  drill_id: string;
  seq: number;
  type: string;
  at: string;
  wall_ms: number;
  mono_ms: number;
  clock: string;
  operator: string;
  step_index: number | null;
  data: string;
  prev_hash: string;
  hash: string;
  salt: string | null;
}

/** Format 1: deflate-raw of JSON [[seq|null, type, at|null, wall_ms, mono_ms, clock, operator, step_index, data, prev_hash|null, hash, salt], …]. */
export const ARCHIVE_FORMAT = 1;

type Packed = [number | null, string, string | null, number, number, string, string, number | null, string, string | null, string, string | null];

function isoOf(ms: number): string | null {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString() : null;
}

export function packEvents(rows: readonly EventRow[]): Buffer {
  const packed: Packed[] = rows.map((r, i) => [
    r.seq === i + 1 ? null : r.seq,
    r.type,
    r.at === isoOf(r.wall_ms) ? null : r.at,
    r.wall_ms,
    r.mono_ms,
    r.clock,
    r.operator,
    r.step_index,
    r.data,
    i > 0 && r.prev_hash === rows[i - 1]!.hash ? null : r.prev_hash,
    r.hash,
    r.salt ?? null,
  ]);
  return deflateRawSync(Buffer.from(JSON.stringify(packed), 'utf8'), { level: 6 });
}

export function unpackEvents(drillId: string, blob: Buffer): EventRow[] {
  const packed = JSON.parse(inflateRawSync(blob).toString('utf8')) as Packed[];
  const rows: EventRow[] = [];
  packed.forEach((p, i) => {
    rows.push({
      drill_id: drillId,
      seq: p[0] ?? i + 1,
      type: p[1],
      at: p[2] ?? isoOf(p[3])!,
      wall_ms: p[3],
      mono_ms: p[4],
      clock: p[5],
      operator: p[6],
      step_index: p[7],
      data: p[8],
      prev_hash: p[9] ?? rows[i - 1]!.hash,
      hash: p[10],
      salt: p[11],
    });
  });
  return rows;
}
