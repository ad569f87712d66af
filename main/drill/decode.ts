/**
 * The one decoder at the read boundaries: an event read from the database
 * (DrillStore.events), a history import line (main/history/transfer.ts) or a
 * bundle's drill.json (main/evidence/verify.ts) is checked against the
 * catalogue (./events.ts) before any reducer sees it. A malformed event
 * becomes one sentence naming the drill, the event's seq and the field —
 * `drill 0abc-… event 5 (note.added): data.text must be a string, not a
 * number` — never a crash deeper in a fold.
 *
 * Deliberately lenient where the record is: fields that some versions wrote
 * and others did not are optional, fields nobody reads are not checked, and
 * unknown extra fields pass (old writers recorded `line`, `via`, `tracked`).
 * A stored event is never rewritten: the decoder returns the value it was
 * given, so hash chains verify over exactly what was stored. Checked against
 * every event the test fixtures and the history/bundle tests record
 * (test/unit/drill/events.test.ts).
 */
import { z } from 'zod';
import { DRILL_EVENT_TYPES, type DrillEvent, type DrillEventType } from './model';

const str = z.string();
const int = z.number().int();
const optStr = str.optional();
const nullableNum = z.number().nullable();

const reason = z.object({ reason: str }).passthrough();
const implicit = z.object({ implicit: z.boolean().optional() }).passthrough();
const none = z.object({}).passthrough();
const iso = str;

/** Per event type, what its data must hold. Mirrors ./events.ts (a test keeps the two names in step). */
export const EVENT_DATA_SCHEMAS: Record<DrillEventType, z.ZodType> = {
  'drill.started': z
    .object({
      runbook: z.object({ title: str, path: str, sha256: str }).passthrough(),
      // A string, not the three modes: an export's redaction may have masked it, and a bundle must still verify.
      mode: str,
      rtoTargetSec: nullableNum,
      rpoTargetSec: nullableNum.optional(),
      steps: z.array(
        z
          .object({
            key: str,
            title: str,
            rtoStart: z.boolean(),
            rtoEnd: z.boolean(),
            checklist: z.array(z.object({ text: str, line: z.number(), checked: z.boolean() }).passthrough()),
          })
          .passthrough(),
      ),
    })
    .passthrough(),
  'step.started': implicit,
  'step.completed': none,
  'step.skipped': reason,
  'step.failed': reason,
  'check.set': z
    .object({ itemIndex: int.min(0), checked: z.boolean(), note: optStr, proof: z.object({ commandSeq: int }).passthrough().optional() })
    .passthrough(),
  'note.added': z.object({ text: str }).passthrough(),
  'drill.paused': reason,
  'drill.resumed': implicit,
  'drill.recovered': z.object({ lastEventSeq: int, lastEventAt: str, previousOwnerPid: z.number().nullable() }).passthrough(),
  'command.run': z
    .object({
      target: optStr,
      text: optStr,
      name: str.nullable().optional(),
      runId: optStr,
      resultOf: optStr,
      commandIndex: int.optional(),
      queued: z.boolean().optional(),
      terminalId: optStr,
      transcript: optStr,
      offset: z.number().optional(),
      exitCode: nullableNum.optional(),
      durationMs: nullableNum.optional(),
      expectPassed: z.boolean().nullable().optional(),
      startedAt: optStr,
      endedAt: optStr,
      message: optStr,
      note: optStr,
      error: optStr,
      outputTail: optStr,
      outputFrom: nullableNum.optional(),
      outputTo: nullableNum.optional(),
    })
    .passthrough(),
  'command.started': z.object({ runId: str, terminalId: optStr, offset: z.number().optional(), startedAt: optStr }).passthrough(),
  'command.typed': z
    .object({
      target: optStr,
      text: str.nullable().optional(),
      exitCode: nullableNum.optional(),
      startedAt: optStr,
      endedAt: optStr,
      durationMs: nullableNum.optional(),
      terminalId: optStr,
      transcript: optStr,
      outputFrom: nullableNum.optional(),
      outputTo: nullableNum.optional(),
      outputTail: optStr,
    })
    .passthrough(),
  'terminal.integration': z.object({ terminalId: str, target: optStr, reason: str }).passthrough(),
  'drill.finished': none,
  'drill.aborted': reason,
  // Evidence: the evidence fold skips an event whose values are out of range (an unknown severity); here only the types are checked.
  'participant.set': z.object({ name: str, role: str.nullable() }).passthrough(),
  'scenario.set': z.object({ scenario: str, scope: str, testType: str }).passthrough(),
  'failure.declared': z.object({ failureAt: iso, note: optStr }).passthrough(),
  'recovery-point.set': z.object({ backupId: str, backupAt: iso, source: optStr }).passthrough(),
  'finding.added': z.object({ id: str, text: str, severity: str }).passthrough(),
  'remediation.added': z.object({ id: str, text: str, owner: str, due: str, findingId: optStr }).passthrough(),
  'attachment.added': z
    .object({ sha256: str, name: str, size: z.number(), mediaType: optStr, kind: str, itemIndex: int.optional(), note: optStr })
    .passthrough(),
  'signoff.added': z.object({ role: str, name: str, statement: optStr, signedHead: optStr }).passthrough(),
};

