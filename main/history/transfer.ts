/**
 * Moving history between machines as JSON lines: one finished drill per
 * line, with the runbook snapshot it ran against and its full hash-chained
 * event log. Lines are self-describing, so files from several operators can
 * simply be concatenated.
 *
 * Import trusts nothing: every drill's chain is verified, its runbook
 * snapshot must be the version the log names, and its summary rows are
 * rebuilt from the events by the same reducer that recorded them. A drill
 * already here is skipped (same id, same chain head) or brought up to date
 * when the incoming log extends ours (notes added after the export); the
 * same id with a different chain is a conflict: reported, never overwritten.
 */
import { z } from 'zod';
import type { Db } from '../store/db';
import type { Runbook } from '../runbook/model';
import { DRILL_EVENT_TYPES, type DrillEvent } from '../drill/model';
import { verifyChain } from '../drill/chain';
import { reduceDrill, startedData } from '../drill/reduce';
import { eventProblem } from '../drill/decode';
import { archiveDrillEvents, runbookKey } from '../store/migrations';
import { DrillStore } from '../drill/store';
import { drillWhere } from './filter';
import type { HistoryFilter } from './model';

export const LINE_TYPE = 'drillbook.drill';
export const LINE_VERSION = 1;

export interface DrillLine {
  type: typeof LINE_TYPE;
  v: typeof LINE_VERSION;
  id: string;
  runbook: Runbook;
  events: DrillEvent[];
}

/** One stored event as it travels in a JSONL line (and, with a disclosure, to the team server: main/team/ingest.ts). */
export const eventSchema = z
  .object({
    drillId: z.string(),
    seq: z.number().int().min(1),
    type: z.enum(DRILL_EVENT_TYPES),
    at: z.string(),
    wallMs: z.number(),
    monoMs: z.number(),
    clock: z.string(),
    operator: z.string(),
    stepIndex: z.number().int().min(0).nullable(),
    data: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    salt: z.string().regex(/^[0-9a-f]{32}$/, 'not an event salt').optional(),
  })
  .strict();

const lineSchema = z
  .object({
    type: z.literal(LINE_TYPE),
    v: z.literal(LINE_VERSION),
    id: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'not a drill id'),
    runbook: z
      .object({ file: z.string().min(1), sha256: z.string().min(1), title: z.string(), steps: z.array(z.object({ key: z.string(), title: z.string() }).passthrough()) })
      .passthrough(),
    events: z.array(eventSchema).min(1),
  })
  .strict();

export interface ExportSummary {
  exported: number;
  /** Running drills are left out: their log is not final. */
  skippedRunning: number;
}

/**
 * Lines for every finished drill matching the filter, oldest first, one
 * drill read at a time. A bad filter throws here, before anything is written.
 */
export function exportLines(db: Db, filter: HistoryFilter = {}, summary: ExportSummary = { exported: 0, skippedRunning: 0 }): Iterable<string> {
  const w = drillWhere(filter);
  const ids = db.prepare(`SELECT id, status FROM drills ${w.sql} ORDER BY started_at, id`).raw().all(w.args) as [string, string][];
  const store = new DrillStore(db);
  return (function* () {
    for (const [id, status] of ids) {
      if (status === 'running') {
        summary.skippedRunning++;
        continue;
      }
      const line: DrillLine = {
        type: LINE_TYPE,
        v: LINE_VERSION,
        id,
        runbook: store.runbook(id)!,
        events: store.events(id),
      };
      summary.exported++;
      yield JSON.stringify(line) + '\n';
    }
  })();
}

export type ImportOutcome =
  | { kind: 'imported'; id: string }
  | { kind: 'extended'; id: string; added: number }
  | { kind: 'duplicate'; id: string }
  | { kind: 'older'; id: string }
  | { kind: 'conflict'; id: string; reason: string }
  | { kind: 'rejected'; id: string | null; reason: string };

export interface ImportReport {
  lines: number;
  imported: number;
  /** Already here, and the incoming log had more events (appended). */
  extended: number;
  /** Already here with the same chain head. */
  duplicates: number;
  /** Already here with a longer log that contains the incoming one. */
  older: number;
  conflicts: { line: number; id: string; reason: string }[];
  rejected: { line: number; id: string | null; reason: string }[];
}

