/**
 * The drill and evidence reducers as they were before the incremental fold
 * (commit 47da580), with the drill reducer as issue 9 extended it (queued runs,
 * command.started/command.typed, terminal.integration): whole-log reductions, kept only as the reference the fold
 * is tested against (test/unit/drill/fold.test.ts). Not used by the app.
 */
import type { ChecklistState, CommandRunRecord, UntrackedTerminal, DrillEvent, DrillSnapshot, DrillStatus, GapRecord, Instant, NoteRecord, PauseRecord, StepState } from '../../main/drill/model';
import type { AttachmentRecord, CheckProof, EvidenceState, FindingRecord, Participant, RemediationRecord, SignoffRecord } from '../../main/common/evidence';
import { ATTACHMENT_KINDS, SEVERITIES, SIGNOFF_ROLES, TEST_TYPES } from '../../main/common/evidence';
import { computeRpo, emptyEvidence, isIso } from '../../main/drill/evidence-reduce';
import { startedData } from '../../main/drill/reduce';
import { axisOffsets, distance, netLength, type Interval } from '../../main/drill/timeline';
import { isoUtc } from '../../main/drill/clock';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const optStr = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const oneOf = <T extends string>(v: unknown, allowed: readonly T[]): T | null =>
  typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : null;

interface StepTrack {
  state: StepState;
  start: number | null;
  end: number | null;
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'skipped', 'failed']);

