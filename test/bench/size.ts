/**
 * History size: bytes per drill of a seeded history (BENCH_DRILLS, 2,000 by
 * default; 40 steps each, as the history bench), as the old schema stored it
 * (schema 3: a runbook copy per drill, a row per event) and as it is stored
 * now (migration 4), with where the bytes go (dbstat). Issue 15 measured
 * 68 KB per drill (683 MB for 10,000); the aim is 3× fewer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../main/store/db';
import { MIGRATIONS } from '../../main/store/migrations';
import { DrillStore } from '../../main/drill/store';
import { seedHistory } from './history-seed';

function pages(db: Database.Database): { total: number; by: { name: string; bytes: number }[] } {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('VACUUM');
  const total = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  let by: { name: string; bytes: number }[] = [];
  try {
    by = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 6').all() as typeof by;
  } catch {
    // dbstat not compiled in
  }
  return { total, by };
}

export async function sizeBench(): Promise<void> {
  const drills = Number(process.env.BENCH_DRILLS ?? 2_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-size-'));
  try {
    const now = path.join(dir, 'now');
    const db = openDatabase(now);
    const t0 = performance.now();
    seedHistory(db, { drills, stepsPerDrill: 40, runbooks: 20, hotShare: 0.5, versionEvery: 50 });
    console.log(`seeded ${drills} drills × 40 steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The same drills written as schema 3 wrote them.
    const old = new Database(path.join(dir, 'old.sqlite'));
    for (const m of MIGRATIONS.slice(0, 3)) m(old);
    const store = new DrillStore(db);
    const cols = 'id, runbook_path, runbook_title, runbook_sha256, mode, operator, status, started_at, ended_at, rto_target_sec, rto_actual_sec, rto_met, net_ms, paused_ms, owner_pid, owner_session, event_count, chain_head';
    const insDrill = old.prepare(`INSERT INTO drills (${cols}, runbook_json) VALUES (${cols.split(', ').map((c) => '@' + c).join(', ')}, @runbook_json)`);
    const insEvent = old.prepare(`INSERT INTO events (drill_id, seq, type, at, wall_ms, mono_ms, clock, operator, step_index, data, prev_hash, hash, salt)
      VALUES (@drill_id, @seq, @type, @at, @wall_ms, @mono_ms, @clock, @operator, @step_index, @data, @prev_hash, @hash, @salt)`);
    const stepCols = 'drill_id, step_index, step_key, title, status, started_at, ended_at, duration_ms';
    const insStep = old.prepare(`INSERT INTO drill_steps (${stepCols}) VALUES (${stepCols.split(', ').map((c) => '@' + c).join(', ')})`);
    old.transaction(() => {
      for (const d of db.prepare(`SELECT ${cols} FROM drills`).all() as Record<string, unknown>[]) {
        insDrill.run({ ...d, runbook_json: JSON.stringify(store.runbook(String(d.id))) });
        for (const r of store.rows(String(d.id))) insEvent.run(r);
        for (const s of db.prepare(`SELECT ${stepCols} FROM drill_steps WHERE drill_id = ?`).all(d.id) as Record<string, unknown>[]) insStep.run(s);
      }
    })();
    const before = pages(old);
    old.close();
    const after = pages(db as unknown as Database.Database);
    db.close();
    const kb = (b: number) => (b / drills / 1024).toFixed(1);
    const show = (label: string, p: ReturnType<typeof pages>) =>
      console.log(`${label}: ${kb(p.total)} KB per drill (${(p.total / 1024 / 1024).toFixed(0)} MiB)${p.by.length ? '; ' + p.by.map((x) => `${x.name} ${kb(x.bytes)}`).join(', ') : ''}`);
    show('schema 3 (before)', before);
    show('schema 4 (now)   ', after);
    console.log(`${(before.total / after.total).toFixed(1)}× fewer bytes per drill`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void sizeBench();
