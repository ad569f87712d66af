/**
 * The history's own disaster recovery, for real: back up, damage or delete
 * the database file, restore through the CLI, and compare every row with
 * the original. Plus the refusals, automatic backups in a running host,
 * rotation, and the integrity check at start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, SocketClient, startServer } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { Core } from '../../../main/api/core';
import { DatabaseGuard, listBackups } from '../../../main/store/backup';
import { cliPrefix } from '../../helpers/cli';

function cli(dataDir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [...cliPrefix(), ...args, '--data', dataDir], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DRILLBOOK_DATA: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const TABLES = ['drills', 'events', 'drill_steps', 'step_stats'];
function dump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of TABLES) out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).raw().all();
    out.schema = db.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).raw().all();
    return out;
  } finally {
    db.close();
  }
}

/** A data folder with real drills in it, closed (so everything is checkpointed into the main file). */
function seeded(dir: string) {
  const f = historyFixture();
  const rb = runbook(['Declare', 'Restore', 'Verify', 'Verify'], { rto: 600 });
  for (let i = 0; i < 12; i++) f.drill(rb, [1_000 + i, 20_000 + i * 500, 3_000, 4_000], { mode: i % 3 ? 'rehearsal' : 'automated' });
  f.drill(rb, [1_000], { abort: true });
  f.db.close();
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(f.dir, 'drillbook.sqlite'), path.join(dir, 'drillbook.sqlite'));
  rmSync(f.dir, { recursive: true, force: true });
}

/** Overwrites one b-tree page of `name` (an index or table) with garbage. */
function damagePage(file: string, name: string): void {
  const db = new Database(file, { readonly: true });
  const root = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(name) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
  closeSync(fd);
}

test('db backup → damage the database → db check fails → db restore → every row is back; then the same from a deleted database', () => {
  const tmp = tempDir();
  try {
    const data = path.join(tmp.dir, 'data');
    seeded(data);
    const file = path.join(data, 'drillbook.sqlite');
    const original = dump(file);
    assert.equal(original.drills!.length, 13);

    const made = cli(data, 'db', 'backup');
    assert.equal(made.code, 0, made.err);
    const backup = made.out.trim();
    assert.match(path.basename(backup), /^drillbook-.*-manual\.sqlite$/);
    assert.deepEqual(dump(backup), original, 'the backup holds every row');

    damagePage(file, 'events');
    const damagedBytes = readFileSync(file);
    const bad = cli(data, 'db', 'check');
    assert.equal(bad.code, 1, bad.out + bad.err);
    assert.match(bad.out, /integrity_check: FAILED/);
    assert.ok(bad.out.includes(`drillbook db restore ${backup}`), 'the check says how to recover');

    const restored = cli(data, 'db', 'restore', backup);
    assert.equal(restored.code, 0, restored.err);
    assert.match(restored.out, /Restored 13 drills/);
    const safety = /kept at (.+)$/m.exec(restored.out)![1]!;
    assert.ok(readFileSync(safety).equals(damagedBytes), 'the damaged file is kept exactly as it was');
    assert.match(path.basename(safety), /-pre-restore\.sqlite$/);
    assert.deepEqual(dump(file), original, 'row for row, the restored history is the original');
    const good = cli(data, 'db', 'check');
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /hash chains: 13 drills, \d+ events, all verify/);

    // Gone entirely (disk wiped, file deleted by mistake).
    for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
    const again = cli(data, 'db', 'restore', backup);
    assert.equal(again.code, 0, again.err);
    assert.doesNotMatch(again.out, /kept at/, 'nothing to keep when there was no database');
    assert.deepEqual(dump(file), original);

    const list = cli(data, 'db', 'backups');
    assert.match(list.out, /manual/);
    assert.match(list.out, /pre-restore/);
  } finally {
    tmp.cleanup();
  }
});

