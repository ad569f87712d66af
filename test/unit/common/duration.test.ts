/**
 * The one duration format (main/common/duration.ts). Issue 14: five
 * formatters printed the same time five ways — `1m00s` (JUnit), `1m 00s`
 * (CLI, UI), `1h 05m` floored (runbook), `1h 05m` rounded (UI, CLI) and
 * `1h 05m 00s` (report). Each of those callers now prints what this prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatSeconds } from '../../../main/common/duration';
import { formatMs } from '../../../main/cli/common';
import { fmtDuration } from '../../../main/evidence/report-html';

test('one format: seconds, minutes with padded seconds, hours with padded minutes and seconds', () => {
  const cases: [number | null, string][] = [
    [0, '0s'],
    [9_000, '9s'],
    [2_500, '2.5s'],
    [9_960, '10s'],
    [59_600, '1m 00s'],
    [60_000, '1m 00s'],
    [65_000, '1m 05s'],
    [2_530_000, '42m 10s'],
    [3_600_000, '1h 00m 00s'],
    [3_659_000, '1h 00m 59s'],
    [90_061_000, '25h 01m 01s'],
    [-75_000, '-1m 15s'],
    [Number.NaN, '—'],
    [null, '—'],
  ];
  for (const [ms, want] of cases) assert.equal(formatDuration(ms), want, String(ms));
  assert.equal(formatSeconds(5400), '1h 30m 00s');
  assert.equal(formatSeconds(null), '—');
});

test('the CLI, the evidence report and the UI print the same string for the same time', async () => {
  // The renderer is an ES module package (renderer/package.json), loaded as the renderer's own unit tests load it.
  const { humanDuration } = await import('../../../renderer/app/format.js');
  for (const ms of [0, 2_500, 42_000, 60_000, 754_000, 3_659_000]) {
    const want = formatDuration(ms);
    assert.equal(formatMs(ms), want, `cli ${ms}`);
    assert.equal(fmtDuration(ms), want, `report ${ms}`);
    assert.equal(humanDuration(ms), want, `renderer ${ms}`);
  }
});
