/**
 * Durations as runbook authors write them: `rto: 45m`, `timeout=90s`,
 * `rpo: 1h30m`, `rto: 1.5h`, `rto: "2 hours"`, `timeout=300` (seconds).
 */
import type { DurationSpec } from './model';

/** Seconds per unit; every spelling an author is likely to type. */
const UNIT_SECONDS: ReadonlyMap<string, number> = new Map([
  ...['s', 'sec', 'secs', 'second', 'seconds'].map((u) => [u, 1] as const),
  ...['m', 'min', 'mins', 'minute', 'minutes'].map((u) => [u, 60] as const),
  ...['h', 'hr', 'hrs', 'hour', 'hours'].map((u) => [u, 3600] as const),
  ...['d', 'day', 'days'].map((u) => [u, 86400] as const),
]);

/** One `<number><unit>` part, e.g. `1.5h`, `30 min`, `10s`. */
const PART_SOURCE = String.raw`(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*`;
const BARE_NUMBER = /^(\d+(?:\.\d+)?|\.\d+)$/;

const HINT = 'use a number with a unit, e.g. 90s, 45m, 1h30m, 1.5h or "2 hours"';

/**
 * Parses a duration. A number (or a numeric string) is seconds. Throws an
 * Error with a one-line message on anything else.
 */
export function parseDuration(input: string | number): DurationSpec {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new Error(`invalid duration ${input}: ${HINT}`);
    return { text: `${input}s`, seconds: roundMs(input) };
  }
  const text = input.trim();
  if (text === '') throw new Error(`empty duration: ${HINT}`);
  if (BARE_NUMBER.test(text)) return { text, seconds: roundMs(Number(text)) };

  const seconds = sumParts(text.toLowerCase().replace(/\s*(,|and)\s*/g, ' '));
  if (seconds === null) throw new Error(`invalid duration "${text}": ${HINT}`);
  return { text, seconds: roundMs(seconds) };
}

/** Sums `1h 30m`-style parts; null when any part of the text is not one. */
function sumParts(text: string): number | null {
  // Sticky: each part must start exactly where the previous one ended.
  const part = new RegExp(PART_SOURCE, 'y');
  let total = 0;
  let match: RegExpExecArray | null;
  while ((match = part.exec(text)) !== null) {
    const unit = UNIT_SECONDS.get(match[2] ?? '');
    if (unit === undefined) return null;
    total += Number(match[1]) * unit;
    if (part.lastIndex === text.length) return total;
  }
  return null;
}

/** Avoids 1.1h = 3960.0000000000005 s leaking into the UI. */
function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
