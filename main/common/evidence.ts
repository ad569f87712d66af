/**
 * Evidence recorded in a drill for auditors: who took part, what was
 * tested, when the failure was declared and which backup it was restored
 * from (hence the actual RPO), findings, remediation, attachments, proof for
 * checklist items, and sign-off. Pure types; JSON-serialisable. The state
 * hangs off DrillSnapshot as `evidence` and is derived by
 * main/drill/evidence-reduce.ts. In common/ because the drill engine, the
 * evidence bundle and the renderer's forms all read these shapes and lists.
 */

/** How the recovery was exercised (NIST SP 800-34 §3.5 / ISO 22301 8.5 exercise kinds). */
export const TEST_TYPES = ['tabletop', 'walkthrough', 'simulation', 'restore', 'parallel', 'full-interruption'] as const;
export type TestType = (typeof TEST_TYPES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ATTACHMENT_KINDS = ['file', 'screen', 'transcript'] as const;
/** file: an uploaded file; screen: the visible terminal screen as text; transcript: an excerpt of a terminal transcript. */
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

export const SIGNOFF_ROLES = ['operator', 'reviewer'] as const;
export type SignoffRole = (typeof SIGNOFF_ROLES)[number];

/**
 * The `data` of each evidence event, as recorded (and hash-chained): the event
 * catalogue's entries for them (main/drill/events.ts). Type aliases, so a
 * reader may also view them as plain JSON objects.
 */
export type ParticipantSetData = {
  name: string;
  /** null removes the participant. */
  role: string | null;
};
export type ScenarioSetData = {
  scenario: string;
  scope: string;
  testType: TestType;
};
export type FailureDeclaredData = {
  /** When the (simulated) failure happened, ISO-8601 UTC; may be earlier than the event itself. */
  failureAt: string;
  note?: string;
};
export type RecoveryPointSetData = {
  backupId: string;
  /** When the backup's data was captured, ISO-8601 UTC. */
  backupAt: string;
  source?: string;
};
export type FindingAddedData = {
  id: string;
  text: string;
  severity: Severity;
};
export type RemediationAddedData = {
  id: string;
  text: string;
  owner: string;
  /** YYYY-MM-DD */
  due: string;
  findingId?: string;
};
export type SignoffAddedData = {
  role: SignoffRole;
  name: string;
  statement?: string;
  /** The chain head the signer saw: what the sign-off covers. */
  signedHead: string;
};
export type AttachmentAddedData = {
  sha256: string;
  name: string;
  size: number;
  mediaType: string;
  kind: AttachmentKind;
  itemIndex?: number;
  note?: string;
};

export interface Participant {
  name: string;
  role: string;
  addedAt: string;
}

export interface ScenarioRecord extends ScenarioSetData {
  at: string;
  by: string;
}

export interface FailureRecord {
  failureAt: string;
  note: string | null;
  recordedAt: string;
  by: string;
}

export interface RecoveryPointRecord {
  backupId: string;
  backupAt: string;
  source: string | null;
  recordedAt: string;
  by: string;
}

export interface RpoResult {
  targetSec: number | null;
  /** Declared failure time minus the recovery point: the data a real outage would have lost. */
  actualSec: number | null;
  met: boolean | null;
  /** Why actualSec is missing, when it is. */
  problem: string | null;
}

export interface FindingRecord extends FindingAddedData {
  stepIndex: number | null;
  at: string;
  by: string;
}

export interface RemediationRecord extends RemediationAddedData {
  at: string;
  by: string;
}

export interface AttachmentRecord extends AttachmentAddedData {
  stepIndex: number | null;
  at: string;
  by: string;
  /** The drill event that recorded it. */
  seq: number;
}

/** A checklist item ticked by a command whose `expect` passed (the command.run event is the proof). */
export interface CheckProof {
  stepIndex: number;
  itemIndex: number;
  commandSeq: number;
  name: string | null;
  exitCode: number | null;
  at: string;
}

export interface SignoffRecord {
  role: SignoffRole;
  name: string;
  statement: string | null;
  signedHead: string;
  at: string;
}

export interface EvidenceState {
  participants: Participant[];
  scenario: ScenarioRecord | null;
  failure: FailureRecord | null;
  recoveryPoint: RecoveryPointRecord | null;
  rpo: RpoResult;
  findings: FindingRecord[];
  remediations: RemediationRecord[];
  attachments: AttachmentRecord[];
  checkProofs: CheckProof[];
  signoffs: SignoffRecord[];
  /** The reviewer has signed off: the evidence can no longer change. */
  sealed: boolean;
}

/** What an evidence export wrote (evidence/bundle.ts). */
export interface ExportResult {
  drillId: string;
  dir: string;
  zipPath: string | null;
  chainHead: string;
  /** Every file in the bundle, as manifest.json lists it. */
  files: { path: string; sha256: string; bytes: number }[];
  signed: boolean;
  pdf: boolean;
  redaction: { applied: boolean; masked: Record<string, number>; redactedEvents: number[]; withheld: string[] };
}


export interface EvidenceExport extends ExportResult {
  /** The export's folder name under <dataDir>/exports (the zip is <name>.zip beside it). */
  name: string;
  /** Where the browser host serves the zip (authenticated like everything else it serves). */
  downloadPath: string;
}

