/**
 * The event catalogue (main/drill/events.ts), its decoder (main/drill/decode.ts)
 * and the one send+result join (main/drill/runs.ts), on real SQLite files:
 * logs written with every spelling an older Drillbook used still import,
 * fold, report and verify exactly as stored; a malformed event is one
 * sentence naming the drill, the event and the field; a misspelled field in
 * a new event does not compile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventHash, newEventSalt, verifyChain } from '../../../main/drill/chain';
import type { DrillEvent, DrillEventType, Instant } from '../../../main/drill/model';
import { DRILL_EVENT_TYPES } from '../../../main/drill/model';
import type { EventData } from '../../../main/drill/events';
import { runMessage } from '../../../main/drill/events';
import { decodeEvents, EVENT_DATA_RULES, eventProblem, MalformedEventError } from '../../../main/drill/decode';
import { reduceDrill } from '../../../main/drill/reduce';
import { DrillService } from '../../../main/drill/service';
import { UserError } from '../../../main/common/errors';
import { buildReportModel } from '../../../main/evidence/report-model';
import { exportLines, importLines, parseLine, type DrillLine } from '../../../main/history/transfer';
import { verifyAllChains } from '../../../main/history/verify';
import { referenceDrill } from '../../helpers/reduce-reference';
import { historyFixture, runbook } from '../../helpers/history-fixture';

/** Chains a hand-written log as Drillbook would have (v2 events carry a salt, v1 events none). */
function chain(events: Omit<DrillEvent, 'hash' | 'prevHash' | 'seq'>[]): DrillEvent[] {
  const out: DrillEvent[] = [];
  for (const e of events) {
    const body = { ...e, seq: out.length + 1, prevHash: out.length ? out[out.length - 1]!.hash : '' };
    out.push({ ...body, hash: eventHash(body) } as DrillEvent);
  }
  return out;
}

/** Why each command.run's note is what it is: the three spellings older writers used, each in a v1 and a v2 event. */
const LEGACY = {
  error: 'restore.md:12: block targets "db", an SSH host this run is not connected to (give it with --target db=ssh://user@host)',
  note: 'queued behind "pg_restore" in this terminal',
  message: 'the terminal was lost before the command finished (last seen 2026-01-02 09:00:00 UTC)',
};

/**
 * A finished drill recorded by today's engine, with command.run events spliced
 * in as the old writers wrote them: the headless runner's `error`, a
 * terminal send's `note`, a terminal result's `message`, and a send whose
 * `note` no result replaced.
 */