const envelope = z
  .object({
    drillId: str,
    seq: int.min(1),
    type: z.enum(DRILL_EVENT_TYPES),
    at: str,
    wallMs: z.number(),
    monoMs: z.number(),
    clock: str,
    operator: str,
    stepIndex: int.min(0).nullable(),
    data: z.record(z.string(), z.unknown()),
    prevHash: str,
    hash: str,
    salt: optStr,
  })
  .passthrough();

/** A stored event that does not match the catalogue: the message names the drill, the event and the field. */
export class MalformedEventError extends Error {
  constructor(
    readonly drillId: string,
    readonly seq: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'MalformedEventError';
  }
}

/** What is wrong with a stored event, in one sentence, or null when it matches the catalogue. */
export function eventProblem(raw: unknown, drillId: string, index: number): string | null {
  const obj = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : null;
  const seq = obj && typeof obj.seq === 'number' ? obj.seq : index + 1;
  const type = obj && typeof obj.type === 'string' ? obj.type : null;
  const where = `drill ${drillId} event ${seq}${type ? ` (${type})` : ''}`;
  if (!obj || Array.isArray(raw)) return `${where} is not an event (found ${kind(raw)})`;
  const head = envelope.safeParse(obj);
  if (!head.success) return `${where}: ${describe(head.error, obj, '')}`;
  if (typeof (obj.data as Record<string, unknown>).unreadable === 'string' && Object.keys(obj.data as object).length === 1) {
    return `${where}: its data is not valid JSON`;
  }
  const data = EVENT_DATA_SCHEMAS[head.data.type].safeParse(obj.data);
  if (!data.success) return `${where}: ${describe(data.error, obj.data, 'data')}`;
  return null;
}

/** Checks one stored event against the catalogue; the event itself (not a copy) comes back typed. */
export function decodeEvent(raw: unknown, drillId: string, index: number): DrillEvent {
  const problem = eventProblem(raw, drillId, index);
  if (problem) throw new MalformedEventError(drillId, eventSeq(raw, index), problem);
  return raw as DrillEvent;
}

/** Checks a drill's log; throws MalformedEventError for the first event that does not match. */
export function decodeEvents(drillId: string, raws: readonly unknown[]): DrillEvent[] {
  return raws.map((raw, i) => decodeEvent(raw, drillId, i));
}

function eventSeq(raw: unknown, index: number): number {
  const seq = raw !== null && typeof raw === 'object' ? (raw as { seq?: unknown }).seq : undefined;
  return typeof seq === 'number' ? seq : index + 1;
}

/** The first issue as "FIELD must be a string, not a number" (or zod's sentence for anything else). */
function describe(error: z.ZodError, value: unknown, prefix: string): string {
  const issue = error.issues[0];
  if (!issue) return 'malformed';
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || 'the event';
  const found = valueAt(value, issue.path);
  const expected = 'expected' in issue && issue.expected === 'int' ? 'a whole number' : article(String('expected' in issue ? issue.expected : 'value'));
  if (issue.code === 'invalid_type') {
    return found === undefined ? `${path} is missing (it must be ${expected})` : `${path} must be ${expected}, not ${kind(found)}`;
  }
  if (issue.code === 'invalid_value') {
    return path === 'type' ? `"${String(found)}" is not an event type this version of Drillbook knows` : `${path} ${JSON.stringify(found)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'too_small' && typeof found === 'number') return `${path} must be at least ${String(issue.minimum)}, not ${found}`;
  return `${path}: ${issue.message}`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = value;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return article(typeof v);
}

function article(t: string): string {
  if (t === 'null' || t === 'undefined') return t;
  if (t === 'record' || t === 'object') return 'an object';
  if (t === 'array') return 'a list';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
