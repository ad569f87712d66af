/**
 * The drill engine: turns operator commands into recorded events.
 *
 * Each command is checked against the drill's current state, written to the
 * database (durable) and only then reported as done — to the caller and to
 * every listener. The in-memory event lists are a cache; the database is the
 * truth and a restarted process rebuilds everything from it.
 */
import { randomBytes } from 'node:crypto';
import type { Runbook } from '../runbook/model';
import { conflict, notFound, badRequest } from '../common/errors';
import type { Db } from '../store/db';
import { eventHash, newEventSalt } from './chain';
import { isoUtc, systemNow, type Now } from './clock';
import { drillEvent, type DrillEvent, type DrillEventType, type DrillMode, type DrillSnapshot } from './model';
import type { CommandRunData, DrillStartedData, EventData } from './events';
import { applyEvent, foldEvents, snapshotOf, stateOf, type DrillFold, type DrillState } from './reduce';
import { DrillStore, type Owner } from './store';
import { processAlive } from '../store/process';
import { isStepFinished } from '../common/status';

/** The events a terminal records on its own (main/terminal). */
export type TerminalEventType = 'command.started' | 'command.typed' | 'terminal.integration';

export type DrillListener = (drill: DrillSnapshot) => void;
export type CommandHook = (drillId: string, event: DrillEvent) => void;


/** A drill in memory: its log and the fold of it, advanced one event at a time (reduce.ts). */
interface Cached {
  events: DrillEvent[];
  fold: DrillFold;
}

/** An event recorded and waiting for its group commit. */
interface Pending {
  event: DrillEvent;
  snapshot: DrillSnapshot;
  /** Resolves once the event is on disk; rejects with the reason it is not. */
  durable: Promise<void>;
  settle: (error: Error | null) => void;
  error: Error | null;
}

export function newDrillId(): string {
  // Sortable by creation time, unguessable enough to not collide across machines.
  return Date.now().toString(36).padStart(9, '0') + '-' + randomBytes(6).toString('hex');
}

export class DrillService {
  private readonly store: DrillStore;
  private readonly cache = new Map<string, Cached>();
  private readonly listeners = new Set<DrillListener>();
  private readonly commandHooks = new Set<CommandHook>();
  /** Events recorded, not yet committed (group commit: see `grouped`). */
  private pending: Pending[] = [];
  /** Inside `grouped`: records wait for the next group commit. */
  private deferring = 0;
  private collecting: Pending[] | null = null;
  private flushScheduled = false;
  /** Drills whose owner row names this session. */
  private readonly ownedHere = new Set<string>();
  /** This process: a drill it owns is live; a running drill owned by a dead process is interrupted. */
  readonly owner: Owner;

  constructor(
    db: Db,
    private readonly now: Now = systemNow,
    owner?: Owner,
  ) {
    this.store = new DrillStore(db);
    this.owner = owner ?? { pid: process.pid, session: randomBytes(8).toString('hex') };
  }

