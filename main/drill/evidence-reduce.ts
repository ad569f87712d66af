/**
 * Derives a drill's evidence from its event log. Pure, like the drill
 * reducer it sits beside (it is part of the drill's fold, so it lives in
 * drill/; the bundle that exports evidence is in evidence/): the same events always give the same evidence.
 * Malformed data in an event (a hand-edited database) is skipped rather
 * than trusted, so the snapshot never carries a value of the wrong type.
 */
import type { DrillEvent, DrillEventOf } from './model';
import type {
  AttachmentRecord,
  CheckProof,
  EvidenceState,
  FindingRecord,
  Participant,
  RemediationRecord,
  RpoResult,
  SignoffRecord,
} from '../common/evidence';
import { ATTACHMENT_KINDS, SEVERITIES, SIGNOFF_ROLES, TEST_TYPES } from '../common/evidence';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const optStr = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const oneOf = <T extends string>(v: unknown, allowed: readonly T[]): T | null =>
  typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : null;

export function emptyEvidence(rpoTargetSec: number | null = null): EvidenceState {
  return {
    participants: [],
    scenario: null,
    failure: null,
    recoveryPoint: null,
    rpo: computeRpo(null, null, rpoTargetSec),
    findings: [],
    remediations: [],
    attachments: [],
    checkProofs: [],
    signoffs: [],
    sealed: false,
  };
}

/**
 * The evidence fold's running state. `foldEvidence` adds one event to it;
 * `evidenceOf` reads the snapshot out (copies, so a later event never changes
 * a snapshot already handed out). Folding event by event gives exactly what
 * `reduceEvidence` gives for the whole log (test/unit/drill/fold.test.ts),
 * which is what lets a drill's snapshot be updated per event in O(1).
 */
export interface EvidenceFold {
  rpoTargetSec: number | null;
  scenario: EvidenceState['scenario'];
  failure: EvidenceState['failure'];
  recoveryPoint: EvidenceState['recoveryPoint'];
  participants: Map<string, Participant>;
  proofs: Map<string, CheckProof>;
  /** command.run events by seq: a check.set proof names the command that proves it. */
  commands: Map<number, DrillEventOf<'command.run'>>;
  findings: FindingRecord[];
  remediations: RemediationRecord[];
  attachments: AttachmentRecord[];
  signoffs: SignoffRecord[];
}

export function initEvidence(first: DrillEvent | undefined): EvidenceFold {
  const started = first?.type === 'drill.started' ? first.data : undefined;
  return {
    rpoTargetSec: typeof started?.rpoTargetSec === 'number' ? started.rpoTargetSec : null,
    scenario: null,
    failure: null,
    recoveryPoint: null,
    participants: new Map(),
    proofs: new Map(),
    commands: new Map(),
    findings: [],
    remediations: [],
    attachments: [],
    signoffs: [],
  };
}

export function reduceEvidence(events: readonly DrillEvent[]): EvidenceState {
  return evidenceOf(events.reduce(foldEvidence, initEvidence(events[0])));
}