test('restore refuses a file that is not a sound Drillbook database, and refuses while another Drillbook has the history open', async () => {
  const tmp = tempDir();
  const data = path.join(tmp.dir, 'data');
  const runbooks = path.join(tmp.dir, 'runbooks');
  mkdirSync(runbooks);
  cpSync(path.join(ROOT, 'test/fixtures/three-steps.md'), path.join(runbooks, 'three-steps.md'));
  seeded(data);
  const file = path.join(data, 'drillbook.sqlite');
  const backup = path.join(tmp.dir, 'copy.sqlite');
  assert.equal(cli(data, 'db', 'backup', '--out', backup).code, 0);
  assert.equal(cli(data, 'db', 'backup', '--out', backup).code, 1, 'never overwrites');

  const text = path.join(tmp.dir, 'notes.txt');
  writeFileSync(text, 'hello, not a database\n'.repeat(200));
  const other = path.join(tmp.dir, 'other.sqlite');
  const o = new Database(other);
  o.exec('CREATE TABLE t (x)');
  o.close();
  const damaged = path.join(tmp.dir, 'damaged.sqlite');
  cpSync(backup, damaged);
  damagePage(damaged, 'drill_steps');

  const before = readFileSync(file);
  for (const [source, re] of [
    [text, /not a SQLite database|cannot be opened/],
    [other, /not a Drillbook history database \(no drills, events, drill_steps table\)/],
    [damaged, /is damaged/],
    [path.join(tmp.dir, 'missing.sqlite'), /does not exist/],
    [file, /that is the database in use/],
  ] as const) {
    const r = cli(data, 'db', 'restore', source);
    assert.equal(r.code, 1, `${source}: ${r.out}${r.err}`);
    assert.match(r.err, re);
    assert.doesNotMatch(r.err, /\n\s+at /, 'one line, no stack');
  }
  assert.ok(readFileSync(file).equals(before), 'the history was not touched');

  const server = await startServer(data, runbooks);
  try {
    const busy = cli(data, 'db', 'restore', backup);
    assert.equal(busy.code, 1);
    assert.match(busy.err, /another Drillbook process .* has the history open; close it before restoring/);
    assert.equal(listBackups(data).filter((b) => b.kind === 'pre-restore').length, 0, 'a refused restore leaves nothing behind');
  } finally {
    await server.stop();
  }
  const ok = cli(data, 'db', 'restore', backup);
  assert.equal(ok.code, 0, ok.err);
  tmp.cleanup();
});

test('a running host backs up after every finished drill, and reports the history healthy', async () => {
  const tmp = tempDir();
  const data = path.join(tmp.dir, 'data');
  const runbooks = path.join(tmp.dir, 'runbooks');
  mkdirSync(runbooks);
  cpSync(path.join(ROOT, 'test/fixtures/three-steps.md'), path.join(runbooks, 'three-steps.md'));
  const server = await startServer(data, runbooks);
  try {
    const c = await SocketClient.connect(server);
    const [entry] = await c.call('runbooks.list', {});
    const d = await c.call('drill.start', { runbookPath: entry!.path, mode: 'rehearsal', operator: 'ana' });
    for (let i = 0; i < d.steps.length; i++) await c.call('step.complete', { drillId: d.id, stepIndex: i });
    assert.equal(listBackups(data).length, 0, 'nothing to back up before the drill ends (the history was empty at start)');
    await c.call('drill.finish', { drillId: d.id });
    let backups = listBackups(data);
    for (let i = 0; i < 100 && backups.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      backups = listBackups(data);
    }
    assert.equal(backups.length, 1, 'an automatic backup after the drill finished');
    assert.equal(backups[0]!.kind, 'auto');
    const copy = new Database(backups[0]!.file, { readonly: true });
    assert.equal(copy.prepare("SELECT status FROM drills WHERE id = ?").pluck().get(d.id), 'completed', 'it holds the finished drill');
    assert.equal(copy.pragma('journal_mode', { simple: true }), 'delete', 'a single self-contained file');
    copy.close();
    const health = await c.call('db.health', {});
    assert.equal(health.state, 'ok');
    assert.equal(health.check?.ok, true);
    assert.equal(health.backups.count, 1);
    const manual = await c.call('db.backup', {});
    assert.equal(manual?.kind, 'manual');
    assert.equal(c.events.filter((e) => e.type === 'db.health').length >= 2, true, 'health events reached the UI');
    c.close();
  } finally {
    await server.stop();
    tmp.cleanup();
  }
});

