/**
 * Every drill's evidence, checked end to end: its event log's hash chain,
 * and that the summary row (what lists and statistics read) still names
 * the log's head. For `drillbook db check`.
 */
import type { Db } from '../store/db';
import type { UncheckedDrillEvent } from '../drill/model';
import { eventProblem } from '../drill/decode';
import { verifyChain } from '../drill/chain';
import { DrillStore } from '../drill/store';

export interface ChainCheck {
  drills: number;
  events: number;
  problems: { drillId: string; problem: string }[];
}

export function verifyAllChains(db: Db, maxProblems = 100): ChainCheck {
  const heads = new Map<string, { count: number; head: string }>();
  for (const r of db.prepare('SELECT id, event_count, chain_head FROM drills').raw().iterate() as Iterable<[string, number, string]>) {
    heads.set(r[0], { count: r[1], head: r[2] });
  }
  const out: ChainCheck = { drills: heads.size, events: 0, problems: [] };
  const report = (drillId: string, problem: string) => {
    if (out.problems.length < maxProblems) out.problems.push({ drillId, problem });
  };
  const seen = new Set<string>();
  let current: string | null = null;
  let events: UncheckedDrillEvent[] = [];
  const finish = () => {
    if (current === null) return;
    seen.add(current);
    const bad = verifyChain(events);
    if (bad) report(current, bad.problem);
    // A log whose chain holds can still carry an event the catalogue cannot read (written by a foreign tool): it could not be opened.
    const id = current;
    const malformed = bad ? null : events.map((e, i) => eventProblem(e, id, i)).find((p) => p !== null);
    if (malformed) report(current, malformed);
    const h = heads.get(current);
    const last = events[events.length - 1];
    if (!h) report(current, 'events without a drill row');
    else if (!bad && last && (h.head !== last.hash || h.count !== events.length)) {
      report(current, `the summary row names ${h.count} events ending ${h.head.slice(0, 12)}, the log has ${events.length} ending ${last.hash.slice(0, 12)}`);
    }
  };
  // Each drill's log as the store reads it (its compact archived row, then any later rows).
  const store = new DrillStore(db);
  for (const id of heads.keys()) {
    current = id;
    events = store.rawEvents(id);
    out.events += events.length;
    if (events.length > 0) finish();
  }
  current = null;
  for (const id of db.prepare('SELECT DISTINCT drill_id FROM events').pluck().iterate() as Iterable<string>) {
    if (!heads.has(id)) report(id, 'events without a drill row');
  }
  for (const id of heads.keys()) if (!seen.has(id)) report(id, 'the drill has no events');
  return out;
}