function legacyLine(): { line: DrillLine; close: () => void } {
  const a = historyFixture();
  const rb = runbook(['Declare', 'Restore'], { rto: 600 });
  const id = a.drill(rb, [1_000, 2_000]);
  const exported = JSON.parse([...exportLines(a.db)][0]!) as DrillLine;
  const recorded = exported.events;
  const finished = recorded[recorded.length - 1]!;
  const base = (i: number, salted: boolean) => {
    const { hash: _h, prevHash: _p, seq: _s, salt: _salt, data: _d, type: _t, ...rest } = finished;
    return { ...rest, stepIndex: 1, wallMs: finished.wallMs - 10_000 + i, at: new Date(finished.wallMs - 10_000 + i).toISOString(), ...(salted ? { salt: newEventSalt() } : {}) };
  };
  const legacy = [
    // drillbook run, before the catalogue: a block for an SSH host that was not connected.
    { ...base(1, false), type: 'command.run', data: { target: 'db', text: 'pg_restore -d app', name: 'restore', line: 12, exitCode: null, expectPassed: false, error: LEGACY.error } },
    { ...base(2, true), type: 'command.run', data: { target: 'db', text: 'pg_restore -d app', name: 'restore', line: 12, exitCode: null, expectPassed: false, error: LEGACY.error } },
    // A Run sent to a busy terminal: the send said why it waits as `note`.
    { ...base(3, true), type: 'command.run', data: { runId: 'r1', target: 'local', text: 'psql -c "select 1"', name: 'check', line: 20, commandIndex: 0, queued: true, terminalId: 't1', transcript: '/tmp/t1.out', via: 'typed', tracked: true, note: LEGACY.note, exitCode: null, expectPassed: null } },
    { ...base(4, true), type: 'command.started', data: { runId: 'r1', terminalId: 't1', offset: 120, startedAt: new Date(finished.wallMs - 9_000).toISOString() } },
    // Its result: the terminal was lost (`message`).
    { ...base(5, true), type: 'command.run', data: { resultOf: 'r1', runId: 'r1', target: 'local', text: 'psql -c "select 1"', name: 'check', terminalId: 't1', exitCode: null, expectPassed: null, message: LEGACY.message } },
    // A v1 send that never got a result: its `note` is what the record says.
    { ...base(6, false), type: 'command.run', data: { runId: 'r2', target: 'local', text: 'ls', name: null, queued: true, terminalId: 't1', note: LEGACY.note, exitCode: null, expectPassed: null } },
  ] as unknown as Omit<DrillEvent, 'hash' | 'prevHash' | 'seq'>[];
  const strip = (e: DrillEvent) => {
    const { hash: _h, prevHash: _p, seq: _s, ...rest } = e;
    return rest;
  };
  // Re-chained from the start: the recorded events keep their salts, so their content is as recorded.
  const events = chain([...recorded.slice(0, -1).map(strip), ...legacy, strip(finished)]);
  return { line: { ...exported, id, events }, close: () => a.close() };
}

const at = (events: readonly DrillEvent[]): Instant => {
  const last = events[events.length - 1]!;
  return { wallMs: last.wallMs, monoMs: last.monoMs, clock: last.clock };
};

test('a log written with each legacy spelling (error, note, message; v1 and v2 events) imports, folds, reports and verifies as stored', async () => {
  const { line, close } = legacyLine();
  const b = historyFixture();
  try {
    const text = JSON.stringify(line);
    const parsed = parseLine(text);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    const report = await importLines(b.db, [text]);
    assert.equal(report.imported, 1, JSON.stringify(report));

    // Stored exactly as written: the same data bytes, the same chain.
    const stored = b.db.prepare('SELECT seq, data, hash FROM events WHERE drill_id = ? ORDER BY seq').all(line.id) as { seq: number; data: string; hash: string }[];
    const fromStore = new DrillService(b.db).events(line.id);
    assert.deepEqual(
      fromStore.map((e) => [e.seq, JSON.stringify(e.data), e.hash]),
      line.events.map((e) => [e.seq, JSON.stringify(e.data), e.hash]),
    );
    if (stored.length > 0) assert.equal(stored[0]!.hash, line.events[stored[0]!.seq - 1]!.hash);
    assert.equal(verifyChain(fromStore), null);
    assert.deepEqual(verifyAllChains(b.db).problems, []);

    // The snapshot's notes: each spelling read; the result's message replaces the send's note.
    const snap = b.drills.get(line.id);
    const notes = snap.commands.map((c) => [c.runId, c.note]);
    assert.deepEqual(notes, [
      [null, LEGACY.error],
      [null, LEGACY.error],
      ['r1', LEGACY.message],
      ['r2', LEGACY.note],
    ]);
    // The independent reference reducer agrees on the whole snapshot.
    assert.deepEqual(reduceDrill(fromStore, at(fromStore)), referenceDrill(fromStore, at(fromStore)));

    // The report: one row per run, the lost terminal's message on the send's row.
    const model = buildReportModel({
      snapshot: snap,
      events: fromStore,
      runbook: null,
      toolVersion: 'test',
      generatedAt: snap.endedAt!,
      redaction: { applied: false, masked: {}, redactedEvents: [] },
      attachments: [],
      transcripts: [],
    });
    assert.deepEqual(
      model.commands.map((c) => [c.name, c.note]),
      [
        ['restore', null],
        ['restore', null],
        ['check', LEGACY.message],
        [null, null],
      ],
    );
  } finally {
    close();
    b.close();
  }
});

