/**
 * Group commit (issue 15): events recorded together share one transaction and
 * one fsync, each call is told only once its own event is on disk, the chain
 * and the order stay exact, and an event that fails fails nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { DrillStore } from '../../../main/drill/store';
import { manualClock } from '../../../main/drill/clock';
import { newEventSalt, verifyChain } from '../../../main/drill/chain';
import type { DrillSnapshot } from '../../../main/drill/model';
import { makeRunbook, tempDir } from '../../helpers/runbooks';

function setup() {
  const tmp = tempDir();
  const clock = manualClock();
  const db = openDatabase(tmp.dir);
  const svc = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
  const rb = makeRunbook([{ title: 'Declare', checklist: ['Incident opened'] }, { title: 'Restore' }], 600);
  const a = svc.start(rb, 'rehearsal', 'ana').id;
  const b = svc.start(rb, 'rehearsal', 'bo').id;
  // Count the commits: every group goes through DrillStore.appendGroup once.
  const groups: number[] = [];
  const store = (svc as unknown as { store: DrillStore }).store;
  const appendGroup = store.appendGroup.bind(store);
  store.appendGroup = (items) => {
    groups.push(items.length);
    return appendGroup(items);
  };
  const heard: string[] = [];
  svc.onChange((s) => heard.push(`${s.id === a ? 'a' : 'b'}${s.eventCount}`));
  /** A second connection to the same file: what is committed, as another process (or a restart) would read it. */
  const reader = new Database(path.join(tmp.dir, 'drillbook.sqlite'), { readonly: true });
  const onDisk = (id: string): string[] =>
    (reader.prepare("SELECT data FROM events WHERE drill_id = ? AND type = 'note.added' ORDER BY seq").all(id) as { data: string }[]).map(
      (r) => (JSON.parse(r.data) as { text: string }).text,
    );
  return {
    tmp, db, svc, a, b, groups, heard, onDisk,
    done: () => {
      reader.close();
      db.close();
      tmp.cleanup();
    },
  };
}

const note = (svc: DrillService, id: string, text: string): Promise<DrillSnapshot> => svc.grouped(() => svc.addNote(id, null, text));

test('calls that arrive together share one commit, each answered only once its event is on disk, in order and chained', async () => {
  const { svc, a, b, groups, heard, onDisk, done } = setup();
  try {
    const calls = [note(svc, a, 'a1'), note(svc, b, 'b1'), note(svc, a, 'a2'), note(svc, a, 'a3'), note(svc, b, 'b2')];
    // Recorded in memory, not yet committed: nobody has been told, and the file does not hold them.
    assert.deepEqual(groups, []);
    assert.deepEqual(heard, []);
    assert.deepEqual(onDisk(a), []);
    let answered = 0;
    for (const c of calls) void c.then(() => answered++);
    await new Promise((r) => process.nextTick(r)); // the microtasks run; the commit waits for the event loop's next turn
    for (let i = 0; i < 20; i++) await Promise.resolve();
    assert.equal(answered, 0, 'no call is answered before the commit');
    assert.deepEqual(groups, []);
    const snaps = await Promise.all(calls);
    assert.deepEqual(groups, [5], 'one transaction, one fsync for the five');
    assert.deepEqual(onDisk(a), ['a1', 'a2', 'a3']);
    assert.deepEqual(onDisk(b), ['b1', 'b2']);
    assert.deepEqual(heard, ['a2', 'b2', 'a3', 'a4', 'b3'], 'listeners hear every event, in the order recorded, after the commit');
    assert.deepEqual(snaps.map((s) => s.eventCount), [2, 2, 3, 4, 3]);
    assert.equal(verifyChain(svc.events(a)), null);
    assert.equal(verifyChain(svc.events(b)), null);
    // What a restart reads is the same chain.
    const fresh = new DrillService((svc as unknown as { store: { db: Database.Database } }).store.db, undefined, { pid: process.pid, session: 's2' });
    assert.equal(fresh.get(a).chainHead, snaps[3]!.chainHead);
    assert.equal(verifyChain(fresh.events(b)), null);
    // A call alone is committed on its own, at once: one more group of one.
    await note(svc, a, 'a4');
    assert.deepEqual(groups, [5, 1]);
    // Outside `grouped` (a terminal's record) the event is durable when the call returns, and it takes what is waiting with it.
    const waiting = note(svc, b, 'b3');
    svc.addNote(a, null, 'a5');
    assert.deepEqual(groups, [5, 1, 2]);
    assert.deepEqual(onDisk(b), ['b1', 'b2', 'b3']);
    await waiting;
  } finally {
    done();
  }
});

