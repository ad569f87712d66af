/**
 * The event catalogue: for every event type in DRILL_EVENT_TYPES, the shape
 * of its `data`. Pure types (the renderer may read them); the decoder that
 * checks a stored event against them is ./decode.ts.
 *
 * Why: `data` was `Record<string, unknown>`, so the writers of `command.run`
 * spelled "why it failed" three ways (`message` from terminals and the
 * headless runner, `note` when a Run was sent, `error` for a block with no
 * SSH connection) and the reducer tried all three. New events are written
 * through these types, which spell it `message` only; stored events keep
 * their spelling (their bytes are hash-chained), so readers go through
 * `runMessage`, which still reads the two old spellings. 24 event types,
 * 3 spellings of one field found in 5 writers (drill/service, terminal/service
 * twice, runner/headless twice).
 *
 * Fields written by some versions and not others are optional here. Extra
 * fields a writer recorded (a block's `line`, a send's `via`) are allowed:
 * the catalogue names what readers use, not everything ever stored.
 */
import type { DrillMode } from '../common/status';
// Evidence events (main/evidence) keep their data types beside the records derived from them.
import type {
  AttachmentAddedData,
  FailureDeclaredData,
  FindingAddedData,
  ParticipantSetData,
  RecoveryPointSetData,
  RemediationAddedData,
  ScenarioSetData,
  SignoffAddedData,
} from '../common/evidence';

/** What `drill.started` records: everything needed to replay the drill without the runbook file. */
export type DrillStartedData = {
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
};

/** `step.started`, `drill.resumed`: `implicit` when recorded on the operator's behalf (completing a step never started). */
export type ImplicitData = { implicit?: boolean };
export type NoData = Record<string, never>;
export type ReasonData = { reason: string };

export type CheckSetData = {
  itemIndex: number;
  checked: boolean;
  note?: string;
  /** Ticked by a command whose `expect` passed (main/evidence). */
  proof?: { commandSeq: number };
};

export type NoteAddedData = { text: string };

export type DrillRecoveredData = {
  lastEventSeq: number;
  lastEventAt: string;
  previousOwnerPid: number | null;
};

/**
 * A runbook block run. Three shapes share the type: a headless run (one
 * event, when it ends), a terminal's send (`runId`, no result yet) and that
 * send's result (`resultOf` = the send's runId); ./runs.ts joins the last two.
 */
export type CommandRunData = {
  target: string;
  text: string;
  name: string | null;
  /** The block's line in the runbook. */
  line?: number;
  runId?: string;
  /** This event is the result of the send with this runId. */
  resultOf?: string;
  commandIndex?: number;
  queued?: boolean;
  terminalId?: string;
  transcript?: string;
  /** Byte offset in the transcript where the Run line was typed. */
  offset?: number;
  via?: string;
  tracked?: boolean;
  background?: boolean;
  expect?: unknown;
  exitCode: number | null;
  durationMs?: number | null;
  expectPassed: boolean | null;
  startedAt?: string;
  endedAt?: string;
  /** Why it failed, why its result is unknown, or why it waits: one sentence. The one spelling for new events. */
  message?: string;
  outputTail?: string;
  outputFrom?: number | null;
  outputTo?: number | null;
};

/** Spellings of `message` in command.run events recorded before the catalogue: read, never written. */
export type LegacyCommandRunSpellings = {
  /** @deprecated written as `message` now; a Run's send spelled it `note`. */
  note?: string;
  /** @deprecated written as `message` now; a headless block with no SSH connection spelled it `error`. */
  error?: string;
};

export type StoredCommandRunData = CommandRunData & LegacyCommandRunSpellings;

/** A queued Run's turn came (its time starts now). */
export type CommandStartedData = {
  runId: string;
  terminalId: string;
  offset: number;
  startedAt: string;
};

/** A command typed by hand in a terminal, reported by its shell when it ended. */
export type CommandTypedData = {
  target: string;
  /** null: the shell did not save the line in its history; it is only in the transcript. */
  text: string | null;
  exitCode: number | null;
  startedAt: string;
  endedAt: string;
  durationMs: number | null;
  terminalId: string;
  transcript: string;
  outputFrom: number | null;
  outputTo: number | null;
  outputTail?: string;
};

export type TerminalIntegrationData = { terminalId: string; target: string; reason: string };

/** Event type → the `data` a writer records now. */
export interface EventDataMap {
  'drill.started': DrillStartedData;
  'step.started': ImplicitData;
  'step.completed': NoData;
  'step.skipped': ReasonData;
  'step.failed': ReasonData;
  'check.set': CheckSetData;
  'note.added': NoteAddedData;
  'drill.paused': ReasonData;
  'drill.resumed': ImplicitData;
  'drill.recovered': DrillRecoveredData;
  'command.run': CommandRunData;
  'command.started': CommandStartedData;
  'command.typed': CommandTypedData;
  'terminal.integration': TerminalIntegrationData;
  'drill.finished': NoData;
  'drill.aborted': ReasonData;
  'participant.set': ParticipantSetData;
  'scenario.set': ScenarioSetData;
  'failure.declared': FailureDeclaredData;
  'recovery-point.set': RecoveryPointSetData;
  'finding.added': FindingAddedData;
  'remediation.added': RemediationAddedData;
  'attachment.added': AttachmentAddedData;
  'signoff.added': SignoffAddedData;
}

/** Event type → the `data` a reader may find: what writers record now, and the old spellings. */
export type StoredEventDataMap = Omit<EventDataMap, 'command.run'> & { 'command.run': StoredCommandRunData };

/** The data a writer gives for an event of type K. */
export type EventData<K extends keyof EventDataMap> = EventDataMap[K];

/**
 * Why a run failed or its result is unknown, whichever way the event spelled
 * it (`message`; before the catalogue also `note` or `error`), or null.
 */
export function runMessage(d: StoredCommandRunData): string | null {
  for (const v of [d.message, d.note, d.error]) if (typeof v === 'string' && v) return v;
  return null;
}
