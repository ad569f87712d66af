/**
 * The drill snapshot is updated one event at a time (reduce.ts `applyEvent`),
 * no longer rebuilt from the whole log per event (issue 15: event 5,000 took
 * 27.8 ms). These tests prove the incremental path gives exactly what a full
 * reduction gives, for every prefix: of generated logs (including malformed
 * and out-of-order events, reboots, events after the end) and of drills
 * recorded through the service into a real SQLite file. The reference is the
 * whole-log reducer as it was before (test/helpers/reduce-reference.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvent, foldEvents, initFold, reduceDrill, snapshotOf } from '../../../main/drill/reduce';
import { reduceEvidence } from '../../../main/drill/evidence-reduce';
import { isoUtc, manualClock } from '../../../main/drill/clock';
import type { DrillEvent, DrillEventType, DrillSnapshot, Instant } from '../../../main/drill/model';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { referenceDrill, referenceEvidence } from '../../helpers/reduce-reference';
import { makeRunbook, tempDir } from '../../helpers/runbooks';
import { mulberry32 as rng } from '../../helpers/prng';

const TYPES: DrillEventType[] = [
  'step.started', 'step.completed', 'step.skipped', 'step.failed', 'check.set', 'note.added', 'drill.paused', 'drill.resumed',
  'drill.recovered', 'command.run', 'drill.finished', 'drill.aborted', 'participant.set', 'scenario.set', 'failure.declared',
  'recovery-point.set', 'finding.added', 'remediation.added', 'attachment.added', 'signoff.added',
  'command.started', 'command.typed', 'terminal.integration',
] as DrillEventType[];

/** A generated log: any event in any order, with odd data, clock-domain changes (reboots) and time going every way. */
function generatedLog(seed: number, length: number): { events: DrillEvent[]; nows: Instant[] } {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const steps = Array.from({ length: 1 + Math.floor(r() * 5) }, (_, i) => ({
    key: `s${i}`,
    title: `Step ${i + 1}`,
    rtoStart: r() < 0.15,
    rtoEnd: r() < 0.15,
    checklist: Array.from({ length: Math.floor(r() * 3) }, (_, c) => ({ text: `item ${c}`, line: c + 3, checked: false })),
  }));
  let wall = Date.UTC(2026, 0, 1, 9);
  let mono = 1_000_000;
  let clock = 'boot-a';
  const events: DrillEvent[] = [];
  const nows: Instant[] = [];
  const runIds: string[] = [];
  const tick = (): Instant => {
    const dt = Math.floor(r() * 90_000);
    wall += dt + (r() < 0.05 ? -5_000 : 0); // an NTP step backwards now and then
    mono += dt;
    if (r() < 0.03) {
      clock = `boot-${Math.floor(r() * 1e6)}`; // a reboot: a new monotonic domain
      mono = Math.floor(r() * 10_000);
      wall += 600_000;
    }
    return { wallMs: wall, monoMs: mono, clock };
  };
  const push = (type: DrillEventType, stepIndex: number | null, data: Record<string, unknown>): void => {
    const at = tick();
    events.push({
      drillId: 'gen', seq: events.length + 1, type, at: isoUtc(at.wallMs), ...at, operator: r() < 0.8 ? 'ana' : 'ben',
      stepIndex, data, prevHash: "", hash: `h${events.length + 1}`,
    } as DrillEvent);
    nows.push(r() < 0.5 ? at : { ...at, wallMs: at.wallMs + Math.floor(r() * 5_000), monoMs: at.monoMs + Math.floor(r() * 5_000) });
  };
  push('drill.started', null, {
    runbook: { title: 'Gen', path: 'gen.md', sha256: 'x' }, mode: 'rehearsal', rtoTargetSec: r() < 0.3 ? null : 600,
    rpoTargetSec: r() < 0.5 ? 3600 : null, steps,
  });
  while (events.length < length) {
    const type = pick(TYPES);
    const stepIndex = r() < 0.1 ? null : r() < 0.05 ? 99 : Math.floor(r() * steps.length);
    let data: Record<string, unknown> = {};
    switch (type) {
      case 'step.skipped':
      case 'step.failed':
      case 'drill.aborted':
        data = r() < 0.8 ? { reason: `why ${events.length}` } : {};
        break;
      case 'check.set':
        data = { itemIndex: r() < 0.1 ? 'x' : Math.floor(r() * 3), checked: r() < 0.7, ...(r() < 0.4 ? { note: 'n' } : {}) };
        if (r() < 0.3) data.proof = { commandSeq: Math.floor(r() * events.length) + 1 };
        break;
      case 'note.added':
        data = r() < 0.9 ? { text: `note ${events.length}` } : {};
        break;
      case 'drill.paused':
        data = { reason: 'coffee' };
        break;
      case 'command.run': {
        const k = r();
        if (k < 0.3 && runIds.length > 0) data = { resultOf: r() < 0.9 ? pick(runIds) : 'nope', exitCode: r() < 0.8 ? 0 : 1, durationMs: 1234, ...(r() < 0.3 ? { message: 'm' } : {}) };
        else if (k < 0.6) {
          const runId = r() < 0.1 && runIds.length ? pick(runIds) : `run${events.length}`; // sometimes a repeated runId
          runIds.push(runId);
          data = { runId, text: 'pg_restore', target: 'db1', terminalId: 't1', transcript: 't1.log', ...(r() < 0.4 ? { queued: true, note: 'queued behind ls', commandIndex: Math.floor(r() * 3) } : {}) };
        } else if (k < 0.4 && runIds.length > 0) {
          // A late result from a reattached terminal: carries its own end and output offsets.
          data = { resultOf: pick(runIds), exitCode: 0, durationMs: 10, endedAt: isoUtc(wall - 1_000), outputFrom: 10, outputTo: r() < 0.5 ? 99 : undefined };
        } else data = { text: 'ls', exitCode: 0, durationMs: 50, expectPassed: r() < 0.5, name: r() < 0.5 ? 'list' : undefined, ...(r() < 0.2 ? { error: 'e' } : {}) };
        break;
      }
      case 'command.started':
        data = { runId: runIds.length && r() < 0.9 ? pick(runIds) : 'nope', ...(r() < 0.3 ? { startedAt: isoUtc(wall - 2_000) } : {}) };
        break;
      case 'command.typed':
        data = {
          ...(r() < 0.8 ? { text: 'psql -c select' } : {}),
          target: r() < 0.2 ? undefined : 'db1',
          terminalId: 't1',
          transcript: 't1.log',
          ...(r() < 0.5 ? { startedAt: isoUtc(wall - 3_000), endedAt: isoUtc(wall - 100) } : {}),
          ...(r() < 0.7 ? { exitCode: r() < 0.8 ? 0 : 2, durationMs: 2_900, outputFrom: 5, outputTo: 50 } : {}),
        };
        break;
      case 'terminal.integration':
        data = r() < 0.9 ? { terminalId: 't2', target: 'db2', reason: 'no shell integration (sh)' } : {};
        break;
      case 'participant.set':
        data = { name: pick(['Ana', 'ana', 'Ben']), role: r() < 0.2 ? null : 'operator' };
        break;
      case 'scenario.set':
        data = { testType: 'full', scenario: 'db lost', scope: 'orders' };
        break;
      case 'failure.declared':
        data = { failureAt: isoUtc(wall - 60_000) };
        break;
      case 'recovery-point.set':
        data = { backupId: 'b1', backupAt: isoUtc(wall - 3_600_000 * r()) };
        break;
      case 'finding.added':
        data = { id: `f${events.length}`, text: 'slow', severity: 'low' };
        break;
      case 'remediation.added':
        data = { id: `r${events.length}`, text: 'fix', owner: 'ana', due: '2026-02-01', findingId: 'f1' };
        break;
      case 'attachment.added':
        data = { sha256: 'a'.repeat(64), name: 'x.txt', kind: 'file', size: 3 };
        break;
      case 'signoff.added':
        data = { role: r() < 0.5 ? 'operator' : 'reviewer', name: 'Ana', signedHead: 'h' };
        break;
    }
    push(type, stepIndex, data);
  }
  return { events, nows };
}

