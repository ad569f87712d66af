import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../../main/store/migrations';
import { openDatabase, schemaVersion } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { HistoryService } from '../../../main/history';
import { tempDir } from '../../helpers/runbooks';
import { eventHash, verifyChain } from '../../../main/drill/chain';
import type { DrillEvent } from '../../../main/drill/model';
import { runbook } from '../../helpers/history-fixture';
import { quantileSorted } from '../../../main/history/stats';
import { keptQuantile } from '../../../main/store/quantiles';

/** The same drills, recorded into any database the engine can write to. */
function recordInto(db: Database.Database): void {
  const clock = manualClock(Date.UTC(2026, 0, 1, 9));
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'migration-test' });
  const rb = runbook(['Declare', 'Verify', 'Restore', 'Verify'], { rto: 600 });
  for (let i = 0; i < 5; i++) {
    clock.advance(86_400_000);
    const id = drills.start(rb, i % 2 ? 'automated' : 'rehearsal', 'ana').id;
    [1_000 + i, 2_000, 30_000 + i * 1_000, 4_000 + i].forEach((ms, s) => {
      drills.stepStart(id, s);
      clock.advance(ms);
      drills.stepComplete(id, s);
    });
    drills.finish(id);
  }
  const running = drills.start(rb, 'rehearsal', 'ana').id;
  drills.stepStart(running, 0);
  clock.advance(2_000);
  drills.stepComplete(running, 0);
}

/**
 * Creates a database at schema `version` (the first `version` migrations)
 * holding the same drills as `recordInto`, written the way a Drillbook of
 * that schema wrote them: only that schema's columns, and hash chain v1
 * (no salt: migration 3 introduced salted events).
 */
