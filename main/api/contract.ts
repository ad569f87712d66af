/**
 * The one API between any UI and the Drillbook core.
 *
 * Every host (Electron IPC, the WebSocket server, the CLI) is a thin adapter
 * that hands raw messages to `dispatch` in ./core, which validates them
 * against the schemas below before anything runs. The renderer imports the
 * types (and only the types) from here, so a change to the contract is a
 * compile error on both sides.
 */
import { z } from 'zod';
import type { ErrorCode } from '../common/errors';
import { LIMITS } from '../common/limits';
import { DRILL_MODES, UI_DRILL_MODES } from '../common/status';
import type { Runbook } from '../runbook/model';
import type { LibraryEntry } from '../runbook/model';
import type { DrillSnapshot } from '../drill/model';
import type { DrillComparison, HistoryEntry, HistoryRunbook, RunbookStats, Waterfall } from '../history/model';
import type { BackupInfo, DbHealth } from '../store/model';
import type { IndexRecord, PromptInfo, RunResult, TerminalEvent, TerminalInfo, TranscriptInfo } from '../terminal/types';
import { ATTACHMENT_KINDS, SEVERITIES, SIGNOFF_ROLES, TEST_TYPES, type EvidenceExport } from '../common/evidence';
import type { RunbookVars } from '../runbook/model';
import type { TeamStatus } from '../common/team';
export type { TeamStatus };

const drillId = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'not a drill id');
const stepIndex = z.number().int().min(0).max(10_000);
const reason = z.string().trim().min(1, 'a reason is required').max(LIMITS.reason);
const path = z.string().min(1).max(4096);
/** A date (YYYY-MM-DD, a UTC day) or an ISO date-time with a zone; main/history/filter.ts checks it is a real one. */
const dateFilter = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/, 'expected a date (2026-01-31) or an ISO date-time with a zone');
/** History filters (main/history/model.ts HistoryFilter). */
const historyFilter = {
  runbookPath: path.optional(),
  mode: z.enum(DRILL_MODES).optional(),
  status: z.enum(['running', 'completed', 'failed', 'aborted']).optional(),
  result: z.enum(['pass', 'fail']).optional(),
  since: dateFilter.optional(),
  until: dateFilter.optional(),
};

const terminalId = z.string().regex(/^[tx][0-9a-f]{12}$/, 'not a terminal id');
/** A runbook target name, or (outside a drill) an ssh destination such as user@host:2222. */
const terminalTarget = z.string().trim().min(1).max(300);
const termCols = z.number().int().min(2).max(1000);
const termRows = z.number().int().min(1).max(500);

// Evidence (main/evidence).
const personName = z.string().trim().min(1, 'a name is required').max(LIMITS.name);
const evidenceText = z.string().trim().min(1, 'text is required').max(LIMITS.evidenceText);
const isoTime = z.string().trim().min(1).max(LIMITS.isoTime);
/** Attachments are limited to 20 MiB (main/evidence/attachments.ts); base64 makes that 4/3 bigger. */
const MAX_ATTACHMENT_BASE64 = Math.ceil((20 * 1024 * 1024) / 3) * 4;

