/**
 * What an evidence report says, worked out once from the (already redacted)
 * drill and rendered twice: report.html/pdf and steps.csv. Pure.
 */
import type { DrillEvent, DrillSnapshot, PauseRecord, GapRecord, StepStatus } from '../drill/model';
import type { Runbook } from '../runbook/model';
import { inRunbook } from './binding';
import { runMessage } from '../drill/events';
import { RunJoin, runOutcome } from '../drill/runs';
import type { AttachmentRecord, FindingRecord, RemediationRecord, SignoffRecord, TestType } from '../common/evidence';

export interface BundleAttachment extends AttachmentRecord {
  /** Where it is in the bundle; null when withheld. */
  bundlePath: string | null;
  /** Why it was left out, when it was. */
  withheld: string | null;
  /** Text that went through redaction (so its bytes differ from the stored original). */
  redacted: boolean;
}

export interface BundleTranscript {
  id: string;
  title: string;
  stepIndex: number | null;
  startedAt: string | null;
  endedAt: string | null;
  path: string;
  /** The session's index (steps, commands, results with times; redacted like everything else); offsets in it count bytes of the raw output, which the bundle does not carry. */
  indexPath: string | null;
  bytes: number;
}

export interface ReportInput {
  snapshot: DrillSnapshot;
  events: readonly DrillEvent[];
  runbook: Runbook | null;
  toolVersion: string;
  generatedAt: string;
  redaction: { applied: boolean; masked: Record<string, number>; redactedEvents: number[] };
  attachments: BundleAttachment[];
  transcripts: BundleTranscript[];
}

export interface ReportCheckItem {
  text: string;
  checked: boolean;
  at: string | null;
  by: string | null;
  note: string | null;
  proof: { commandSeq: number; name: string | null; exitCode: number | null; output: string | null } | null;
  attachments: BundleAttachment[];
}

export interface ReportStep {
  index: number;
  number: number;
  key: string;
  title: string;
  status: StepStatus;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  operator: string | null;
  reason: string | null;
  rtoStart: boolean;
  rtoEnd: boolean;
  checklist: ReportCheckItem[];
  /** Runbook blocks run in the step. */
  commandsRun: number;
  /** Commands typed by hand during the step. */
  commandsTyped: number;
  commandsFailed: number;
}

export interface ReportCommand {
  seq: number;
  at: string;
  stepIndex: number | null;
  target: string;
  name: string | null;
  text: string;
  exitCode: number | null;
  durationMs: number | null;
  expectPassed: boolean | null;
  inRunbook: boolean;
  output: string | null;
  /** Typed by hand in a terminal (reported by its shell), not a runbook block's Run. */
  typed: boolean;
  /** Why the result or the text is unknown, when it is. */
  note: string | null;
}

/** What the log holds about commands, for a statement the report can stand behind. */
export interface CommandCoverage {
  /** Runbook blocks run (Run in a terminal, or `drillbook run`). */
  blockRuns: number;
  /** Commands typed by hand that the shells reported. */
  typed: number;
  /** Of those, how many the shell did not save in its history (text only in the transcript). */
  typedWithoutText: number;
  /** Terminals whose shell had no integration: what was typed there could not be recorded. */
  untracked: { at: string; terminalId: string; target: string; reason: string }[];
}

export interface TimelineData {
  startWallMs: number;
  endWallMs: number;
  steps: { number: number; title: string; status: StepStatus; startMs: number | null; endMs: number | null }[];
  pauses: { startMs: number; endMs: number; reason: string }[];
  gaps: { startMs: number; endMs: number }[];
  failureMs: number | null;
  rtoWindow: { startMs: number; endMs: number | null } | null;
}

export interface ReportModel {
  generatedAt: string;
  toolVersion: string;
  drillId: string;
  runbook: { title: string; path: string; sha256: string };
  mode: string;
  testType: TestType | null;
  status: string;
  interrupted: boolean;
  operator: string;
  scenario: string | null;
  scope: string | null;
  participants: { name: string; role: string }[];
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  clock: { grossMs: number; pausedMs: number; netMs: number };
  rto: { targetSec: number | null; actualSec: number | null; met: boolean | null; open: boolean; startStep: number | null; endStep: number | null };
  rpo: {
    targetSec: number | null;
    actualSec: number | null;
    met: boolean | null;
    problem: string | null;
    failureAt: string | null;
    failureNote: string | null;
    backupId: string | null;
    backupAt: string | null;
    source: string | null;
  };
  timeline: TimelineData;
  steps: ReportStep[];
  pauses: PauseRecord[];
  gaps: GapRecord[];
  deviations: {
    skipped: { number: number; title: string; reason: string }[];
    failed: { number: number; title: string; reason: string }[];
    offRunbook: ReportCommand[];
    expectFailed: ReportCommand[];
  };
  commands: ReportCommand[];
  coverage: CommandCoverage;
  notes: { at: string; operator: string; stepIndex: number | null; text: string }[];
  findings: FindingRecord[];
  remediations: RemediationRecord[];
  signoffs: SignoffRecord[];
  attachments: BundleAttachment[];
  transcripts: BundleTranscript[];
  chain: { head: string; events: number; redactedEvents: number[] };
  redaction: { applied: boolean; masked: Record<string, number> };
}