export function referenceEvidence(events: readonly DrillEvent[]): EvidenceState {
  const started: Record<string, unknown> = events[0]?.data ?? {};
  const rpoTargetSec = typeof started.rpoTargetSec === 'number' ? started.rpoTargetSec : null;
  const ev = emptyEvidence(rpoTargetSec);
  const participants = new Map<string, Participant>();
  const proofs = new Map<string, CheckProof>();
  const commands = new Map<number, { seq: number; data: Record<string, unknown> }>();
  const findings: FindingRecord[] = [];
  const remediations: RemediationRecord[] = [];
  const attachments: AttachmentRecord[] = [];
  const signoffs: SignoffRecord[] = [];

  for (const e of events) {
    // Read as the stored JSON it is (the reference stays independent of the catalogue's field types).
    const d: Record<string, unknown> = e.data;
    switch (e.type) {
      case 'participant.set': {
        const name = str(d.name);
        if (!name) break;
        const key = name.toLowerCase();
        const role = str(d.role);
        if (role === null) participants.delete(key);
        else participants.set(key, { name, role, addedAt: participants.get(key)?.addedAt ?? e.at });
        break;
      }
      case 'scenario.set': {
        const testType = oneOf(d.testType, TEST_TYPES);
        const scenario = str(d.scenario);
        const scope = str(d.scope);
        if (testType && scenario !== null && scope !== null) ev.scenario = { scenario, scope, testType, at: e.at, by: e.operator };
        break;
      }
      case 'failure.declared': {
        const failureAt = str(d.failureAt);
        if (failureAt && isIso(failureAt)) ev.failure = { failureAt, note: optStr(d.note) ?? null, recordedAt: e.at, by: e.operator };
        break;
      }
      case 'recovery-point.set': {
        const backupId = str(d.backupId);
        const backupAt = str(d.backupAt);
        if (backupId && backupAt && isIso(backupAt)) {
          ev.recoveryPoint = { backupId, backupAt, source: optStr(d.source) ?? null, recordedAt: e.at, by: e.operator };
        }
        break;
      }
      case 'finding.added': {
        const id = str(d.id);
        const text = str(d.text);
        const severity = oneOf(d.severity, SEVERITIES);
        if (id && text && severity) findings.push({ id, text, severity, stepIndex: e.stepIndex, at: e.at, by: e.operator });
        break;
      }
      case 'remediation.added': {
        const id = str(d.id);
        const text = str(d.text);
        const owner = str(d.owner);
        const due = str(d.due);
        if (id && text && owner && due) {
          const findingId = optStr(d.findingId);
          remediations.push({ id, text, owner, due, ...(findingId ? { findingId } : {}), at: e.at, by: e.operator });
        }
        break;
      }
      case 'attachment.added': {
        const sha256 = str(d.sha256);
        const name = str(d.name);
        const kind = oneOf(d.kind, ATTACHMENT_KINDS);
        if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256) || !name || !kind || typeof d.size !== 'number') break;
        const note = optStr(d.note);
        attachments.push({
          sha256,
          name,
          size: d.size,
          mediaType: str(d.mediaType) ?? 'application/octet-stream',
          kind,
          ...(typeof d.itemIndex === 'number' ? { itemIndex: d.itemIndex } : {}),
          ...(note ? { note } : {}),
          stepIndex: e.stepIndex,
          at: e.at,
          by: e.operator,
          seq: e.seq,
        });
        break;
      }
      case 'command.run':
        commands.set(e.seq, e);
        break;
      case 'check.set': {
        if (e.stepIndex === null || typeof d.itemIndex !== 'number') break;
        const key = `${e.stepIndex}:${d.itemIndex}`;
        const proof = d.proof as { commandSeq?: unknown } | undefined;
        const cmd = typeof proof?.commandSeq === 'number' ? commands.get(proof.commandSeq) : undefined;
        if (d.checked === true && cmd) {
          proofs.set(key, {
            stepIndex: e.stepIndex,
            itemIndex: d.itemIndex,
            commandSeq: cmd.seq,
            name: str(cmd.data.name),
            exitCode: typeof cmd.data.exitCode === 'number' ? cmd.data.exitCode : null,
            at: e.at,
          });
        } else {
          // Unticked, or re-ticked by hand: the command is no longer what proves it.
          proofs.delete(key);
        }
        break;
      }
      case 'signoff.added': {
        const role = oneOf(d.role, SIGNOFF_ROLES);
        const name = str(d.name);
        if (role && name) signoffs.push({ role, name, statement: optStr(d.statement) ?? null, signedHead: str(d.signedHead) ?? '', at: e.at });
        break;
      }
      default:
        break;
    }
  }

  ev.participants = [...participants.values()];
  ev.findings = findings;
  ev.remediations = remediations;
  ev.attachments = attachments;
  ev.checkProofs = [...proofs.values()].sort((a, b) => a.stepIndex - b.stepIndex || a.itemIndex - b.itemIndex);
  ev.signoffs = signoffs;
  ev.sealed = signoffs.some((s) => s.role === 'reviewer');
  ev.rpo = computeRpo(ev.failure?.failureAt ?? null, ev.recoveryPoint?.backupAt ?? null, rpoTargetSec);
  return ev;
}
export function referenceDrill(
  events: readonly DrillEvent[],
  now: Instant,
  opts: { interrupted?: boolean } = {},
): DrillSnapshot {
  const first = events[0]!;
  const started = startedData(events);
  const ended = events.find((e) => e.type === 'drill.finished' || e.type === 'drill.aborted') ?? null;
  // The axis: every event, plus "now" while the drill is still going.
  const instants: Instant[] = [...events];
  if (!ended) instants.push(now);
  const offsets = axisOffsets(instants);
  // The drill's clock stops at its end: evidence recorded afterwards (notes, sign-off) must not extend it.
  const endOffset = offsets[ended ? events.indexOf(ended) : offsets.length - 1]!;

  const steps: StepTrack[] = started.steps.map((s, index) => ({
    start: null,
    end: null,
    state: {
      index,
      key: s.key,
      title: s.title,
      status: 'pending',
      startedAt: null,
      endedAt: null,
      durationMs: null,
      reason: null,
      rtoStart: s.rtoStart,
      rtoEnd: s.rtoEnd,
      checklist: s.checklist.map(
        (c, i): ChecklistState => ({ index: i, text: c.text, line: c.line, checked: false, at: null, by: null, note: null }),
      ),
    },
  }));

  const pauses: { rec: PauseRecord; start: number; end: number | null }[] = [];
  const gaps: GapRecord[] = [];
  const notes: NoteRecord[] = [];
  const commands: CommandRunRecord[] = [];
  const untrackedTerminals: UntrackedTerminal[] = [];
  let status: DrillStatus = 'running';
  let endReason: string | null = null;

  events.forEach((e, i) => {
    const at = offsets[i]!;
    const step = e.stepIndex === null ? undefined : steps[e.stepIndex];
    // Read as the stored JSON it is (the reference stays independent of the catalogue's field types).
    const d: Record<string, unknown> = e.data;
    switch (e.type) {
      case 'step.started':
        if (step) {
          step.start = at;
          step.state.status = 'running';
          step.state.startedAt = e.at;
        }
        break;
      case 'step.completed':
      case 'step.skipped':
      case 'step.failed':
        if (step) {
          step.end = at;
          step.state.status = e.type === 'step.completed' ? 'completed' : e.type === 'step.skipped' ? 'skipped' : 'failed';
          step.state.endedAt = e.at;
          step.state.reason = typeof d.reason === 'string' ? d.reason : null;
        }
        break;
      case 'check.set': {
        const item = step?.state.checklist[Number(d.itemIndex)];
        if (item) {
          item.checked = d.checked === true;
          item.at = item.checked ? e.at : null;
          item.by = item.checked ? e.operator : null;
          item.note = item.checked && typeof d.note === 'string' && d.note ? d.note : null;
        }
        break;
      }
      case 'note.added':
        notes.push({ at: e.at, operator: e.operator, stepIndex: e.stepIndex, text: String(d.text ?? '') });
        break;
      case 'drill.paused':
        pauses.push({ start: at, end: null, rec: { reason: String(d.reason ?? ''), startedAt: e.at, endedAt: null, durationMs: 0 } });
        break;
      case 'drill.resumed': {
        const open = pauses[pauses.length - 1];
        if (open && open.end === null) {
          open.end = at;
          open.rec.endedAt = e.at;
        }
        break;
      }
      case 'drill.recovered': {
        const prev = events[i - 1]!;
        const gap = distance(prev, e);
        gaps.push({ from: prev.at, to: e.at, durationMs: gap.ms, measuredBy: gap.measuredBy });
        break;
      }
      case 'command.run': {
        const exitCode = typeof d.exitCode === 'number' ? d.exitCode : null;
        const durationMs = typeof d.durationMs === 'number' ? d.durationMs : null;
        const expectPassed = typeof d.expectPassed === 'boolean' ? d.expectPassed : null;
        const note = typeof d.message === 'string' && d.message ? d.message : typeof d.note === 'string' && d.note ? d.note : typeof d.error === 'string' && d.error ? d.error : null;
        const outputFrom = typeof d.outputFrom === 'number' ? d.outputFrom : null;
        const outputTo = typeof d.outputTo === 'number' ? d.outputTo : null;
        // A terminal run is recorded when typed, and its result later with `resultOf`: one record.
        const typed = typeof d.resultOf === 'string' ? commands.find((c) => c.runId === d.resultOf) : undefined;
        if (typed) {
          typed.exitCode = exitCode;
          typed.durationMs = durationMs;
          typed.expectPassed = expectPassed;
          typed.endedAt = typeof d.endedAt === 'string' ? d.endedAt : e.at;
          typed.note = note ?? typed.note;
          typed.queued = false;
          typed.outputFrom = outputFrom;
          typed.outputTo = outputTo;
          break;
        }
        const runId = typeof d.runId === 'string' ? d.runId : null;
        const queued = d.queued === true;
        commands.push({
          at: e.at,
          stepIndex: e.stepIndex,
          target: String(d.target ?? 'local'),
          text: String(d.text ?? ''),
          name: typeof d.name === 'string' ? d.name : null,
          exitCode,
          durationMs,
          expectPassed,
          runId,
          // A one-event run (headless) is recorded when it ends.
          startedAt: typeof d.startedAt === 'string' ? d.startedAt : runId ? e.at : isoUtc(e.wallMs - (durationMs ?? 0)),
          endedAt: typeof d.endedAt === 'string' ? d.endedAt : runId ? null : e.at,
          terminalId: typeof d.terminalId === 'string' ? d.terminalId : null,
          transcript: typeof d.transcript === 'string' ? d.transcript : null,
          note,
          origin: 'run',
          commandIndex: typeof d.commandIndex === 'number' ? d.commandIndex : null,
          queued,
          outputFrom,
          outputTo,
        });
        break;
      }
      case 'command.started': {
        // A queued Run's turn came: its time starts now.
        const run = commands.find((c) => c.runId === d.runId);
        if (run) {
          // Recorded late (a reattached terminal, before the drill was resumed): the time it carries is when it was typed.
          run.startedAt = typeof d.startedAt === 'string' ? d.startedAt : e.at;
          run.queued = false;
          run.note = null; // "queued behind …" no longer holds
        }
        break;
      }
      case 'command.typed':
        commands.push({
          at: typeof d.startedAt === 'string' ? d.startedAt : e.at,
          stepIndex: e.stepIndex,
          target: String(d.target ?? 'local'),
          text: typeof d.text === 'string' ? d.text : '',
          name: null,
          exitCode: typeof d.exitCode === 'number' ? d.exitCode : null,
          durationMs: typeof d.durationMs === 'number' ? d.durationMs : null,
          expectPassed: null,
          runId: null,
          startedAt: typeof d.startedAt === 'string' ? d.startedAt : e.at,
          endedAt: typeof d.endedAt === 'string' ? d.endedAt : e.at,
          terminalId: typeof d.terminalId === 'string' ? d.terminalId : null,
          transcript: typeof d.transcript === 'string' ? d.transcript : null,
          note: typeof d.text === 'string' ? null : 'the shell did not save this command line in its history (typed with a leading space, or history is off); it is in the transcript',
          origin: 'typed',
          commandIndex: null,
          queued: false,
          outputFrom: typeof d.outputFrom === 'number' ? d.outputFrom : null,
          outputTo: typeof d.outputTo === 'number' ? d.outputTo : null,
        });
        break;
      case 'terminal.integration':
        untrackedTerminals.push({ at: e.at, terminalId: String(d.terminalId ?? ''), target: String(d.target ?? 'local'), reason: String(d.reason ?? '') });
        break;
      case 'drill.finished':
        status = steps.some((s) => s.state.status === 'failed') ? 'failed' : 'completed';
        endReason = typeof d.reason === 'string' ? d.reason : null;
        break;
      case 'drill.aborted':
        status = 'aborted';
        endReason = typeof d.reason === 'string' ? d.reason : null;
        break;
      case 'drill.started':
        break;
    }
  });

  const pauseIntervals: Interval[] = pauses.map((p) => ({ start: p.start, end: p.end ?? endOffset }));
  for (const p of pauses) p.rec.durationMs = (p.end ?? endOffset) - p.start;

  for (const s of steps) {
    if (s.start !== null) s.state.durationMs = netLength({ start: s.start, end: s.end ?? endOffset }, pauseIntervals);
  }

  const grossMs = endOffset;
  const netMs = netLength({ start: 0, end: endOffset }, pauseIntervals);
  const openPause = pauses.length > 0 && pauses[pauses.length - 1]!.end === null ? pauses[pauses.length - 1]! : null;

  return {
    id: first.drillId,
    runbook: started.runbook,
    mode: started.mode,
    operator: first.operator,
    status,
    interrupted: status === 'running' && opts.interrupted === true,
    startedAt: first.at,
    endedAt: ended ? ended.at : null,
    paused: !ended && openPause !== null,
    pauseReason: !ended && openPause ? openPause.rec.reason : null,
    clock: {
      grossMs,
      pausedMs: grossMs - netMs,
      netMs,
      ticking: !ended && openPause === null,
      asOf: ended ? ended.at : isoUtc(now.wallMs),
    },
    rto: rtoResult(started.rtoTargetSec, steps, pauseIntervals, endOffset),
    steps: steps.map((s) => s.state),
    pauses: pauses.map((p) => p.rec),
    gaps,
    notes,
    commands,
    untrackedTerminals,
    endReason,
    eventCount: events.length,
    chainHead: events[events.length - 1]!.hash,
    evidence: referenceEvidence(events),
  };
}

