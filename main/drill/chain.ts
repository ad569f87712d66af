/**
 * The drill log's hash chain: every event carries the SHA-256 of the one
 * before, so changing, removing or reordering any recorded event breaks every
 * hash after it.
 */
import { createHash } from 'node:crypto';
import type { DrillEvent } from './model';

/** JSON with object keys sorted at every level, so the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

export function eventHash(event: Omit<DrillEvent, 'hash'>): string {
  const { drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, data, prevHash } = event;
  const body = canonicalJson({ drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, data, prevHash });
  return createHash('sha256').update(body).digest('hex');
}

export interface ChainProblem {
  seq: number;
  problem: string;
}

/** Checks a drill's events link up and hash correctly; returns the first problem, if any. */
export function verifyChain(events: readonly DrillEvent[]): ChainProblem | null {
  let prev = '';
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.seq !== i + 1) return { seq: e.seq, problem: `event ${i + 1} is missing or out of order (found seq ${e.seq})` };
    if (e.prevHash !== prev) return { seq: e.seq, problem: `event ${e.seq} does not link to the event before it` };
    if (eventHash(e) !== e.hash) return { seq: e.seq, problem: `event ${e.seq} (${e.type}) was altered: its hash does not match` };
    prev = e.hash;
  }
  return null;
}