test('an event that fails in a group fails only itself and the events chained after it; the others are saved and answered', async () => {
  const { db, svc, a, b, groups, heard, onDisk, done } = setup();
  try {
    await note(svc, b, 'b0');
    heard.length = 0;
    // A real SQLite failure for one row: a trigger that refuses it.
    db.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON events WHEN json_extract(NEW.data, '$.text') = 'boom' BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END`);
    const calls = [note(svc, a, 'a1'), note(svc, b, 'boom'), note(svc, b, 'b-after'), note(svc, a, 'a2')];
    const settled = await Promise.allSettled(calls);
    assert.deepEqual(groups, [1, 4]);
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    assert.match(String((settled[1] as PromiseRejectedResult).reason), /refused by the test trigger/);
    assert.match(String((settled[2] as PromiseRejectedResult).reason), /not saved: event 3 of drill .*, recorded just before this one, could not be saved/);
    assert.deepEqual(onDisk(a), ['a1', 'a2']);
    assert.deepEqual(onDisk(b), ['b0']);
    assert.deepEqual(heard, ['a2', 'a3'], 'nobody hears of an event that was not saved');
    // The failed drill carries on from what is on disk: the next event takes the failed one's place in the chain.
    db.exec('DROP TRIGGER refuse');
    const next = await note(svc, b, 'b1');
    assert.equal(next.eventCount, 3);
    assert.deepEqual(onDisk(b), ['b0', 'b1']);
    assert.equal(verifyChain(svc.events(a)), null);
    assert.equal(verifyChain(svc.events(b)), null);
    assert.equal(svc.get(b).notes.map((n) => n.text).join(','), 'b0,b1');
  } finally {
    done();
  }
});

test('when the whole commit fails, every call in the group is told so and nothing is heard', async () => {
  const { tmp, svc, a, b, heard, done } = setup();
  try {
    const before = { a: svc.get(a).eventCount, b: svc.get(b).eventCount };
    heard.length = 0;
    const calls = [note(svc, a, 'a1'), note(svc, b, 'b1')];
    // The data folder's database is moved away under the open connection (main/store/db.ts refuses to write then).
    renameSync(path.join(tmp.dir, 'drillbook.sqlite'), path.join(tmp.dir, 'moved.sqlite'));
    const settled = await Promise.allSettled(calls);
    assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected']);
    assert.match(String((settled[0] as PromiseRejectedResult).reason), /moved or deleted/);
    assert.deepEqual(heard, []);
    assert.deepEqual({ a: svc.get(a).eventCount, b: svc.get(b).eventCount }, before, 'the cache holds only what was saved');
  } finally {
    done();
  }
});

test("a terminal's records join the group commit of the calls beside them, and are heard only once on disk", async () => {
  const { svc, a, groups, heard, done } = setup();
  try {
    const typed = (text: string) =>
      svc.terminalEvent(a, 'command.typed', null, { target: 'local', text, exitCode: 0, startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, terminalId: 't1', transcript: 't1.out', outputFrom: null, outputTo: null });
    const call = note(svc, a, 'a1');
    typed('pg_restore -d app dump');
    typed('psql -c "select count(*) from orders"');
    assert.deepEqual(groups, [], 'not committed while the event loop has not turned');
    assert.deepEqual(heard, []);
    await call;
    assert.deepEqual(groups, [3], 'the note and both typed commands in one commit');
    assert.deepEqual(heard, ['a2', 'a3', 'a4']);
    assert.deepEqual(svc.get(a).commands.map((c) => c.text), ['pg_restore -d app dump', 'psql -c "select count(*) from orders"']);
    assert.equal(verifyChain(svc.events(a)), null);
    // Alone, a terminal's record is committed at the next turn of the event loop.
    typed('ls');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(groups, [3, 1]);
  } finally {
    done();
  }
});

test('event salts cut from the pooled CSPRNG bytes are 32 hex digits and never repeat, across pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2_000; i++) seen.add(newEventSalt()); // ~8 refills of the 4 KiB pool
  assert.equal(seen.size, 2_000);
  for (const s of seen) assert.match(s, /^[0-9a-f]{32}$/);
  assert.ok(![...seen].some((s) => s === '0'.repeat(32)), 'no salt is the zeroed space left behind');
});
