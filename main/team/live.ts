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
 */
import { applyEvent, initFold, snapshotOf, type DrillFold } from '../drill/reduce';
import type { DrillEvent, DrillSnapshot, StepState } from '../drill/model';

/** The snapshot without terminal references; everything else as the reducer made it. */
export function observerSnapshot(s: DrillSnapshot): DrillSnapshot {
  return {
    ...s,
    commands: s.commands.map((c) => ({ ...c, terminalId: null, transcript: null, outputFrom: null, outputTo: null })),
    untrackedTerminals: s.untrackedTerminals.map((u) => ({ ...u, terminalId: '' })),
  };
}

/** A live-list row: enough for a card (no notes, commands or evidence). */
export interface LiveSummary {
  id: string;
  runbook: DrillSnapshot['runbook'];
  mode: DrillSnapshot['mode'];
  operator: string;
  status: DrillSnapshot['status'];
  startedAt: string;
  paused: boolean;
  clock: DrillSnapshot['clock'];
  rto: DrillSnapshot['rto'];
  steps: StepState[];
  eventCount: number;
  lastEventAt: string;
}

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
    for (const e of events) {
      applyEvent(fold, e);
      this.folded++;
    }
    k = { fold, head: fold.last.hash, snapshot: snapshotAtLast(fold) };
    return this.touch(id, k).snapshot;
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