/** Folds `events` one at a time; at each prefix, the snapshot the service would hand out equals a full reduction. */
function checkEveryPrefix(events: readonly DrillEvent[], nows: readonly Instant[], label: string): void {
  const fold = initFold(events[0]!);
  const handedOut: { snap: DrillSnapshot; json: string }[] = [];
  for (let k = 0; k < events.length; k++) {
    applyEvent(fold, events[k]!);
    const prefix = events.slice(0, k + 1);
    const now = nows[k]!;
    const interrupted = k % 7 === 3;
    const incremental = snapshotOf(fold, now, { interrupted });
    assert.deepEqual(incremental, referenceDrill(prefix, now, { interrupted }), `${label}: prefix of ${k + 1} events`);
    assert.deepEqual(incremental, reduceDrill(prefix, now, { interrupted }), `${label}: prefix of ${k + 1} (reduceDrill)`);
    handedOut.push({ snap: incremental, json: JSON.stringify(incremental) });
  }
  assert.deepEqual(reduceEvidence(events), referenceEvidence(events), `${label}: evidence`);
  // A snapshot handed out earlier is not changed by the events folded after it.
  for (const [k, h] of handedOut.entries()) assert.equal(JSON.stringify(h.snap), h.json, `${label}: snapshot ${k + 1} changed later`);
}

