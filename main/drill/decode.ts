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
 * and others did not are optional, values are the reducers' concern (an
 * unknown severity is skipped there), and unknown extra fields pass (old
 * writers recorded `line`, `via`, `tracked`). A stored event is never
 * rewritten: the decoder returns the value it was given, so hash chains
 * verify over exactly what was stored.
 *
 * Table-driven rather than zod: a first version with zod schemas cost
 * 16–18 µs an event (20,000 events: 320–360 ms warm, ~1 s cold), which
 * `db check` pays for every event of every drill; these checks copy nothing
 * and build a message only for a problem: 20,000 events in 77–105 ms warm
 * (4–5 µs an event), 370 ms cold; both measured at load 8–9 on 2 shared cores.
 * Checked against every event the tests record (test/unit/drill/events.test.ts).
 */
import { DRILL_EVENT_TYPES, type DrillEvent, type DrillEventType } from './model';

/**
 * A field's rule: `string`, `number`, `int`, `boolean`, `object`, joined by
 * `|` (`null` allowed too), `?` at the end when the field may be absent; or a
 * nested shape; or `[rule]`, a list of that rule.
 */
type Rule = string | Shape | [Rule];
interface Shape {
  [field: string]: Rule;
}

const reason: Shape = { reason: 'string' };
const implicit: Shape = { implicit: 'boolean?' };
const none: Shape = {};

/** Per event type, what its data must hold. Mirrors ./events.ts (a test keeps the two lists of names in step). */
export const EVENT_DATA_RULES: Record<DrillEventType, Shape> = {
  'drill.started': {
    runbook: { title: 'string', path: 'string', sha256: 'string' },
    // Text, not the three modes: an export's redaction may have masked it, and a bundle must still verify.
    mode: 'string',
    rtoTargetSec: 'number|null',
    rpoTargetSec: 'number|null?',
    steps: [{ key: 'string', title: 'string', rtoStart: 'boolean', rtoEnd: 'boolean', checklist: [{ text: 'string', line: 'number', checked: 'boolean' }] }],
  },
  'step.started': implicit,
  'step.completed': none,
  'step.skipped': reason,
  'step.failed': reason,
  'check.set': { itemIndex: 'int', checked: 'boolean', note: 'string?', proof: { commandSeq: 'int' } },
  'note.added': { text: 'string' },
  'drill.paused': reason,
  'drill.resumed': implicit,
  'drill.recovered': { lastEventSeq: 'int', lastEventAt: 'string', previousOwnerPid: 'number|null' },
  'command.run': {
    target: 'string?',
    text: 'string?',
    name: 'string|null?',
    runId: 'string?',
    resultOf: 'string?',
    commandIndex: 'int?',
    queued: 'boolean?',
    terminalId: 'string?',
    transcript: 'string?',
    offset: 'number?',
    exitCode: 'number|null?',
    durationMs: 'number|null?',
    expectPassed: 'boolean|null?',
    startedAt: 'string?',
    endedAt: 'string?',
    message: 'string?',
    note: 'string?',
    error: 'string?',
    outputTail: 'string?',
    outputFrom: 'number|null?',
    outputTo: 'number|null?',
  },
  'command.started': { runId: 'string', terminalId: 'string?', offset: 'number?', startedAt: 'string?' },
  'command.typed': {
    target: 'string?',
    text: 'string|null?',
    exitCode: 'number|null?',
    startedAt: 'string?',
    endedAt: 'string?',
    durationMs: 'number|null?',
    terminalId: 'string?',
    transcript: 'string?',
    outputFrom: 'number|null?',
    outputTo: 'number|null?',
    outputTail: 'string?',
  },
  'terminal.integration': { terminalId: 'string', target: 'string?', reason: 'string' },
  'drill.finished': none,
  'drill.aborted': reason,
  'participant.set': { name: 'string', role: 'string|null' },
  'scenario.set': { scenario: 'string', scope: 'string', testType: 'string' },
  'failure.declared': { failureAt: 'string', note: 'string?' },
  'recovery-point.set': { backupId: 'string', backupAt: 'string', source: 'string?' },
  'finding.added': { id: 'string', text: 'string', severity: 'string' },
  'remediation.added': { id: 'string', text: 'string', owner: 'string', due: 'string', findingId: 'string?' },
  'attachment.added': { sha256: 'string', name: 'string', size: 'number', mediaType: 'string?', kind: 'string', itemIndex: 'int?', note: 'string?' },
  'signoff.added': { role: 'string', name: 'string', statement: 'string?', signedHead: 'string?' },
};
// check.set's proof is optional: a shape cannot say so with `?`, so its absence is allowed below.
const OPTIONAL_SHAPES = new Set(['proof']);

const ENVELOPE: Shape = {
  drillId: 'string',
  seq: 'int',
  type: 'string',
  at: 'string',
  wallMs: 'number',
  monoMs: 'number',
  clock: 'string',
  operator: 'string',
  stepIndex: 'int|null',
  data: 'object',
  prevHash: 'string',
  hash: 'string',
  salt: 'string?',
};
const KNOWN_TYPES: ReadonlySet<string> = new Set(DRILL_EVENT_TYPES);

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
  const problem = firstProblem(raw);
  if (problem === null) return null;
  const obj = isObject(raw) ? raw : null;
  const seq = obj && typeof obj.seq === 'number' ? obj.seq : index + 1;
  const type = obj && typeof obj.type === 'string' ? obj.type : null;
  const where = `drill ${drillId} event ${seq}${type ? ` (${type})` : ''}`;
  return problem.startsWith(' ') ? `${where}${problem}` : `${where}: ${problem}`;
}