/**
 * The RTO window runs from the step marked rto=start (else the first step to
 * begin) to the end of the step marked rto=end (else the moment the last step
 * reached a final state). Paused time inside the window does not count.
 */
function rtoResult(targetSec: number | null, steps: StepTrack[], pauses: Interval[], now: number): DrillSnapshot['rto'] {
  const startMarked = steps.find((s) => s.state.rtoStart);
  const endMarked = steps.find((s) => s.state.rtoEnd);

  let startStep: StepTrack | undefined;
  if (startMarked) startStep = startMarked.start !== null || startMarked.end !== null ? startMarked : undefined;
  else startStep = minBy(steps.filter((s) => s.start !== null || s.end !== null), (s) => s.start ?? s.end!);
  const windowStart = startStep ? (startStep.start ?? startStep.end) : null;

  let windowEnd: number | null = null;
  let endStep: StepTrack | undefined;
  if (endMarked) {
    if (TERMINAL.has(endMarked.state.status)) {
      windowEnd = endMarked.end;
      endStep = endMarked;
    }
  } else if (steps.length > 0 && steps.every((s) => TERMINAL.has(s.state.status))) {
    endStep = maxBy(steps, (s) => s.end!);
    windowEnd = endStep ? endStep.end : null;
  }

  if (windowStart === null) {
    return { targetSec, actualSec: null, met: null, open: false, startStep: startMarked?.state.index ?? null, endStep: endMarked?.state.index ?? null };
  }
  const open = windowEnd === null;
  const actualMs = netLength({ start: windowStart, end: windowEnd ?? now }, pauses);
  const actualSec = Math.round(actualMs / 100) / 10;
  return {
    targetSec,
    actualSec,
    met: open || targetSec === null ? null : actualSec <= targetSec,
    open,
    startStep: startStep?.state.index ?? null,
    endStep: endStep?.state.index ?? endMarked?.state.index ?? null,
  };
}

function minBy<T>(xs: T[], f: (x: T) => number): T | undefined {
  return xs.reduce<T | undefined>((best, x) => (best === undefined || f(x) < f(best) ? x : best), undefined);
}

function maxBy<T>(xs: T[], f: (x: T) => number): T | undefined {
  return xs.reduce<T | undefined>((best, x) => (best === undefined || f(x) > f(best) ? x : best), undefined);
}