test('incremental fold == full reduce for every prefix of 300 generated logs', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const { events, nows } = generatedLog(seed, 2 + (seed % 60));
    checkEveryPrefix(events, nows, `seed ${seed}`);
  }
});

test('incremental fold == full reduce on one long generated log (2,000 events)', () => {
  const { events, nows } = generatedLog(4242, 2_000);
  const fold = foldEvents(events);
  const now = nows.at(-1)!;
  assert.deepEqual(snapshotOf(fold, now), referenceDrill(events, now));
  // And every 97th prefix on the way.
  const f = initFold(events[0]!);
  events.forEach((e, k) => {
    applyEvent(f, e);
    if (k % 97 === 0) assert.deepEqual(snapshotOf(f, nows[k]!), referenceDrill(events.slice(0, k + 1), nows[k]!), `prefix ${k + 1}`);
  });
});

test('drills recorded through the service: every snapshot it returned equals a full reduce of the log it had then', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const r = rng(seed * 7919);
    const tmp = tempDir();
    const clock = manualClock();
    const db = openDatabase(tmp.dir);
    try {
      const svc = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
      const rb = makeRunbook([{ title: 'Declare', checklist: ['Opened', 'Paged'] }, { title: 'Restore' }, { title: 'Verify', checklist: ['Counts'] }], 600);
      const id = svc.start(rb, 'rehearsal', 'ana').id;
      const returned: { snap: DrillSnapshot; count: number; at: Instant }[] = [];
      const ops: (() => DrillSnapshot)[] = [
        () => svc.stepStart(id, Math.floor(r() * 3)),
        () => svc.stepComplete(id, Math.floor(r() * 3)),
        () => svc.stepSkip(id, Math.floor(r() * 3), 'out of band'),
        () => svc.stepFail(id, Math.floor(r() * 3), 'broken'),
        () => svc.checkSet(id, 0, Math.floor(r() * 2), r() < 0.7, 'ok'),
        () => svc.addNote(id, r() < 0.5 ? null : 1, 'a note'),
        () => svc.pause(id, 'lunch'),
        () => svc.resume(id),
        () => svc.commandRun(id, 1, { target: 'local', text: 'pg_restore', name: null, exitCode: 0, durationMs: 900, expectPassed: true }),
        () => svc.commandRun(id, 1, { runId: `r${returned.length}`, target: 'local', text: 'psql', name: null, terminalId: 't1', exitCode: null, expectPassed: null }),
        () => svc.commandRun(id, 1, { resultOf: `r${returned.length - 1}`, target: 'local', text: '', name: null, exitCode: 1, durationMs: 40, expectPassed: null }),
      ];
      for (let i = 0; i < 150; i++) {
        clock.advance(Math.floor(r() * 20_000));
        try {
          const snap = svc.get(id);
          if (snap.status !== 'running') break;
          const out = (i === 149 ? () => svc.abort(id, 'enough') : ops[Math.floor(r() * ops.length)]!)();
          returned.push({ snap: out, count: out.eventCount, at: clock.now() });
        } catch (err) {
          if (process.env.DEBUG_FOLD) console.log(String(err));
          // A refused operation (a conflict) records nothing; the drill carries on.
        }
      }
      const log = new DrillService(db, clock.now, { pid: process.pid, session: 's2' }).events(id);
      assert.ok(returned.length > 20, `seed ${seed}: the drill recorded events`);
      for (const { snap, count, at } of returned) {
        const expected = referenceDrill(log.slice(0, count), at, { interrupted: false });
        assert.deepEqual(snap, expected, `seed ${seed}: snapshot after event ${count}`);
      }
      // A process that reads the drill from the database sees the same drill.
      const fresh = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
      assert.deepEqual(fresh.get(id), svc.get(id));
    } finally {
      db.close();
      tmp.cleanup();
    }
  }
});
