/**
 * The drill's data model: the events that are recorded, and the snapshot
 * that is derived from them. Pure types; JSON-serialisable.
 */
import type { EvidenceState } from '../common/evidence';
import type { DrillMode, DrillStatus, StepStatus } from '../common/status';
import type { EventDataMap, StoredEventDataMap } from './events';

// Modes and statuses live in main/common/status.ts (with "is this step finished"); named here too, as before.
export type { DrillMode, DrillStatus, StepStatus };
export { DRILL_MODES, DRILL_STATUSES } from '../common/status';

/**
 * A point in time as measured. `wallMs` is UTC wall clock (what a human
 * reads); `monoMs` is a monotonic clock (what durations come from), valid
 * only between readings that share the same `clock` domain (one machine
 * boot). Durations across domains fall back to wall clock and are shown
 * as such, never silently merged.
 */
export interface Instant {
  wallMs: number;
  monoMs: number;
  clock: string;
}

/** Every event type, in one list: the type below and the validators (history import) come from it. */
export const DRILL_EVENT_TYPES = [
  'drill.started',
  'step.started',
  'step.completed',
  'step.skipped',
  'step.failed',
  'check.set',
  'note.added',
  'drill.paused',
  'drill.resumed',
  'drill.recovered',
  'command.run',
  // Terminals (main/terminal): a queued Run typed into its shell; a command typed by hand; a shell without integration.
  'command.started',
  'command.typed',
  'terminal.integration',
  'drill.finished',
  'drill.aborted',
  // Evidence for auditors (main/evidence): data shapes in main/common/evidence.ts.
  'participant.set',
  'scenario.set',
  'failure.declared',
  'recovery-point.set',
  'finding.added',
  'remediation.added',
  'attachment.added',
  'signoff.added',
] as const;

export type DrillEventType = (typeof DRILL_EVENT_TYPES)[number];

/** What every event carries besides its type and data. */
export interface DrillEventBase extends Instant {
  drillId: string;
  /** 1-based position in the drill's log. */
  seq: number;
  /** ISO-8601 UTC of wallMs. */
  at: string;
  operator: string;
  stepIndex: number | null;
  /** SHA-256 of the previous event's record (hash chain); '' for the first. */
  prevHash: string;
  hash: string;
  /**
   * Chain v2: the event's random salt (32 hex digits), from which the salted
   * commitments its hash covers are derived (main/drill/chain.ts). Absent on
   * events recorded before v2. Exports never ship it for an event they mask.
   */
  salt?: string;
}

/** An event as read from outside (a row, an import line, a bundle) before ./decode.ts checked it: any type name, any data. */
export type UncheckedDrillEvent = DrillEventBase & { type: string; data: unknown };

/** One event of type K, with the data the catalogue (./events.ts) gives that type. */
export type DrillEventOf<K extends DrillEventType> = DrillEventBase & { type: K; data: StoredEventDataMap[K] };

/** A recorded event: a union over `type`, so `switch (e.type)` gives each case its typed `data`. */
export type DrillEvent = { [K in DrillEventType]: DrillEventOf<K> }[DrillEventType];

/** Assembles one event from typed parts: the one place a writer's (type, data) pair becomes the union. */
export function drillEvent<K extends DrillEventType>(e: DrillEventOf<K>): DrillEvent {
  return e as DrillEvent;
}

// The catalogue names every event type and nothing else (a compile error here means they drifted apart).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const catalogueCoversEveryType: Same<keyof EventDataMap, DrillEventType> = true;
void catalogueCoversEveryType;

export interface ChecklistState {
  index: number;
  text: string;
  line: number;
  checked: boolean;
  at: string | null;
  by: string | null;
  note: string | null;
}

export interface StepState {
  index: number;
  key: string;
  title: string;
  status: StepStatus;
  startedAt: string | null;
  endedAt: string | null;
  /** Net time the step ran (pauses excluded); while running, as of the snapshot. */
  durationMs: number | null;
  reason: string | null;
  checklist: ChecklistState[];
  rtoStart: boolean;
  rtoEnd: boolean;
}