export function buildReportModel(input: ReportInput): ReportModel {
  const { snapshot: s, events } = input;
  const ev = s.evidence;
  const stepOperator = new Map<number, string>();
  for (const e of events) {
    if (e.stepIndex !== null && (e.type === 'step.started' || e.type === 'step.completed' || e.type === 'step.failed' || e.type === 'step.skipped')) {
      if (!stepOperator.has(e.stepIndex) || e.type !== 'step.started') stepOperator.set(e.stepIndex, e.operator);
    }
  }

  // A terminal records a run twice: when the command is sent, and its result (data.resultOf = the run's id).
  // The report shows one row per run: the result's outcome on the row of the send (main/drill/runs.ts).
  const commands: ReportCommand[] = [];
  const runs = new RunJoin<ReportCommand>();
  const bySeq = new Map<number, ReportCommand>();
  for (const e of events) {
    if (e.type === 'command.started') {
      // A queued Run's turn came: its time is from here.
      const row = runs.started(e.data);
      if (row) row.at = e.at;
      continue;
    }
    if (e.type === 'command.typed') {
      const d = e.data;
      const text = typeof d.text === 'string' ? d.text : null;
      const row: ReportCommand = {
        seq: e.seq,
        at: typeof d.startedAt === 'string' ? d.startedAt : e.at,
        stepIndex: e.stepIndex,
        target: typeof d.target === 'string' ? d.target : 'local',
        name: null,
        text: text ?? '',
        exitCode: typeof d.exitCode === 'number' ? d.exitCode : null,
        durationMs: typeof d.durationMs === 'number' ? d.durationMs : null,
        expectPassed: null,
        output: typeof d.outputTail === 'string' ? d.outputTail : null,
        inRunbook: text !== null && input.runbook ? inRunbook(input.runbook, e.stepIndex, d) : false,
        typed: true,
        note: text === null ? 'not in the shell history (typed with a leading space, or history off): the text is only in the transcript' : null,
      };
      commands.push(row);
      bySeq.set(e.seq, row);
      continue;
    }
    if (e.type !== 'command.run') continue;
    const d = e.data;
    const outcome = { ...runOutcome(d), output: typeof d.outputTail === 'string' ? d.outputTail : null };
    const sent = runs.resultOf(d);
    if (sent) {
      // Results were always written with `message`; runMessage reads the older spellings too.
      Object.assign(sent, outcome, { note: sent.exitCode === null ? runMessage(d) : null });
      bySeq.set(e.seq, sent);
      continue;
    }
    const row: ReportCommand = {
      seq: e.seq,
      at: e.at,
      stepIndex: e.stepIndex,
      target: typeof d.target === 'string' ? d.target : 'local',
      name: typeof d.name === 'string' ? d.name : null,
      text: typeof d.text === 'string' ? d.text : '',
      ...outcome,
      inRunbook: input.runbook ? inRunbook(input.runbook, e.stepIndex, d) : true,
      typed: false,
      note: null,
    };
    commands.push(row);
    bySeq.set(e.seq, row);
    runs.sent(d, row);
  }

  const steps: ReportStep[] = s.steps.map((st) => {
    const own = commands.filter((c) => c.stepIndex === st.index);
    return {
      index: st.index,
      number: st.index + 1,
      key: st.key,
      title: st.title,
      status: st.status,
      startedAt: st.startedAt,
      endedAt: st.endedAt,
      durationMs: st.durationMs,
      operator: stepOperator.get(st.index) ?? null,
      reason: st.reason,
      rtoStart: st.rtoStart,
      rtoEnd: st.rtoEnd,
      commandsRun: own.filter((c) => !c.typed).length,
      commandsTyped: own.filter((c) => c.typed).length,
      commandsFailed: own.filter((c) => c.expectPassed === false).length,
      checklist: st.checklist.map((c) => {
        const proof = ev.checkProofs.find((p) => p.stepIndex === st.index && p.itemIndex === c.index);
        const cmd = proof ? bySeq.get(proof.commandSeq) : undefined;
        return {
          text: c.text,
          checked: c.checked,
          at: c.at,
          by: c.by,
          note: c.note,
          proof: proof ? { commandSeq: proof.commandSeq, name: proof.name, exitCode: proof.exitCode, output: cmd?.output ?? null } : null,
          attachments: input.attachments.filter((a) => a.stepIndex === st.index && a.itemIndex === c.index),
        };
      }),
    };
  });

  return {
    generatedAt: input.generatedAt,
    toolVersion: input.toolVersion,
    drillId: s.id,
    runbook: s.runbook,
    mode: s.mode,
    testType: ev.scenario?.testType ?? null,
    status: s.status,
    interrupted: s.interrupted,
    operator: s.operator,
    scenario: ev.scenario?.scenario ?? null,
    scope: ev.scenario?.scope ?? null,
    participants: ev.participants.map((p) => ({ name: p.name, role: p.role })),
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    endReason: s.endReason,
    clock: { grossMs: s.clock.grossMs, pausedMs: s.clock.pausedMs, netMs: s.clock.netMs },
    rto: { ...s.rto },
    rpo: {
      ...ev.rpo,
      failureAt: ev.failure?.failureAt ?? null,
      failureNote: ev.failure?.note ?? null,
      backupId: ev.recoveryPoint?.backupId ?? null,
      backupAt: ev.recoveryPoint?.backupAt ?? null,
      source: ev.recoveryPoint?.source ?? null,
    },
    timeline: timelineData(s),
    steps,
    pauses: s.pauses,
    gaps: s.gaps,
    deviations: {
      skipped: s.steps.filter((x) => x.status === 'skipped').map((x) => ({ number: x.index + 1, title: x.title, reason: x.reason ?? '' })),
      failed: s.steps.filter((x) => x.status === 'failed').map((x) => ({ number: x.index + 1, title: x.title, reason: x.reason ?? '' })),
      offRunbook: commands.filter((c) => !c.inRunbook),
      expectFailed: commands.filter((c) => c.expectPassed === false),
    },
    commands,
    coverage: {
      blockRuns: commands.filter((c) => !c.typed).length,
      typed: commands.filter((c) => c.typed).length,
      typedWithoutText: commands.filter((c) => c.typed && c.note !== null).length,
      untracked: (s.untrackedTerminals ?? []).map((u) => ({ ...u })),
    },
    notes: s.notes,
    findings: ev.findings,
    remediations: ev.remediations,
    signoffs: ev.signoffs,
    attachments: input.attachments,
    transcripts: input.transcripts,
    chain: { head: s.chainHead, events: s.eventCount, redactedEvents: input.redaction.redactedEvents },
    redaction: { applied: input.redaction.applied, masked: input.redaction.masked },
  };
}

