/**
 * What an observer sees of a drill on the team server: its snapshot, made
 * by the reducer the app records with (main/drill/reduce.ts), as of the last
 * event the operator's machine published, with everything that points at a
 * terminal taken out (terminal ids, transcript files, output byte ranges).
 * Terminal output itself is never in the event log, so it cannot leak here;
 * the ids are removed so the view names nothing an observer could ask for.
 *
 * Folds are kept per drill (LiveFolds): a request after new events applies
 * only those (`seq > count`), so a long drill is not re-read and re-folded on
 * every push. Measured (`npm run bench -- team-live`, 5,009 events, a 473 KiB
 * snapshot, two runs at load 21 and 25 on 2 shared cores): a fresh fold (the
 * whole log read and reduced, what every request did before) 148-184 ms p50;
 * a whole GET with the kept fold 81-84 ms, 49-75 ms after one new event (the
 * rest is the token and head queries, the audit row's commit and the JSON of
 * a snapshot that size).
 *
 * An observer who holds a snapshot asks for what changed since it
 * (`?base=CHAIN_HEAD`) and gets a SnapshotDelta when the server kept that
 * snapshot (the one before the last update, which every observer that kept
 * up holds): a note on a 300-note drill is ~1 KiB, not the drill; on the
 * bench's 5,009-event drill 7.7 KB in 22 ms against 473 KiB in 53 ms. Not the
 * wire's RFC 6902 patches (main/api/wire.ts): team/ sits below api/ in the
 * layers, and a drill's lists only grow or change near their end, so "cut
 * this list at N, append these" plus whole changed fields is enough.
 */
import { applyEvent, initFold, snapshotOf, type DrillFold } from '../drill/reduce';
import type { DrillEvent, DrillSnapshot } from '../drill/model';
import type { LiveSummary } from './model';

/** The snapshot without terminal references; everything else as the reducer made it. */
export function observerSnapshot(s: DrillSnapshot): DrillSnapshot {
  return {
    ...s,
    commands: s.commands.map((c) => ({ ...c, terminalId: null, transcript: null, outputFrom: null, outputTo: null })),
    untrackedTerminals: s.untrackedTerminals.map((u) => ({ ...u, terminalId: '' })),
  };
}

export type { LiveSummary };

export function liveSummary(s: DrillSnapshot, lastEventAt: string): LiveSummary {
  return { id: s.id, runbook: s.runbook, mode: s.mode, operator: s.operator, status: s.status, startedAt: s.startedAt, paused: s.paused, clock: s.clock, rto: s.rto, steps: s.steps, eventCount: s.eventCount, lastEventAt };
}

/** Where a drill's log stands on the server (team_drills). */
export interface LiveHead {
  eventCount: number;
  chainHead: string;
}

interface Kept {
  fold: DrillFold;
  head: string;
  snapshot: DrillSnapshot;
  /** The snapshot before the last update: what observers who kept up hold, so they can be sent a delta. */
  prev: DrillSnapshot | null;
}

/**
 * What changed between two snapshots of one drill: whole values for the
 * fields that changed, and for lists the index from which they differ and
 * the items from there (lists only grow or change near their end: notes,
 * commands, pauses, steps). An observer who holds `from` rebuilds the new
 * snapshot with applyDelta (renderer/team/live/model.ts); one who holds
 * anything else fetches it whole.
 */
export interface SnapshotDelta {
  from: { eventCount: number; chainHead: string };
  set: Record<string, unknown>;
  tails: Record<string, { at: number; items: unknown[] }>;
}

const sameValue = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

export function snapshotDelta(base: DrillSnapshot, next: DrillSnapshot): SnapshotDelta {
  const delta: SnapshotDelta = { from: { eventCount: base.eventCount, chainHead: base.chainHead }, set: {}, tails: {} };
  const b = base as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(next)) {
    const old = b[key];
    if (Array.isArray(value) && Array.isArray(old)) {
      let at = 0;
      while (at < value.length && at < old.length && sameValue(old[at], value[at])) at++;
      if (at < value.length || value.length !== old.length) delta.tails[key] = { at, items: value.slice(at) };
    } else if (!sameValue(old, value)) delta.set[key] = value;
  }
  return delta;
}

/** The snapshot as of the fold's last event (the observer's clock ticks on from there). */
function snapshotAtLast(f: DrillFold): DrillSnapshot {
  return observerSnapshot(snapshotOf(f, { wallMs: f.last.wallMs, monoMs: f.last.monoMs, clock: f.last.clock }));
}

/**
 * One fold per watched drill, the most recently used kept (`max`). Events
 * are append-only in the database, so a fold at count N with the stored
 * event N's hash equal to its head only ever needs events N+1..; anything
 * else (a shorter log, a different head) rebuilds it. One read per drill at
 * a time: concurrent requests share it.
 */
export class LiveFolds {
  private readonly kept = new Map<string, Kept>();
  private readonly inflight = new Map<string, Promise<DrillSnapshot | null>>();
  /** How many events were folded in total (tests and the bench read it). */
  folded = 0;

  constructor(
    private readonly read: (id: string, afterSeq: number) => Promise<DrillEvent[]>,
    private readonly max = 64,
  ) {}

  /** The drill's observer snapshot at `head`, or null when it has no events. */
  snapshot(id: string, head: LiveHead): Promise<DrillSnapshot | null> {
    const running = this.inflight.get(id);
    if (running) return running.then((s) => (s && s.chainHead === head.chainHead ? s : this.snapshot(id, head)));
    const p = this.update(id, head).finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  private async update(id: string, head: LiveHead): Promise<DrillSnapshot | null> {
    let k = this.kept.get(id);
    // Same head, or already past it (another request read further): the log only grows.
    if (k && (k.head === head.chainHead || k.fold.count >= head.eventCount)) return this.touch(id, k).snapshot;
    let events = await this.read(id, k ? k.fold.count : 0);
    if (k && events[0] && events[0].prevHash !== k.head) {
      // Not a continuation of what was kept: fold the whole log again.
      k = undefined;
      events = await this.read(id, 0);
    }
    const first = events[0];
    if (!k && !first) return null;
    const fold = k ? k.fold : initFold(first!);
    const prev = k ? k.snapshot : null;
    for (const e of events) {
      applyEvent(fold, e);
      this.folded++;
    }
    k = { fold, head: fold.last.hash, snapshot: snapshotAtLast(fold), prev };
    return this.touch(id, k).snapshot;
  }

  /** The kept snapshot before `snap` (same drill), when it is the one with chain head `base`. */
  before(id: string, snap: DrillSnapshot, base: string): DrillSnapshot | null {
    const k = this.kept.get(id);
    return k && k.snapshot === snap && k.prev?.chainHead === base ? k.prev : null;
  }

  private touch(id: string, k: Kept): Kept {
    this.kept.delete(id);
    this.kept.set(id, k);
    while (this.kept.size > this.max) this.kept.delete(this.kept.keys().next().value!);
    return k;
  }

  forget(id: string): void {
    this.kept.delete(id);
  }
}