/** Adds one event to the fold (mutating and returning it: the fold owns its state). */
export function foldEvidence(f: EvidenceFold, e: DrillEvent): EvidenceFold {
  switch (e.type) {
    case 'participant.set': {
      const d = e.data;
      const name = str(d.name);
      if (!name) break;
      const key = name.toLowerCase();
      const role = str(d.role);
      if (role === null) f.participants.delete(key);
      else f.participants.set(key, { name, role, addedAt: f.participants.get(key)?.addedAt ?? e.at });
      break;
    }
    case 'scenario.set': {
      const d = e.data;
      const testType = oneOf(d.testType, TEST_TYPES);
      const scenario = str(d.scenario);
      const scope = str(d.scope);
      if (testType && scenario !== null && scope !== null) f.scenario = { scenario, scope, testType, at: e.at, by: e.operator };
      break;
    }
    case 'failure.declared': {
      const d = e.data;
      const failureAt = str(d.failureAt);
      if (failureAt && isIso(failureAt)) f.failure = { failureAt, note: optStr(d.note) ?? null, recordedAt: e.at, by: e.operator };
      break;
    }
    case 'recovery-point.set': {
      const d = e.data;
      const backupId = str(d.backupId);
      const backupAt = str(d.backupAt);
      if (backupId && backupAt && isIso(backupAt)) {
        f.recoveryPoint = { backupId, backupAt, source: optStr(d.source) ?? null, recordedAt: e.at, by: e.operator };
      }
      break;
    }
    case 'finding.added': {
      const d = e.data;
      const id = str(d.id);
      const text = str(d.text);
      const severity = oneOf(d.severity, SEVERITIES);
      if (id && text && severity) f.findings.push({ id, text, severity, stepIndex: e.stepIndex, at: e.at, by: e.operator });
      break;
    }
    case 'remediation.added': {
      const d = e.data;
      const id = str(d.id);
      const text = str(d.text);
      const owner = str(d.owner);
      const due = str(d.due);
      if (id && text && owner && due) {
        const findingId = optStr(d.findingId);
        f.remediations.push({ id, text, owner, due, ...(findingId ? { findingId } : {}), at: e.at, by: e.operator });
      }
      break;
    }
    case 'attachment.added': {
      const d = e.data;
      const sha256 = str(d.sha256);
      const name = str(d.name);
      const kind = oneOf(d.kind, ATTACHMENT_KINDS);
      if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256) || !name || !kind || typeof d.size !== 'number') break;
      const note = optStr(d.note);
      f.attachments.push({
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
      f.commands.set(e.seq, e);
      break;
    case 'check.set': {
      const d = e.data;
      if (e.stepIndex === null || typeof d.itemIndex !== 'number') break;
      const key = `${e.stepIndex}:${d.itemIndex}`;
      const proof = d.proof as { commandSeq?: unknown } | undefined;
      const cmd = typeof proof?.commandSeq === 'number' ? f.commands.get(proof.commandSeq) : undefined;
      if (d.checked === true && cmd) {
        f.proofs.set(key, {
          stepIndex: e.stepIndex,
          itemIndex: d.itemIndex,
          commandSeq: cmd.seq,
          name: str(cmd.data.name),
          exitCode: typeof cmd.data.exitCode === 'number' ? cmd.data.exitCode : null,
          at: e.at,
        });
      } else {
        // Unticked, or re-ticked by hand: the command is no longer what proves it.
        f.proofs.delete(key);
      }
      break;
    }
    case 'signoff.added': {
      const d = e.data;
      const role = oneOf(d.role, SIGNOFF_ROLES);
      const name = str(d.name);
      if (role && name) f.signoffs.push({ role, name, statement: optStr(d.statement) ?? null, signedHead: str(d.signedHead) ?? '', at: e.at });
      break;
    }
    default:
      break;
  }
  return f;
}

export function evidenceOf(f: EvidenceFold): EvidenceState {
  const ev = emptyEvidence(f.rpoTargetSec);
  ev.scenario = f.scenario;
  ev.failure = f.failure;
  ev.recoveryPoint = f.recoveryPoint;
  ev.participants = [...f.participants.values()];
  ev.findings = f.findings.slice();
  ev.remediations = f.remediations.slice();
  ev.attachments = f.attachments.slice();
  ev.checkProofs = [...f.proofs.values()].sort((a, b) => a.stepIndex - b.stepIndex || a.itemIndex - b.itemIndex);
  ev.signoffs = f.signoffs.slice();
  ev.sealed = f.signoffs.some((s) => s.role === 'reviewer');
  ev.rpo = computeRpo(f.failure?.failureAt ?? null, f.recoveryPoint?.backupAt ?? null, f.rpoTargetSec);
  return ev;
}

/**
 * Actual RPO: how much data a real failure at the declared time would have
 * lost, restoring from the recovery point used: failure time − backup time.
 */
export function computeRpo(failureAt: string | null, backupAt: string | null, targetSec: number | null): RpoResult {
  if (failureAt === null || backupAt === null) {
    const missing = failureAt === null && backupAt === null ? 'no failure time and no recovery point recorded' : failureAt === null ? 'no failure time declared' : 'no recovery point recorded';
    return { targetSec, actualSec: null, met: null, problem: missing };
  }
  const ms = Date.parse(failureAt) - Date.parse(backupAt);
  if (!Number.isFinite(ms)) return { targetSec, actualSec: null, met: null, problem: 'unreadable timestamps' };
  if (ms < 0) return { targetSec, actualSec: null, met: null, problem: 'the recovery point is later than the declared failure' };
  const actualSec = Math.round(ms / 100) / 10;
  return { targetSec, actualSec, met: targetSec === null ? null : actualSec <= targetSec, problem: null };
}

/** A full ISO-8601 UTC timestamp as Drillbook writes them (2026-01-01T09:00:00.000Z; seconds and fraction optional). */
export function isIso(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && Number.isFinite(Date.parse(s));
}
