/**
 * What the team server accepts from a publisher, checked before anything is
 * stored: the drill's shape, and its hash chain re-verified event by event
 * (v1 events, v2 events shown as recorded, and v2 events masked by the
 * client's redaction, which arrive with a disclosure instead of their salt,
 * main/drill/chain.ts). Pure: the store decides duplicates and conflicts.
 */
import { z } from 'zod';
import { disclosedEventHash, eventHash, type Disclosure } from '../drill/chain';
import type { DrillEvent } from '../drill/model';
import { reduceDrill, type DrillStartedData } from '../drill/reduce';
import { parseDuration } from '../runbook/duration';
import { eventSchema } from '../history/transfer';
import { rtoMetClaim } from '../drill/headline';
import { teamPathProblem } from './runbook-path';

/** An event as published: a DrillEvent, with a disclosure in place of the salt when redaction masked it. */
export type PublishedEvent = DrillEvent & { disclosure?: Disclosure };

export interface PublishedDrill {
  id: string;
  runbook: { file: string; sha256: string; title: string; steps: unknown[]; meta?: { extra?: Record<string, unknown> } };
  events: PublishedEvent[];
  /** The runbook's path inside its git repository, what the team files it under (runbook-path.ts); absent: the full path. */
  teamPath?: string;
}

const disclosureSchema = z.object({ salts: z.record(z.string(), z.string()), commitments: z.record(z.string(), z.string()) }).strict();
const publishedEventSchema = eventSchema.extend({ disclosure: disclosureSchema.optional() }).strict();

const drillSchema = z
  .object({
    type: z.literal('drillbook.drill').optional(),
    v: z.literal(1).optional(),
    id: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'not a drill id'),
    runbook: z.object({ file: z.string().min(1), sha256: z.string().min(1), title: z.string(), steps: z.array(z.unknown()) }).passthrough(),
    events: z.array(publishedEventSchema).min(1).max(1_000_000),
    teamPath: z.string().min(1).optional(),
  })
  .strict();

/** Re-hashes every event; the first problem, in one sentence, or null. */
export function verifyPublishedChain(events: readonly PublishedEvent[]): string | null {
  let prev = '';
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.seq !== i + 1) return `event ${i + 1} is missing or out of order (found seq ${e.seq})`;
    if (e.prevHash !== prev) return `event ${e.seq} does not link to the event before it`;
    const { disclosure, hash, ...rest } = e;
    let computed = '';
    try {
      if (disclosure) {
        if (rest.salt !== undefined) return `event ${e.seq} carries both its salt and a disclosure`;
        computed = disclosedEventHash(rest, disclosure);
      } else computed = eventHash(rest);
    } catch {
      computed = '';
    }
    if (computed !== hash) {
      const v1Masked = rest.salt === undefined && !disclosure && /\[REDACTED/.test(JSON.stringify(rest.data));
      return v1Masked
        ? `event ${e.seq} (${e.type}) was recorded before chain v2 and redaction masked part of it, so its hash cannot be checked`
        : `event ${e.seq} (${e.type}) was altered: its hash does not match`;
    }
    prev = hash;
  }
  return null;
}

export type Parsed = { ok: true; drill: PublishedDrill } | { ok: false; id: string | null; reason: string };

export function parsePublished(raw: unknown): Parsed {
  const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
  const parsed = drillSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, id, reason: `not a Drillbook drill (${issue ? `${issue.path.join('.') || 'drill'}: ${issue.message}` : 'bad shape'})` };
  }
  // The original value: data must be hashed exactly as sent.
  const drill = raw as PublishedDrill;
  if (drill.events.some((e) => e.drillId !== drill.id)) return { ok: false, id, reason: 'an event belongs to a different drill' };
  const problem = verifyPublishedChain(drill.events);
  if (problem) return { ok: false, id, reason: `hash chain broken: ${problem}` };
  const first = drill.events[0]!;
  if (first.type !== 'drill.started') return { ok: false, id, reason: 'the log does not begin with drill.started' };
  const started = first.data as unknown as DrillStartedData;
  if (!started.runbook || started.runbook.sha256 !== drill.runbook.sha256 || started.runbook.path !== drill.runbook.file) {
    return { ok: false, id, reason: 'the runbook snapshot is not the version the drill log names' };
  }
  const badPath = drill.teamPath === undefined ? null : teamPathProblem(drill.teamPath, started.runbook.path);
  if (badPath) return { ok: false, id, reason: badPath };
  return { ok: true, drill };
}

export interface DrillRow {
  id: string;
  runbookPath: string;
  runbookTitle: string;
  runbookSha256: string;
  mode: string;
  operator: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  rtoTargetSec: number | null;
  rtoActualSec: number | null;
  rtoMet: boolean | null;
  netMs: number | null;
  passed: boolean | null;
  eventCount: number;
  chainHead: string;
  steps: { key: string; title: string; status: string; durationMs: number | null }[];
}

/** The drill's summary row, filed under the runbook's team path when it came with one (parsePublished checked it). */
export function rowOf(drill: PublishedDrill): DrillRow {
  const row = summarise(drill.events);
  return drill.teamPath ? { ...row, runbookPath: drill.teamPath } : row;
}

/** The summary row the history list and the statistics read, derived by the same reducer that recorded the drill. */
export function summarise(events: readonly DrillEvent[]): DrillRow {
  const last = events[events.length - 1]!;
  const s = reduceDrill(events, { wallMs: last.wallMs, monoMs: last.monoMs, clock: last.clock });
  const finished = s.status !== 'running';
  return {
    id: s.id,
    runbookPath: s.runbook.path,
    runbookTitle: s.runbook.title,
    runbookSha256: s.runbook.sha256,
    mode: s.mode,
    operator: s.operator,
    status: s.status,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    rtoTargetSec: s.rto.targetSec,
    rtoActualSec: s.rto.actualSec,
    // What the record may claim (main/drill/headline.ts): a failed or aborted restore never reads "RTO met".
    rtoMet: rtoMetClaim(s.status, s.rto.met, s.steps.filter((st) => st.status === 'failed').length),
    netMs: finished ? s.clock.netMs : null,
    passed: finished ? s.status === 'completed' && (s.rto.targetSec === null || s.rto.met === true) : null,
    eventCount: s.eventCount,
    chainHead: s.chainHead,
    steps: s.steps.map((st) => ({ key: st.key, title: st.title, status: st.status, durationMs: st.durationMs })),
  };
}

/** The runbook's freshness policy (front matter `drill_every: 90d`) in seconds; null when it has none or it is unreadable. */
export function drillEverySec(runbook: PublishedDrill['runbook']): number | null {
  const v = runbook.meta?.extra?.drill_every;
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  try {
    const { seconds } = parseDuration(v);
    return seconds > 0 ? seconds : null;
  } catch {
    return null;
  }
}
