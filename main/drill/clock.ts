/**
 * Where time comes from. Wall clock for timestamps humans read; the OS
 * monotonic clock (process.hrtime, CLOCK_MONOTONIC on Linux) for durations.
 *
 * The monotonic clock is system-wide and counts from boot, so readings from
 * two processes on the same boot are comparable: a drill resumed after a
 * kill -9 still measures the gap monotonically. The `clock` domain is the
 * boot identity; across a reboot durations fall back to the wall clock and
 * say so.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Instant } from './model';

export type Now = () => Instant;

function bootId(): string {
  try {
    return 'boot:' + readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // No boot_id outside Linux: boot time to the nearest minute is stable
    // enough within one boot; a wrong guess is caught by the sanity check
    // in timeline.ts (monotonic and wall deltas must roughly agree).
    const bootSec = Date.now() / 1000 - os.uptime();
    return 'boot~' + Math.round(bootSec / 60);
  }
}

const domain = bootId();

export const systemNow: Now = () => ({
  wallMs: Date.now(),
  monoMs: Number(process.hrtime.bigint() / 1000n) / 1000,
  clock: domain,
});

/** A hand-driven clock for tests: advance() moves both clocks together. */
export function manualClock(startWallMs = Date.UTC(2026, 0, 1, 9, 0, 0), clock = 'test-boot') {
  let wallMs = startWallMs;
  let monoMs = 1_000_000;
  let currentClock = clock;
  const now: Now = () => ({ wallMs, monoMs, clock: currentClock });
  return {
    now,
    advance(ms: number) {
      wallMs += ms;
      monoMs += ms;
    },
    /** Simulate the wall clock being stepped (NTP) without real time passing. */
    stepWall(ms: number) {
      wallMs += ms;
    },
    /** Simulate a reboot: a new monotonic domain starting near zero. */
    reboot(downMs: number) {
      wallMs += downMs;
      monoMs = 5_000;
      currentClock = clock + '-' + wallMs;
    },
  };
}

export const isoUtc = (wallMs: number): string => new Date(wallMs).toISOString();