/** Parameter schemas, one per method. */
export const paramSchemas = {
  'app.info': z.object({}).strict(),
  'runbooks.list': z.object({}).strict(),
  'runbooks.get': z.object({ path }).strict(),
  'runbooks.addFolder': z.object({ path }).strict(),
  /** The runbook's `vars:` for the start dialog to prompt for (main/runbook/vars.ts); never a secret's value. */
  'runbooks.vars': z.object({ path }).strict(),
  /** Choose the section that holds the procedure (null: back to Drillbook's guess); remembered for this runbook in the data folder. */
  'runbooks.setSteps': z.object({ path, steps: z.string().trim().min(1, 'name a section').max(300).nullable() }).strict(),
  'drill.start': z
    .object({
      runbookPath: path,
      mode: z.enum(UI_DRILL_MODES),
      operator: z.string().trim().min(1, 'operator name is required').max(LIMITS.name),
      /** Values for the runbook's variables (`{{NAME}}`); declared ones without a value take their default. Secrets cannot be given here. */
      vars: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a variable name').max(100), z.string().max(LIMITS.varValue)).optional(),
    })
    .strict(),
  /** `full`: the whole snapshot even where this connection holds an earlier one (a client that missed a version, main/api/wire.ts). */
  'drill.get': z.object({ drillId, full: z.boolean().optional() }).strict(),
  /** The runbook exactly as the drill started with it (variables filled), whatever the file says now. */
  'drill.runbook': z.object({ drillId }).strict(),
  'drill.active': z.object({}).strict(),
  'drill.recover': z.object({ drillId }).strict(),
  'step.start': z.object({ drillId, stepIndex }).strict(),
  'step.complete': z.object({ drillId, stepIndex }).strict(),
  'step.skip': z.object({ drillId, stepIndex, reason }).strict(),
  'step.fail': z.object({ drillId, stepIndex, reason }).strict(),
  'check.set': z
    .object({
      drillId,
      stepIndex,
      itemIndex: z.number().int().min(0).max(10_000),
      checked: z.boolean(),
      note: z.string().max(LIMITS.note).optional(),
    })
    .strict(),
  'note.add': z
    .object({ drillId, stepIndex: stepIndex.nullable().optional(), text: z.string().trim().min(1).max(LIMITS.stepNote) })
    .strict(),
  'drill.pause': z.object({ drillId, reason }).strict(),
  'drill.resume': z.object({ drillId }).strict(),
  'drill.finish': z.object({ drillId }).strict(),
  'drill.abort': z.object({ drillId, reason }).strict(),
  'history.list': z
    .object({
      ...historyFilter,
      limit: z.number().int().min(1).max(10_000).optional(),
      offset: z.number().int().min(0).optional(),
      steps: z.boolean().optional(),
    })
    .strict(),
  'history.count': z.object(historyFilter).strict(),
  'history.runbooks': z.object({}).strict(),
  'history.runbookStats': z
    .object({
      runbookPath: path,
      mode: historyFilter.mode,
      since: historyFilter.since,
      until: historyFilter.until,
      /** The trend chart's width in pixels (main/history/downsample.ts). */
      chartPx: z.number().int().min(100).max(20_000).optional(),
    })
    .strict(),
  'history.drillWaterfall': z.object({ drillId }).strict(),
  'history.compare': z.object({ a: drillId, b: drillId }).strict(),
  'db.health': z.object({}).strict(),
  'db.backup': z.object({}).strict(),
  // Terminals (main/terminal). Their output is not here: it travels as binary frames.
  'terminal.open': z
    .object({ drillId: drillId.nullable().optional(), target: terminalTarget, cols: termCols, rows: termRows, reuse: z.boolean().optional() })
    .strict(),
  'terminal.attach': z.object({ terminalId, replay: z.boolean().optional() }).strict(),
  /** `reply`: the view's terminal answering a query (DA, DSR, DECRQSS…), not something typed: one view answers. */
  'terminal.input': z.object({ terminalId, data: z.string().min(1).max(64 * 1024), reply: z.boolean().optional() }).strict(),
  'terminal.resize': z.object({ terminalId, cols: termCols, rows: termRows }).strict(),
  'terminal.ack': z.object({ terminalId, bytes: z.number().int().min(0).max(1 << 30) }).strict(),
  'terminal.close': z.object({ terminalId }).strict(),
  'terminal.reconnect': z.object({ terminalId }).strict(),
  'terminal.run': z
    .object({
      drillId,
      stepIndex,
      commandIndex: z.number().int().min(0).max(10_000),
      /** Required (true) in a live drill: the UI showed the command and the operator confirmed it. */
      confirmed: z.boolean().optional(),
      terminalId: terminalId.optional(),
      cols: termCols.optional(),
      rows: termRows.optional(),
    })
    .strict(),
  /** Takes back a Run that is still queued (it never started). */
  'terminal.cancel': z.object({ drillId, runId: z.string().regex(/^r[0-9a-f]{12}$/, 'not a run id') }).strict(),
  'terminal.answer': z
    .object({
      promptId: z.string().regex(/^p[0-9a-f]{12}$/, 'not a prompt id'),
      answer: z
        .object({ accept: z.boolean().optional(), values: z.array(z.string().max(4096)).max(16).optional(), cancel: z.boolean().optional() })
        .strict(),
    })
    .strict(),
  'terminal.list': z.object({ drillId: drillId.optional() }).strict(),
  'transcript.list': z.object({ drillId }).strict(),
  'transcript.get': z
    .object({
      drillId,
      terminalId,
      /** Byte range of the raw output to include (base64; at most 1 MiB per call). */
      offset: z.number().int().min(0).optional(),
      length: z.number().int().min(0).max(1 << 20).optional(),
      maxRecords: z.number().int().min(0).max(100_000).optional(),
    })
    .strict(),
  // Evidence for auditors (main/evidence). `by` names who records it: the operator (default) or a participant.
  'participant.set': z.object({ drillId, name: personName, role: z.string().trim().min(1, 'a role is required').max(LIMITS.name).nullable() }).strict(),
  'scenario.set': z
    .object({ drillId, scenario: evidenceText, scope: evidenceText, testType: z.enum(TEST_TYPES) })
    .strict(),
  'failure.declare': z.object({ drillId, failureAt: isoTime.optional(), note: z.string().trim().max(LIMITS.note).optional() }).strict(),
  'recoveryPoint.set': z
    .object({ drillId, backupId: z.string().trim().min(1, 'a backup id is required').max(LIMITS.backupId), backupAt: isoTime, source: z.string().trim().max(LIMITS.backupSource).optional() })
    .strict(),
  'finding.add': z
    .object({ drillId, text: evidenceText, severity: z.enum(SEVERITIES), stepIndex: stepIndex.nullable().optional(), by: personName.optional() })
    .strict(),
  'remediation.add': z
    .object({
      drillId,
      text: evidenceText,
      owner: personName,
      due: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date (YYYY-MM-DD)'),
      findingId: z.string().regex(/^F\d{1,6}$/, 'not a finding id (F1, F2, …)').optional(),
      by: personName.optional(),
    })
    .strict(),
  'attachment.add': z
    .object({
      drillId,
      stepIndex: stepIndex.nullable().optional(),
      itemIndex: z.number().int().min(0).max(10_000).optional(),
      name: z.string().trim().min(1).max(255),
      kind: z.enum(ATTACHMENT_KINDS),
      mediaType: z.string().max(100).optional(),
      /** Text content (a screen snapshot, a transcript excerpt, a text file). */
      text: z.string().min(1).max(5 * 1024 * 1024).optional(),
      /** Binary content as base64 (over the browser host, large files go to POST /evidence/attachments instead). */
      contentBase64: z.string().min(1).max(MAX_ATTACHMENT_BASE64).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64').optional(),
      note: z.string().trim().max(LIMITS.note).optional(),
      by: personName.optional(),
    })
    .strict()
    .refine((p) => (p.text === undefined) !== (p.contentBase64 === undefined), { message: 'give the content as text or as contentBase64 (one of them)' }),
  'signoff.add': z
    .object({ drillId, role: z.enum(SIGNOFF_ROLES), name: personName, statement: z.string().trim().max(LIMITS.note).optional() })
    .strict(),
  // Team membership (main/team/client/membership.ts). The API token goes in with team.join and never comes back out.
  /** Where this data folder stands with its team server; asks the server (at most 5 s) whether it answers. */
  'team.status': z.object({}).strict(),
  /** Checks the address and the token with the server (GET /api/me) before anything is saved. */
  'team.join': z
    .object({
      url: z.string().trim().min(1, "give the team server's address").max(2000),
      token: z.string().trim().min(1, 'paste the API token from the team server').max(1000),
    })
    .strict(),
  'team.leave': z.object({}).strict(),
  /** A publish round now, whatever the backoff says; answers when it is done (at most a minute). */
  'team.publishNow': z.object({}).strict(),
  /** Writes a bundle under <dataDir>/exports. Redacted unless `redact` is false: send that only when the user explicitly chose it. */
  'evidence.export': z.object({ drillId, redact: z.boolean().optional(), pdf: z.boolean().optional() }).strict(),
} as const;

