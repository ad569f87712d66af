/**
 * The one redaction step every artefact passes through before it leaves
 * the machine: the evidence bundle (../bundle.ts), JUnit, `history export`,
 * `show --json`, and the console of `drillbook run`. Each exporter takes a
 * Redactor from `outboundRedactor` (the built-in detectors adjusted by
 * <dataDir>/redaction.json) and hands it what it is about to write; the
 * event-log form (`redactEvents`) keeps the hash chain verifiable (chain v2
 * disclosures: a masked string shows its `[REDACTED:kind]` marker and only
 * its commitment).
 */
import { canonicalJson, disclose, type Disclosure } from '../../drill/chain';
import type { DrillEvent } from '../../drill/model';
import { loadRedactionPatterns } from '../config';
import { Redactor } from './engine';

/** The redactor for anything leaving the machine; `enabled: false` only when the user explicitly asked. */
export function outboundRedactor(dataDir: string, opts: { enabled?: boolean; configFile?: string } = {}): Redactor {
  return new Redactor(loadRedactionPatterns(dataDir, opts.configFile), opts.enabled !== false);
}

/** An event as it leaves: its salt when shown as recorded, a disclosure when masked (chain v2). */
export type OutboundEvent = DrillEvent & { disclosure?: Disclosure };

/** The events with their data masked; masked v2 events carry a disclosure instead of their salt. */
export function redactEvents(events: readonly DrillEvent[], red: Redactor): { events: OutboundEvent[]; redactedEvents: number[] } {
  const redactedEvents: number[] = [];
  const out = events.map((e): OutboundEvent => {
    const { salt, ...recorded } = e;
    const data = red.deep(e.data);
    const masked = canonicalJson(data) !== canonicalJson(e.data);
    if (masked) redactedEvents.push(e.seq);
    // v1 events (no salt) are shown as they are; a masked one cannot be re-hashed.
    // Masking rewrites text inside strings only, so the data keeps its event type's shape (the casts say so).
    if (salt === undefined) return { ...recorded, data } as OutboundEvent;
    return (masked ? { ...recorded, data, disclosure: disclose({ data: e.data, salt }, data) } : { ...recorded, data, salt }) as OutboundEvent;
  });
  return { events: out, redactedEvents };
}

/**
 * `history export` lines with the outbound step applied: each drill's
 * events (masked ones with their disclosure) and its runbook snapshot. A
 * drill with nothing to mask leaves exactly as it would unredacted, so it
 * still imports; one with masked events is for reading and verifying only.
 */
export function* redactHistoryLines(lines: Iterable<string>, red: Redactor): Generator<string> {
  for (const line of lines) {
    const parsed = JSON.parse(line) as { events: DrillEvent[]; runbook: unknown };
    const { events, redactedEvents } = redactEvents(parsed.events, red);
    const runbook = red.deep(parsed.runbook);
    if (redactedEvents.length === 0 && canonicalJson(runbook) === canonicalJson(parsed.runbook)) {
      yield line;
      continue;
    }
    yield JSON.stringify({ ...parsed, runbook, events }) + '\n';
  }
}