/** The problem without saying where (a leading space: it reads on from "drill … event N"), or null. */
function firstProblem(raw: unknown): string | null {
  if (!isObject(raw)) return ` is not an event (found ${kind(raw)})`;
  const head = checkShape(raw, ENVELOPE, '');
  if (head) return head;
  const type = raw.type as string;
  if (!KNOWN_TYPES.has(type)) return `"${type}" is not an event type this version of Drillbook knows`;
  if ((raw.seq as number) < 1) return `seq must be at least 1, not ${String(raw.seq)}`;
  if (typeof raw.stepIndex === 'number' && raw.stepIndex < 0) return `stepIndex must be at least 0, not ${raw.stepIndex}`;
  const data = raw.data as Record<string, unknown>;
  if (typeof data.unreadable === 'string' && Object.keys(data).length === 1) return 'its data is not valid JSON';
  return checkShape(data, EVENT_DATA_RULES[type as DrillEventType], 'data');
}

/** Checks one stored event against the catalogue; the event itself (not a copy) comes back typed. */
export function decodeEvent(raw: unknown, drillId: string, index: number): DrillEvent {
  const problem = eventProblem(raw, drillId, index);
  if (problem) throw new MalformedEventError(drillId, isObject(raw) && typeof raw.seq === 'number' ? raw.seq : index + 1, problem);
  return raw as DrillEvent;
}

/** Checks a drill's log; throws MalformedEventError for the first event that does not match. */
export function decodeEvents(drillId: string, raws: readonly unknown[]): DrillEvent[] {
  return raws.map((raw, i) => decodeEvent(raw, drillId, i));
}

/** A rule, parsed once: the checks run for every event of every drill a read opens. */
type Compiled = { kinds: readonly string[]; optional: boolean } | { shape: readonly (readonly [string, Compiled])[] } | { list: Compiled };
const compiledShapes = new WeakMap<Shape, readonly (readonly [string, Compiled])[]>();

function compile(rule: Rule): Compiled {
  if (Array.isArray(rule)) return { list: compile(rule[0]) };
  if (typeof rule !== 'string') return { shape: fieldsOf(rule) };
  const optional = rule.endsWith('?');
  return { kinds: (optional ? rule.slice(0, -1) : rule).split('|'), optional };
}

function fieldsOf(shape: Shape): readonly (readonly [string, Compiled])[] {
  let fields = compiledShapes.get(shape);
  if (!fields) {
    fields = Object.entries(shape).map(([k, r]) => [k, compile(r)] as const);
    compiledShapes.set(shape, fields);
  }
  return fields;
}

/** The first problem in `value`, or null; paths are built only for a problem found. */
function checkShape(value: Record<string, unknown>, shape: Shape, path: string): string | null {
  return checkFields(value, fieldsOf(shape), path);
}

function checkFields(value: Record<string, unknown>, fields: readonly (readonly [string, Compiled])[], path: string): string | null {
  for (const [field, rule] of fields) {
    const v = value[field];
    if (v === undefined && 'shape' in rule && OPTIONAL_SHAPES.has(field)) continue;
    const problem = checkRule(v, rule, path, field);
    if (problem) return problem;
  }
  return null;
}

function checkRule(v: unknown, rule: Compiled, parent: string, key: string | number): string | null {
  if ('kinds' in rule) {
    if (v === undefined && rule.optional) return null;
    for (const k of rule.kinds) if (fits(v, k)) return null;
    const path = join(parent, key);
    if (typeof v === 'number' && rule.kinds.includes('int')) return `${path} must be a whole number, not ${v}`;
    return wrong(v, article(rule.kinds[0]!), path);
  }
  if ('list' in rule) {
    if (!Array.isArray(v)) return wrong(v, 'a list', join(parent, key));
    for (let i = 0; i < v.length; i++) {
      const problem = checkRule(v[i], rule.list, join(parent, key), i);
      if (problem) return problem;
    }
    return null;
  }
  return isObject(v) ? checkFields(v, rule.shape, join(parent, key)) : wrong(v, 'an object', join(parent, key));
}

function join(parent: string, key: string | number): string {
  return parent ? `${parent}.${key}` : String(key);
}

function fits(v: unknown, k: string): boolean {
  switch (k) {
    case 'null':
      return v === null;
    case 'int':
      return Number.isInteger(v);
    case 'object':
      return isObject(v);
    default:
      return typeof v === k;
  }
}

function wrong(v: unknown, expected: string, path: string): string {
  return v === undefined ? `${path} is missing (it must be ${expected})` : `${path} must be ${expected}, not ${kind(v)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return article(typeof v);
}

function article(t: string): string {
  if (t === 'int') return 'a number';
  if (t === 'object') return 'an object';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