test('runMessage reads every spelling, message first', () => {
  const base = { target: 'local', text: 'x', name: null, exitCode: null, expectPassed: null };
  assert.equal(runMessage({ ...base, message: 'm' }), 'm');
  assert.equal(runMessage({ ...base, note: 'n' }), 'n');
  assert.equal(runMessage({ ...base, error: 'e' }), 'e');
  assert.equal(runMessage({ ...base, message: 'm', note: 'n', error: 'e' }), 'm');
  assert.equal(runMessage({ ...base, message: '', note: 'n' }), 'n');
  assert.equal(runMessage(base), null);
});

test('the snapshot and the report join a run the same way: a duplicated runId names its first send', () => {
  // Before the shared join the report attached the result to the last send with the runId, the snapshot to the first.
  const t0 = Date.UTC(2026, 0, 1, 9);
  const ev = (i: number, type: DrillEventType, stepIndex: number | null, data: Record<string, unknown>) =>
    ({ drillId: 'dup', type, at: new Date(t0 + i * 1000).toISOString(), wallMs: t0 + i * 1000, monoMs: i * 1000, clock: 'c', operator: 'ana', stepIndex, data }) as unknown as Omit<DrillEvent, 'hash' | 'prevHash' | 'seq'>;
  const events = chain([
    ev(0, 'drill.started', null, { runbook: { title: 'T', path: '/t.md', sha256: 'x' }, mode: 'rehearsal', rtoTargetSec: null, steps: [{ key: 'a', title: 'A', rtoStart: false, rtoEnd: false, checklist: [] }] }),
    ev(1, 'step.started', 0, {}),
    ev(2, 'command.run', 0, { runId: 'r1', target: 'local', text: 'first', name: 'first', exitCode: null, expectPassed: null }),
    ev(3, 'command.run', 0, { runId: 'r1', target: 'local', text: 'second', name: 'second', exitCode: null, expectPassed: null }),
    ev(4, 'command.run', 0, { resultOf: 'r1', runId: 'r1', target: 'local', text: 'first', name: 'first', exitCode: 7, durationMs: 2000, expectPassed: false, message: 'exited with 7' }),
  ]);
  const snap = reduceDrill(events, at(events));
  assert.deepEqual(snap.commands.map((c) => [c.name, c.exitCode]), [['first', 7], ['second', null]]);
  const model = buildReportModel({
    snapshot: snap,
    events,
    runbook: null,
    toolVersion: 'test',
    generatedAt: snap.clock.asOf,
    redaction: { applied: false, masked: {}, redactedEvents: [] },
    attachments: [],
    transcripts: [],
  });
  assert.deepEqual(model.commands.map((c) => [c.name, c.exitCode]), [['first', 7], ['second', null]]);
});

