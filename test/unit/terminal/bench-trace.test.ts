/**
 * The terminal bench's trace summary (test/bench/terminal-trace.ts): the
 * figures the README's "where the page's time goes" rests on. Nested events
 * of one name count once, idle is the gap between top-level tasks, and only
 * the page's main thread counts (not another renderer's, not the compositor).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseTrace } from '../../bench/terminal-trace';

const meta = (pid: number, tid: number, name: string) => ({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name } });
const x = (name: string, ts: number, dur: number, pid = 1, tid = 10) => ({ name, ph: 'X', ts, dur, pid, tid });

test('sums the page main thread: busy, idle, frames and lifecycle steps, nested events once', () => {
  const s = summariseTrace([
    meta(1, 10, 'CrRendererMain'),
    meta(1, 11, 'Compositor'),
    meta(2, 20, 'CrRendererMain'), // another renderer (no Paint): ignored
    x('RunTask', 0, 10_000),
    x('FunctionCall', 1_000, 6_000),
    x('FunctionCall', 2_000, 1_000), // nested in the one above
    x('RunTask', 20_000, 10_000),
    x('Layout', 21_000, 3_000),
    x('PrePaint', 24_000, 1_000),
    x('Paint', 25_000, 2_000),
    x('RunTask', 25_000, 10_000), // overlaps the one before: busy counts the union
    x('RunTask', 50_000, 5_000, 1, 11), // the compositor thread: not the main thread
    x('Layout', 40_000, 9_000, 2, 20),
    x('RunTask', 40_000, 9_000, 2, 20),
  ]);
  assert.equal(s.wallMs, 35);
  assert.equal(s.busyMs, 25);
  assert.equal(s.frames, 1);
  assert.equal(s.steps.FunctionCall, 6);
  assert.equal(s.steps.Layout, 3);
  assert.equal(s.steps.Paint, 2);
});

test('a trace without the page main thread gives zeros, not an exception', () => {
  assert.deepEqual(summariseTrace([x('RunTask', 0, 10)]), { wallMs: 0, busyMs: 0, frames: 0, steps: {} });
});
