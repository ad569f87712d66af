/**
 * Records evidence into a drill's log. Each method checks its own rules
 * (who may sign, what a recovery point may be), then records one event
 * through the drill engine, so evidence is as durable and hash-chained as
 * every step and tick.
 *
 * Rules, in short:
 *  - Evidence may be added while the drill runs and after it ends, until
 *    the reviewer signs off; then it is sealed.
 *  - Sign-off only after the drill has ended (completed, failed or aborted):
 *    first the drill's operator, then a reviewer who is someone else.
 *  - A recovery point must not be later than the declared failure.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { badRequest, conflict, notFound, UserError } from '../common/errors';
import type { DrillService } from '../drill/service';
import type { DrillEvent, DrillSnapshot } from '../drill/model';
import type { EventData } from '../drill/events';

/** The events evidence records (main/drill/events.ts gives each its data). */
type EvidenceEventType = 'participant.set' | 'scenario.set' | 'failure.declared' | 'recovery-point.set' | 'finding.added' | 'remediation.added' | 'attachment.added' | 'signoff.added';
import { isoUtc, type Now } from '../drill/clock';
import { AttachmentStore, cleanMediaType, safeFileName } from './attachments';
import { itemsProvedBy } from './binding';
import { isIso } from '../drill/evidence-reduce';
import type { AttachmentKind, EvidenceExport, Severity, SignoffRole, TestType } from '../common/evidence';
import { exportBundle } from './bundle';
import { loadRedactionPatterns } from './config';
import { chromiumPrintToPdf, PdfError, type PrintToPdf } from './pdf';
import { RedactionConfigError } from './redact';
import { SignatureError } from './sshsig';
import type { TranscriptSource } from './transcripts';

/** How far ahead of this machine's clock a declared failure may be (another machine's clock may run fast). */
const FUTURE_SLACK_MS = 5 * 60_000;

export interface AttachmentInput {
  stepIndex: number | null;
  itemIndex?: number;
  name: string;
  kind: AttachmentKind;
  mediaType?: string;
  bytes: Buffer;
  note?: string;
  by?: string;
}

export interface EvidenceOptions {
  dataDir: string;
  /** How report.pdf is printed; headless Chromium by default (the desktop app passes Electron's). */
  printToPdf?: PrintToPdf;
  /** Terminal transcripts to include in bundles, when terminals record them. */
  transcripts?: TranscriptSource | null;
}

/** A bundle exported into the data folder, for UIs: the browser downloads the zip through the host. */
export type { EvidenceExport };

/** Export names: the drill id and a UTC time stamp (what the browser host agrees to serve). */
export const EXPORT_NAME = /^[A-Za-z0-9_-]{6,64}-\d{8}T\d{6}Z(-\d{1,3})?$/;

export class EvidenceService {
  readonly exportsDir: string;
  private readonly printToPdf: PrintToPdf;

  constructor(
    private readonly drills: DrillService,
    readonly attachments: AttachmentStore,
    private readonly now: Now,
    private readonly options: EvidenceOptions,
  ) {
    this.exportsDir = path.join(options.dataDir, 'exports');
    this.printToPdf = options.printToPdf ?? chromiumPrintToPdf();
    drills.onCommandRecorded((drillId, event) => this.tickProvedItems(drillId, event));
  }

  /**
   * Exports a bundle (folder and zip) under <dataDir>/exports. Redacted unless
   * `redact` is false — which a UI must only send after the user explicitly
   * chose an unredacted export.
   */
  async export(drillId: string, opts: { redact?: boolean; pdf?: boolean } = {}): Promise<EvidenceExport> {
    this.drills.get(drillId);
    const stamp = isoUtc(this.now().wallMs).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    let name = `${drillId}-${stamp}`;
    for (let i = 2; existsSync(path.join(this.exportsDir, name)) || existsSync(path.join(this.exportsDir, name + '.zip')); i++) name = `${drillId}-${stamp}-${i}`;
    const dir = path.join(this.exportsDir, name);
    const result = await runExport(() =>
      exportBundle({ drills: this.drills, attachments: this.attachments }, drillId, {
        outDir: dir,
        zipPath: dir + '.zip',
        redact: opts.redact !== false,
        patterns: loadRedactionPatterns(this.options.dataDir),
        printToPdf: opts.pdf === false ? null : this.printToPdf,
        transcripts: this.options.transcripts ?? null,
        now: () => this.now().wallMs,
      }),
    );
    return { ...result, name, downloadPath: `/evidence/exports/${encodeURIComponent(name)}.zip` };
  }

