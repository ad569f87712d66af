import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { drillToJUnit } from '../../../main/runner/junit';
import { makeRunbook, tempDir } from '../../helpers/runbooks';
import { findAll, parseXml } from '../../helpers/xml';

function setup(rto: number | null) {
  const tmp = tempDir();
  const clock = manualClock();
  const db = openDatabase(tmp.dir);
  const svc = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
  const rb = makeRunbook(
    [{ title: 'Find the dump' }, { title: 'Restore <the> "dump" & check', rtoStart: true }, { title: 'Sign off' }, { title: 'Verify', rtoEnd: true }, { title: 'Clean up' }],
    rto,
  );
  return { clock, svc, rb, done: () => (db.close(), tmp.cleanup()) };
}

const HOSTILE = 'pg_restore: error: <TABLE> "orders" & ]]> \x1b[31mred\x1b[0m \x00nul \uD800lone 🚀 \'q\'\n';

test('one testcase per step: time, failure with reason and output, skipped with reason; the XML is well-formed', () => {
  const { clock, svc, rb, done } = setup(600);
  try {
    const id = svc.start(rb, 'automated', 'cron').id;
    svc.stepStart(id, 0);
    svc.commandRun(id, 0, { target: 'db', text: 'ls -t /backups', name: 'find-dump', line: 12, exitCode: 0, durationMs: 1500, expectPassed: true, outputTail: 'dump ok: /b/x.dump\n' });
    clock.advance(1_500);
    svc.stepComplete(id, 0);
    svc.stepStart(id, 1);
    clock.advance(42_250);
    svc.commandRun(id, 1, { target: 'db', text: 'pg_restore …', name: 'restore', line: 30, exitCode: 1, durationMs: 42_250, expectPassed: false, message: 'exited with code 1', outputTail: HOSTILE });
    svc.stepFail(id, 1, 'restore.md:30: exited with code 1');
    svc.stepSkip(id, 2, 'manual step: it has no command to run');
    svc.stepSkip(id, 3, 'not run: an earlier step failed (restore.md:30: exited with code 1)');
    svc.stepSkip(id, 4, 'not run: an earlier step failed (restore.md:30: exited with code 1)');
    svc.finish(id);

    const xml = drillToJUnit(svc.get(id), svc.events(id), { hostname: 'db-restore-1' });
    const root = parseXml(xml);
    assert.equal(root.name, 'testsuites');
    const [suite] = findAll(root, 'testsuite');
    assert.deepEqual(
      { ...suite!.attrs, timestamp: '…', time: '…' },
      { name: 'Test runbook', tests: '6', failures: '1', errors: '0', skipped: '4', time: '…', timestamp: '…', hostname: 'db-restore-1', id },
    );
    assert.match(suite!.attrs.timestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const props = Object.fromEntries(findAll(suite!, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    assert.equal(props['drill.mode'], 'automated');
    assert.equal(props['rto.target.seconds'], '600');

    const cases = findAll(suite!, 'testcase');
    assert.deepEqual(
      cases.map((c) => [c.attrs.name, c.attrs.time, c.children.map((k) => k.name).join(',')]),
      [
        ['1. Find the dump', '1.500', 'system-out'],
        ['2. Restore <the> "dump" & check', '42.250', 'failure,system-out'],
        ['3. Sign off', '0.000', 'skipped,system-out'],
        ['4. Verify', '0.000', 'skipped,system-out'],
        ['5. Clean up', '0.000', 'skipped,system-out'],
        ['RTO within 10m 00s', '42.300', 'skipped'],
      ],
    );
    assert.equal(cases[0]!.attrs.classname, 'drillbook.test');
    const failure = cases[1]!.children[0]!;
    assert.equal(failure.attrs.message, `restore.md:30: exited with code 1: pg_restore: error: <TABLE> "orders" & ]]> red nul lone 🚀 'q'`);
    assert.match(failure.text, /command: restore \(line 30, on db\)\nexit code: 1\n\nlast output:\npg_restore: error: <TABLE> "orders" & \]\]> red nul lone 🚀 'q'/);
    // eslint-disable-next-line no-control-regex -- the report must hold no ESC or NUL byte
    assert.doesNotMatch(xml, /\x1b|\x00/, 'colour codes and NUL are dropped');
    assert.equal(cases[2]!.children[0]!.attrs.message, 'manual step: it has no command to run');
    assert.match(cases[3]!.children[0]!.attrs.message!, /^not run: an earlier step failed/);
    assert.match(cases[0]!.children[0]!.text, /^\$ find-dump \[db\] exit 0 in 1\.50s\ndump ok: \/b\/x\.dump\n$/);
  } finally {
    done();
  }
});

test('an RTO miss is a failing testcase of its own; a runbook without an RTO has none', () => {
  const { clock, svc, rb, done } = setup(60);
  try {
    const id = svc.start(rb, 'automated', 'ci').id;
    for (let i = 0; i < 5; i++) {
      svc.stepStart(id, i);
      clock.advance(30_000);
      svc.stepComplete(id, i);
    }
    svc.finish(id);
    const root = parseXml(drillToJUnit(svc.get(id), svc.events(id)));
    const rto = findAll(root, 'testcase').at(-1)!;
    assert.equal(rto.attrs.name, 'RTO within 1m 00s');
    assert.equal(rto.children[0]!.name, 'failure');
    assert.equal(rto.children[0]!.attrs.message, 'RTO missed: 1m 30s against a target of 1m 00s');
    assert.equal(findAll(root, 'testsuite')[0]!.attrs.failures, '1');
  } finally {
    done();
  }
  const none = setup(null);
  try {
    const id = none.svc.start(none.rb, 'automated', 'ci').id;
    for (let i = 0; i < 5; i++) none.svc.stepComplete(id, i);
    none.svc.finish(id);
    const cases = findAll(parseXml(drillToJUnit(none.svc.get(id), none.svc.events(id))), 'testcase');
    assert.equal(cases.length, 5);
    assert.ok(cases.every((c) => c.children.length === 0), 'all passed: empty testcases');
  } finally {
    none.done();
  }
});

test('the XML checker used here rejects what CI servers reject', () => {
  assert.throws(() => parseXml('<a>x & y</a>'), /bare &/);
  assert.throws(() => parseXml('<a><b></a></b>'), /closes/);
  assert.throws(() => parseXml('<a b="1" b="2"/>'), /duplicate/);
  assert.throws(() => parseXml('<a>\x1b</a>'), /not allowed/);
  assert.throws(() => parseXml('<a b=1/>'), /not quoted/);
  assert.equal(parseXml('<a b="&lt;&#10;">t&amp;<c/></a>').attrs.b, '<\n');
});
