/**
 * Migration 4 (compact history, issue 15: 68 KB per drill). A database built
 * the old way (schema 3: a runbook copy per drill, a row per event) is
 * migrated on open: every drill reads back exactly as recorded, every hash
 * chain verifies, running drills carry on, and the file's bytes per drill
 * fall at least 3×.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../../main/store/db';
import { MIGRATIONS } from '../../../main/store/migrations';
import { DrillService } from '../../../main/drill/service';
import { DrillStore } from '../../../main/drill/store';
import { verifyChain } from '../../../main/drill/chain';
import { manualClock } from '../../../main/drill/clock';
import { verifyAllChains } from '../../../main/history/verify';
import { seedHistory } from '../../bench/history-seed';
import { makeRunbook, tempDir } from '../../helpers/runbooks';

const FILE = 'drillbook.sqlite';

/** Copies every drill of `from` (any schema) into a new database at schema 3, written as the old store wrote it. */
function buildOldDatabase(fromDir: string, toDir: string): void {
  const src = openDatabase(fromDir);
  const old = new Database(path.join(toDir, FILE));
  try {
    old.pragma('journal_mode = WAL');
    for (const m of MIGRATIONS.slice(0, 3)) m(old);
    old.pragma('user_version = 3');
    const store = new DrillStore(src);
    const cols = 'id, runbook_path, runbook_title, runbook_sha256, mode, operator, status, started_at, ended_at, rto_target_sec, rto_actual_sec, rto_met, net_ms, paused_ms, owner_pid, owner_session, event_count, chain_head';
    const insertDrill = old.prepare(`INSERT INTO drills (${cols}, runbook_json) VALUES (${cols.split(', ').map((c) => '@' + c).join(', ')}, @runbook_json)`);
    const insertEvent = old.prepare(
      `INSERT INTO events (drill_id, seq, type, at, wall_ms, mono_ms, clock, operator, step_index, data, prev_hash, hash, salt)
       VALUES (@drill_id, @seq, @type, @at, @wall_ms, @mono_ms, @clock, @operator, @step_index, @data, @prev_hash, @hash, @salt)`,
    );
    const stepCols = 'drill_id, step_index, step_key, title, status, started_at, ended_at, duration_ms';
    const insertStep = old.prepare(`INSERT INTO drill_steps (${stepCols}) VALUES (${stepCols.split(', ').map((c) => '@' + c).join(', ')})`);
    old.transaction(() => {
      for (const d of src.prepare(`SELECT ${cols} FROM drills ORDER BY started_at`).all() as Record<string, unknown>[]) {
        insertDrill.run({ ...d, runbook_json: JSON.stringify(store.runbook(String(d.id))) });
        for (const r of store.rows(String(d.id))) insertEvent.run(r);
        for (const s of src.prepare(`SELECT ${stepCols} FROM drill_steps WHERE drill_id = ?`).all(d.id) as Record<string, unknown>[]) insertStep.run(s);
      }
    })();
    old.pragma('wal_checkpoint(TRUNCATE)');
    old.exec('VACUUM');
  } finally {
    old.close();
    src.close();
  }
}

function fileBytes(dir: string): number {
  const db = new Database(path.join(dir, FILE), { readonly: true });
  try {
    return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

test('an old history migrates: drills read back exactly, chains verify, running drills carry on, 3× fewer bytes per drill', () => {
  const tmp = tempDir();
  try {
    const fresh = path.join(tmp.dir, 'fresh');
    const oldDir = path.join(tmp.dir, 'old');
    mkdirSync(oldDir);
    // Real drills (salted v2 chains, a late note after the end, one still running) and 300 seeded ones (40 steps each).
    const clock = manualClock();
    const db = openDatabase(fresh);
    const svc = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
    const rb = makeRunbook([{ title: 'Declare', checklist: ['Paged'] }, { title: 'Restore' }], 600);
    const done = svc.start(rb, 'rehearsal', 'ana').id;
    clock.advance(5_000);
    svc.stepStart(done, 0);
    svc.checkSet(done, 0, 0, true, 'paged the DBA, password=hunter2');
    svc.stepComplete(done, 0);
    svc.commandRun(done, 1, { target: 'local', text: 'pg_restore -d app', name: null, exitCode: 0, durationMs: 1200, expectPassed: null });
    svc.stepComplete(done, 1);
    svc.finish(done);
    svc.addNote(done, null, 'written up afterwards');
    const running = svc.start(rb, 'live', 'bo').id;
    svc.stepStart(running, 0);
    seedHistory(db, { drills: 300, stepsPerDrill: 40, runbooks: 6, hotShare: 0.5, versionEvery: 50 });
    db.close();
    buildOldDatabase(fresh, oldDir);

    const before = new Database(path.join(oldDir, FILE), { readonly: true });
    const oldEvents = new Map<string, unknown[]>();
    const oldRunbooks = new Map<string, unknown>();
    for (const id of before.prepare('SELECT id FROM drills').pluck().all() as string[]) {
      oldEvents.set(id, before.prepare('SELECT * FROM events WHERE drill_id = ? ORDER BY seq').all(id));
      oldRunbooks.set(id, JSON.parse(before.prepare('SELECT runbook_json FROM drills WHERE id = ?').pluck().get(id) as string));
    }
    before.close();
    const bytesBefore = fileBytes(oldDir);

    const migrated = openDatabase(oldDir);
    assert.equal(migrated.pragma('user_version', { simple: true }), MIGRATIONS.length);
    const store = new DrillStore(migrated);
    for (const [id, rows] of oldEvents) {
      assert.deepEqual(store.rows(id), rows, `drill ${id}: every stored field reads back as it was`);
      assert.equal(verifyChain(store.events(id)), null, `drill ${id}: its chain verifies`);
      assert.deepEqual(store.runbook(id), oldRunbooks.get(id), `drill ${id}: its runbook reads back`);
    }
    assert.deepEqual(verifyAllChains(migrated).problems, []);
    // The running drill carries on; the finished one takes a late note on top of its compact log.
    const svc2 = new DrillService(migrated, clock.now, { pid: process.pid, session: 's1' });
    clock.advance(1_000);
    svc2.stepComplete(running, 0);
    svc2.addNote(done, 0, 'one more finding');
    const reread = new DrillStore(migrated);
    assert.equal(verifyChain(reread.events(running)), null);
    assert.equal(verifyChain(reread.events(done)), null);
    assert.equal(reread.events(done).length, oldEvents.get(done)!.length + 1);
    assert.deepEqual(verifyAllChains(migrated).problems, []);
    migrated.pragma('wal_checkpoint(TRUNCATE)');
    migrated.exec('VACUUM');
    migrated.close();
    const bytesAfter = fileBytes(oldDir);
    const drills = oldEvents.size;
    assert.ok(
      bytesAfter * 3 <= bytesBefore,
      `bytes per drill: ${(bytesBefore / drills / 1024).toFixed(1)} KB before, ${(bytesAfter / drills / 1024).toFixed(1)} KB after (want 3× fewer)`,
    );
  } finally {
    tmp.cleanup();
  }
});
