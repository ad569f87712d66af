import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisOffsets, distance, netLength } from '../../../main/drill/timeline';

test('distance within one boot uses the monotonic clock, ignoring wall-clock steps', () => {
  const a = { wallMs: 1_000_000, monoMs: 500, clock: 'b1' };
  const b = { wallMs: 1_000_000 + 3_600_000, monoMs: 2_500, clock: 'b1' }; // NTP jumped the wall clock an hour
  // The mismatch is beyond tolerance, so it falls back to wall clock and says so...
  assert.deepEqual(distance(a, b), { ms: 3_600_000, measuredBy: 'wall-clock' });
  // ...but a small step (DST-free, NTP slew of 30 s) keeps the monotonic measurement.
  const c = { wallMs: 1_000_000 + 32_000, monoMs: 2_500, clock: 'b1' };
  assert.deepEqual(distance(a, c), { ms: 2_000, measuredBy: 'monotonic' });
});

test('distance across boots uses the wall clock and says so', () => {
  const a = { wallMs: 1_000_000, monoMs: 90_000_000, clock: 'b1' };
  const b = { wallMs: 1_060_000, monoMs: 4_000, clock: 'b2' };
  assert.deepEqual(distance(a, b), { ms: 60_000, measuredBy: 'wall-clock' });
});

test('axis offsets accumulate distances', () => {
  const xs = [
    { wallMs: 0, monoMs: 100, clock: 'x' },
    { wallMs: 1000, monoMs: 1100, clock: 'x' },
    { wallMs: 5000, monoMs: 10, clock: 'y' },
  ];
  assert.deepEqual(axisOffsets(xs), [0, 1000, 5000]);
});

test('netLength subtracts overlapping holes once', () => {
  assert.equal(netLength({ start: 0, end: 100 }, []), 100);
  assert.equal(netLength({ start: 0, end: 100 }, [{ start: 10, end: 20 }]), 90);
  assert.equal(netLength({ start: 0, end: 100 }, [{ start: 10, end: 30 }, { start: 20, end: 40 }]), 70);
  assert.equal(netLength({ start: 50, end: 100 }, [{ start: 0, end: 60 }, { start: 90, end: 200 }]), 30);
  assert.equal(netLength({ start: 0, end: 10 }, [{ start: 20, end: 30 }]), 10);
});
