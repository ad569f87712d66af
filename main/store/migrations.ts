/**
 * Schema migrations, append-only: migration N takes user_version N to N+1.
 * Never edit a released migration; add a new one.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ARCHIVE_FORMAT, packEvents, unpackEvents, type EventRow } from './archive';
import { rebuildQuantiles } from './quantiles';

export const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 1: drills, their append-only event log, and per-step rows for history queries.
  (db) => {
    db.exec(`
      CREATE TABLE drills (
        id TEXT PRIMARY KEY,
        runbook_path TEXT NOT NULL,
        runbook_title TEXT NOT NULL,
        runbook_sha256 TEXT NOT NULL,
        runbook_json TEXT NOT NULL,
        mode TEXT NOT NULL,
        operator TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        rto_target_sec REAL,
        rto_actual_sec REAL,
        rto_met INTEGER,
        net_ms REAL,
        paused_ms REAL,
        owner_pid INTEGER,
        owner_session TEXT,
        event_count INTEGER NOT NULL DEFAULT 0,
        chain_head TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX drills_by_start ON drills (started_at DESC);
      CREATE INDEX drills_by_runbook ON drills (runbook_path, started_at DESC);
      CREATE INDEX drills_by_status ON drills (status, started_at DESC);

      CREATE TABLE events (
        drill_id TEXT NOT NULL REFERENCES drills (id),
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        wall_ms INTEGER NOT NULL,
        mono_ms REAL NOT NULL,
        clock TEXT NOT NULL,
        operator TEXT NOT NULL,
        step_index INTEGER,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (drill_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE drill_steps (
        drill_id TEXT NOT NULL REFERENCES drills (id),
        step_index INTEGER NOT NULL,
        step_key TEXT NOT NULL,
        title TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        duration_ms REAL,
        PRIMARY KEY (drill_id, step_index)
      ) WITHOUT ROWID;
      CREATE INDEX drill_steps_by_key ON drill_steps (step_key);
    `);
  },
  // 2: history at scale (main/history). Covering indexes so the history list,
  // its counts and a runbook's trend never touch the drills rows themselves
  // (runbook_json sits in the middle of each row, so reading any later column
  // walks its overflow pages). Per-step statistics read one partial covering
  // index of completed steps, sorted by duration so percentiles are an
  // index seek; the drill's runbook, start and mode are copied onto its step
  // rows by a trigger (they never change after a drill starts), and stat_key
  // tells apart steps that share a key within one runbook ("verify", "verify#2").
  // step_stats keeps each step's count, sum and sum of squares of completed
  // durations current (triggers), so mean and variation need no scan; only
  // rows whose status, duration or identity really change touch it, since the
  // drill store rewrites every step row on every event.
  (db) => {
    db.exec(`
      CREATE INDEX drills_list ON drills (started_at, id, mode, status, rto_met, rto_target_sec, runbook_path);
      CREATE INDEX drills_trend ON drills (runbook_path, started_at, id, mode, status, rto_met, rto_target_sec, rto_actual_sec, net_ms, runbook_sha256);

      ALTER TABLE drill_steps ADD COLUMN runbook_path TEXT;
      ALTER TABLE drill_steps ADD COLUMN drill_started_at TEXT;
      ALTER TABLE drill_steps ADD COLUMN drill_mode TEXT;
      ALTER TABLE drill_steps ADD COLUMN stat_key TEXT;
      UPDATE drill_steps SET
        runbook_path = (SELECT d.runbook_path FROM drills d WHERE d.id = drill_steps.drill_id),
        drill_started_at = (SELECT d.started_at FROM drills d WHERE d.id = drill_steps.drill_id),
        drill_mode = (SELECT d.mode FROM drills d WHERE d.id = drill_steps.drill_id),
        stat_key = step_key || (SELECT CASE WHEN COUNT(*) = 0 THEN '' ELSE '#' || (COUNT(*) + 1) END FROM drill_steps p
                                WHERE p.drill_id = drill_steps.drill_id AND p.step_key = drill_steps.step_key AND p.step_index < drill_steps.step_index);
      CREATE TRIGGER drill_steps_denormalize AFTER INSERT ON drill_steps BEGIN
        UPDATE drill_steps SET
          runbook_path = (SELECT d.runbook_path FROM drills d WHERE d.id = NEW.drill_id),
          drill_started_at = (SELECT d.started_at FROM drills d WHERE d.id = NEW.drill_id),
          drill_mode = (SELECT d.mode FROM drills d WHERE d.id = NEW.drill_id),
          stat_key = NEW.step_key || (SELECT CASE WHEN COUNT(*) = 0 THEN '' ELSE '#' || (COUNT(*) + 1) END FROM drill_steps p
                                      WHERE p.drill_id = NEW.drill_id AND p.step_key = NEW.step_key AND p.step_index < NEW.step_index)
        WHERE drill_id = NEW.drill_id AND step_index = NEW.step_index;
      END;
      CREATE INDEX drill_steps_stats ON drill_steps (runbook_path, stat_key, duration_ms, drill_started_at, drill_mode) WHERE status = 'completed';

      CREATE TABLE step_stats (
        runbook_path TEXT NOT NULL,
        stat_key TEXT NOT NULL,
        n INTEGER NOT NULL,
        sum_ms REAL NOT NULL,
        sum_sq REAL NOT NULL,
        PRIMARY KEY (runbook_path, stat_key)
      ) WITHOUT ROWID;
      INSERT INTO step_stats (runbook_path, stat_key, n, sum_ms, sum_sq)
        SELECT runbook_path, stat_key, COUNT(*), SUM(duration_ms), SUM(duration_ms * duration_ms) FROM drill_steps
        WHERE status = 'completed' AND duration_ms IS NOT NULL AND runbook_path IS NOT NULL GROUP BY runbook_path, stat_key;
      CREATE TRIGGER step_stats_update AFTER UPDATE ON drill_steps
        WHEN OLD.status IS NOT NEW.status OR OLD.duration_ms IS NOT NEW.duration_ms
          OR OLD.runbook_path IS NOT NEW.runbook_path OR OLD.stat_key IS NOT NEW.stat_key BEGIN
        UPDATE step_stats SET n = n - 1, sum_ms = sum_ms - OLD.duration_ms, sum_sq = sum_sq - OLD.duration_ms * OLD.duration_ms
          WHERE OLD.status = 'completed' AND OLD.duration_ms IS NOT NULL AND runbook_path = OLD.runbook_path AND stat_key = OLD.stat_key;
        INSERT INTO step_stats (runbook_path, stat_key, n, sum_ms, sum_sq)
          SELECT NEW.runbook_path, NEW.stat_key, 1, NEW.duration_ms, NEW.duration_ms * NEW.duration_ms
          WHERE NEW.status = 'completed' AND NEW.duration_ms IS NOT NULL AND NEW.runbook_path IS NOT NULL AND NEW.stat_key IS NOT NULL
          ON CONFLICT (runbook_path, stat_key) DO UPDATE SET n = n + 1, sum_ms = sum_ms + excluded.sum_ms, sum_sq = sum_sq + excluded.sum_sq;
      END;
      CREATE TRIGGER step_stats_delete AFTER DELETE ON drill_steps
        WHEN OLD.status = 'completed' AND OLD.duration_ms IS NOT NULL BEGIN
        UPDATE step_stats SET n = n - 1, sum_ms = sum_ms - OLD.duration_ms, sum_sq = sum_sq - OLD.duration_ms * OLD.duration_ms
          WHERE runbook_path = OLD.runbook_path AND stat_key = OLD.stat_key;
      END;
    `);
  },

  // 3: chain v2. New events carry a random salt; their hash covers salted
  // commitments of their strings, so an export that masks a secret can still
  // be re-hashed (main/drill/chain.ts). Older events keep no salt (v1).
  (db) => {
    db.exec(`ALTER TABLE events ADD COLUMN salt TEXT`);
  },

  // 4: compact history (issue 15: 68 KB per drill). A runbook is kept once per
  // distinct content (runbooks, keyed by the SHA-256 of its JSON) instead of a
  // copy in every drill row; a finished drill's event log is kept as one
  // deflated row (event_logs, main/store/archive.ts) instead of a row per
  // event; the index by step key, which no query reads, is dropped. Existing
  // drills are moved here, in the same transaction as the schema change;
  // readers take both forms (events appended after a drill was archived, such
  // as a late note, are rows in events again).
  (db) => {
    db.exec(`
      CREATE TABLE runbooks (key TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
      ALTER TABLE drills ADD COLUMN runbook_key TEXT;
      CREATE TABLE event_logs (drill_id TEXT PRIMARY KEY REFERENCES drills (id), format INTEGER NOT NULL, count INTEGER NOT NULL, log BLOB NOT NULL) WITHOUT ROWID;
      DROP INDEX IF EXISTS drill_steps_by_key;
    `);
    const insertRunbook = db.prepare('INSERT OR IGNORE INTO runbooks (key, json) VALUES (?, ?)');
    const setKey = db.prepare("UPDATE drills SET runbook_key = ?, runbook_json = '' WHERE id = ?");
    for (const r of db.prepare("SELECT id, runbook_json FROM drills WHERE runbook_json != ''").raw().all() as [string, string][]) {
      const key = runbookKey(r[1]);
      insertRunbook.run(key, r[1]);
      setKey.run(key, r[0]);
    }
    const ids = db.prepare("SELECT id FROM drills WHERE status != 'running'").pluck().all() as string[];
    for (const id of ids) archiveDrillEvents(db, id);
  },

  // 5: per-mode step quantiles without a scan (issue 15: the first visit of a
  // hot runbook's page walked an index per step and mode, 3-6 s at 50,000
  // drills). step_quantiles keeps, per runbook, step and mode ('' = every
  // mode), the count of completed runs and an anchor per tracked quantile
  // (a value and how many runs are shorter), kept exact by triggers and walked
  // by seeks on drill_steps_stats (main/store/quantiles.ts; an index per mode
  // would cost 3.4 KB per drill). The backfill places every anchor once.
  (db) => {
    db.exec(`
      CREATE TABLE step_quantiles (
        runbook_path TEXT NOT NULL,
        stat_key TEXT NOT NULL,
        mode TEXT NOT NULL,
        n INTEGER NOT NULL,
        q50_value REAL,
        q50_below INTEGER NOT NULL DEFAULT 0,
        q90_value REAL,
        q90_below INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (runbook_path, stat_key, mode)
      ) WITHOUT ROWID;
      CREATE TRIGGER step_quantiles_update AFTER UPDATE ON drill_steps
        WHEN OLD.status IS NOT NEW.status OR OLD.duration_ms IS NOT NEW.duration_ms OR OLD.runbook_path IS NOT NEW.runbook_path
          OR OLD.stat_key IS NOT NEW.stat_key OR OLD.drill_mode IS NOT NEW.drill_mode BEGIN
        UPDATE step_quantiles SET n = n - 1,
            q50_below = q50_below - (q50_value IS NOT NULL AND OLD.duration_ms < q50_value),
            q90_below = q90_below - (q90_value IS NOT NULL AND OLD.duration_ms < q90_value)
          WHERE OLD.status = 'completed' AND OLD.duration_ms IS NOT NULL AND OLD.drill_mode IS NOT NULL
            AND runbook_path = OLD.runbook_path AND stat_key = OLD.stat_key AND mode IN (OLD.drill_mode, '');
        INSERT INTO step_quantiles (runbook_path, stat_key, mode, n)
          SELECT NEW.runbook_path, NEW.stat_key, m.mode, 1 FROM (SELECT NEW.drill_mode AS mode UNION ALL SELECT '' AS mode) AS m
          WHERE NEW.status = 'completed' AND NEW.duration_ms IS NOT NULL AND NEW.runbook_path IS NOT NULL AND NEW.stat_key IS NOT NULL AND NEW.drill_mode IS NOT NULL
          ON CONFLICT (runbook_path, stat_key, mode) DO UPDATE SET n = n + 1,
            q50_below = q50_below + (q50_value IS NOT NULL AND NEW.duration_ms < q50_value),
            q90_below = q90_below + (q90_value IS NOT NULL AND NEW.duration_ms < q90_value);
      END;
      CREATE TRIGGER step_quantiles_delete AFTER DELETE ON drill_steps
        WHEN OLD.status = 'completed' AND OLD.duration_ms IS NOT NULL AND OLD.drill_mode IS NOT NULL BEGIN
        UPDATE step_quantiles SET n = n - 1,
            q50_below = q50_below - (q50_value IS NOT NULL AND OLD.duration_ms < q50_value),
            q90_below = q90_below - (q90_value IS NOT NULL AND OLD.duration_ms < q90_value)
          WHERE runbook_path = OLD.runbook_path AND stat_key = OLD.stat_key AND mode IN (OLD.drill_mode, '');
      END;
    `);
    rebuildQuantiles(db);
  },
];

export function runbookKey(json: string): string {
  return createHash('sha256').update(json, 'utf8').digest('hex');
}

/** Moves a drill's event rows into its one compact row (appending to what is archived already). */
export function archiveDrillEvents(db: Database.Database, drillId: string): void {
  const rows = db.prepare('SELECT * FROM events WHERE drill_id = ? ORDER BY seq').all(drillId) as EventRow[];
  if (rows.length === 0) return;
  const old = db.prepare('SELECT log FROM event_logs WHERE drill_id = ?').pluck().get(drillId) as Buffer | undefined;
  const all = old ? [...unpackEvents(drillId, old), ...rows] : rows;
  db.prepare('INSERT OR REPLACE INTO event_logs (drill_id, format, count, log) VALUES (?, ?, ?, ?)').run(drillId, ARCHIVE_FORMAT, all.length, packEvents(all));
  db.prepare('DELETE FROM events WHERE drill_id = ?').run(drillId);
}
