/**
 * The JUnit report against the schema Jenkins' xUnit plugin validates with
 * (junit-10.xsd, test/fixtures/junit/), checked by xmllint (libxml2-utils) —
 * and what GitLab shows: a skipped step's reason as text, not only in an
 * attribute. A failed drill makes no RTO claim in its properties either.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { drillToJUnit } from '../../../main/runner/junit';
import { makeRunbook, tempDir } from '../../helpers/runbooks';
import { findAll, parseXml } from '../../helpers/xml';
import { ROOT } from '../../helpers/server';

const XSD = path.join(ROOT, 'test', 'fixtures', 'junit', 'junit-10.xsd');

function xmllint(file: string): { ok: boolean; out: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint is needed (apt-get install libxml2-utils): ${r.error.message}`);
  return { ok: r.status === 0, out: r.stderr };
}

/** Drills of every shape a report can take: passed, failed with skips after, RTO missed, aborted. */
function reports(dir: string): Record<string, string> {
  const clock = manualClock();
  const db = openDatabase(dir);
  const svc = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
  const rb = makeRunbook([{ title: 'Find the dump' }, { title: 'Restore', rtoStart: true }, { title: 'Verify', rtoEnd: true }, { title: 'Sign off' }], 600);
  const out: Record<string, string> = {};
  try {
    const passed = svc.start(rb, 'automated', 'ci').id;
    for (let i = 0; i < 3; i++) {
      svc.stepStart(passed, i);
      clock.advance(10_000);
      svc.commandRun(passed, i, { target: 'local', text: 'true', name: `b${i}`, line: 3, exitCode: 0, durationMs: 10_000, expectPassed: true, outputTail: 'ok <done> & "fine"\n' });
      svc.stepComplete(passed, i);
    }
    svc.stepSkip(passed, 3, 'manual step: it has no command to run');
    svc.finish(passed);
    out.passed = drillToJUnit(svc.get(passed), svc.events(passed), { hostname: 'ci-1' });

    // Fails at Restore; the reducer still closes the RTO window at the skipped end step.
    const failed = svc.start(rb, 'automated', 'ci').id;
    svc.stepStart(failed, 0);
    clock.advance(1_000);
    svc.stepComplete(failed, 0);
    svc.stepStart(failed, 1);
    clock.advance(2_000);
    svc.commandRun(failed, 1, { target: 'db', text: 'pg_restore', name: 'restore', line: 9, exitCode: 1, durationMs: 2_000, expectPassed: false, outputTail: 'pg_restore: error: no such file\n' });
    svc.stepFail(failed, 1, 'restore.md:9: exited with code 1');
    svc.stepSkip(failed, 2, 'not run: an earlier step failed');
    svc.stepSkip(failed, 3, 'not run: an earlier step failed');
    svc.finish(failed);
    out.failed = drillToJUnit(svc.get(failed), svc.events(failed));

    const slow = svc.start(makeRunbook([{ title: 'Restore' }], 5), 'automated', 'ci').id;
    svc.stepStart(slow, 0);
    clock.advance(9_000);
    svc.stepComplete(slow, 0);
    svc.finish(slow);
    out.rtoMissed = drillToJUnit(svc.get(slow), svc.events(slow));

    const aborted = svc.start(rb, 'rehearsal', 'ana').id;
    svc.stepStart(aborted, 0);
    svc.abort(aborted, 'stopped by the operator');
    out.aborted = drillToJUnit(svc.get(aborted), svc.events(aborted));
  } finally {
    db.close();
  }
  return out;
}

test('every report validates against Jenkins xUnit junit-10.xsd', () => {
  const tmp = tempDir();
  try {
    for (const [name, xml] of Object.entries(reports(tmp.dir))) {
      const file = path.join(tmp.dir, `${name}.xml`);
      writeFileSync(file, xml);
      const r = xmllint(file);
      assert.ok(r.ok, `${name}.xml fails junit-10.xsd:\n${r.out}`);
    }
    // The schema really is strict about <testsuites>: the attribute Drillbook used to write there is refused.
    const bad = path.join(tmp.dir, 'bad.xml');
    writeFileSync(bad, '<testsuites name="x" tests="1" skipped="1"><testsuite name="x" tests="1"><testcase name="a"/></testsuite></testsuites>');
    assert.match(xmllint(bad).out, /attribute 'skipped' is not allowed/);
  } finally {
    tmp.cleanup();
  }
});

test('a skipped step carries its reason as text (element and system-out), not only in an attribute', () => {
  const tmp = tempDir();
  try {
    const root = parseXml(reports(tmp.dir).failed!);
    const verify = findAll(root, 'testcase').find((c) => c.attrs.name === '3. Verify')!;
    const skipped = verify.children.find((c) => c.name === 'skipped')!;
    assert.equal(skipped.attrs.message, 'not run: an earlier step failed');
    assert.equal(skipped.text, 'not run: an earlier step failed');
    assert.match(verify.children.find((c) => c.name === 'system-out')!.text, /^skipped: not run: an earlier step failed/);
    const rto = findAll(root, 'testcase').at(-1)!;
    assert.match(rto.children[0]!.text, /^RTO not judged/);
  } finally {
    tmp.cleanup();
  }
});

test('a failed drill claims no RTO verdict in its properties', () => {
  const tmp = tempDir();
  try {
    const r = reports(tmp.dir);
    const props = (xml: string) => Object.fromEntries(findAll(parseXml(xml), 'property').map((p) => [p.attrs.name, p.attrs.value]));
    assert.equal(props(r.failed!)['drill.status'], 'failed');
    assert.equal(props(r.failed!)['rto.met'], '', 'not "true": nothing was recovered');
    assert.equal(props(r.aborted!)['rto.met'], '');
    assert.equal(props(r.passed!)['rto.met'], 'true');
    assert.equal(props(r.rtoMissed!)['rto.met'], 'false');
  } finally {
    tmp.cleanup();
  }
});
