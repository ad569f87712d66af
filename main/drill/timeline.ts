/**
 * Drill time: one continuous axis built from recorded instants.
 *
 * Between two instants in the same monotonic domain the distance is the
 * monotonic difference (immune to NTP steps and DST). Between domains (a
 * reboot) it is the wall-clock difference, flagged so the UI can say so.
 * Nothing is adjusted: a stretch when Drillbook was not running stays on the
 * axis as a gap, because real time passed for the restore.
 */
import type { Instant } from './model';

/** Monotonic and wall deltas further apart than this mean different domains. */
const DOMAIN_MISMATCH_MS = 120_000;

export interface Distance {
  ms: number;
  measuredBy: 'monotonic' | 'wall-clock';
}

export function distance(from: Instant, to: Instant): Distance {
  if (from.clock === to.clock) {
    const mono = to.monoMs - from.monoMs;
    const wall = to.wallMs - from.wallMs;
    // Same boot id but wildly disagreeing clocks: the domain guess was
    // wrong (non-Linux fallback). Trust the wall clock and say so.
    if (mono >= 0 && Math.abs(mono - wall) <= DOMAIN_MISMATCH_MS + Math.abs(wall) * 0.01) {
      return { ms: mono, measuredBy: 'monotonic' };
    }
  }
  return { ms: Math.max(0, to.wallMs - from.wallMs), measuredBy: 'wall-clock' };
}

/**
 * Places a sequence of instants on the drill axis: element i gets the
 * milliseconds since element 0. Returns the per-element offsets.
 */
export function axisOffsets(instants: readonly Instant[]): number[] {
  const offsets: number[] = [];
  let acc = 0;
  for (let i = 0; i < instants.length; i++) {
    if (i > 0) acc += distance(instants[i - 1]!, instants[i]!).ms;
    offsets.push(acc);
  }
  return offsets;
}

/** An interval on the drill axis, [start, end). */
export interface Interval {
  start: number;
  end: number;
}

/** Length of `span` not covered by any of `holes` (holes may overlap each other). */
export function netLength(span: Interval, holes: readonly Interval[]): number {
  const total = Math.max(0, span.end - span.start);
  const clipped = holes
    .map((h) => ({ start: Math.max(h.start, span.start), end: Math.min(h.end, span.end) }))
    .filter((h) => h.end > h.start)
    .sort((a, b) => a.start - b.start);
  let covered = 0;
  let cursor = span.start;
  for (const h of clipped) {
    const start = Math.max(h.start, cursor);
    if (h.end > start) {
      covered += h.end - start;
      cursor = h.end;
    }
  }
  return total - covered;
}
