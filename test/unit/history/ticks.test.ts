/** UTC, 24-hour, round chart ticks (issue 9, item 11). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationTick, utcAxisValues, utcTickLabel, utcTicks } from '../../../main/history/ticks';

const at = (iso: string) => Date.parse(iso);

test('a 23-minute drill from 03:07:10 gets ticks on the 5 minutes, in 24-hour UTC', () => {
  const { stepMs, ticks } = utcTicks(at('2026-01-05T03:07:10Z'), at('2026-01-05T03:30:40Z'));
  assert.equal(stepMs, 5 * 60_000);
  assert.deepEqual(ticks.map((t) => t.label), ['03:10', '03:15', '03:20', '03:25', '03:30']);
});

test('afternoon times read 24-hour, never am/pm', () => {
  const { ticks } = utcTicks(at('2026-01-05T13:50:00Z'), at('2026-01-05T16:10:00Z'));
  assert.deepEqual(ticks.map((t) => t.label), ['14:00', '14:30', '15:00', '15:30', '16:00']);
  assert.ok(ticks.every((t) => !/am|pm/i.test(t.label)));
});

test('short spans get seconds; crossing UTC midnight shows the date', () => {
  assert.deepEqual(utcTicks(at('2026-01-05T10:00:01Z'), at('2026-01-05T10:00:40Z')).ticks.map((t) => t.label), ['10:00:10', '10:00:20', '10:00:30', '10:00:40']);
  const night = utcTicks(at('2026-01-05T22:10:00Z'), at('2026-01-06T02:00:00Z')).ticks.map((t) => t.label);
  assert.deepEqual(night, ['23:00', '6 Jan 00:00', '01:00', '02:00']);
});

test('never more ticks than asked; multi-day spans on UTC midnights', () => {
  for (const span of [1_000, 59_000, 3_600_000, 86_400_000 * 3, 86_400_000 * 400]) {
    const { ticks } = utcTicks(0, span, 6);
    assert.ok(ticks.length <= 7 && ticks.length >= 1, `${span}: ${ticks.length}`);
  }
  const days = utcTicks(at('2026-01-01T05:00:00Z'), at('2026-01-04T05:00:00Z'), 3);
  assert.deepEqual(days.ticks.map((t) => t.label), ['2 Jan', '3 Jan', '4 Jan']);
  assert.equal(utcTickLabel(at('2026-03-01T00:00:00Z'), 86_400_000, true), '1 Mar 2026');
});

test('uPlot splits are labelled in UTC whatever the machine zone', () => {
  const s = at('2026-07-01T23:00:00Z') / 1000;
  assert.deepEqual(utcAxisValues([s, s + 3600, s + 7200], 3600), ['23:00', '2 Jul 00:00', '01:00']);
});

test('duration axes read round values', () => {
  assert.deepEqual([0, 30, 300, 600, 3600, 5400, 86_400, 90].map(durationTick), ['0', '30s', '5m', '10m', '1h', '1h 30m', '1d', '1m 30s']);
});

test('ticks hours apart over days: midnights are the day, the rest 24-hour times', () => {
  const s = at('2026-01-06T12:00:00Z') / 1000;
  assert.deepEqual(utcAxisValues([s, s + 43_200, s + 86_400, s + 129_600], 43_200), ['12:00', '7 Jan', '12:00', '8 Jan']);
});

test('ticks months or years apart carry the year (a long history read "1 Jan" under every tick)', () => {
  const y = (yr: number, m = 0) => Date.UTC(yr, m, 1) / 1000;
  assert.deepEqual(utcAxisValues([y(2019), y(2020), y(2021)], 365 * 86_400), ['2019', '2020', '2021']);
  assert.deepEqual(utcAxisValues([y(2024, 10), y(2024, 11), y(2025, 0)], 30 * 86_400), ['Nov 2024', 'Dec 2024', 'Jan 2025']);
});