/** Wall-clock positions for the chart (a picture of the drill; the tables carry the exact, pause-aware numbers). */
function timelineData(s: DrillSnapshot): TimelineData {
  const t = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  const start = Date.parse(s.startedAt);
  const end = t(s.endedAt) ?? Date.parse(s.clock.asOf);
  const stepAt = (i: number | null, which: 'startedAt' | 'endedAt') => (i === null ? null : t(s.steps[i]?.[which] ?? null));
  const rtoStart = stepAt(s.rto.startStep, 'startedAt') ?? stepAt(s.rto.startStep, 'endedAt');
  const rtoEnd = s.rto.open ? null : stepAt(s.rto.endStep, 'endedAt');
  const failure = t(s.evidence.failure?.failureAt ?? null);
  return {
    startWallMs: start,
    endWallMs: Math.max(end, start + 1000),
    steps: s.steps.map((st) => ({ number: st.index + 1, title: st.title, status: st.status, startMs: t(st.startedAt), endMs: t(st.endedAt) })),
    pauses: s.pauses.map((p) => ({ startMs: Date.parse(p.startedAt), endMs: t(p.endedAt) ?? end, reason: p.reason })),
    gaps: s.gaps.map((g) => ({ startMs: Date.parse(g.from), endMs: Date.parse(g.to) })),
    failureMs: failure,
    rtoWindow: rtoStart !== null ? { startMs: rtoStart, endMs: rtoEnd } : null,
  };
}
