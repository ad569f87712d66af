/**
 * The big clock's headline (main/drill/headline.ts), from snapshots the real
 * reducer derives from hand-made event logs. Issue 9 item 5: the clock read
 * net elapsed against the RTO target ("06:34 / 05:00") while the RTO window
 * had closed at 1:01; a failed, aborted or unverified drill must never read
 * "RTO met".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduceDrill } from '../../../main/drill/reduce';
import type { DrillEvent, DrillEventType } from '../../../main/drill/model';
import { clockHeadline, lastBlockFailure, rtoLevel, rtoMetClaim } from '../../../main/drill/headline';

const T0 = Date.UTC(2026, 0, 1, 3, 0, 0);

function log(steps: { title: string; rtoStart?: boolean; rtoEnd?: boolean }[], rtoSec: number | null) {
  const events: DrillEvent[] = [];
  const add = (type: DrillEventType, atSec: number, stepIndex: number | null = null, data: Record<string, unknown> = {}) => {
    const wallMs = T0 + atSec * 1000;
    events.push({ drillId: 'd1', seq: events.length + 1, type, at: new Date(wallMs).toISOString(), wallMs, monoMs: atSec * 1000, clock: 'boot1', operator: 'ana', stepIndex, data, prevHash: '', hash: `h${events.length}` } as DrillEvent);
  };
  add('drill.started', 0, null, {
    runbook: { title: 'T', path: '/t.md', sha256: 'x' },
    mode: 'rehearsal',
    rtoTargetSec: rtoSec,
    steps: steps.map((s, i) => ({ key: `k${i}`, title: s.title, rtoStart: !!s.rtoStart, rtoEnd: !!s.rtoEnd, checklist: [] })),
  });
  const now = (atSec: number) => ({ wallMs: T0 + atSec * 1000, monoMs: atSec * 1000, clock: 'boot1' });
  return { events, add, snap: (atSec: number) => reduceDrill(events, now(atSec)) };
}

const STEPS = [{ title: 'Declare' }, { title: 'Restore', rtoStart: true }, { title: 'Verify', rtoEnd: true }, { title: 'Write up' }];

test('before the RTO window opens, the clock says which step starts it', () => {
  const d = log(STEPS, 300);
  d.add('step.started', 10, 0);
  const h = clockHeadline(d.snap(60));
  assert.equal(h.kind, 'waiting');
  assert.deepEqual(h.startsAt, { index: 1, title: 'Restore' });
  assert.equal(h.level, 'none');
  assert.equal(h.verdict, null);
});

test('once the window opens the headline is the RTO clock, not net elapsed; it ticks while open', () => {
  const d = log(STEPS, 300);
  d.add('step.started', 10, 0);
  d.add('step.completed', 100, 0);
  d.add('step.started', 100, 1);
  const snap = d.snap(130);
  const h = clockHeadline(snap);
  assert.equal(h.kind, 'rto');
  assert.equal(h.ms, 30_000);
  assert.equal(h.netMs, 130_000);
  assert.equal(h.level, 'ok');
  assert.equal(clockHeadline(snap, 5_000).ms, 35_000, 'the headline ticks with the time since the snapshot');
});

test('the RTO met in 1:01 reads "RTO met" in 1:01 while net elapsed is 6:34 (the reported case)', () => {
  const d = log(STEPS, 300);
  d.add('step.started', 10, 0);
  d.add('step.completed', 100, 0);
  d.add('step.started', 100, 1);
  d.add('step.completed', 130, 1);
  d.add('step.started', 130, 2);
  d.add('step.completed', 161, 2, {});
  d.add('step.started', 161, 3);
  const h = clockHeadline(d.snap(394));
  assert.equal(h.kind, 'rto');
  assert.equal(h.ms, 61_000);
  assert.equal(h.netMs, 394_000);
  assert.equal(h.open, false);
  assert.equal(h.level, 'ok');
  assert.equal(h.verdict?.kind, 'met');
  assert.equal(clockHeadline(d.snap(394), 10_000).ms, 61_000, 'a closed window does not tick');
});

test('amber from 80 % of the target, red past it', () => {
  assert.equal(rtoLevel(239_000, 300), 'ok');
  assert.equal(rtoLevel(240_000, 300), 'warn');
  assert.equal(rtoLevel(300_000, 300), 'over');
  assert.equal(rtoLevel(100, null), 'none');
});

test('a failed or aborted drill never reads "RTO met"', () => {
  const failed = log(STEPS, 300);
  failed.add('step.started', 0, 1);
  failed.add('step.completed', 10, 1);
  failed.add('step.started', 10, 2);
  failed.add('step.completed', 20, 2);
  failed.add('step.started', 20, 3);
  failed.add('step.failed', 30, 3, { reason: 'report tool down' });
  failed.add('step.skipped', 30, 0, { reason: 'n/a' });
  failed.add('drill.finished', 31);
  const fs = failed.snap(40);
  assert.equal(fs.rto.met, true, 'the reducer alone says met (the window closed in time)');
  assert.equal(clockHeadline(fs).verdict?.kind, 'failed');

  const aborted = log(STEPS, 300);
  aborted.add('step.started', 0, 1);
  aborted.add('step.completed', 10, 1);
  aborted.add('step.started', 10, 2);
  aborted.add('step.completed', 20, 2);
  aborted.add('drill.aborted', 25, null, { reason: 'storage gone' });
  const h = clockHeadline(aborted.snap(30));
  assert.equal(h.verdict?.kind, 'aborted');
  assert.match(h.verdict!.text, /storage gone/);
});

test('a step whose last block failed its check keeps the clock from reading "RTO met"; a later pass clears it', () => {
  const d = log(STEPS, 300);
  d.add('step.started', 0, 1);
  d.add('command.run', 5, 1, { target: 'local', text: 'psql -c "select count(*)"', name: 'verify', exitCode: 0, expectPassed: false, durationMs: 100 });
  d.add('step.completed', 10, 1);
  d.add('step.started', 10, 2);
  d.add('step.completed', 20, 2);
  const snap = d.snap(30);
  assert.equal(snap.rto.met, true);
  assert.equal(lastBlockFailure(snap, 1)?.name, 'verify');
  const h = clockHeadline(snap);
  assert.equal(h.verdict?.kind, 'unverified');
  assert.match(h.verdict!.text, /Step 2's last check failed: verify/);

  d.add('command.run', 40, 1, { target: 'local', text: 'psql -c "select count(*)"', name: 'verify', exitCode: 0, expectPassed: true, durationMs: 100 });
  assert.equal(lastBlockFailure(d.snap(41), 1), null);
  assert.equal(clockHeadline(d.snap(41)).verdict?.kind, 'met');
});

test('a non-zero exit without an expectation is a failed block; no RTO target shows net elapsed', () => {
  const d = log([{ title: 'Only' }], null);
  d.add('step.started', 0, 0);
  d.add('command.run', 2, 0, { target: 'local', text: 'false', exitCode: 1, durationMs: 5 });
  const snap = d.snap(10);
  assert.equal(lastBlockFailure(snap, 0)?.text, 'false');
  const h = clockHeadline(snap);
  assert.equal(h.kind, 'net');
  assert.equal(h.ms, 10_000);
});

test('rtoMetClaim, the one rule for every view: "met" or "missed" only for a drill that did not fail', () => {
  assert.equal(rtoMetClaim('completed', true), true);
  assert.equal(rtoMetClaim('completed', false), false);
  assert.equal(rtoMetClaim('completed', null), null);
  assert.equal(rtoMetClaim('running', true), true, 'a running drill whose window closed in time');
  assert.equal(rtoMetClaim('running', true, 1), null, 'unless a step already failed');
  for (const status of ['failed', 'aborted'] as const) {
    assert.equal(rtoMetClaim(status, true), null, status);
    assert.equal(rtoMetClaim(status, false), null, status);
  }
});
