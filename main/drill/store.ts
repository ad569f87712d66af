/**
 * Drill persistence: the append-only event log and the summary rows that
 * history queries read. Every write is one transaction; when a method
 * returns, the event is on disk — in the file at the data folder's path:
 * each transaction checks before and after that the database was not moved
 * or deleted under it (main/store/db.ts), and throws rather than acknowledge
 * an event written into an unlinked file.
 */
import { assertInPlace, committedInPlace, type Db } from '../store/db';
import { UserError } from '../common/errors';
import type { Runbook } from '../runbook/model';
import type { DrillEvent, DrillSnapshot, StepState, UncheckedDrillEvent } from './model';
import { decodeEvents, MalformedEventError } from './decode';
import { archiveDrillEvents, runbookKey } from '../store/migrations';
import { unpackEvents, type EventRow } from '../store/archive';
import { ALL_MODES, settleQuantiles } from '../store/quantiles';

export type { EventRow };

/** A step row known to be on disk: the snapshot's step object it was written from, and its values. */
interface Written {
  step: StepState;
  row: string;
}

interface OwnerRow {
  owner_pid: number | null;
  owner_session: string | null;
}

export interface Owner {
  pid: number;
  session: string;
}

export class DrillStore {
  private readonly insertEventStmt;
  private readonly eventsStmt;
  private readonly updateSummaryStmt;
  private readonly updateStatusStmt;
  private readonly upsertStepStmt;
  private readonly ownerStmt;
  private readonly existsStmt;
  private readonly archivedStmt;
  /** One event's writes (its row, the summary rows, the archive as the drill ends) as a savepoint inside appendGroup's transaction. */
  private readonly appendOneTx: (event: DrillEvent, snapshot: DrillSnapshot, written: Written[]) => void;
  /**
   * The step rows last written per drill by `append`, so an event rewrites
   * only the steps it changed (a note changes none; a running step's
   * duration, one), not all 40 (0.5 ms of every append, measured). A step
   * that is the same object as last time (snapshots share unchanged steps,
   * reduce.ts) is skipped without building its row: at 2,641 steps the rows
   * alone were ~2 ms of every event.
   */
  private readonly writtenSteps = new Map<string, Written[]>();

  constructor(private readonly db: Db) {
    this.insertEventStmt = db.prepare(
      `INSERT INTO events (drill_id, seq, type, at, wall_ms, mono_ms, clock, operator, step_index, data, prev_hash, hash, salt)
       VALUES (@drillId, @seq, @type, @at, @wallMs, @monoMs, @clock, @operator, @stepIndex, @data, @prevHash, @hash, @salt)`,
    );
    this.eventsStmt = db.prepare<[string], EventRow>('SELECT * FROM events WHERE drill_id = ? ORDER BY seq');
    // Two statements, because SQLite rewrites every index over a column a SET names, changed or not: the columns
    // that change with every event (the clock, the count, the chain head: the drills row and drills_trend) apart
    // from those that change a few times a drill (status, end, RTO verdict: also drills_by_status and drills_list),
    // which are written only when they differ. A note's commit went from 7 WAL pages to 5 (test/bench/append.ts).
    this.updateSummaryStmt = db.prepare(
      `UPDATE drills SET rto_actual_sec = @rtoActual, net_ms = @netMs, paused_ms = @pausedMs, event_count = @eventCount, chain_head = @chainHead
       WHERE id = @id`,
    );
    this.updateStatusStmt = db.prepare(
      `UPDATE drills SET status = @status, ended_at = @endedAt, rto_target_sec = @rtoTarget, rto_met = @rtoMet
       WHERE id = @id AND (status IS NOT @status OR ended_at IS NOT @endedAt OR rto_target_sec IS NOT @rtoTarget OR rto_met IS NOT @rtoMet)`,
    );
    this.upsertStepStmt = db.prepare(
      `INSERT INTO drill_steps (drill_id, step_index, step_key, title, status, started_at, ended_at, duration_ms)
       VALUES (@drillId, @index, @key, @title, @status, @startedAt, @endedAt, @durationMs)
       ON CONFLICT (drill_id, step_index) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
         ended_at = excluded.ended_at, duration_ms = excluded.duration_ms`,
    );
    this.ownerStmt = db.prepare<[string], OwnerRow>('SELECT owner_pid, owner_session FROM drills WHERE id = ?');
    this.existsStmt = db.prepare<[string], unknown>('SELECT 1 FROM drills WHERE id = ?');
    this.archivedStmt = db.prepare<[string], { log: Buffer }>('SELECT log FROM event_logs WHERE drill_id = ?');
    this.appendOneTx = db.transaction((event: DrillEvent, snapshot: DrillSnapshot, written: Written[]) => {
      this.insertEvent(event);
      this.writeSummary(snapshot, written);
      // The drill just ended: its log becomes one compact row (archive.ts); later events (notes) are rows again.
      if (snapshot.status !== 'running' && (event.type === 'drill.finished' || event.type === 'drill.aborted')) {
        archiveDrillEvents(this.db, event.drillId);
        this.settle(event.drillId);
      }
    });
  }