test('the decoder names the drill, the event and the field of a malformed event, for any junk', () => {
  const good = { drillId: 'd1', seq: 3, type: 'note.added', at: '2026-01-01T09:00:00.000Z', wallMs: 1, monoMs: 1, clock: 'c', operator: 'ana', stepIndex: null, data: { text: 'hi' }, prevHash: 'p', hash: 'h' };
  assert.equal(eventProblem(good, 'd1', 2), null);
  const cases: [unknown, RegExp][] = [
    [null, /^drill d1 event 3 is not an event \(found null\)$/],
    ['text', /^drill d1 event 3 is not an event \(found a string\)$/],
    [[1, 2], /^drill d1 event 3 is not an event \(found a list\)$/],
    [{ ...good, data: { text: 5 } }, /^drill d1 event 3 \(note\.added\): data\.text must be a string, not a number$/],
    [{ ...good, data: {} }, /^drill d1 event 3 \(note\.added\): data\.text is missing \(it must be a string\)$/],
    [{ ...good, data: 'hi' }, /^drill d1 event 3 \(note\.added\): data must be an object, not a string$/],
    [{ ...good, data: { unreadable: '{"text":' } }, /^drill d1 event 3 \(note\.added\): its data is not valid JSON$/],
    [{ ...good, type: 'note.deleted' }, /^drill d1 event 3 \(note\.deleted\): "note\.deleted" is not an event type this version of Drillbook knows$/],
    [{ ...good, seq: 'three' }, /^drill d1 event 3 \(note\.added\): seq must be a number, not a string$/],
    [{ ...good, seq: 0 }, /^drill d1 event 0 \(note\.added\): seq must be at least 1, not 0$/],
    [{ ...good, type: 'check.set', data: { itemIndex: 0, checked: true, proof: { commandSeq: 'x' } } }, /^drill d1 event 3 \(check\.set\): data\.proof\.commandSeq must be a number, not a string$/],
    [{ ...good, stepIndex: -1 }, /^drill d1 event 3 \(note\.added\): stepIndex must be at least 0, not -1$/],
    [{ ...good, stepIndex: 1.5 }, /^drill d1 event 3 \(note\.added\): stepIndex must be a whole number, not 1\.5$/],
    [{ ...good, hash: undefined }, /^drill d1 event 3 \(note\.added\): hash is missing \(it must be a string\)$/],
    [{ ...good, type: 'drill.started', data: { mode: 'drill' } }, /^drill d1 event 3 \(drill\.started\): data\.runbook is missing \(it must be an object\)$/],
    [{ ...good, type: 'drill.started', data: { runbook: { title: 'T', path: '/t.md', sha256: 'x' }, mode: 'rehearsal', rtoTargetSec: '10m', steps: [] } }, /^drill d1 event 3 \(drill\.started\): data\.rtoTargetSec must be a number, not a string$/],
    [{ ...good, type: 'check.set', data: { itemIndex: 0, checked: 'yes' } }, /^drill d1 event 3 \(check\.set\): data\.checked must be a boolean, not a string$/],
    [{ ...good, type: 'command.run', data: { text: 'ls', exitCode: '0' } }, /^drill d1 event 3 \(command\.run\): data\.exitCode must be a number, not a string$/],
    [{ ...good, type: 'command.run', data: { text: 'ls', error: 42 } }, /^drill d1 event 3 \(command\.run\): data\.error must be a string, not a number$/],
    [
      { ...good, type: 'drill.started', data: { runbook: { title: 'T', path: '/t.md', sha256: 'x' }, mode: 'rehearsal', rtoTargetSec: null, steps: [{ key: 'a', title: 7, rtoStart: false, rtoEnd: false, checklist: [] }] } },
      /^drill d1 event 3 \(drill\.started\): data\.steps\.0\.title must be a string, not a number$/,
    ],
  ];
  for (const [junk, message] of cases) {
    const problem = eventProblem(junk, 'd1', 2);
    assert.match(problem ?? 'null', message, JSON.stringify(junk));
    assert.throws(() => decodeEvents('d1', [junk]), (err: unknown) => err instanceof MalformedEventError && err.message === eventProblem(junk, 'd1', 0));
  }
  // Extra fields older writers recorded pass, and the event comes back as it was (not a copy).
  const extra = { ...good, data: { text: 'hi', by: 'an old version' } };
  assert.equal(decodeEvents('d1', [extra])[0], extra);
});

test('every event type has a decoder entry, and what the engine records today decodes', () => {
  assert.deepEqual(Object.keys(EVENT_DATA_RULES).sort(), [...DRILL_EVENT_TYPES].sort());
  const { line, close } = legacyLine();
  try {
    assert.equal(decodeEvents(line.id, line.events).length, line.events.length);
  } finally {
    close();
  }
});

