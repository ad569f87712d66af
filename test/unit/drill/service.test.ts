import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { verifyChain } from '../../../main/drill/chain';
import { UserError } from '../../../main/common/errors';
import { HistoryService } from '../../../main/history';
import { makeRunbook, tempDir } from '../../helpers/runbooks';

function setup(rto: number | null = 600, steps = [
  { title: 'Declare', checklist: ['Incident opened', 'Team paged'] },
  { title: 'Restore' },
  { title: 'Verify', checklist: ['Row counts match'] },
]) {
  const tmp = tempDir();
  const clock = manualClock();
  const db = openDatabase(tmp.dir);
  const svc = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
  const rb = makeRunbook(steps, rto);
  return { tmp, clock, db, svc, rb, done: () => { db.close(); tmp.cleanup(); } };
}

test('a drill run step by step has exact step, gross, paused and net times', () => {
  const { svc, rb, clock, done } = setup();
  try {
    const id = svc.start(rb, 'rehearsal', 'ana').id;
    clock.advance(5_000);
    svc.stepStart(id, 0);
    clock.advance(10_000);
    svc.checkSet(id, 0, 0, true);
    svc.checkSet(id, 0, 1, true);
    svc.stepComplete(id, 0);
    svc.stepStart(id, 1);
    clock.advance(30_000);
    svc.pause(id, 'lunch');
    clock.advance(60_000);
    assert.throws(() => svc.stepComplete(id, 1), /paused \(lunch\)/);
    svc.resume(id);
    clock.advance(20_000);
    svc.stepComplete(id, 1);
    svc.stepSkip(id, 2, 'verified by the DBA out of band');
    const s = svc.finish(id);

    assert.equal(s.status, 'completed');
    assert.deepEqual(s.steps.map((x) => x.status), ['completed', 'completed', 'skipped']);
    assert.equal(s.steps[0]!.durationMs, 10_000);
    assert.equal(s.steps[1]!.durationMs, 50_000, 'the pause is not part of the step');
    assert.equal(s.steps[2]!.durationMs, null);
    assert.equal(s.steps[2]!.reason, 'verified by the DBA out of band');
    assert.equal(s.clock.grossMs, 125_000);
    assert.equal(s.clock.pausedMs, 60_000);
    assert.equal(s.clock.netMs, 65_000);
    assert.equal(s.pauses.length, 1);
    assert.equal(s.pauses[0]!.durationMs, 60_000);
    assert.equal(s.pauses[0]!.reason, 'lunch');
    // RTO window: first step start (t=5s) to last step end (t=125s), minus the pause.
    assert.equal(s.rto.actualSec, 60);
    assert.equal(s.rto.met, true);
    assert.equal(s.steps[0]!.checklist[1]!.by, 'ana');
    assert.match(s.steps[0]!.checklist[1]!.at!, /^2026-01-01T09:00:15\.000Z$/);
    assert.equal(s.clock.ticking, false);
  } finally {
    done();
  }
});

test('RTO missed when the window exceeds the target, and markers bound the window', () => {
  const { svc, clock, done } = setup();
  try {
    const rb = makeRunbook(
      [{ title: 'Prepare' }, { title: 'Restore', rtoStart: true }, { title: 'Verify', rtoEnd: true }, { title: 'Retro' }],
      60,
    );
    const id = svc.start(rb, 'live', 'bo').id;
    svc.stepStart(id, 0);
    clock.advance(100_000);
    svc.stepComplete(id, 0);
    svc.stepStart(id, 1);
    clock.advance(50_000);
    let s = svc.stepComplete(id, 1);
    assert.equal(s.rto.open, true);
    assert.equal(s.rto.actualSec, 50);
    assert.equal(s.rto.met, null, 'not judged while the window is open');
    svc.stepStart(id, 2);
    clock.advance(20_000);
    s = svc.stepComplete(id, 2);
    assert.equal(s.rto.open, false);
    assert.equal(s.rto.actualSec, 70);
    assert.equal(s.rto.met, false);
    clock.advance(500_000);
    svc.stepComplete(id, 3);
    s = svc.finish(id);
    assert.equal(s.rto.actualSec, 70, 'steps after the rto=end marker do not count');
    assert.equal(s.rto.startStep, 1);
    assert.equal(s.rto.endStep, 2);
  } finally {
    done();
  }
});

test('finish refuses while steps are open; invalid transitions are conflicts', () => {
  const { svc, rb, done } = setup();
  try {
    const id = svc.start(rb, 'rehearsal', 'ana').id;
    assert.throws(() => svc.finish(id), (e: unknown) => e instanceof UserError && e.code === 'conflict' && /3 steps are not done/.test(e.message));
    svc.stepStart(id, 0);
    assert.throws(() => svc.stepStart(id, 0), /already running/);
    svc.stepComplete(id, 0);
    assert.throws(() => svc.stepSkip(id, 0, 'x'), /already completed/);
    assert.throws(() => svc.stepStart(id, 9), (e: unknown) => e instanceof UserError && e.code === 'not_found');
    assert.throws(() => svc.checkSet(id, 0, 5, true), /no checklist item 6/);
    assert.throws(() => svc.resume(id), /not paused/);
    svc.abort(id, 'storage array on fire');
    assert.throws(() => svc.stepStart(id, 1), /aborted; it can no longer change/);
    const s = svc.get(id);
    assert.equal(s.status, 'aborted');
    assert.equal(s.endReason, 'storage array on fire');
    assert.equal(s.rto.met, null);
  } finally {
    done();
  }
});