  /**
   * The drill's row, its step rows and its first event, in one transaction.
   * The runbook's JSON lives in `runbooks` (migration 4), never in the drill
   * row, whose runbook_json stays empty: drill_steps' insert trigger reads the
   * drill's started_at and mode, which sit after runbook_json in the row, so
   * with the JSON there every step insert walked its overflow pages (a
   * 2,641-step runbook: ~1.5 MB of JSON walked 5,000 times, 6-10 s to start;
   * ~0.3 s with it out of the row, test/bench/big-runbook.ts).
   */
  createDrill(first: DrillEvent, runbook: Runbook, owner: Owner, snapshot?: DrillSnapshot): void {
    const data = first.data as { mode: string };
    const json = JSON.stringify(runbook);
    const key = runbookKey(json);
    const written: Written[] = [];
    try {
      this.write(() => {
        // One copy per distinct runbook, not one per drill (migration 4): the drill row's runbook_json stays empty.
        this.db.prepare('INSERT OR IGNORE INTO runbooks (key, json) VALUES (?, ?)').run(key, json);
        this.db
          .prepare(
            `INSERT INTO drills (id, runbook_path, runbook_title, runbook_sha256, runbook_json, runbook_key, mode, operator, status, started_at,
               rto_target_sec, owner_pid, owner_session)
             VALUES (?, ?, ?, ?, '', ?, ?, ?, 'running', ?, ?, ?, ?)`,
          )
          .run(
            first.drillId,
            runbook.file,
            runbook.title,
            runbook.sha256,
            key,
            data.mode,
            first.operator,
            first.at,
            runbook.rto?.seconds ?? null,
            owner.pid,
            owner.session,
          );
        this.insertEvent(first);
        // The summary and the step rows in the same transaction: a drill never exists without its first event and steps.
        if (snapshot) this.writeSummary(snapshot, written);
        else {
          for (const st of runbook.steps) {
            this.upsertStepStmt.run({ drillId: first.drillId, index: st.index, key: st.key, title: st.title, status: 'pending', startedAt: null, endedAt: null, durationMs: null });
          }
        }
      });
    } catch (err) {
      this.writtenSteps.delete(first.drillId);
      throw err;
    }
    if (snapshot) this.writtenSteps.set(first.drillId, written);
  }

  /** Appends an event and refreshes the summary rows, atomically; durable when it returns. */
  append(event: DrillEvent, snapshot: DrillSnapshot): void {
    const [err] = this.appendGroup([{ event, snapshot }]);
    if (err) throw err;
  }

