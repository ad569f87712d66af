import { test } from 'node:test';
import assert from 'node:assert/strict';

// The renderer is an ES module package; this CommonJS test loads it dynamically (as test/unit/renderer/units.test.ts does).
test('the history list renders the rows on screen and a few around them, never fewer than fit', async () => {
  const { rowWindow } = await import('../../../renderer/history/rowWindow.js');
  // 100 rows of 40 px under a 900 px window, at the top: 23 on screen + 8 below, not 100.
  const top = rowWindow(100, 40, -150, 900);
  assert.deepEqual(top, { start: 0, end: 27, padTop: 0, padBottom: 73 * 40 });
  // Scrolled to rows 50..72: 8 rows kept above and below.
  const mid = rowWindow(100, 40, 2000, 900);
  assert.deepEqual([mid.start, mid.end], [42, 81]);
  assert.equal(mid.padTop + (mid.end - mid.start) * 40 + mid.padBottom, 100 * 40, 'the spacers keep the full scroll height');
  // At the bottom, and past it (a shrinking list): never beyond the rows.
  assert.deepEqual([rowWindow(100, 40, 3800, 900).start, rowWindow(100, 40, 3800, 900).end], [87, 100]);
  assert.deepEqual(rowWindow(5, 40, 99_999, 900), { start: 5, end: 5, padTop: 200, padBottom: 0 });
  // Few rows: all of them; none: nothing; a zero height (not measured yet) does not divide by zero.
  assert.deepEqual(rowWindow(5, 40, -300, 900), { start: 0, end: 5, padTop: 0, padBottom: 0 });
  assert.deepEqual(rowWindow(0, 40, 0, 900), { start: 0, end: 0, padTop: 0, padBottom: 0 });
  assert.equal(rowWindow(100, 0, 0, 900).end, 100);
});