test('automatic backups rotate (manual ones stay); a database that fails its check at start says so and stops automatic backups', async () => {
  const tmp = tempDir();
  try {
    const data = path.join(tmp.dir, 'data');
    seeded(data);
    let now = Date.UTC(2026, 5, 1, 12);
    const core = new Core({ dataDir: data, runbookDirs: [], host: 'cli' });
    const guard = new DatabaseGuard(core.db, data, { longLived: true, keep: 2, intervalHours: 24, now: () => new Date(now) });
    await guard.start();
    assert.equal(guard.health().state, 'ok');
    assert.equal(listBackups(data).filter((b) => b.kind === 'auto').length, 1, 'start-up backup (none yet)');
    await guard.start();
    assert.equal(listBackups(data).length, 1, 'not again within the interval');
    await guard.backup('manual');
    for (let i = 0; i < 3; i++) {
      now += 3_600_000;
      await guard.backup('auto');
    }
    const left = listBackups(data);
    assert.deepEqual(left.map((b) => b.kind).sort(), ['auto', 'auto', 'manual']);
    assert.equal(left.filter((b) => b.kind === 'auto')[0]!.createdAt, new Date(now).toISOString(), 'the newest are kept');
    guard.close();
    core.close();

    damagePage(path.join(data, 'drillbook.sqlite'), 'drill_steps_stats');
    const warnings: string[] = [];
    const healths: string[] = [];
    const core2 = new Core({ dataDir: data, runbookDirs: [], host: 'cli' });
    const guard2 = new DatabaseGuard(core2.db, data, { longLived: true, now: () => new Date(now + 86_400_000 * 2), warn: (l) => warnings.push(l), onHealth: (h) => healths.push(h.state) });
    await guard2.start();
    const h = guard2.health();
    assert.equal(h.state, 'failed');
    assert.ok(h.check!.problems.length > 0);
    assert.match(h.message!, /failed its integrity check .* Automatic backups are paused .*drillbook db restore .*-auto\.sqlite/);
    assert.equal(warnings.length, 1);
    assert.deepEqual(healths, ['failed']);
    const autos = listBackups(data).filter((b) => b.kind === 'auto').length;
    assert.equal(await guard2.backup('auto'), null, 'no automatic backup of a damaged database');
    assert.equal(listBackups(data).filter((b) => b.kind === 'auto').length, autos, 'the good copies are all still there');
    guard2.close();
    core2.close();
  } finally {
    tmp.cleanup();
  }
});

test('in a short-lived CLI process the backup after a finished drill is made before the call returns (VACUUM INTO)', () => {
  const tmp = tempDir();
  try {
    const core = new Core({ dataDir: tmp.dir, runbookDirs: [], host: 'cli' });
    try {
      const rb = runbook(['Declare', 'Restore']);
      const id = core.drills.start(rb, 'automated', 'cron').id;
      core.drills.stepComplete(id, 0);
      core.drills.stepComplete(id, 1);
      assert.equal(listBackups(tmp.dir).length, 0);
      core.drills.finish(id);
      const [b] = listBackups(tmp.dir);
      assert.equal(b?.kind, 'auto', 'already there when finish() returns');
      const copy = new Database(b!.file, { readonly: true });
      assert.equal(copy.prepare('SELECT status FROM drills WHERE id = ?').pluck().get(id), 'completed');
      copy.close();
      core.drills.addNote(id, null, 'written up afterwards');
      assert.equal(listBackups(tmp.dir).length, 1, 'a note on a finished drill is not another finish');
    } finally {
      core.close();
    }
  } finally {
    tmp.cleanup();
  }
});