export function emptyReport(): ImportReport {
  return { lines: 0, imported: 0, extended: 0, duplicates: 0, older: 0, conflicts: [], rejected: [] };
}

/** Validates one line: a well-formed, finished drill whose chain verifies and whose runbook snapshot matches its log. */
export function parseLine(text: string): { ok: true; line: DrillLine } | { ok: false; id: string | null; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, id: null, reason: 'not valid JSON' };
  }
  const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
  const events = (raw as { events?: unknown })?.events;
  if (Array.isArray(events) && events.some((e) => typeof e === 'object' && e !== null && 'disclosure' in e)) {
    return { ok: false, id, reason: 'this drill was exported with credentials masked, which can be read and verified but not imported; export it again with history export --no-redact' };
  }
  const parsed = lineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, id, reason: `not a Drillbook drill line (${issue ? `${issue.path.join('.') || 'line'}: ${issue.message}` : 'bad shape'})` };
  }
  // The original value, not zod's copy: the runbook snapshot must be stored byte for byte as exported.
  const line = raw as DrillLine;
  if (line.events.some((e) => e.drillId !== line.id)) return { ok: false, id, reason: 'an event belongs to a different drill' };
  const problem = verifyChain(line.events);
  if (problem) return { ok: false, id, reason: `hash chain broken: ${problem.problem}` };
  // Every event as the catalogue describes it (main/drill/decode.ts), before a reducer folds it.
  const malformed = line.events.map((e, i) => eventProblem(e, line.id, i)).find((p) => p !== null);
  if (malformed) return { ok: false, id, reason: malformed };
  const first = line.events[0]!;
  if (first.type !== 'drill.started') return { ok: false, id, reason: 'the log does not begin with drill.started' };
  const started = first.data;
  if (!started.runbook || started.runbook.sha256 !== line.runbook.sha256 || started.runbook.path !== line.runbook.file) {
    return { ok: false, id, reason: 'the runbook snapshot is not the version the drill log names' };
  }
  if (!Array.isArray(started.steps) || started.steps.length !== line.runbook.steps.length) {
    return { ok: false, id, reason: "the runbook snapshot's steps do not match the drill log" };
  }
  if (!line.events.some((e) => e.type === 'drill.finished' || e.type === 'drill.aborted')) {
    return { ok: false, id, reason: 'the drill is still running where it came from; finish it there and export again' };
  }
  return { ok: true, line };
}

/**
 * Imports parsed lines into the history. One transaction per call, so a
 * batch either lands whole or not at all; the caller batches.
 */
export class HistoryImporter {
  private readonly store: DrillStore;
  private readonly insertDrill;
  private readonly insertEvent;
  private readonly headStmt;
  private readonly hashAtStmt;

  constructor(private readonly db: Db) {
    this.store = new DrillStore(db);
    this.insertDrill = db.prepare(
      `INSERT INTO drills (id, runbook_path, runbook_title, runbook_sha256, runbook_json, runbook_key, mode, operator, status, started_at, rto_target_sec)
       VALUES (@id, @path, @title, @sha256, '', @key, @mode, @operator, 'running', @startedAt, @rtoTarget)`,
    );
    this.insertEvent = db.prepare(
      `INSERT INTO events (drill_id, seq, type, at, wall_ms, mono_ms, clock, operator, step_index, data, prev_hash, hash, salt)
       VALUES (@drillId, @seq, @type, @at, @wallMs, @monoMs, @clock, @operator, @stepIndex, @data, @prevHash, @hash, @salt)`,
    );
    this.headStmt = db.prepare(`SELECT event_count AS count, chain_head AS head, status FROM drills WHERE id = ?`);
    this.hashAtStmt = { get: (id: string, seq: number) => this.store.events(id)[seq - 1]?.hash };
  }

  importBatch(lines: readonly DrillLine[]): ImportOutcome[] {
    return this.db.transaction(() => lines.map((l) => this.importOne(l)))();
  }

