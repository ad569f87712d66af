import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../../main/runbook';

test('parseDuration accepts the spellings authors use', () => {
  const cases: [string | number, number][] = [
    ['45m', 2700],
    ['2h', 7200],
    ['90s', 90],
    ['1h30m', 5400],
    ['1h 30m', 5400],
    ['1.5h', 5400],
    ['2 hours', 7200],
    ['30 min', 1800],
    ['1 hour 30 minutes', 5400],
    ['1 hour, 15 mins', 4500],
    ['1d', 86400],
    ['.5m', 30],
    ['1H30M', 5400],
    ['300', 300],
    ['  10m  ', 600],
    [120, 120],
    [0, 0],
  ];
  for (const [input, seconds] of cases) {
    assert.equal(parseDuration(input).seconds, seconds, `${JSON.stringify(input)}`);
  }
});

test('parseDuration keeps the text as written (trimmed); numbers get an s', () => {
  assert.deepEqual(parseDuration(' 1h30m '), { text: '1h30m', seconds: 5400 });
  assert.deepEqual(parseDuration(90), { text: '90s', seconds: 90 });
  assert.deepEqual(parseDuration('300'), { text: '300', seconds: 300 });
});

test('parseDuration avoids floating point noise', () => {
  assert.equal(parseDuration('1.1h').seconds, 3960);
  assert.equal(parseDuration('0.1s').seconds, 0.1);
});

test('parseDuration throws a clear one-line error on junk', () => {
  for (const junk of ['', '   ', 'soon', '5 parsecs', '1h30', 'h', '-5m', '1..5h', '10m extra', 'm10']) {
    assert.throws(
      () => parseDuration(junk),
      (err: unknown) => err instanceof Error && !err.message.includes('\n') && /duration/.test(err.message),
      JSON.stringify(junk),
    );
  }
  assert.throws(() => parseDuration('soon'), /invalid duration "soon": use a number with a unit, e\.g\. 90s, 45m/);
  assert.throws(() => parseDuration(-1), /invalid duration -1/);
  assert.throws(() => parseDuration(Number.NaN), /invalid duration/);
});
