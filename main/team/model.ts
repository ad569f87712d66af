/**
 * The team server's answers, as types: what main/team/server.ts sends and
 * what the React app's team mode (renderer/team/client.ts and its pages)
 * reads. One file both sides import, so a field renamed on the server
 * breaks the renderer's typecheck instead of showing "undefined" on a
 * manager's screen. Types only; it imports nothing but other model files
 * (the renderer's typecheck reads it: test/helpers/imports.ts).
 */
import type { Role } from './roles';
import type { DrillMode, DrillSnapshot, StepState } from '../drill/model';

export type { Role };

/** GET /api/me, and the user half of POST /api/login. */
export interface TeamMe {
  name: string;
  role: Role;
  tokenId: number;
}

export interface TeamLoginAnswer {
  token: string;
  tokenId: number;
  user: { name: string; role: Role };
}

/** The history list's filters (GET /api/drills?…), as the server reads them. */
export interface TeamFilter {
  runbook?: string;
  /** A runbook tag (front matter `tags:`): drills of runbooks that carry it. */
  tag?: string;
  operator?: string;
  mode?: string;
  result?: 'pass' | 'fail';
  since?: string;
  until?: string;
  limit?: number;
}

/** One row of GET /api/drills. */
export interface TeamDrillEntry {
  id: string;
  runbook: { path: string; title: string };
  mode: string;
  operator: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  rto: { targetSec: number | null; actualSec: number | null; met: boolean | null };
  netMs: number | null;
  result: 'pass' | 'fail' | null;
  eventCount: number;
  chainHead: string;
  publisher: string;
  /** The evidence bundle the server verified and stored (null: none yet). */
  evidence: { sha256: string; verified: boolean } | null;
}

export interface TeamDrillList {
  drills: TeamDrillEntry[];
}

export interface FreshnessRow {
  runbookPath: string;
  title: string;
  tags: string[];
  /** The policy in force: the stricter of the front matter's `drill_every` and the server's policies for the runbook's tags. */
  drillEverySec: number | null;
  /** Where it comes from: `drill_every` (front matter) or `tag:NAME` (a server policy). */
  policySource: string | null;
  /** The front matter's own `drill_every`, whatever the tags say. */
  frontMatterEverySec: number | null;
  lastDrillAt: string | null;
  lastPassAt: string | null;
  dueAt: string | null;
  overdue: boolean;
  /** Seconds past due (positive when overdue). */
  overdueBySec: number | null;
}

/** GET /api/freshness: what a monitor polls. */
export interface FreshnessAnswer {
  asOf: string;
  overdue: string[];
  runbooks: FreshnessRow[];
}

/** One row of GET /api/runbooks (team_runbook_state). */
export interface TeamRunbook {
  runbookPath: string;
  title: string;
  drills: number;
  passed: number;
  lastDrillAt: string | null;
  lastPassAt: string | null;
  drillEverySec: number | null;
}

export interface TeamRunbookList {
  runbooks: TeamRunbook[];
}

/** GET /api/runbooks/stats?path=…: the team's figures over the newest `basis.newest` finished drills. */
export interface TeamRunbookStats {
  runbookPath: string;
  title: string;
  basis: { drills: number; from: string | null; to: string | null; newest: number };
  drills: number;
  passed: number;
  operators: number;
  versions: number;
  netMs: { p50: number | null; p90: number | null };
  rtoSec: { target: number | null; p50: number | null; p90: number | null };
  steps: { key: string; title: string; drills: number; p50Ms: number | null; p90Ms: number | null }[];
  /** Oldest first; each point a run of consecutive drills. */
  trend: { from: string | null; to: string | null; drills: number; rtoP50Sec: number | null; rtoWorstSec: number | null; rtoTargetSec: number | null; missed: number }[];
}

/** The server's check of a bundle on arrival (main/evidence verify against the published chain head). */
export interface BundleVerification {
  ok: boolean;
  coverage: string | null;
  checked: string[];
  problems: { kind: string; file: string | null; message: string }[];
}

/** A stored evidence bundle, without its bytes. */
export interface BundleMeta {
  sha256: string;
  size: number;
  chainHead: string;
  verification: BundleVerification;
  uploadedAt: string;
  uploadedBy: string;
}

export interface TeamSignoff {
  by: string;
  verdict: 'approved' | 'rejected';
  comment: string;
  at: string | null;
}

/** A drill's published summary (team_drills). */
export interface TeamDrillSummary {
  id: string;
  runbook: { path: string; title: string; sha256: string };
  mode: DrillMode;
  operator: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  steps: { key: string; title: string; status: string; durationMs: number | null }[];
  rto: { targetSec: number | null; actualSec: number | null; met: boolean | null };
  netMs: number | null;
  result: 'pass' | 'fail' | null;
  eventCount: number;
  chainHead: string;
  publisherId: number;
  /** The account that published it (a reviewer signs off other people's drills only). */
  publisher: string;
}

/** A published event as stored: the JSONL line's shape (history/transfer.ts), read here only for display. */
export interface TeamEvent {
  seq: number;
  type: string;
  at: string;
  operator?: string;
  stepIndex?: number | null;
  data?: unknown;
  [k: string]: unknown;
}

/** GET /api/drills/:id: the drill, its events, sign-offs, the server's chain check and its bundle, if stored. */
export interface TeamDrillDetail {
  summary: TeamDrillSummary;
  events: TeamEvent[];
  signoffs: TeamSignoff[];
  verification: { ok: boolean; problem: string | null };
  bundle: BundleMeta | null;
}

/** A live-list row (GET /api/live): enough for a card (no notes, commands or evidence), never a terminal. */
export interface LiveSummary {
  id: string;
  runbook: DrillSnapshot['runbook'];
  mode: DrillMode;
  operator: string;
  status: DrillSnapshot['status'];
  startedAt: string;
  paused: boolean;
  clock: DrillSnapshot['clock'];
  rto: DrillSnapshot['rto'];
  steps: StepState[];
  eventCount: number;
  lastEventAt: string;
}

export interface LiveList {
  drills: LiveSummary[];
  /** The server's clock when it answered (event ages are measured against it, not the browser's clock). */
  serverTime: string;
}

export interface AuditEntry {
  actor: string | null;
  address: string | null;
  action: string;
  target: string | null;
  outcome: string;
  detail?: unknown;
}

export interface AuditList {
  entries: (AuditEntry & { id: number; at: string })[];
}

export interface TagPolicy {
  tag: string;
  everySec: number;
  setBy: string;
  setAt: string;
}

export interface PolicyList {
  policies: TagPolicy[];
}

/** The body of POST /api/policies: a duration ("30d") or null to withdraw. */
export interface PolicySet {
  tag: string;
  every: string | number | null;
}

/** Every error answer: one sentence. */
export interface ApiErrorAnswer {
  error: string;
}