  private importOne(line: DrillLine): ImportOutcome {
    const incoming = line.events;
    const head = incoming[incoming.length - 1]!.hash;
    const existing = this.headStmt.get(line.id) as { count: number; head: string; status: string } | undefined;
    if (existing) {
      if (existing.head === head) return { kind: 'duplicate', id: line.id };
      if (existing.count > incoming.length && this.hashAtStmt.get(line.id, incoming.length) === head) return { kind: 'older', id: line.id };
      if (existing.count < incoming.length && incoming[existing.count - 1]?.hash === existing.head) {
        if (existing.status === 'running') {
          return { kind: 'conflict', id: line.id, reason: 'the drill is still running here; finish or abort it before importing its other copy' };
        }
        for (const e of incoming.slice(existing.count)) this.insertEvent.run({ ...e, data: JSON.stringify(e.data), salt: e.salt ?? null });
        this.finishImport(line.id, incoming);
        return { kind: 'extended', id: line.id, added: incoming.length - existing.count };
      }
      return { kind: 'conflict', id: line.id, reason: `a different drill log with this id is already here (ours: ${existing.count} events, head ${existing.head.slice(0, 12)}; theirs: ${incoming.length} events, head ${head.slice(0, 12)})` };
    }
    const first = incoming[0]!;
    const started = startedData(incoming);
    const json = JSON.stringify(line.runbook);
    const key = runbookKey(json);
    this.db.prepare('INSERT OR IGNORE INTO runbooks (key, json) VALUES (?, ?)').run(key, json);
    this.insertDrill.run({
      id: line.id,
      path: started.runbook.path,
      title: started.runbook.title,
      sha256: started.runbook.sha256,
      key,
      mode: started.mode,
      operator: first.operator,
      startedAt: first.at,
      rtoTarget: started.rtoTargetSec ?? null,
    });
    for (const e of incoming) this.insertEvent.run({ ...e, data: JSON.stringify(e.data), salt: e.salt ?? null });
    this.finishImport(line.id, incoming);
    return { kind: 'imported', id: line.id };
  }

  /** Summary rows, and a finished drill's log as one compact row (main/store/archive.ts). */
  private finishImport(id: string, incoming: readonly DrillEvent[]): void {
    const snap = snapshotOf(incoming);
    this.store.writeSummary(snap);
    if (snap.status !== 'running') archiveDrillEvents(this.db, id);
  }
}

function snapshotOf(events: readonly DrillEvent[]) {
  const last = events[events.length - 1]!;
  // The drill has ended, so "now" only has to be after its last event.
  return reduceDrill(events, { wallMs: last.wallMs, monoMs: last.monoMs, clock: last.clock });
}

export function tally(report: ImportReport, lineNo: number, o: ImportOutcome): void {
  switch (o.kind) {
    case 'imported':
      report.imported++;
      break;
    case 'extended':
      report.extended++;
      break;
    case 'duplicate':
      report.duplicates++;
      break;
    case 'older':
      report.older++;
      break;
    case 'conflict':
      report.conflicts.push({ line: lineNo, id: o.id, reason: o.reason });
      break;
    case 'rejected':
      report.rejected.push({ line: lineNo, id: o.id, reason: o.reason });
      break;
  }
}

/**
 * Imports JSON lines from any async source of text lines (a file, stdin),
 * in transactions of `batchSize` drills.
 */
export async function importLines(db: Db, lines: AsyncIterable<string> | Iterable<string>, batchSize = 200): Promise<ImportReport> {
  const importer = new HistoryImporter(db);
  const report = emptyReport();
  let batch: { lineNo: number; line: DrillLine }[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    const outcomes = importer.importBatch(batch.map((b) => b.line));
    outcomes.forEach((o, i) => tally(report, batch[i]!.lineNo, o));
    batch = [];
  };
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    if (text.trim() === '') continue;
    report.lines++;
    const parsed = parseLine(text);
    if (!parsed.ok) {
      tally(report, lineNo, { kind: 'rejected', id: parsed.id, reason: parsed.reason });
      continue;
    }
    // The same drill twice in one batch: let the first land before judging the second.
    if (batch.some((b) => b.line.id === parsed.line.id)) flush();
    batch.push({ lineNo, line: parsed.line });
    if (batch.length >= batchSize) flush();
  }
  flush();
  return report;
}
