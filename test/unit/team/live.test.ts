/**
 * What observers are given of a drill (main/team/live.ts), without a
 * database: the snapshot names no terminal, transcript or output; the kept
 * fold gives the snapshot a full rebuild gives, for every prefix of a real
 * drill's log, while folding each event once; a log that does not continue
 * the kept one is folded again from the start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveFolds, liveSummary, observerSnapshot, snapshotDelta } from '../../../main/team/live';
import { reduceDrill } from '../../../main/drill/reduce';
import type { DrillEvent } from '../../../main/drill/model';
import { historyFixture } from '../../helpers/history-fixture';
import { CANARY, TERMINAL_ID, TRANSCRIPT, recordLiveDrill } from '../../helpers/live-drill';

const atLast = (events: DrillEvent[]) => {
  const last = events[events.length - 1]!;
  return observerSnapshot(reduceDrill(events, { wallMs: last.wallMs, monoMs: last.monoMs, clock: last.clock }));
};

function recorded(): DrillEvent[] {
  const f = historyFixture();
  try {
    const id = recordLiveDrill(f);
    f.drills.pause(id, 'waiting for the DBA');
    f.clock.advance(60_000);
    f.drills.resume(id);
    f.drills.stepComplete(id, 1);
    f.drills.stepStart(id, 2);
    f.clock.advance(3_000);
    f.drills.stepComplete(id, 2);
    f.drills.finish(id);
    return f.drills.events(id);
  } finally {
    f.close();
  }
}

test('the observer snapshot names no terminal, transcript or output; commands keep their text and result', () => {
  const events = recorded();
  assert.ok(JSON.stringify(events).includes(CANARY), 'the log itself carries an output tail (the precondition)');
  const full = reduceDrill(events, { wallMs: events.at(-1)!.wallMs, monoMs: events.at(-1)!.monoMs, clock: events.at(-1)!.clock });
  assert.ok(JSON.stringify(full).includes(TRANSCRIPT), 'the app’s own snapshot names the transcript (what is taken out)');
  const seen = JSON.stringify(observerSnapshot(full));
  for (const secret of [CANARY, TERMINAL_ID, TRANSCRIPT, 'term-plain-9', '"outputFrom":120', '"outputTo":4096']) assert.ok(!seen.includes(secret), `observers never see ${secret}`);
  const obs = observerSnapshot(full);
  assert.deepEqual(
    obs.commands.map((c) => [c.text, c.exitCode, c.origin]),
    [
      ['pg_restore -d orders /backups/orders.dump', 0, 'run'],
      ['ls /backups', 0, 'typed'],
    ],
  );
  assert.equal(obs.untrackedTerminals[0]!.target, 'db1');
  assert.equal(obs.notes[0]!.text, 'restore running, 1200 rows so far');
  assert.equal(obs.steps[0]!.checklist[0]!.checked, true);
  const row = liveSummary(obs, obs.clock.asOf);
  assert.equal('commands' in row || 'notes' in row, false, 'a list row is a card, not the drill');
});

test('the kept fold gives what a full rebuild gives after every event, folding each event once', async () => {
  const events = recorded();
  const folds = new LiveFolds(async (_id, after) => events.slice(after, n));
  let n = 0;
  for (n = 1; n <= events.length; n++) {
    const snap = await folds.snapshot('d', { eventCount: n, chainHead: events[n - 1]!.hash });
    assert.deepEqual(snap, atLast(events.slice(0, n)), `after event ${n}`);
  }
  assert.equal(folds.folded, events.length, 'every event folded once, not the whole log per request');
  const again = await folds.snapshot('d', { eventCount: events.length, chainHead: events.at(-1)!.hash });
  assert.equal(folds.folded, events.length, 'nothing new: nothing read or folded');
  assert.equal(again!.status, 'completed');
  assert.equal(again!.clock.ticking, false);
});

test('concurrent requests share one read; a log that does not continue the kept one is folded from the start', async () => {
  const events = recorded();
  let reads = 0;
  let source = events;
  const folds = new LiveFolds(async (_id, after) => {
    reads++;
    await new Promise((r) => setTimeout(r, 5));
    return source.slice(after);
  });
  const head = { eventCount: 5, chainHead: events[4]!.hash };
  source = events.slice(0, 5);
  const [a, b] = await Promise.all([folds.snapshot('d', head), folds.snapshot('d', head)]);
  assert.equal(reads, 1);
  assert.equal(a, b);
  // Another history of the same id (cannot happen through ingest; the fold must not graft onto it).
  const other = recorded().map((e) => ({ ...e, drillId: 'd' }));
  other[5] = { ...other[5]!, prevHash: 'not-the-kept-head' };
  source = other;
  const snap = await folds.snapshot('d', { eventCount: other.length, chainHead: other.at(-1)!.hash });
  assert.equal(snap!.eventCount, other.length);
  assert.deepEqual(snap, atLast(other));
  assert.equal(await new LiveFolds(async () => []).snapshot('none', { eventCount: 0, chainHead: '' }), null);
});

test('a delta between two snapshots rebuilds the newer one on the observer’s side, for every pair of a real drill’s prefixes; a note costs a few hundred bytes', async () => {
  const { applyDelta } = await import('../../../renderer/team/live/model.js');
  const events = recorded();
  const snaps = events.map((_, i) => atLast(events.slice(0, i + 1)));
  for (let i = 0; i < snaps.length; i++) {
    for (const j of [i, i + 1, i + 3, snaps.length - 1]) {
      if (j >= snaps.length || j < i) continue;
      const d = snapshotDelta(snaps[i]!, snaps[j]!);
      const rebuilt = applyDelta(JSON.parse(JSON.stringify(snaps[i])), JSON.parse(JSON.stringify(d)));
      assert.deepEqual(rebuilt, JSON.parse(JSON.stringify(snaps[j])), `${i + 1} → ${j + 1} events`);
    }
  }
  // Held by the observer: anything but the delta's base is refused (the observer then fetches the drill whole).
  assert.equal(applyDelta(snaps[2]!, snapshotDelta(snaps[1]!, snaps[3]!)), null);
  // A drill with 300 notes: one more note is a small delta, the drill itself is not.
  const f = historyFixture();
  try {
    const id = recordLiveDrill(f);
    for (let i = 0; i < 300; i++) f.drills.addNote(id, 1, `note ${i}: replaying WAL segment 000000010000000A000000${i}`);
    const before = atLast(f.drills.events(id));
    f.drills.addNote(id, 1, 'one more');
    const after = atLast(f.drills.events(id));
    const size = JSON.stringify(snapshotDelta(before, after)).length;
    assert.ok(size < 2_000, `a note's delta is ${size} bytes`);
    assert.ok(JSON.stringify(after).length > 40_000);
  } finally {
    f.close();
  }
});