  /** The zip of an earlier export by name, or null (names are checked: no path can be smuggled in). */
  exportZip(name: string): string | null {
    if (!EXPORT_NAME.test(name)) return null;
    const file = path.join(this.exportsDir, name + '.zip');
    return existsSync(file) ? file : null;
  }

  setParticipant(drillId: string, name: string, role: string | null): DrillSnapshot {
    const snap = this.editable(drillId);
    const existing = snap.evidence.participants.find((p) => same(p.name, name));
    if (role === null && !existing) throw notFound(`${name} is not a participant of this drill`);
    if (existing && existing.role === role) return snap;
    return this.record(drillId, 'participant.set', null, { name: existing?.name ?? name, role });
  }

  setScenario(drillId: string, scenario: string, scope: string, testType: TestType): DrillSnapshot {
    const snap = this.editable(drillId);
    const cur = snap.evidence.scenario;
    if (cur && cur.scenario === scenario && cur.scope === scope && cur.testType === testType) return snap;
    return this.record(drillId, 'scenario.set', null, { scenario, scope, testType });
  }

  /** Declares when the (simulated) failure happened; now when no time is given. Declaring again corrects it. */
  declareFailure(drillId: string, failureAt?: string, note?: string): DrillSnapshot {
    const snap = this.editable(drillId);
    const nowMs = this.now().wallMs;
    const at = failureAt === undefined ? isoUtc(nowMs) : normaliseIso(failureAt, 'failure time');
    if (Date.parse(at) > nowMs + FUTURE_SLACK_MS) throw badRequest(`the failure time ${at} is in the future`);
    const rp = snap.evidence.recoveryPoint;
    if (rp && Date.parse(rp.backupAt) > Date.parse(at)) {
      throw badRequest(`the recovery point (${rp.backupId}, ${rp.backupAt}) is later than a failure at ${at}; a backup taken after the failure cannot be restored from`);
    }
    return this.record(drillId, 'failure.declared', null, { failureAt: at, ...(note ? { note } : {}) });
  }

  setRecoveryPoint(drillId: string, backupId: string, backupAt: string, source?: string): DrillSnapshot {
    const snap = this.editable(drillId);
    const at = normaliseIso(backupAt, 'backup time');
    if (Date.parse(at) > this.now().wallMs + FUTURE_SLACK_MS) throw badRequest(`the backup time ${at} is in the future`);
    const failure = snap.evidence.failure;
    if (failure && Date.parse(at) > Date.parse(failure.failureAt)) {
      throw badRequest(`backup ${backupId} (${at}) is later than the declared failure (${failure.failureAt}); a backup taken after the failure cannot be restored from`);
    }
    return this.record(drillId, 'recovery-point.set', null, { backupId, backupAt: at, ...(source ? { source } : {}) });
  }

  addFinding(drillId: string, text: string, severity: Severity, stepIndex: number | null, by?: string): DrillSnapshot {
    const snap = this.editable(drillId);
    if (stepIndex !== null) this.step(snap, stepIndex);
    const id = `F${snap.evidence.findings.length + 1}`;
    return this.record(drillId, 'finding.added', stepIndex, { id, text, severity }, this.who(snap, by));
  }

  addRemediation(drillId: string, text: string, owner: string, due: string, findingId?: string, by?: string): DrillSnapshot {
    const snap = this.editable(drillId);
    checkDate(due);
    if (findingId !== undefined && !snap.evidence.findings.some((f) => f.id === findingId)) {
      const known = snap.evidence.findings.map((f) => f.id).join(', ');
      throw notFound(`no finding ${findingId} in this drill${known ? ` (there are ${known})` : ' (none recorded yet)'}`);
    }
    const id = `R${snap.evidence.remediations.length + 1}`;
    return this.record(drillId, 'remediation.added', null, { id, text, owner, due, ...(findingId ? { findingId } : {}) }, this.who(snap, by));
  }