function legacyDatabase(file: string, version: number): void {
  const scratch = tempDir();
  const current = openDatabase(scratch.dir);
  const raw = new Database(file);
  try {
    recordInto(current);
    raw.pragma('journal_mode = WAL');
    for (const m of MIGRATIONS.slice(0, version)) m(raw);
    raw.pragma(`user_version = ${version}`);
    const columns = (table: string) => (raw.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    const copy = (table: string, rows: Record<string, unknown>[]) => {
      const cols = columns(table);
      const insert = raw.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`);
      for (const row of rows) insert.run(Object.fromEntries(cols.map((c) => [c, row[c] ?? null])));
    };
    const drills = new DrillService(current);
    const ids = current.prepare('SELECT id FROM drills ORDER BY started_at').pluck().all() as string[];
    const heads = new Map<string, string>();
    const events: Record<string, unknown>[] = [];
    for (const id of ids) {
      let prev = '';
      for (const e of drills.events(id)) {
        const { salt: _salt, hash: _hash, ...body } = e;
        const v1 = { ...body, prevHash: prev };
        prev = eventHash(v1);
        events.push({ drill_id: id, seq: e.seq, type: e.type, at: e.at, wall_ms: e.wallMs, mono_ms: e.monoMs, clock: e.clock, operator: e.operator, step_index: e.stepIndex, data: JSON.stringify(e.data), prev_hash: v1.prevHash, hash: prev });
      }
      heads.set(id, prev);
    }
    const drillRows = (current.prepare('SELECT * FROM drills ORDER BY started_at').all() as Record<string, unknown>[]).map((d) => ({ ...d, chain_head: heads.get(d.id as string) }));
    raw.transaction(() => {
      copy('drills', drillRows);
      copy('events', events);
      // Before migration 2 the statistics columns did not exist; later, triggers fill them from these rows.
      copy('drill_steps', current.prepare('SELECT drill_id, step_index, step_key, title, status, started_at, ended_at, duration_ms FROM drill_steps').all() as Record<string, unknown>[]);
    })();
  } finally {
    raw.close();
    current.close();
    scratch.cleanup();
  }
}

test('upgrading a history recorded before migration 3 keeps every v1 chain valid; a drill continued after it mixes v1 and v2 events', () => {
  const old = tempDir();
  try {
    legacyDatabase(path.join(old.dir, 'drillbook.sqlite'), 2);
    const db = openDatabase(old.dir);
    try {
      assert.equal(schemaVersion(db), MIGRATIONS.length);
      const clock = manualClock(Date.UTC(2026, 1, 1, 9));
      const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'after-upgrade' });
      const ids = db.prepare('SELECT id FROM drills ORDER BY started_at').pluck().all() as string[];
      assert.equal(ids.length, 6);
      for (const id of ids) {
        const events = drills.events(id);
        assert.equal(verifyChain(events), null, `drill ${id} still verifies`);
        assert.ok(events.every((e) => e.salt === undefined), 'recorded before chain v2: no salts');
        assert.equal(drills.get(id).chainHead, events.at(-1)!.hash);
      }
      // The drill that was running when the old version stopped goes on under chain v2.
      const running = ids.at(-1)!;
      assert.equal(drills.get(running).status, 'running');
      drills.recover(running, 'ana');
      drills.stepStart(running, 1);
      clock.advance(1_000);
      drills.stepComplete(running, 1);
      const mixed = drills.events(running);
      const kinds = mixed.map((e) => (e.salt === undefined ? 'v1' : 'v2'));
      assert.deepEqual(kinds.slice(-3), ['v2', 'v2', 'v2'], 'recovered, step started, step completed');
      assert.ok(kinds.includes('v1'));
      assert.equal(verifyChain(mixed), null, 'a v2 event links onto a v1 one');
      const tampered = mixed.map((e) => (e === mixed.at(-1) ? { ...e, data: { ...e.data, edited: 'yes' } } : e));
      assert.match(verifyChain(tampered)!.problem, /was altered/);
      const stripped = mixed.map((e) => (e === mixed.at(-1) ? (({ salt: _s, ...rest }) => rest as DrillEvent)(e) : e));
      assert.match(verifyChain(stripped)!.problem, /was altered/, 'dropping the salt does not turn a v2 event into a valid v1 one');
    } finally {
      db.close();
    }
  } finally {
    old.cleanup();
  }
});

test('upgrading a history recorded before migration 2 fills the statistics columns and sums exactly as if recorded after it', () => {
  const old = tempDir();
  const fresh = tempDir();
  try {
    // A database as the first version left it: schema 1, drills in it.
    legacyDatabase(path.join(old.dir, 'drillbook.sqlite'), 1);

    const upgraded = openDatabase(old.dir);
    const current = openDatabase(fresh.dir);
    recordInto(current);
    try {
      assert.equal(schemaVersion(upgraded), MIGRATIONS.length);
      const unfilled = upgraded
        .prepare('SELECT COUNT(*) FROM drill_steps WHERE runbook_path IS NULL OR drill_started_at IS NULL OR drill_mode IS NULL OR stat_key IS NULL')
        .pluck()
        .get();
      assert.equal(unfilled, 0);
      const cols = 'step_index, step_key, stat_key, title, status, duration_ms, runbook_path, drill_mode';
      const steps = (db: Database.Database) => db.prepare(`SELECT ${cols} FROM drill_steps ORDER BY drill_started_at, step_index`).raw().all();
      assert.deepEqual(steps(upgraded), steps(current), 'backfilled rows equal trigger-filled rows');
      assert.deepEqual(
        upgraded.prepare('SELECT DISTINCT stat_key FROM drill_steps ORDER BY stat_key').pluck().all(),
        ['declare', 'restore', 'verify', 'verify#2'],
      );
      const sums = (db: Database.Database) => db.prepare('SELECT * FROM step_stats ORDER BY stat_key').raw().all();
      assert.deepEqual(sums(upgraded), sums(current));
      const stats = (db: Database.Database) => {
        const s = new HistoryService(db, new DrillService(db)).runbookStats({ runbookPath: '/runbooks/restore.md' });
        return { counts: s.counts, steps: s.steps.map((x) => [x.key, x.n, x.durations, x.slowRuns]), rto: s.rtoSec };
      };
      assert.deepEqual(stats(upgraded), stats(current));
      assert.equal(stats(upgraded).counts.running, 1);
    } finally {
      upgraded.close();
      current.close();
    }
  } finally {
    old.cleanup();
    fresh.cleanup();
  }
});

test('upgrading a history recorded before migration 5 keeps per-mode step counts and quantiles equal to a sort of the rows', () => {
  const old = tempDir();
  const fresh = tempDir();
  try {
    legacyDatabase(path.join(old.dir, 'drillbook.sqlite'), 4);
    const upgraded = openDatabase(old.dir);
    const current = openDatabase(fresh.dir);
    recordInto(current);
    try {
      assert.equal(schemaVersion(upgraded), MIGRATIONS.length);
      // Anchors may sit at different (equally valid) places: the running drill's completed step moved the ranks after the
      // last settle in `current`; the counts and every quantile they give must be the same.
      const kept = (db: Database.Database) => db.prepare('SELECT runbook_path, stat_key, mode, n FROM step_quantiles ORDER BY runbook_path, stat_key, mode').all() as { runbook_path: string; stat_key: string; mode: string; n: number }[];
      assert.ok(kept(upgraded).length > 0, 'the backfill made rows');
      assert.deepEqual(kept(upgraded), kept(current), 'backfilled counts equal trigger-kept counts');
      for (const r of kept(upgraded)) {
        const scope = { runbookPath: r.runbook_path, key: r.stat_key, mode: r.mode };
        const rows = upgraded
          .prepare(`SELECT duration_ms FROM drill_steps WHERE status = 'completed' AND stat_key = ? AND (drill_mode = ? OR ? = '') ORDER BY duration_ms`)
          .pluck()
          .all(r.stat_key, r.mode, r.mode) as number[];
        assert.equal(r.n, rows.length);
        for (const q of [0.5, 0.9]) {
          assert.equal(keptQuantile(upgraded, scope, q), quantileSorted(rows, q), `${r.stat_key} ${r.mode || 'all'} p${q * 100} upgraded`);
          assert.equal(keptQuantile(current, scope, q), quantileSorted(rows, q), `${r.stat_key} ${r.mode || 'all'} p${q * 100} current`);
        }
      }
      for (const mode of ['rehearsal', 'automated'] as const) {
        const h = new HistoryService(upgraded, new DrillService(upgraded));
        const medians = h.stepMedians('/runbooks/restore.md', ['declare', 'verify', 'restore', 'verify'], mode);
        for (const [key, m] of medians) {
          const rows = upgraded
            .prepare("SELECT duration_ms FROM drill_steps WHERE status = 'completed' AND stat_key = ? AND drill_mode = ? ORDER BY duration_ms")
            .pluck()
            .all(key, mode) as number[];
          assert.equal(m.samples, rows.length, `${mode} ${key} count`);
          assert.equal(m.medianMs, quantileSorted(rows, 0.5), `${mode} ${key} median`);
        }
      }
    } finally {
      upgraded.close();
      current.close();
    }
  } finally {
    old.cleanup();
    fresh.cleanup();
  }
});