  /**
   * Group commit: several events (of one drill or several) in one transaction
   * and one fsync, each in its own savepoint. Returns, per event, null (it is
   * on disk) or the reason it is not. An event that fails is rolled back alone
   * and fails only the events after it of the same drill (they are hash-chained
   * to it); the others commit. Throws when the whole transaction fails (the
   * commit itself, the disk full, the file moved): then none of them is saved.
   */
  appendGroup(items: readonly { event: DrillEvent; snapshot: DrillSnapshot }[]): (Error | null)[] {
    const results: (Error | null)[] = items.map(() => null);
    /** Per drill, the step rows as they will be on disk once this transaction commits. */
    const next = new Map<string, Written[]>();
    const broken = new Map<string, number>();
    try {
      this.write(() => {
        items.forEach(({ event, snapshot }, i) => {
          const id = event.drillId;
          const failedSeq = broken.get(id);
          if (failedSeq !== undefined) {
            results[i] = new UserError('conflict', `not saved: event ${failedSeq} of drill ${id}, recorded just before this one, could not be saved`);
            return;
          }
          const attempt = (next.get(id) ?? this.writtenSteps.get(id) ?? []).slice();
          try {
            this.appendOneTx(event, snapshot, attempt);
            next.set(id, attempt);
          } catch (err) {
            // SQLite abandons the whole transaction on some errors (disk full, I/O): then nothing in it is saved.
            if (!this.db.inTransaction) throw err;
            results[i] = plainWriteError(err, this.db.name);
            broken.set(id, event.seq);
          }
        });
      });
    } catch (err) {
      for (const { event } of items) this.writtenSteps.delete(event.drillId); // the next append writes every step again
      throw err;
    }
    for (const [id, steps] of next) this.writtenSteps.set(id, steps);
    for (const id of broken.keys()) this.writtenSteps.delete(id);
    for (const { snapshot } of items) if (snapshot.status !== 'running') this.writtenSteps.delete(snapshot.id);
    return results;
  }

  /** One write batch: refused if the database left its place; checked again once committed. */
  private write(body: () => void): void {
    assertInPlace(this.db);
    try {
      this.db.transaction(body)();
    } catch (err) {
      throw plainWriteError(err, this.db.name);
    }
    committedInPlace(this.db);
  }

  /** The drill's summary row and its step rows; with `written` (what is known to be on disk), only the steps that changed. */
  writeSummary(s: DrillSnapshot, written?: Written[]): void {
    const row = {
      id: s.id,
      status: s.status,
      endedAt: s.endedAt,
      rtoTarget: s.rto.targetSec,
      rtoActual: s.rto.actualSec,
      rtoMet: s.rto.met === null ? null : s.rto.met ? 1 : 0,
      netMs: s.clock.netMs,
      pausedMs: s.clock.pausedMs,
      eventCount: s.eventCount,
      chainHead: s.chainHead,
    };
    this.updateStatusStmt.run(row);
    this.updateSummaryStmt.run(row);
    let stepsWritten = 0;
    for (const st of s.steps) {
      if (written) {
        const was = written[st.index];
        if (was && was.step === st) continue;
        const row = `${st.key}\u0000${st.title}\u0000${st.status}\u0000${st.startedAt}\u0000${st.endedAt}\u0000${st.durationMs}`;
        written[st.index] = { step: st, row };
        if (was && was.row === row) continue;
      }
      this.upsertStepStmt.run({
        drillId: s.id,
        index: st.index,
        key: st.key,
        title: st.title,
        status: st.status,
        startedAt: st.startedAt,
        endedAt: st.endedAt,
        durationMs: st.durationMs,
      });
      stepsWritten++;
    }
    // An ended drill written whole (imported, seeded): settle its runbook's quantile anchors here (append does it as a drill ends).
    if (!written && s.status !== 'running' && stepsWritten > 0) this.settle(s.id);
  }

