/**
 * Derives a drill's snapshot from its event log. Pure: the same events and
 * the same "now" always give the same snapshot, which is what lets a drill be
 * rebuilt exactly after a crash and what makes the timings auditable.
 */
import type {
  ChecklistState,
  CommandRunRecord,
  UntrackedTerminal,
  DrillEvent,
  DrillMode,
  DrillSnapshot,
  DrillStatus,
  GapRecord,
  Instant,
  NoteRecord,
  PauseRecord,
  StepState,
} from './model';
import { axisOffsets, distance, netLength, type Interval } from './timeline';
import { isoUtc } from './clock';
import { reduceEvidence } from '../evidence/reduce';

/** What `drill.started` records: everything needed to replay the drill without the runbook file. */
export interface DrillStartedData {
  runbook: { title: string; path: string; sha256: string };
  mode: DrillMode;
  rtoTargetSec: number | null;
  /** The runbook's RPO target; absent in drills recorded before evidence existed. */
  rpoTargetSec?: number | null;
  steps: {
    key: string;
    title: string;
    rtoStart: boolean;
    rtoEnd: boolean;
    checklist: { text: string; line: number; checked: boolean }[];
  }[];
}

interface StepTrack {
  state: StepState;
  start: number | null;
  end: number | null;
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'skipped', 'failed']);

export function startedData(events: readonly DrillEvent[]): DrillStartedData {
  const first = events[0];
  if (!first || first.type !== 'drill.started') throw new Error('drill log does not begin with drill.started');
  return first.data as unknown as DrillStartedData;
}

export function reduceDrill(
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
    const d = e.data;
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
    evidence: reduceEvidence(events),
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
