/**
 * The history never acknowledges what it did not keep (issue 12, items 1 and 4):
 * a data folder moved or deleted mid-drill stops the drill loudly, and a drill's
 * start is one transaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { openDatabase, databaseLost } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { verifyAllChains } from '../../../main/history/verify';
import { Core } from '../../../main/api/core';
import { makeRunbook, tempDir } from '../../helpers/runbooks';

test('a data folder moved mid-drill: writes are refused with a clear sentence, and nothing acknowledged is lost', () => {
  const tmp = tempDir();
  try {
    const data = path.join(tmp.dir, 'data');
    const db = openDatabase(data);
    const svc = new DrillService(db);
    const id = svc.start(makeRunbook([{ title: 'A' }, { title: 'B' }]), 'rehearsal', 'ana').id;
    svc.stepStart(id, 0);
    const acknowledged = svc.events(id).length;
    renameSync(data, path.join(tmp.dir, 'moved'));
    assert.throws(() => svc.stepComplete(id, 0), (err: Error) => {
      assert.match(err.message, /^The history database was moved or deleted: .*drillbook\.sqlite.*nothing after \d\d:\d\d:\d\d UTC was saved/);
      return true;
    });
    // Every later write gets the same answer, even if the path comes back as another file.
    assert.throws(() => svc.addNote(id, null, 'x'), /moved or deleted/);
    assert.match(databaseLost(db) ?? '', /moved or deleted/);
    assert.equal(svc.events(id).length, acknowledged, 'the refused event is not in memory either');
    db.close();
    // What was acknowledged is all in the moved file.
    const back = openDatabase(path.join(tmp.dir, 'moved'));
    assert.equal(new DrillService(back).events(id).length, acknowledged);
    back.close();
  } finally {
    tmp.cleanup();
  }
});

test('a data folder deleted mid-drill: the API refuses, and db.health says so', async () => {
  const tmp = tempDir();
  const data = path.join(tmp.dir, 'data');
  const core = new Core({ dataDir: data, runbookDirs: [], host: 'cli' });
  const healths: string[] = [];
  core.onEvent((e) => {
    if (e.type === 'db.health') healths.push(e.health.state);
  });
  try {
    const id = core.drills.start(makeRunbook([{ title: 'A' }]), 'rehearsal', 'ana').id;
    assert.equal((await core.call('db.health', {})).state, 'unchecked');
    rmSync(data, { recursive: true, force: true });
    const res = await core.dispatch({ id: 1, method: 'step.start', params: { drillId: id, stepIndex: 0 } });
    assert.ok('error' in res);
    assert.match((res as { error: { message: string } }).error.message, /^The history database was moved or deleted/);
    const health = await core.call('db.health', {});
    assert.equal(health.state, 'lost');
    assert.match(health.message ?? '', /moved or deleted/);
    assert.ok(healths.includes('lost'), 'the UI is told without asking');
  } finally {
    core.close();
    tmp.cleanup();
  }
});

test('db.health notices a moved folder before any write', async () => {
  const tmp = tempDir();
  const data = path.join(tmp.dir, 'data');
  const core = new Core({ dataDir: data, runbookDirs: [], host: 'cli' });
  try {
    renameSync(data, path.join(tmp.dir, 'elsewhere'));
    const health = await core.call('db.health', {});
    assert.equal(health.state, 'lost');
  } finally {
    core.close();
    tmp.cleanup();
  }
});

test('drill.start is atomic: a fault between the summary row and the step rows leaves no half-started drill', () => {
  const tmp = tempDir();
  try {
    const db = openDatabase(tmp.dir);
    // A real SQLite fault in the window: the summary update after the first insert fails.
    db.exec(`CREATE TRIGGER crash_window BEFORE UPDATE ON drills BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`);
    const svc = new DrillService(db);
    assert.throws(() => svc.start(makeRunbook([{ title: 'A' }, { title: 'B' }]), 'rehearsal', 'ana'), /simulated crash/);
    db.exec('DROP TRIGGER crash_window');
    const check = verifyAllChains(db);
    assert.deepEqual(check.problems, [], '`db check` finds nothing to report');
    assert.equal(db.prepare('SELECT COUNT(*) FROM drills').pluck().get(), 0);
    assert.equal(db.prepare('SELECT COUNT(*) FROM events').pluck().get(), 0);
    assert.equal(db.prepare('SELECT COUNT(*) FROM drill_steps').pluck().get(), 0);
    // And a normal start writes all three at once.
    const id = svc.start(makeRunbook([{ title: 'A' }, { title: 'B' }]), 'rehearsal', 'ana').id;
    assert.equal(db.prepare('SELECT event_count FROM drills WHERE id = ?').pluck().get(id), 1);
    assert.equal(db.prepare('SELECT COUNT(*) FROM drill_steps WHERE drill_id = ?').pluck().get(id), 2);
    assert.deepEqual(verifyAllChains(db).problems, []);
    db.close();
  } finally {
    tmp.cleanup();
  }
});

/**
 * A really read-only place: a read-only tmpfs where this runs as root (root
 * ignores permission bits), else a folder without write permission.
 */
function readOnlyFolder(withDatabase: boolean): { dir: string; done: () => void } {
  const tmp = tempDir();
  const dir = path.join(tmp.dir, 'data');
  mkdirSync(dir);
  if (process.getuid?.() === 0) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir]);
    if (withDatabase) openDatabase(dir).close();
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    const unmount = () => {
      try {
        execFileSync('umount', [dir]);
      } catch {
        execFileSync('umount', ['-l', dir]); // still held open by a failure under test: detach it anyway
      }
    };
    return { dir, done: () => (unmount(), tmp.cleanup()) };
  }
  if (withDatabase) openDatabase(dir).close();
  chmodSync(dir, 0o555);
  if (withDatabase) chmodSync(path.join(dir, 'drillbook.sqlite'), 0o444);
  return { dir, done: () => (chmodSync(dir, 0o755), tmp.cleanup()) };
}

for (const withDatabase of [false, true]) {
  test(`a read-only data folder ${withDatabase ? 'with a history in it' : 'without a history yet'} is named as read-only, not "unable to open database file"`, () => {
    const ro = readOnlyFolder(withDatabase);
    try {
      assert.throws(() => openDatabase(ro.dir).close(), (err: Error) => {
        assert.match(err.message, new RegExp(`^the (data folder ${ro.dir}|history database ${ro.dir}/drillbook\\.sqlite) is read-only: Drillbook needs to write`));
        assert.doesNotMatch(err.message, /unable to open database file/);
        return true;
      });
    } finally {
      ro.done();
    }
  });
}