  /**
   * The ended drill's runbook: its steps' quantile anchors walked to their ranks, a few seeks each
   * (main/store/quantiles.ts), in the transaction that ends the drill, so the next page visit walks none.
   */
  private settle(drillId: string): void {
    const d = this.db.prepare('SELECT runbook_path, mode FROM drills WHERE id = ?').get(drillId) as { runbook_path: string; mode: string } | undefined;
    if (d) settleQuantiles(this.db, d.runbook_path, [d.mode, ALL_MODES]);
  }

  setOwner(drillId: string, owner: Owner): void {
    this.db.prepare('UPDATE drills SET owner_pid = ?, owner_session = ? WHERE id = ?').run(owner.pid, owner.session, drillId);
  }

  owner(drillId: string): Owner | null {
    const row = this.ownerStmt.get(drillId);
    if (!row || row.owner_pid === null || row.owner_session === null) return null;
    return { pid: row.owner_pid, session: row.owner_session };
  }

  exists(drillId: string): boolean {
    return this.existsStmt.get(drillId) !== undefined;
  }

  /** A drill's log, checked against the event catalogue: a malformed event throws MalformedEventError naming drill, seq and field. */
  events(drillId: string): DrillEvent[] {
    const raw = this.rawEvents(drillId);
    try {
      return decodeEvents(drillId, raw);
    } catch (err) {
      if (err instanceof MalformedEventError) throw new UserError('conflict', `${err.message}; the drill cannot be read (drillbook db check lists every problem)`);
      throw err;
    }
  }

  /** A drill's log as stored, unchecked: what the integrity check reads, so it can report a malformed event rather than stop at it. */
  rawEvents(drillId: string): UncheckedDrillEvent[] {
    return this.rows(drillId).map(rowToEvent);
  }

  /** The stored rows of a drill's log, in order: the compact archived part, then any rows after it. */
  rows(drillId: string): EventRow[] {
    const archived = this.archivedStmt.get(drillId);
    const rows = this.eventsStmt.all(drillId);
    return archived ? [...unpackEvents(drillId, archived.log), ...rows] : rows;
  }

  runbook(drillId: string): Runbook | null {
    const row = this.db
      .prepare<[string], { json: string }>(
        "SELECT COALESCE(r.json, d.runbook_json) AS json FROM drills d LEFT JOIN runbooks r ON r.key = d.runbook_key WHERE d.id = ?",
      )
      .get(drillId);
    return row ? (JSON.parse(row.json) as Runbook) : null;
  }

  runningIds(): string[] {
    return this.db
      .prepare<[], { id: string }>("SELECT id FROM drills WHERE status = 'running' ORDER BY started_at DESC")
      .all()
      .map((r) => r.id);
  }

  private insertEvent(e: DrillEvent): void {
    this.insertEventStmt.run({ ...e, data: JSON.stringify(e.data), salt: e.salt ?? null });
  }
}

/** A failed write in words rather than SQLite's code (the transaction, or the savepoint, rolled back). */
function plainWriteError(err: unknown, file: string): Error {
  if ((err as { code?: string }).code === 'SQLITE_FULL') return new UserError('internal', `the disk holding the history (${file}) is full: this was not saved; free some space and try again`);
  return err instanceof Error ? err : new Error(String(err));
}

/** A stored event row as an event, unchecked (./decode.ts checks it). Unreadable data is kept visible (and fails the hash check) rather than thrown. */
export function rowToEvent(r: EventRow): UncheckedDrillEvent {
  let data: unknown;
  try {
    data = JSON.parse(r.data) as unknown;
  } catch {
    data = { unreadable: r.data };
  }
  return {
    drillId: r.drill_id,
    seq: r.seq,
    type: r.type,
    at: r.at,
    wallMs: r.wall_ms,
    monoMs: r.mono_ms,
    clock: r.clock,
    operator: r.operator,
    stepIndex: r.step_index,
    data,
    prevHash: r.prev_hash,
    hash: r.hash,
    ...(r.salt !== null && r.salt !== undefined ? { salt: r.salt } : {}),
  };
}