  addAttachment(drillId: string, input: AttachmentInput): DrillSnapshot {
    const snap = this.editable(drillId);
    if (input.itemIndex !== undefined) {
      if (input.stepIndex === null) throw badRequest('a checklist item is named by its step: give stepIndex too');
      const step = this.step(snap, input.stepIndex);
      if (!step.checklist[input.itemIndex]) throw notFound(`step ${input.stepIndex + 1} has no checklist item ${input.itemIndex + 1}`);
    } else if (input.stepIndex !== null) {
      this.step(snap, input.stepIndex);
    }
    const operator = this.who(snap, input.by);
    const name = safeFileName(input.name, input.kind === 'screen' ? 'screen.txt' : input.kind === 'transcript' ? 'transcript.txt' : 'attachment');
    const stored = this.attachments.put(input.bytes);
    return this.record(
      drillId,
      'attachment.added',
      input.stepIndex,
      {
        sha256: stored.sha256,
        name,
        size: stored.size,
        mediaType: input.kind === 'file' ? cleanMediaType(input.mediaType, name) : 'text/plain',
        kind: input.kind,
        ...(input.itemIndex !== undefined ? { itemIndex: input.itemIndex } : {}),
        ...(input.note ? { note: input.note } : {}),
      },
      operator,
    );
  }

  signOff(drillId: string, role: SignoffRole, name: string, statement?: string): DrillSnapshot {
    const snap = this.editable(drillId);
    if (snap.status === 'running') throw conflict('sign-off comes after the drill ends: finish or abort it first');
    const signed = snap.evidence.signoffs;
    if (signed.some((s) => s.role === role)) throw conflict(`the ${role} has already signed off this drill`);
    if (role === 'operator') {
      if (!same(name, snap.operator)) throw badRequest(`the operator sign-off is by the drill's operator (${snap.operator}), not ${name}`);
    } else {
      const op = signed.find((s) => s.role === 'operator');
      if (!op) throw conflict('the operator signs off first; the reviewer then reviews what was signed');
      if (same(name, snap.operator) || same(name, op.name)) throw badRequest('the reviewer must be someone other than the operator');
    }
    return this.record(drillId, 'signoff.added', null, { role, name, ...(statement ? { statement } : {}), signedHead: snap.chainHead }, name);
  }

  /** A recorded command whose `expect` passed ticks the checklist items its block is bound to (`check=`). */
  private tickProvedItems(drillId: string, event: DrillEvent): void {
    if (event.type !== 'command.run' || event.data.expectPassed !== true || event.stepIndex === null) return;
    const items = itemsProvedBy(this.drills.runbookOf(drillId), event.stepIndex, event.data);
    if (items.length === 0) return;
    const step = this.drills.get(drillId).steps[event.stepIndex];
    for (const itemIndex of items) {
      if (!step?.checklist[itemIndex] || step.checklist[itemIndex]!.checked) continue;
      this.drills.appendEvent(drillId, 'check.set', event.stepIndex, { itemIndex, checked: true, proof: { commandSeq: event.seq } }, event.operator);
    }
  }

  private editable(drillId: string): DrillSnapshot {
    const snap = this.drills.get(drillId);
    if (snap.evidence.sealed) throw conflict('the reviewer has signed off this drill; its evidence can no longer change');
    if (snap.interrupted) throw conflict('this drill was interrupted; resume it first');
    return snap;
  }

  private step(snap: DrillSnapshot, stepIndex: number) {
    const step = snap.steps[stepIndex];
    if (!step) throw notFound(`the runbook has no step ${stepIndex + 1} (it has ${snap.steps.length})`);
    return step;
  }

  /** Who is recording: the drill's operator by default, or a named participant. */
  private who(snap: DrillSnapshot, by: string | undefined): string {
    if (by === undefined || same(by, snap.operator)) return snap.operator;
    const p = snap.evidence.participants.find((x) => same(x.name, by));
    if (!p) throw badRequest(`${by} is not a participant of this drill; add them first`);
    return p.name;
  }

  private record<K extends EvidenceEventType>(drillId: string, type: K, stepIndex: number | null, data: EventData<K>, operator?: string): DrillSnapshot {
    return this.drills.appendEvent(drillId, type, stepIndex, data, operator);
  }
}

/** Export failures the user can act on become one-line user errors. */
export async function runExport<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RedactionConfigError) throw badRequest(err.message);
    if (err instanceof PdfError || err instanceof SignatureError) throw new UserError('internal', err.message);
    throw err;
  }
}

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Accepts an ISO-8601 timestamp with a zone; returns it in Drillbook's UTC form. */
function normaliseIso(s: string, what: string): string {
  if (!isIso(s.trim())) throw badRequest(`${what} "${s}" is not an ISO-8601 time with a zone (e.g. 2026-01-01T09:00:00Z)`);
  return isoUtc(Date.parse(s.trim()));
}

function checkDate(s: string): void {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
    throw badRequest(`due date "${s}" is not a date (YYYY-MM-DD)`);
  }
}