test('a failed step makes the finished drill failed', () => {
  const { svc, rb, done } = setup();
  try {
    const id = svc.start(rb, 'rehearsal', 'ana').id;
    svc.stepComplete(id, 0);
    svc.stepFail(id, 1, 'dump was empty');
    svc.stepSkip(id, 2, 'nothing to verify');
    const s = svc.finish(id);
    assert.equal(s.status, 'failed');
    assert.equal(s.steps[1]!.reason, 'dump was empty');
  } finally {
    done();
  }
});

test('everything acknowledged survives a new process; the drill is interrupted until recovered, with the gap shown', () => {
  const { svc, rb, clock, db, tmp } = setup();
  const id = svc.start(rb, 'rehearsal', 'ana').id;
  clock.advance(1_000);
  svc.stepStart(id, 0);
  clock.advance(2_000);
  svc.checkSet(id, 0, 1, true, 'paged via PagerDuty');
  svc.addNote(id, 0, 'pager was slow');
  const before = svc.get(id);
  db.close(); // the process dies here

  clock.advance(45_000); // Drillbook is down for 45 s; the restore goes on
  const db2 = openDatabase(tmp.dir);
  try {
    const svc2 = new DrillService(db2, clock.now, { pid: process.pid, session: 's2' });
    const active = svc2.active();
    assert.equal(active.length, 1);
    const interrupted = active[0]!;
    assert.equal(interrupted.interrupted, true);
    const withoutDuration = (steps: typeof before.steps) => steps.map((x) => ({ ...x, durationMs: null }));
    assert.deepEqual(withoutDuration(interrupted.steps), withoutDuration(before.steps));
    assert.equal(interrupted.steps[0]!.durationMs, 47_000, 'the running step kept running while Drillbook was down');
    assert.equal(interrupted.steps[0]!.checklist[1]!.checked, true);
    assert.equal(interrupted.steps[0]!.checklist[1]!.note, 'paged via PagerDuty');
    assert.equal(interrupted.notes[0]!.text, 'pager was slow');
    assert.throws(() => svc2.stepComplete(id, 0), /interrupted; resume it first/);

    const recovered = svc2.recover(id);
    assert.equal(recovered.interrupted, false);
    assert.equal(recovered.gaps.length, 1);
    assert.equal(recovered.gaps[0]!.durationMs, 45_000);
    assert.equal(recovered.gaps[0]!.measuredBy, 'monotonic');
    assert.equal(recovered.clock.grossMs, 48_000, 'the clock kept running through the gap');
    clock.advance(1_000);
    const done = svc2.stepComplete(id, 0);
    assert.equal(done.steps[0]!.durationMs, 48_000);
    assert.equal(verifyChain(svc2.events(id)), null);
  } finally {
    db2.close();
    tmp.cleanup();
  }
});

test('a reboot between sessions is measured by wall clock and flagged', () => {
  const { svc, rb, clock, db, tmp } = setup();
  const id = svc.start(rb, 'rehearsal', 'ana').id;
  svc.stepStart(id, 0);
  db.close();
  clock.reboot(120_000);
  const db2 = openDatabase(tmp.dir);
  try {
    const svc2 = new DrillService(db2, clock.now, { pid: process.pid, session: 's2' });
    const s = svc2.recover(id);
    assert.equal(s.gaps[0]!.measuredBy, 'wall-clock');
    assert.equal(s.gaps[0]!.durationMs, 120_000);
    assert.equal(s.clock.grossMs, 120_000);
  } finally {
    db2.close();
    tmp.cleanup();
  }
});

test('the hash chain catches any altered, removed or reordered event', () => {
  const { svc, rb, db, done } = setup();
  try {
    const id = svc.start(rb, 'rehearsal', 'ana').id;
    svc.stepStart(id, 0);
    svc.checkSet(id, 0, 0, true);
    svc.stepComplete(id, 0);
    const events = svc.events(id);
    assert.equal(verifyChain(events), null);
    const altered = events.map((e) => ({ ...e, data: { ...e.data } as Record<string, unknown> }));
    altered[2]!.data.checked = false;
    assert.match(verifyChain(altered)!.problem, /event 3 \(check.set\) was altered/);
    assert.match(verifyChain([events[0]!, events[2]!, events[3]!])!.problem, /missing or out of order/);
    const relinked = events.map((e) => ({ ...e }));
    relinked[1] = { ...relinked[1]!, at: '2020-01-01T00:00:00.000Z' };
    assert.ok(verifyChain(relinked));
    // The database row holds the same chain head the snapshot reports.
    const row = db.prepare('SELECT chain_head FROM drills WHERE id = ?').get(id) as { chain_head: string };
    assert.equal(row.chain_head, events.at(-1)!.hash);
  } finally {
    done();
  }
});

test('the summary rows the history reads follow every event: newest first, filters, per-step rows', () => {
  const { svc, rb, clock, db, done } = setup();
  const history = new HistoryService(db, svc);
  try {
    const a = svc.start(rb, 'rehearsal', 'ana').id;
    clock.advance(1000);
    const b = svc.start(rb, 'live', 'bo').id;
    svc.stepComplete(b, 0);
    svc.stepStart(b, 1);
    clock.advance(1000);
    svc.stepComplete(b, 1);
    svc.stepComplete(b, 2);
    svc.finish(b);
    const all = history.list();
    assert.deepEqual(all.map((d) => d.id), [b, a]);
    assert.equal(all[0]!.status, 'completed');
    assert.equal(all[0]!.steps.length, 3);
    assert.equal(all[0]!.steps[1]!.durationMs, 1000);
    assert.equal(all[1]!.status, 'running');
    assert.deepEqual(history.list({ mode: 'live' }).map((d) => d.id), [b]);
    assert.deepEqual(history.list({ status: 'running' }).map((d) => d.id), [a]);
  } finally {
    done();
  }
});
