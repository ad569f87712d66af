/**
 * The observer's pure rules: how old the last event is, where the clock
 * ticks on from, which answer is newer, and how long to wait before the
 * live stream is tried again. No React, no fetch: unit-tested in Node.
 *
 * Time: the snapshot is as of the operator's last event (durations from the
 * operator's monotonic clock, pauses subtracted). The observer's clock adds
 * the event's age at the server's answer (server wall clock minus the event's
 * UTC time, never negative: clocks on two machines disagree a little) and
 * then this page's own monotonic clock (performance.now()). A paused or
 * ended drill does not tick (renderer/drill/live-clock.ts).
 */
import type { DrillSnapshot } from '../../../main/drill/model.js';
import { liveClock, type LiveClock } from '../../drill/live-clock.js';
import type { LiveDrillDelta } from './api.js';

/** Milliseconds between the last event and the server's answer (0 when the clocks disagree the other way). */
export function eventAgeAtAnswer(lastEventAt: string, serverTime: string): number {
  const a = Date.parse(serverTime) - Date.parse(lastEventAt);
  return Number.isFinite(a) && a > 0 ? a : 0;
}

/** The performance.now() the drill's snapshot counts as "received": the answer's arrival less the event's age then. */
export function receivedAtOf(view: { lastEventAt: string; serverTime: string }, arrivedAt: number): number {
  return arrivedAt - eventAgeAtAnswer(view.lastEventAt, view.serverTime);
}

/** The observer's clock now (performance.now() = `now`). */
export function observerClock(snap: DrillSnapshot, receivedAt: number, now: number): LiveClock {
  return liveClock(snap, Math.max(0, now - receivedAt));
}

/** "last event 12 s ago", "last event 3 min 5 s ago", "last event 2 h 4 min ago", "last event 144 d 12 h ago". */
export function staleText(ageMs: number): string {
  const s = Math.max(0, Math.floor(ageMs / 1000));
  if (s < 2) return 'last event just now';
  if (s < 60) return `last event ${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `last event ${m} min ${s % 60} s ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `last event ${h} h ${m % 60} min ago`;
  return `last event ${Math.floor(h / 24)} d ${h % 24} h ago`;
}

/** An event this old while the drill runs: the operator's link may be down (the banner says so). */
export const QUIET_MS = 5 * 60_000;

/** Whether `next` should replace `cur` (answers can arrive out of order). */
export function isNewer(next: DrillSnapshot, cur: DrillSnapshot | null | undefined): boolean {
  if (!cur) return true;
  if (next.id !== cur.id) return true;
  return next.eventCount > cur.eventCount;
}

/** Wait before stream attempt `attempt` (0 = first retry): 1 s, 2 s, 4 s … capped at 30 s. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, Math.min(attempt, 15)));
}

/** The banner: nobody mistakes this page for the operator's. */
export function watchingText(snap: Pick<DrillSnapshot, 'operator'>): string {
  return `read-only · watching ${snap.operator}`;
}

/** What the drill's state is, in words, for the header. */
export function stateText(snap: Pick<DrillSnapshot, 'status' | 'paused' | 'pauseReason' | 'endReason'>): string {
  if (snap.status === 'completed') return 'Completed';
  if (snap.status === 'aborted') return `Aborted${snap.endReason ? `: ${snap.endReason}` : ''}`;
  if (snap.paused) return `Paused${snap.pauseReason ? `: ${snap.pauseReason}` : ''}`;
  return 'Running';
}

/** The step shown when the observer has not picked one: the running step, else the next pending, else the last. */
export function followStep(snap: Pick<DrillSnapshot, 'steps'>): number {
  const running = snap.steps.find((st) => st.status === 'running');
  if (running) return running.index;
  const pending = snap.steps.find((st) => st.status === 'pending');
  if (pending) return pending.index;
  return Math.max(0, snap.steps.length - 1);
}

/** The drill an SSE message names (`{"id": "..."}`), or null when it is not one. */
export function changedId(data: string): string | null {
  try {
    const v = JSON.parse(data) as { id?: unknown };
    return typeof v?.id === 'string' ? v.id : null;
  } catch {
    return null;
  }
}

/**
 * The snapshot a delta makes of the one it was taken from (null when `cur` is
 * not that one: the caller fetches the drill whole). Lists are cut at the
 * delta's index and its items appended; other fields replaced.
 */
export function applyDelta(cur: DrillSnapshot, d: LiveDrillDelta['delta']): DrillSnapshot | null {
  if (cur.chainHead !== d.from.chainHead || cur.eventCount !== d.from.eventCount) return null;
  const next: Record<string, unknown> = { ...cur, ...d.set };
  for (const [key, t] of Object.entries(d.tails)) {
    const list = (cur as unknown as Record<string, unknown>)[key];
    if (!Array.isArray(list) || t.at > list.length) return null;
    next[key] = list.slice(0, t.at).concat(t.items);
  }
  return next as unknown as DrillSnapshot;
}
