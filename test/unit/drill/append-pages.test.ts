/**
 * What one event costs the disk: the WAL pages its commit writes (each one
 * part of the fsync the event waits for). SQLite rewrites every index over a
 * column an UPDATE names, so the drill's summary row is written in two parts
 * (main/drill/store.ts): a note writes its event, the drills row and
 * drills_trend, not drills_by_status and drills_list as well (7 pages before,
 * 5 after). Counted, not timed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { HistoryService } from '../../../main/history';
import { manualClock } from '../../../main/drill/clock';
import { makeRunbook, tempDir } from '../../helpers/runbooks';

test('a note commits at most 5.5 WAL pages on average, and the summary row still follows status, end and RTO', () => {
  const tmp = tempDir();
  const clock = manualClock();
  const db = openDatabase(tmp.dir);
  try {
    db.pragma('wal_autocheckpoint = 0'); // the WAL only grows during the count
    const svc = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
    const rb = makeRunbook([{ title: 'Declare' }, { title: 'Restore' }], 600);
    const id = svc.start(rb, 'rehearsal', 'ana').id;
    svc.stepStart(id, 0);
    for (let i = 0; i < 100; i++) {
      clock.advance(1_000);
      svc.addNote(id, 0, `warm-up ${i}`);
    }
    const wal = path.join(tmp.dir, 'drillbook.sqlite-wal');
    const before = statSync(wal).size;
    const notes = 300;
    for (let i = 0; i < notes; i++) {
      clock.advance(1_000);
      svc.addNote(id, 0, `note ${i}: checked the restore log, rows match`);
    }
    const pages = (statSync(wal).size - before) / (4096 + 24) / notes;
    assert.ok(pages <= 5.5, `${pages.toFixed(2)} WAL pages per note`);

    const row = () => db.prepare('SELECT status, ended_at, rto_met, rto_actual_sec, net_ms, event_count, chain_head FROM drills WHERE id = ?').get(id) as Record<string, unknown>;
    let snap = svc.get(id);
    assert.deepEqual(row(), { status: 'running', ended_at: null, rto_met: null, rto_actual_sec: snap.rto.actualSec, net_ms: snap.clock.netMs, event_count: snap.eventCount, chain_head: snap.chainHead });
    svc.stepComplete(id, 0);
    svc.stepComplete(id, 1);
    snap = svc.finish(id);
    assert.deepEqual(row(), { status: 'completed', ended_at: snap.endedAt, rto_met: 1, rto_actual_sec: snap.rto.actualSec, net_ms: snap.clock.netMs, event_count: snap.eventCount, chain_head: snap.chainHead });
    const listed = new HistoryService(db, svc).list({});
    assert.equal(listed[0]!.status, 'completed');
  } finally {
    db.close();
    tmp.cleanup();
  }
});
