import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { verifyChain } from '../../../main/drill/chain';
import { UserError } from '../../../main/common/errors';
import type { DrillEventOf } from '../../../main/drill/model';
import { AttachmentStore, EvidenceService, computeRpo, blockChecks } from '../../../main/evidence';
import { parseRunbook } from '../../../main/runbook';
import { makeRunbook, tempDir } from '../../helpers/runbooks';

function setup(maxAttachment?: number) {
  const tmp = tempDir('drillbook-evidence-');
  const clock = manualClock();
  const db = openDatabase(tmp.dir);
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
  const store = new AttachmentStore(tmp.dir, maxAttachment);
  const ev = new EvidenceService(drills, store, clock.now, { dataDir: tmp.dir, printToPdf: async () => Buffer.from('%PDF-') });
  const rb = makeRunbook([{ title: 'Declare', checklist: ['Incident opened'] }, { title: 'Restore', checklist: ['Restored', 'Counted'] }], 600);
  return { tmp, clock, db, drills, ev, rb, store, done: () => { db.close(); tmp.cleanup(); } };
}

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'));
    return `${err.code}: ${err.message}`;
  }
  assert.fail('expected an error');
};

test('evidence is recorded as hash-chained events and derived into snapshot.evidence', () => {
  const { drills, ev, rb, clock, done } = setup();
  try {
    const id = drills.start({ ...rb, rpo: { text: '1h', seconds: 3600 } }, 'rehearsal', 'ana').id;
    clock.advance(1000);
    ev.setParticipant(id, 'Bo', 'DBA');
    ev.setParticipant(id, 'Cy', 'observer');
    ev.setParticipant(id, 'bo', 'DBA lead'); // same person, new role
    ev.setParticipant(id, 'Cy', null); // removed
    ev.setScenario(id, 'Orders DB lost', 'orders only', 'restore');
    ev.declareFailure(id, '2026-01-01T08:50:00+00:00', 'disk pulled');
    ev.setRecoveryPoint(id, 'bk-0830', '2026-01-01T08:30:00Z', 's3://b');
    ev.addFinding(id, 'Runbook step 2 was unclear', 'medium', 1, 'Bo');
    ev.addFinding(id, 'Backup took too long to locate', 'high', null);
    ev.addRemediation(id, 'Rewrite step 2', 'Bo', '2026-02-01', 'F1');
    const s = drills.get(id);
    const e = s.evidence;
    assert.deepEqual(e.participants.map((p) => [p.name, p.role]), [['Bo', 'DBA lead']]);
    assert.equal(e.scenario?.testType, 'restore');
    assert.equal(e.failure?.failureAt, '2026-01-01T08:50:00.000Z', 'normalised to UTC');
    assert.deepEqual(e.rpo, { targetSec: 3600, actualSec: 1200, met: true, problem: null });
    assert.deepEqual(e.findings.map((f) => [f.id, f.severity, f.stepIndex, f.by]), [['F1', 'medium', 1, 'Bo'], ['F2', 'high', null, 'ana']]);
    assert.deepEqual(e.remediations.map((r) => [r.id, r.owner, r.due, r.findingId]), [['R1', 'Bo', '2026-02-01', 'F1']]);
    assert.equal(verifyChain(drills.events(id)), null, 'every evidence event is in the chain');
    assert.equal(s.chainHead, drills.events(id).at(-1)!.hash);
  } finally {
    done();
  }
});

test('bad evidence is refused with one specific line', () => {
  const { drills, ev, rb, done } = setup();
  try {
    const id = drills.start(rb, 'rehearsal', 'ana').id;
    assert.match(code(() => ev.declareFailure(id, 'yesterday')), /^bad_request: failure time "yesterday" is not an ISO-8601 time/);
    assert.match(code(() => ev.declareFailure(id, '2099-01-01T00:00:00Z')), /is in the future/);
    ev.declareFailure(id, '2026-01-01T08:00:00Z');
    assert.match(code(() => ev.setRecoveryPoint(id, 'bk', '2026-01-01T08:30:00Z')), /later than the declared failure/);
    ev.setRecoveryPoint(id, 'bk', '2026-01-01T07:00:00Z');
    assert.match(code(() => ev.declareFailure(id, '2026-01-01T06:00:00Z')), /later than a failure at/);
    assert.match(code(() => ev.addRemediation(id, 'x', 'Bo', '2026-02-30')), /due date "2026-02-30" is not a date/);
    assert.match(code(() => ev.addRemediation(id, 'x', 'Bo', '2026-02-01', 'F9')), /^not_found: no finding F9 in this drill \(none recorded yet\)/);
    assert.match(code(() => ev.addFinding(id, 'x', 'low', 7)), /has no step 8/);
    assert.match(code(() => ev.addFinding(id, 'x', 'low', null, 'Zed')), /Zed is not a participant/);
    assert.match(code(() => ev.setParticipant(id, 'Zed', null)), /Zed is not a participant/);
  } finally {
    done();
  }
});