export type Method = keyof typeof paramSchemas;
export type Params<M extends Method> = z.infer<(typeof paramSchemas)[M]>;

export interface AppInfo {
  version: string;
  host: 'desktop' | 'web' | 'cli';
  dataDir: string;
  runbookDirs: string[];
}

/** What each method returns. */
export interface Results {
  'app.info': AppInfo;
  'runbooks.list': LibraryEntry[];
  'runbooks.get': Runbook;
  'runbooks.addFolder': LibraryEntry[];
  'runbooks.vars': RunbookVars;
  'runbooks.setSteps': Runbook;
  'drill.start': DrillSnapshot;
  'drill.get': DrillSnapshot;
  'drill.runbook': Runbook;
  'drill.active': DrillSnapshot[];
  'drill.recover': DrillSnapshot;
  'step.start': DrillSnapshot;
  'step.complete': DrillSnapshot;
  'step.skip': DrillSnapshot;
  'step.fail': DrillSnapshot;
  'check.set': DrillSnapshot;
  'note.add': DrillSnapshot;
  'drill.pause': DrillSnapshot;
  'drill.resume': DrillSnapshot;
  'drill.finish': DrillSnapshot;
  'drill.abort': DrillSnapshot;
  'history.list': HistoryEntry[];
  'history.count': number;
  'history.runbooks': HistoryRunbook[];
  'history.runbookStats': RunbookStats;
  'history.drillWaterfall': Waterfall;
  'history.compare': DrillComparison;
  'db.health': DbHealth;
  'db.backup': BackupInfo | null;
  'terminal.open': TerminalInfo;
  'terminal.attach': TerminalInfo;
  'terminal.input': null;
  'terminal.resize': null;
  'terminal.ack': null;
  'terminal.close': null;
  'terminal.reconnect': TerminalInfo;
  'terminal.run': RunResult;
  'terminal.cancel': { cancelled: true };
  'terminal.answer': null;
  'terminal.list': { terminals: TerminalInfo[]; prompts: PromptInfo[] };
  'transcript.list': TranscriptInfo[];
  'transcript.get': TranscriptPage;
  'participant.set': DrillSnapshot;
  'scenario.set': DrillSnapshot;
  'failure.declare': DrillSnapshot;
  'recoveryPoint.set': DrillSnapshot;
  'finding.add': DrillSnapshot;
  'remediation.add': DrillSnapshot;
  'attachment.add': DrillSnapshot;
  'signoff.add': DrillSnapshot;
  'evidence.export': EvidenceExport;
  'team.status': TeamStatus;
  'team.join': TeamStatus;
  'team.leave': TeamStatus;
  'team.publishNow': TeamStatus;
}