export interface PauseRecord {
  reason: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
}

/** A stretch when Drillbook was not running (crash, kill, power loss). */
export interface GapRecord {
  from: string;
  to: string;
  durationMs: number;
  /** How the gap was measured: a monotonic clock, or wall clock across a reboot. */
  measuredBy: 'monotonic' | 'wall-clock';
}

export interface NoteRecord {
  at: string;
  operator: string;
  stepIndex: number | null;
  text: string;
}

export interface CommandRunRecord {
  at: string;
  stepIndex: number | null;
  target: string;
  text: string;
  name: string | null;
  exitCode: number | null;
  durationMs: number | null;
  expectPassed: boolean | null;
  /** Set for commands typed into a terminal; their result arrives as a later event (`resultOf`). */
  runId: string | null;
  /** When it was sent / started. */
  startedAt: string;
  /** When its exit status was known; null while running or when it cannot be known. */
  endedAt: string | null;
  /** The terminal (transcript id) it ran in, and that transcript's output file. */
  terminalId: string | null;
  transcript: string | null;
  /** Why it failed or why its result is unknown, in one sentence. */
  note: string | null;
  /** run: a runbook block (Run, or `drillbook run`); typed: a command typed by hand in a terminal. */
  origin: 'run' | 'typed';
  /** The block's position in its step (Run), or null. */
  commandIndex: number | null;
  /** A Run waiting for the one before it in its terminal. */
  queued: boolean;
  /** Output range in the terminal's transcript (.out byte offsets), when known. */
  outputFrom: number | null;
  outputTo: number | null;
}

/** A terminal whose shell could not report commands: what was typed there is only in its transcript. */
export interface UntrackedTerminal {
  at: string;
  terminalId: string;
  target: string;
  reason: string;
}

export interface DrillClock {
  /** From drill start to end (or to `asOf`). */
  grossMs: number;
  pausedMs: number;
  /** gross - paused. */
  netMs: number;
  /** Whether the clock advances after `asOf` (false when paused or ended). */
  ticking: boolean;
  asOf: string;
}

export interface RtoResult {
  targetSec: number | null;
  /** Net seconds in the RTO window; while running, elapsed so far. */
  actualSec: number | null;
  met: boolean | null;
  /** The RTO window is open (started, not yet ended). */
  open: boolean;
  startStep: number | null;
  endStep: number | null;
}

export interface DrillSnapshot {
  id: string;
  runbook: { title: string; path: string; sha256: string };
  mode: DrillMode;
  operator: string;
  status: DrillStatus;
  /** Running, but the process that ran it stopped without finishing it. */
  interrupted: boolean;
  startedAt: string;
  endedAt: string | null;
  paused: boolean;
  pauseReason: string | null;
  clock: DrillClock;
  rto: RtoResult;
  steps: StepState[];
  pauses: PauseRecord[];
  gaps: GapRecord[];
  notes: NoteRecord[];
  commands: CommandRunRecord[];
  /** Terminals without shell integration (typed commands there could not be recorded). */
  untrackedTerminals: UntrackedTerminal[];
  endReason: string | null;
  eventCount: number;
  chainHead: string;
  /** Participants, scenario, RPO, findings, remediation, attachments, sign-off (main/evidence). */
  evidence: EvidenceState;
}

/** One row of the history list: the snapshot without the detail. */
export interface DrillSummary {
  id: string;
  runbook: { title: string; path: string; sha256: string };
  mode: DrillMode;
  operator: string;
  status: DrillStatus;
  interrupted: boolean;
  startedAt: string;
  endedAt: string | null;
  rto: { targetSec: number | null; actualSec: number | null; met: boolean | null };
  netMs: number | null;
  pausedMs: number | null;
  steps: { title: string; status: StepStatus; startedAt: string | null; endedAt: string | null; durationMs: number | null }[];
}
