/**
 * The drill clock as of now from the last snapshot, without React: the big
 * clock (DrillClock.tsx) and the team's observer view read it, and it is
 * unit-tested in Node.
 */
import type { DrillSnapshot } from '../../main/drill/model.js';

export interface LiveClock {
  netMs: number;
  grossMs: number;
  pausedMs: number;
}

/**
 * The clock as of now, from the last snapshot:
 * displayed = snapshot value + (ticking ? performance.now() − receivedAt : 0).
 */
export function liveClock(snap: DrillSnapshot, since: number): LiveClock {
  const running = snap.status === 'running';
  const netMs = snap.clock.netMs + (snap.clock.ticking ? since : 0);
  const pausedMs = snap.clock.pausedMs + (running && snap.paused ? since : 0);
  const grossMs = snap.clock.grossMs + (running && (snap.clock.ticking || snap.paused) ? since : 0);
  return { netMs, grossMs, pausedMs };
}