/** A transcript for viewing after the drill: its index and a slice of its raw bytes. */
export interface TranscriptPage {
  transcript: TranscriptInfo;
  records: IndexRecord[];
  truncated: boolean;
  /** Base64 of bytes [offset, offset + length) of the raw output. */
  bytes: string;
  offset: number;
  /** Size of the raw output file. */
  total: number;
}

/** Events the core pushes to every connected UI. */
export type ApiEvent =
  | { type: 'drill.changed'; drill: DrillSnapshot }
  | { type: 'library.changed' }
  | { type: 'db.health'; health: DbHealth }
  | TerminalEvent;

export type { ErrorCode };

export interface ApiError {
  code: ErrorCode;
  message: string;
}

/**
 * One JSON Patch operation (RFC 6902) as the server sends it: the three that
 * fast-json-patch's `compare` generates. Paths are JSON Pointers into the
 * drill snapshot.
 */
export const patchOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), path: z.string().max(1000), value: z.unknown() }).strict(),
  z.object({ op: z.literal('replace'), path: z.string().max(1000), value: z.unknown() }).strict(),
  z.object({ op: z.literal('remove'), path: z.string().max(1000) }).strict(),
]);
export type PatchOp = z.infer<typeof patchOpSchema>;

/**
 * A drill snapshot on the wire (main/api/wire.ts): whole, or as the changes
 * from the last one this connection received for that drill. `v` rises by one
 * with every drill message on a connection; a patch names the `base` version
 * it applies to, and a client that does not hold exactly that version asks
 * for the whole snapshot (`drill.get` with `full`).
 */
export const drillWireSchema = z.union([
  z.object({ drillId, v: z.number().int().positive(), full: z.custom<DrillSnapshot>((x) => typeof x === 'object' && x !== null && !Array.isArray(x)) }).strict(),
  z.object({ drillId, v: z.number().int().positive(), base: z.number().int().positive(), ops: z.array(patchOpSchema).max(1_000_000) }).strict(),
]);
export type DrillWire = z.infer<typeof drillWireSchema>;

/** The methods whose result is a drill snapshot: on the wire they are answered as a DrillWire. */
export const SNAPSHOT_METHODS = [
  'drill.start', 'drill.get', 'drill.recover', 'step.start', 'step.complete', 'step.skip', 'step.fail', 'check.set', 'note.add',
  'drill.pause', 'drill.resume', 'drill.finish', 'drill.abort', 'participant.set', 'scenario.set', 'failure.declare',
  'recoveryPoint.set', 'finding.add', 'remediation.add', 'attachment.add', 'signoff.add',
] as const satisfies readonly SnapshotMethod[];
type SnapshotMethod = { [M in Method]: Results[M] extends DrillSnapshot ? M : never }[Method];
/** A compile error if a method returning a snapshot is missing from the list. */
export const SNAPSHOT_METHODS_COMPLETE: [Exclude<SnapshotMethod, (typeof SNAPSHOT_METHODS)[number]>] extends [never] ? true : false = true;

/** Pushed events as they travel: a drill's snapshot as a DrillWire rather than whole. */
export type WireEvent = Exclude<ApiEvent, { type: 'drill.changed' }> | { type: 'drill.changed'; wire: DrillWire };

/** Wire messages (WebSocket frames; IPC uses the same shapes). */
export const requestSchema = z
  .object({
    id: z.number().int().nonnegative(),
    method: z.string().min(1).max(100),
    params: z.unknown().optional(),
  })
  .strict();

export type Request = z.infer<typeof requestSchema>;
export type Response =
  | { id: number; result: unknown }
  | { id: number; error: ApiError };
/** A response as it travels: a snapshot result as a DrillWire (`drill`) instead of `result`. */
export type WireResponse = Response | { id: number; drill: DrillWire };
export type ServerMessage = WireResponse | { event: WireEvent };

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(paramSchemas, name);
}