  onChange(listener: DrillListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(runbook: Runbook, mode: DrillMode, operator: string): DrillSnapshot {
    if (runbook.steps.length === 0) throw badRequest(`${runbook.file} has no steps to drill`);
    const started: DrillStartedData = {
      runbook: { title: runbook.title, path: runbook.file, sha256: runbook.sha256 },
      mode,
      rtoTargetSec: runbook.rto?.seconds ?? null,
      rpoTargetSec: runbook.rpo?.seconds ?? null,
      steps: runbook.steps.map((s) => ({
        key: s.key,
        title: s.title,
        rtoStart: s.rtoStart,
        rtoEnd: s.rtoEnd,
        checklist: s.checklist.map((c) => ({ text: c.text, line: c.line, checked: c.checked })),
      })),
    };
    const first = this.makeEvent(newDrillId(), [], 'drill.started', operator, null, started);
    const cached = { events: [first], fold: foldEvents([first]) };
    // Interrupted-ness is computed from the owner row, which does not exist yet: this process will own it.
    const snapshot = snapshotOf(cached.fold, this.now(), { interrupted: false });
    // The summary row, its step rows and the first event in one transaction (atomic start).
    this.store.createDrill(first, runbook, this.owner, snapshot);
    this.cache.set(first.drillId, cached);
    this.emit(snapshot);
    return snapshot;
  }

  get(drillId: string): DrillSnapshot {
    return this.snapshotOf(drillId, this.cached(drillId).fold);
  }

  /** The drill's log (a copy: the cached log grows as events are recorded). */
  events(drillId: string): DrillEvent[] {
    return this.cached(drillId).events.slice();
  }

  private cached(drillId: string): Cached {
    const hit = this.cache.get(drillId);
    if (hit) return hit;
    if (!this.store.exists(drillId)) throw notFound(`no drill with id ${drillId}`);
    const events = this.store.events(drillId);
    const cached = { events, fold: foldEvents(events) };
    this.cache.set(drillId, cached);
    return cached;
  }

  runbookOf(drillId: string): Runbook {
    const rb = this.store.runbook(drillId);
    if (!rb) throw notFound(`no drill with id ${drillId}`);
    return rb;
  }

  /** Running drills, including interrupted ones (their process died) so the UI can offer to resume them. */
  active(): DrillSnapshot[] {
    return this.store.runningIds().map((id) => this.get(id));
  }


  /** Takes over an interrupted drill: records the gap and carries on with the clock intact. */
  recover(drillId: string, operator?: string): DrillSnapshot {
    const snap = this.get(drillId);
    if (snap.status !== 'running') throw conflict(`drill ${drillId} is ${snap.status}; only a running drill can be resumed`);
    if (!snap.interrupted) return snap;
    const last = this.cached(drillId).fold.last;
    const previousOwnerPid = this.store.owner(drillId)?.pid ?? null;
    this.store.setOwner(drillId, this.owner);
    return this.record(drillId, 'drill.recovered', operator, null, {
      lastEventSeq: last.seq,
      lastEventAt: last.at,
      previousOwnerPid,
    });
  }

  stepStart(drillId: string, stepIndex: number): DrillSnapshot {
    const snap = this.writable(drillId);
    const step = this.step(snap, stepIndex);
    if (step.status === 'running') throw conflict(`step ${stepIndex + 1} "${step.title}" is already running`);
    if (step.status !== 'pending') throw conflict(`step ${stepIndex + 1} "${step.title}" is already ${step.status}`);
    return this.record(drillId, 'step.started', undefined, stepIndex, {});
  }

  stepComplete(drillId: string, stepIndex: number): DrillSnapshot {
    const snap = this.writable(drillId);
    const step = this.step(snap, stepIndex);
    if (isStepFinished(step.status)) throw conflict(`step ${stepIndex + 1} "${step.title}" is already ${step.status}`);
    // Completing a step that was never started starts it at the same instant, explicitly, so the log says so.
    if (step.status === 'pending') this.record(drillId, 'step.started', undefined, stepIndex, { implicit: true });
    return this.record(drillId, 'step.completed', undefined, stepIndex, {});
  }

  stepSkip(drillId: string, stepIndex: number, reason: string): DrillSnapshot {
    return this.endStep(drillId, stepIndex, 'step.skipped', reason);
  }

  stepFail(drillId: string, stepIndex: number, reason: string): DrillSnapshot {
    return this.endStep(drillId, stepIndex, 'step.failed', reason);
  }

  checkSet(drillId: string, stepIndex: number, itemIndex: number, checked: boolean, note?: string): DrillSnapshot {
    const snap = this.writable(drillId);
    const step = this.step(snap, stepIndex);
    const item = step.checklist[itemIndex];
    if (!item) throw notFound(`step ${stepIndex + 1} has no checklist item ${itemIndex + 1}`);
    if (item.checked === checked) return this.get(drillId);
    return this.record(drillId, 'check.set', undefined, stepIndex, { itemIndex, checked, ...(note ? { note } : {}) });
  }

  addNote(drillId: string, stepIndex: number | null, text: string): DrillSnapshot {
    if (stepIndex !== null) this.step(stateOf(this.cached(drillId).fold), stepIndex);
    // Notes are allowed after the drill ends: findings are often written up afterwards.
    return this.record(drillId, 'note.added', undefined, stepIndex, { text });
  }

  pause(drillId: string, reason: string): DrillSnapshot {
    const snap = this.writable(drillId, { allowPaused: true });
    if (snap.paused) throw conflict(`the drill is already paused (${snap.pauseReason})`);
    return this.record(drillId, 'drill.paused', undefined, null, { reason });
  }

  resume(drillId: string): DrillSnapshot {
    const snap = this.writable(drillId, { allowPaused: true });
    if (!snap.paused) throw conflict('the drill is not paused');
    return this.record(drillId, 'drill.resumed', undefined, null, {});
  }

  /** Records a command run in a step (by a terminal or the headless runner). */
  commandRun(drillId: string, stepIndex: number | null, data: CommandRunData): DrillSnapshot {
    this.writable(drillId, { allowPaused: true });
    const snap = this.record(drillId, 'command.run', undefined, stepIndex, data);
    if (this.commandHooks.size === 0) return snap;
    const event = this.cached(drillId).fold.last;
    for (const hook of this.commandHooks) hook(drillId, event);
    return this.get(drillId);
  }

  /**
   * Records what a terminal saw: a queued Run starting, a command typed by hand, a shell without integration.
   * These come with the output, in bursts, so they join the next group commit rather than each costing an
   * fsync on the event loop; listeners (the UI) hear of one only once it is on disk. A commit that fails is
   * not thrown here (the terminal carries on either way, and its transcript keeps what it saw).
   */
  terminalEvent<K extends TerminalEventType>(drillId: string, type: K, stepIndex: number | null, data: EventData<K>): DrillSnapshot {
    this.writable(drillId, { allowPaused: true });
    this.deferring++;
    try {
      return this.record(drillId, type, undefined, stepIndex, data);
    } finally {
      this.deferring--;
    }
  }

  /** Called after each command.run is recorded; evidence uses it to tick the checklist items a passing command proves. */
  onCommandRecorded(hook: CommandHook): () => void {
    this.commandHooks.add(hook);
    return () => this.commandHooks.delete(hook);
  }

  /**
   * Records an event whose rules the caller has already checked (main/evidence
   * does, for its events): durable and hash-chained like every other event.
   */
  appendEvent<K extends DrillEventType>(drillId: string, type: K, stepIndex: number | null, data: EventData<K>, operator?: string): DrillSnapshot {
    this.cached(drillId);
    return this.record(drillId, type, operator, stepIndex, data);
  }

  finish(drillId: string): DrillSnapshot {
    const snap = this.writable(drillId, { allowPaused: true });
    const open = snap.steps.filter((s) => !isStepFinished(s.status));
    if (open.length > 0) {
      const names = open.slice(0, 3).map((s) => `${s.index + 1} "${s.title}"`).join(', ');
      throw conflict(
        `${open.length} step${open.length > 1 ? 's are' : ' is'} not done (${names}${open.length > 3 ? ', …' : ''}): complete, skip or fail ${open.length > 1 ? 'them' : 'it'} first, or abort the drill`,
      );
    }
    if (snap.paused) this.record(drillId, 'drill.resumed', undefined, null, { implicit: true });
    return this.record(drillId, 'drill.finished', undefined, null, {});
  }

  abort(drillId: string, reason: string): DrillSnapshot {
    this.writable(drillId, { allowPaused: true });
    return this.record(drillId, 'drill.aborted', undefined, null, { reason });
  }

  private endStep(drillId: string, stepIndex: number, type: 'step.skipped' | 'step.failed', reason: string): DrillSnapshot {
    const snap = this.writable(drillId);
    const step = this.step(snap, stepIndex);
    if (isStepFinished(step.status)) throw conflict(`step ${stepIndex + 1} "${step.title}" is already ${step.status}`);
    return this.record(drillId, type, undefined, stepIndex, { reason });
  }

  /** The drill's state, checked as writable; from the fold, without building a snapshot (appends stay O(1)). */
  private writable(drillId: string, opts: { allowPaused?: boolean } = {}): DrillState {
    const snap = stateOf(this.cached(drillId).fold);
    if (snap.status !== 'running') throw conflict(`drill ${drillId} is ${snap.status}; it can no longer change`);
    if (this.isInterrupted(drillId)) throw conflict('this drill was interrupted; resume it first');
    if (snap.paused && !opts.allowPaused) throw conflict(`the drill is paused (${snap.pauseReason}); resume it first`);
    return snap;
  }

  private step(snap: Pick<DrillState, 'steps'>, stepIndex: number) {
    const step = snap.steps[stepIndex];
    if (!step) throw notFound(`the runbook has no step ${stepIndex + 1} (it has ${snap.steps.length})`);
    return step;
  }

  private record<K extends DrillEventType>(
    drillId: string,
    type: K,
    operator: string | undefined,
    stepIndex: number | null,
    data: EventData<K>,
  ): DrillSnapshot {
    const cached = this.cached(drillId);
    const event = this.makeEvent(drillId, cached.events, type, operator ?? cached.events[0]!.operator, stepIndex, data);
    let snapshot: DrillSnapshot;
    try {
      // O(1) per event: the fold takes the new event; the log is never re-reduced (reduce.ts).
      snapshot = this.snapshotOf(drillId, applyEvent(cached.fold, event));
    } catch (err) {
      // The fold may have taken part of the event: fold the log again without it.
      cached.fold = foldEvents(cached.events);
      throw err;
    }
    cached.events.push(event);
    const entry = this.enqueue(event, snapshot);
    if (this.deferring === 0) {
      this.flush(); // durable before anyone hears of it
      if (entry.error) throw entry.error;
    } else this.scheduleFlush();
    return snapshot;
  }

  /**
   * Runs `fn` with the events it records (in its synchronous part) joining
   * the next group commit instead of each committing on its own; resolves
   * with fn's value once every one of them is durable, and rejects with the
   * first one's reason if any was not saved. Calls that arrive together
   * (several clients, a terminal's records, ticks) share one transaction and
   * one fsync; a call alone is committed as soon as it returns to the event
   * loop (setImmediate), so a single writer waits for nothing but its fsync.
   */
  async grouped<T>(fn: () => T | Promise<T>): Promise<T> {
    const mine: Pending[] = [];
    const outer = this.collecting;
    this.collecting = mine;
    this.deferring++;
    let value: T | Promise<T>;
    try {
      value = fn();
    } finally {
      this.deferring--;
      this.collecting = outer;
      outer?.push(...mine);
    }
    const result = await value;
    for (const p of mine) await p.durable;
    return result;
  }

  /** Commits every event recorded and not yet committed, as one group; then tells the listeners, in order. */
  flush(): void {
    if (this.pending.length === 0) return;
    const group = this.pending;
    this.pending = [];
    let results: (Error | null)[];
    try {
      results = this.store.appendGroup(group);
    } catch (err) {
      results = group.map(() => err as Error);
    }
    group.forEach((p, i) => {
      const error = results[i] ?? null;
      // The database (without the event) is the truth: the drill's cache is read from it again.
      if (error) {
        p.error = error;
        this.cache.delete(p.event.drillId);
      }
    });
    for (const p of group) {
      if (!p.error) this.emit(p.snapshot);
    }
    for (const p of group) p.settle(p.error);
  }

  private enqueue(event: DrillEvent, snapshot: DrillSnapshot): Pending {
    let settle!: (error: Error | null) => void;
    const durable = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    durable.catch(() => undefined); // a caller that does not wait (a terminal's record) was told synchronously
    const entry: Pending = { event, snapshot, durable, settle, error: null };
    this.pending.push(entry);
    this.collecting?.push(entry);
    return entry;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private makeEvent<K extends DrillEventType>(
    drillId: string,
    before: readonly DrillEvent[],
    type: K,
    operator: string,
    stepIndex: number | null,
    data: EventData<K>,
  ): DrillEvent {
    const instant = this.now();
    const prev = before[before.length - 1];
    const body = {
      drillId,
      seq: before.length + 1,
      type,
      at: isoUtc(instant.wallMs),
      ...instant,
      operator,
      stepIndex,
      data,
      prevHash: prev ? prev.hash : '',
      salt: newEventSalt(),
    };
    return drillEvent<K>({ ...body, hash: eventHash(body) });
  }

  private snapshotOf(drillId: string, fold: DrillFold): DrillSnapshot {
    return snapshotOf(fold, this.now(), { interrupted: this.isInterrupted(drillId) });
  }

  private isInterrupted(drillId: string): boolean {
    // A drill this session owns stays its own while it lives (another process may take over only a drill whose
    // owner is dead), so the owner row is read once, not at every event (a SELECT, ~7% of an append's CPU).
    if (this.ownedHere.has(drillId)) return false;
    const owner = this.store.owner(drillId);
    if (!owner) return true;
    if (owner.session === this.owner.session) {
      this.ownedHere.add(drillId);
      return false;
    }
    return !processAlive(owner.pid) || owner.pid === this.owner.pid;
  }

  private emit(snapshot: DrillSnapshot): void {
    for (const l of this.listeners) {
      try {
        l(snapshot);
      } catch {
        // A broken listener (a closed socket) must not undo a recorded event.
      }
    }
  }
}