test('sign-off: only after the drill ends, operator first, then a different reviewer; then the evidence is sealed', () => {
  const { drills, ev, rb, done } = setup();
  try {
    const id = drills.start(rb, 'rehearsal', 'ana').id;
    assert.match(code(() => ev.signOff(id, 'operator', 'ana')), /^conflict: sign-off comes after the drill ends/);
    drills.stepSkip(id, 0, 'n/a');
    drills.stepComplete(id, 1);
    const finished = drills.finish(id);
    assert.match(code(() => ev.signOff(id, 'reviewer', 'Cy')), /the operator signs off first/);
    assert.match(code(() => ev.signOff(id, 'operator', 'Bo')), /by the drill's operator \(ana\), not Bo/);
    const afterOp = ev.signOff(id, 'operator', 'Ana', 'done as written');
    assert.equal(afterOp.evidence.signoffs[0]!.signedHead, finished.chainHead, 'the operator signed the log as it was');
    assert.match(code(() => ev.signOff(id, 'operator', 'ana')), /already signed off/);
    assert.match(code(() => ev.signOff(id, 'reviewer', ' ANA ')), /reviewer must be someone other than the operator/);
    ev.addFinding(id, 'found while reviewing', 'low', null);
    const sealed = ev.signOff(id, 'reviewer', 'Cy');
    assert.equal(sealed.evidence.sealed, true);
    assert.deepEqual(sealed.evidence.signoffs.map((s) => [s.role, s.name]), [['operator', 'Ana'], ['reviewer', 'Cy']]);
    assert.equal(sealed.evidence.signoffs[1]!.signedHead, drills.events(id).at(-2)!.hash);
    assert.match(code(() => ev.addFinding(id, 'late', 'low', null)), /^conflict: the reviewer has signed off this drill/);
    assert.match(code(() => ev.setParticipant(id, 'Dee', 'x')), /signed off/);
    // Evidence after the end does not stretch the drill's clock.
    assert.equal(sealed.clock.grossMs, finished.clock.grossMs);
    assert.equal(sealed.endedAt, finished.endedAt);
  } finally {
    done();
  }
});

test('recording after the drill ends does not change its clock (reduce.ts fix)', () => {
  const { drills, ev, rb, clock, done } = setup();
  try {
    const id = drills.start(rb, 'rehearsal', 'ana').id;
    clock.advance(10_000);
    drills.stepComplete(id, 0);
    drills.stepComplete(id, 1);
    const end = drills.finish(id);
    clock.advance(3_600_000);
    const later = ev.addFinding(id, 'written up an hour later', 'low', null);
    drills.addNote(id, null, 'and a note');
    const s = drills.get(id);
    assert.equal(end.clock.grossMs, 10_000);
    assert.equal(later.clock.grossMs, 10_000);
    assert.equal(s.clock.netMs, 10_000);
    assert.equal(s.rto.actualSec, end.rto.actualSec);
  } finally {
    done();
  }
});

test('attachments are content-addressed, stored once, never executable, size-limited, and linked to a step item', () => {
  const { drills, ev, rb, store, tmp, done } = setup(64);
  try {
    const id = drills.start(rb, 'rehearsal', 'ana').id;
    const bytes = Buffer.from('#!/bin/sh\nrm -rf /\n');
    ev.addAttachment(id, { stepIndex: 1, itemIndex: 1, name: '../../evil.sh', kind: 'file', mediaType: 'application/x-sh', bytes, note: 'the script we found' });
    const s = ev.addAttachment(id, { stepIndex: null, name: 'again.sh', kind: 'file', bytes });
    const [a, b] = s.evidence.attachments;
    assert.equal(a!.sha256, b!.sha256);
    assert.equal(a!.name, 'evil.sh', 'no folders in a name');
    assert.equal(a!.itemIndex, 1);
    assert.equal(a!.note, 'the script we found');
    const files = readdirSync(path.join(tmp.dir, 'attachments', a!.sha256.slice(0, 2)));
    assert.deepEqual(files, [a!.sha256], 'stored once, under its hash only');
    const mode = statSync(path.join(tmp.dir, 'attachments', a!.sha256.slice(0, 2), a!.sha256)).mode & 0o777;
    assert.equal(mode & 0o111, 0, 'no execute bit');
    assert.deepEqual(store.get(a!.sha256), bytes);
    assert.match(code(() => ev.addAttachment(id, { stepIndex: 0, name: 'big', kind: 'file', bytes: Buffer.alloc(65) })), /the limit is/);
    assert.match(code(() => ev.addAttachment(id, { stepIndex: 0, itemIndex: 5, name: 'x', kind: 'file', bytes })), /step 1 has no checklist item 6/);
    assert.match(code(() => ev.addAttachment(id, { stepIndex: null, itemIndex: 0, name: 'x', kind: 'file', bytes })), /give stepIndex too/);
    assert.match(code(() => ev.addAttachment(id, { stepIndex: 0, name: 'x', kind: 'file', bytes: Buffer.alloc(0) })), /empty/);
  } finally {
    done();
  }
});

const BOUND = `---
title: Bound
---
# Bound

## Restore

\`\`\`sh {name=restore expect="/restored/" check=1}
echo restored
\`\`\`

\`\`\`sh {name=counts expect=0 check="2,3"}
echo counted
\`\`\`

\`\`\`sh {name=unbound expect=0}
true
\`\`\`

- [ ] Restore finished
- [ ] Row counts match
- [ ] Totals match
`;

test('a passing command ticks the checklist items its block is bound to (check=), with the run as proof', () => {
  const { drills, ev, done } = setup();
  try {
    const rb = parseRunbook(BOUND, '/runbooks/bound.md', 'b'.repeat(64));
    assert.deepEqual(blockChecks(rb.steps[0]!.commands[1]!, rb.steps[0]!), { items: [1, 2], problems: [] });
    const id = drills.start(rb, 'rehearsal', 'ana').id;
    void ev;
    drills.stepStart(id, 0);
    const blocks = rb.steps[0]!.commands;
    // A failing run ticks nothing.
    let s = drills.commandRun(id, 0, { target: 'local', text: blocks[0]!.text, name: 'restore', line: blocks[0]!.line, exitCode: 0, expectPassed: false, outputTail: 'nope' });
    assert.deepEqual(s.steps[0]!.checklist.map((c) => c.checked), [false, false, false]);
    // An unbound block ticks nothing.
    s = drills.commandRun(id, 0, { target: 'local', text: blocks[2]!.text, name: 'unbound', line: blocks[2]!.line, exitCode: 0, expectPassed: true });
    assert.deepEqual(s.steps[0]!.checklist.map((c) => c.checked), [false, false, false]);
    // Matched by line (runner) …
    s = drills.commandRun(id, 0, { target: 'local', text: blocks[0]!.text, name: 'restore', line: blocks[0]!.line, exitCode: 0, expectPassed: true, outputTail: 'restored\n' });
    assert.deepEqual(s.steps[0]!.checklist.map((c) => c.checked), [true, false, false]);
    // … or by name/text (a terminal's result event has no line).
    s = drills.commandRun(id, 0, { resultOf: 'r1', runId: 'r1', target: 'local', text: blocks[1]!.text, name: 'counts', exitCode: 0, expectPassed: true, outputTail: 'counted\n' });
    assert.deepEqual(s.steps[0]!.checklist.map((c) => c.checked), [true, true, true]);
    assert.equal(s.steps[0]!.checklist[1]!.by, 'ana');
    const proofs = s.evidence.checkProofs;
    assert.deepEqual(proofs.map((p) => [p.itemIndex, p.name, p.exitCode]), [[0, 'restore', 0], [1, 'counts', 0], [2, 'counts', 0]]);
    const events = drills.events(id);
    const proofEvent = events.find((e) => e.type === 'check.set' && e.data.itemIndex === 1)! as DrillEventOf<'check.set'>;
    assert.equal((events[proofEvent.data.proof!.commandSeq - 1]!.data as { name?: unknown }).name, 'counts');
    // Un-ticking by hand removes the proof; the chain stays whole.
    s = drills.checkSet(id, 0, 0, false);
    assert.deepEqual(s.evidence.checkProofs.map((p) => p.itemIndex), [1, 2]);
    assert.equal(verifyChain(drills.events(id)), null);
  } finally {
    done();
  }
});

test('check= problems are reported per block', () => {
  const rb = parseRunbook(BOUND.replace('check=1}', 'check="0,4,x"}'), '/r.md', 'c'.repeat(64));
  const b = blockChecks(rb.steps[0]!.commands[0]!, rb.steps[0]!);
  assert.deepEqual(b.items, []);
  assert.equal(b.problems.length, 3);
  assert.match(b.problems[0]!, /"0" is not a checklist item of step "Restore" \(1-3, or all\)/);
});

test('RPO: failure time minus recovery point, against the target', () => {
  assert.deepEqual(computeRpo('2026-01-01T10:00:00Z', '2026-01-01T09:00:00Z', 1800), { targetSec: 1800, actualSec: 3600, met: false, problem: null });
  assert.deepEqual(computeRpo('2026-01-01T10:00:00Z', '2026-01-01T09:45:00Z', 1800), { targetSec: 1800, actualSec: 900, met: true, problem: null });
  assert.deepEqual(computeRpo('2026-01-01T10:00:00Z', '2026-01-01T09:45:00Z', null), { targetSec: null, actualSec: 900, met: null, problem: null });
  assert.equal(computeRpo(null, '2026-01-01T09:45:00Z', 60).problem, 'no failure time declared');
  assert.equal(computeRpo('2026-01-01T10:00:00Z', null, 60).problem, 'no recovery point recorded');
  assert.equal(computeRpo('2026-01-01T09:00:00Z', '2026-01-01T10:00:00Z', 60).problem, 'the recovery point is later than the declared failure');
});
