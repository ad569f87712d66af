/** within(): a bounded wait that leaves no timer behind to hold the process open (main/common/wait.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '../../../main/common/wait';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('within: the value when it comes first, and no timer left pending', async () => {
  const before = timers();
  assert.equal(await within(Promise.resolve(42), 60_000), 42);
  assert.equal(timers(), before, 'the 60 s bound is cleared');
});

test('within: null when the bound comes first; a rejection still rejects and clears the bound', async () => {
  const before = timers();
  assert.equal(await within(new Promise<number>(() => undefined), 20), null);
  await assert.rejects(within(Promise.reject(new Error('refused')), 60_000), /refused/);
  assert.equal(timers(), before);
});
