/**
 * The observer view's pure rules (renderer/team/live/model.ts) without a
 * browser: the clock ticks on from the snapshot's last event by the event's
 * age at the server's answer plus this page's own elapsed time, stops while
 * paused and once ended; the staleness line; which answer is newer; the
 * backoff of the live stream; the step followed; the SSE message read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DrillSnapshot } from '../../../main/drill/model';

const load = () => import('../../../renderer/team/live/model.js');

function snap(over: Partial<DrillSnapshot> & { ticking?: boolean } = {}): DrillSnapshot {
  const { ticking = true, ...rest } = over;
  return {
    id: 'd1',
    status: 'running',
    paused: false,
    pauseReason: null,
    endReason: null,
    operator: 'ana',
    eventCount: 7,
    clock: { grossMs: 70_000, pausedMs: 10_000, netMs: 60_000, ticking, asOf: '2026-03-01T10:00:00.000Z' },
    steps: [
      { index: 0, status: 'completed' },
      { index: 1, status: 'running' },
      { index: 2, status: 'pending' },
    ],
    ...rest,
  } as unknown as DrillSnapshot;
}

test('the clock ticks on from the last event: its age at the answer plus the page’s own time since', async () => {
  const { receivedAtOf, observerClock, eventAgeAtAnswer } = await load();
  const view = { lastEventAt: '2026-03-01T10:00:00.000Z', serverTime: '2026-03-01T10:00:12.000Z' };
  assert.equal(eventAgeAtAnswer(view.lastEventAt, view.serverTime), 12_000);
  const arrived = 5_000; // performance.now() when the answer came
  const receivedAt = receivedAtOf(view, arrived);
  assert.equal(receivedAt, -7_000);
  const c = observerClock(snap(), receivedAt, arrived + 3_000);
  assert.deepEqual(c, { netMs: 75_000, grossMs: 85_000, pausedMs: 10_000 }, '60 s + 12 s old + 3 s since');
  // The server's clock behind the operator's: the age is never negative (the clock never runs backwards).
  assert.equal(eventAgeAtAnswer('2026-03-01T10:00:05.000Z', '2026-03-01T10:00:00.000Z'), 0);
  assert.equal(eventAgeAtAnswer('garbage', '2026-03-01T10:00:00.000Z'), 0);
});

test('paused, the net clock stands and the pause grows; ended, nothing moves', async () => {
  const { observerClock } = await load();
  const paused = observerClock(snap({ paused: true, ticking: false }), 0, 4_000);
  assert.deepEqual(paused, { netMs: 60_000, grossMs: 74_000, pausedMs: 14_000 });
  const ended = observerClock(snap({ status: 'completed', ticking: false }), 0, 4_000);
  assert.deepEqual(ended, { netMs: 60_000, grossMs: 70_000, pausedMs: 10_000 });
  const aborted = observerClock(snap({ status: 'aborted', ticking: false, paused: true }), 0, 4_000);
  assert.equal(aborted.netMs, 60_000);
  assert.equal(aborted.pausedMs, 10_000, 'an aborted drill that was paused does not keep counting its pause');
});

test('staleness says how old the last event is, in words a person reads at a glance', async () => {
  const { staleText } = await load();
  assert.equal(staleText(400), 'last event just now');
  assert.equal(staleText(12_300), 'last event 12 s ago');
  assert.equal(staleText(185_000), 'last event 3 min 5 s ago');
  assert.equal(staleText(2 * 3600_000 + 4 * 60_000), 'last event 2 h 4 min ago');
  assert.equal(staleText(-50), 'last event just now');
  // A drill left running for weeks: days, not "3468 h".
  assert.equal(staleText(47 * 3600_000 + 59 * 60_000), 'last event 47 h 59 min ago');
  assert.equal(staleText((3468 * 60 + 26) * 60_000), 'last event 144 d 12 h ago');
});

test('a slower answer with fewer events never replaces a newer one; another drill always does', async () => {
  const { isNewer } = await load();
  assert.equal(isNewer(snap({ eventCount: 8 }), snap({ eventCount: 7 })), true);
  assert.equal(isNewer(snap({ eventCount: 7 }), snap({ eventCount: 8 })), false);
  assert.equal(isNewer(snap({ eventCount: 7 }), snap({ eventCount: 7 })), false);
  assert.equal(isNewer(snap({ id: 'd2', eventCount: 1 }), snap({ eventCount: 9 })), true);
  assert.equal(isNewer(snap(), null), true);
});

test('the live stream is tried again after 1, 2, 4 … s, never more than 30 s apart', async () => {
  const { backoffMs } = await load();
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 50].map(backoffMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test('read-only words, the step followed, and the stream’s message', async () => {
  const { watchingText, stateText, followStep, changedId } = await load();
  assert.equal(watchingText({ operator: 'ana' }), 'read-only · watching ana');
  assert.equal(stateText(snap({ paused: true, pauseReason: 'DBA on the phone' })), 'Paused: DBA on the phone');
  assert.equal(stateText(snap({ status: 'aborted', endReason: 'disk full' })), 'Aborted: disk full');
  assert.equal(followStep(snap()), 1);
  assert.equal(followStep(snap({ steps: [{ index: 0, status: 'completed' }, { index: 1, status: 'pending' }] as never })), 1);
  assert.equal(followStep(snap({ steps: [{ index: 0, status: 'completed' }, { index: 1, status: 'skipped' }] as never })), 1);
  assert.equal(changedId('{"id":"d1"}'), 'd1');
  assert.equal(changedId('not json'), null);
  assert.equal(changedId('{"id":3}'), null);
});