test('a malformed event in the database is one clear error when the drill is read, not a crash or a silent fold', () => {
  const a = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore'], { rto: 600 });
    const id = a.drill(rb, [1_000], { finish: false });
    a.drills.addNote(id, 0, 'restore started');
    const seq = a.drills.get(id).eventCount;
    // A hand edit (or another tool) left a number where the note's text was.
    a.db.prepare('UPDATE events SET data = ? WHERE drill_id = ? AND seq = ?').run(JSON.stringify({ text: 5 }), id, seq);
    const fresh = new DrillService(a.db);
    assert.throws(
      () => fresh.get(id),
      (err: unknown) =>
        err instanceof UserError &&
        err.code === 'conflict' &&
        err.message === `drill ${id} event ${seq} (note.added): data.text must be a string, not a number; the drill cannot be read (drillbook db check lists every problem)`,
    );
    // The integrity check still reads the log as stored, and reports the edit.
    const check = verifyAllChains(a.db);
    assert.deepEqual(check.problems.map((p) => p.drillId), [id]);
  } finally {
    a.close();
  }
});

test('an import line with a malformed event, re-chained so its hashes hold, is rejected with the event and field named', () => {
  const { line, close } = legacyLine();
  try {
    const events = line.events.map((e) => ({ ...e }));
    const victim = events.findIndex((e) => e.type === 'step.completed');
    (events[victim] as { data: unknown }).data = { reason: ['not', 'a', 'string'] };
    events[victim]!.type = 'step.failed';
    const rechained = chain(events.map(({ hash: _h, prevHash: _p, seq: _s, ...rest }) => rest));
    const parsed = parseLine(JSON.stringify({ ...line, events: rechained }));
    assert.equal(parsed.ok, false);
    assert.equal(!parsed.ok && parsed.reason, `drill ${line.id} event ${victim + 1} (step.failed): data.reason must be a string, not a list`);
  } finally {
    close();
  }
});

test('a new event with a misspelled field does not compile (checked by npm run typecheck)', () => {
  const ok: EventData<'command.run'> = { target: 'db', text: 'pg_restore', name: null, exitCode: null, expectPassed: false, message: 'not connected' };
  // @ts-expect-error command.run spells its reason `message`; `error` was the headless runner's old spelling.
  const misspelled: EventData<'command.run'> = { target: 'db', text: 'pg_restore', name: null, exitCode: null, expectPassed: false, error: 'not connected' };
  // @ts-expect-error a note's text is `text`, not `note`.
  const note: EventData<'note.added'> = { note: 'restore started' };
  const a = historyFixture();
  try {
    const id = a.drill(runbook(['Declare']), [], { finish: false });
    // Never called: what the compiler says about each writer is the test.
    const writers = [
      // @ts-expect-error the send's reason was spelled `note` before the catalogue; DrillService.commandRun takes `message` only.
      () => a.drills.commandRun(id, null, { ...ok, note: 'queued behind another run' }),
      // @ts-expect-error appendEvent checks data against its event type: note.added has `text`.
      () => a.drills.appendEvent(id, 'note.added', null, { note: 'oops' }),
      // @ts-expect-error a terminal's event too: terminal.integration has `reason`, not `message`.
      () => a.drills.terminalEvent(id, 'terminal.integration', null, { terminalId: 't1', target: 'local', message: 'no integration' }),
    ];
    assert.equal(writers.length, 3);
    a.drills.commandRun(id, null, ok);
    assert.equal(a.drills.get(id).commands[0]!.note, 'not connected');
    // And what a misspelled writer would record is refused when read back.
    assert.match(eventProblem({ ...a.drills.events(id)[0]!, type: 'note.added', data: note }, id, 0) ?? '', /data\.text is missing/);
    assert.ok(misspelled);
  } finally {
    a.close();
  }
});
