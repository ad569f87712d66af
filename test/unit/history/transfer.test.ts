import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventHash } from '../../../main/drill/chain';
import type { DrillEvent } from '../../../main/drill/model';
import { exportLines, importLines, parseLine, type DrillLine } from '../../../main/history/transfer';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { ANCHORED, quantileRow, rankOf, walk } from '../../../main/store/quantiles';

const rows = (db: import('../../../main/store/db').Db, sql: string) => db.prepare(sql).raw().all();
const DRILL_COLS = `id, runbook_path, runbook_title, runbook_sha256, runbook_json, mode, operator, status, started_at, ended_at,
  rto_target_sec, rto_actual_sec, rto_met, net_ms, paused_ms, event_count, chain_head`;

/** Re-signs a log after editing it, as someone forging a "valid" chain would. */
function rechain(events: DrillEvent[]): DrillEvent[] {
  const out: DrillEvent[] = [];
  for (const e of events) {
    const body = { ...e, prevHash: out.length ? out[out.length - 1]!.hash : '' };
    const { hash: _h, ...rest } = body;
    out.push({ ...rest, hash: eventHash(rest) });
  }
  return out;
}

test('export → import reproduces every finished drill exactly, and importing again changes nothing', async () => {
  const a = historyFixture();
  const b = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore', 'Verify'], { rto: 600 });
    a.drill(rb, [1_000, 2_000, 3_000]);
    a.drill(rb, [1_000, { ms: 5_000, end: 'fail' }, 3_000], { mode: 'live' });
    a.drill(rb, [1_000], { abort: true });
    // Audit evidence travels with the drill (every event type is accepted on import).
    const evidence = a.drill(rb, [1_000, 2_000, 3_000], { finish: false });
    a.drills.appendEvent(evidence, 'participant.set', null, { name: 'Bo', role: 'reviewer' });
    a.drills.appendEvent(evidence, 'finding.added', 1, { id: 'f1', text: 'the restore host had no space', severity: 'medium' });
    a.drills.finish(evidence);
    a.drill(rb, [], { finish: false }); // running: not exported
    const summary = { exported: 0, skippedRunning: 0 };
    const lines = [...exportLines(a.db, {}, summary)];
    assert.deepEqual(summary, { exported: 4, skippedRunning: 1 });
    assert.equal(lines.length, 4);
    assert.ok(lines.every((l) => (JSON.parse(l) as DrillLine).events.every((e) => /^[0-9a-f]{32}$/.test(e.salt ?? ''))), 'chain v2 salts travel with the events');
    assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')), 'one drill per line');

    const report = await importLines(b.db, lines);
    assert.deepEqual({ ...report }, { lines: 4, imported: 4, extended: 0, duplicates: 0, older: 0, conflicts: [], rejected: [] });
    const finished = `SELECT ${DRILL_COLS} FROM drills WHERE status <> 'running' ORDER BY id`;
    assert.deepEqual(rows(b.db, finished), rows(a.db, finished), 'summary rows rebuilt from the events equal the originals');
    const events = `SELECT * FROM events WHERE drill_id IN (SELECT id FROM drills WHERE status <> 'running') ORDER BY drill_id, seq`;
    assert.deepEqual(rows(b.db, events), rows(a.db, events));
    const steps = `SELECT * FROM drill_steps WHERE drill_id IN (SELECT id FROM drills WHERE status <> 'running') ORDER BY drill_id, step_index`;
    assert.deepEqual(rows(b.db, steps), rows(a.db, steps), 'including the statistics columns the triggers fill');
    const statsB = b.history.runbookStats({ runbookPath: rb.file });
    const statsA = a.history.runbookStats({ runbookPath: rb.file });
    const shape = (s: typeof statsA) => s.steps.map((x) => [x.key, x.n, x.durations, x.slowRuns]);
    assert.deepEqual(shape(statsB), shape(statsA));
    assert.equal(statsB.passRate, 2 / 4);
    // Imported drills leave their quantile anchors settled (migration 5), as drills that end here do.
    const kept = b.db.prepare('SELECT runbook_path, stat_key, mode, n FROM step_quantiles').all() as { runbook_path: string; stat_key: string; mode: string; n: number }[];
    assert.ok(kept.length > 0);
    for (const r of kept) {
      const scope = { runbookPath: r.runbook_path, key: r.stat_key, mode: r.mode };
      const row = quantileRow(b.db, scope)!;
      ANCHORED.forEach((q, i) => assert.deepEqual(walk(b.db, scope, row.anchors[i]!, rankOf(r.n, q.q).lo)?.anchor, row.anchors[i], `${r.stat_key}/${r.mode || 'all'} p${q.q * 100} settled on import`));
    }

    const again = await importLines(b.db, lines);
    assert.equal(again.duplicates, 4);
    assert.equal(again.imported, 0);
    assert.equal(b.db.prepare('SELECT COUNT(*) FROM drills').pluck().get(), 4);
  } finally {
    a.close();
    b.close();
  }
});

test('import verifies each line: broken chains, foreign or unfinished drills and mismatched runbooks are rejected one by one', async () => {
  const a = historyFixture();
  const b = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore'], { rto: 600 });
    a.drill(rb, [1_000, 2_000]);
    a.drill(rb, [1_000, 2_000]);
    const [good, other] = [...exportLines(a.db)];
    const line = JSON.parse(good!) as DrillLine;

    const tampered = structuredClone(line);
    tampered.events[tampered.events.findIndex((e) => e.type === 'step.completed')]!.wallMs += 60_000; // someone "improves" a step's time
    const unfinished = structuredClone(line);
    unfinished.events = unfinished.events.slice(0, -1);
    const wrongRunbook = structuredClone(line);
    wrongRunbook.runbook.sha256 = 'f'.repeat(64);
    const badId = { ...structuredClone(line), id: 'x' };

    const report = await importLines(b.db, [
      JSON.stringify(tampered),
      '{not json',
      JSON.stringify({ type: 'something.else' }),
      JSON.stringify(unfinished),
      JSON.stringify(wrongRunbook),
      JSON.stringify(badId),
      '',
      other!.trim(),
    ]);
    assert.equal(report.imported, 1, 'the one good line still lands');
    assert.deepEqual(
      report.rejected.map((r) => [r.line, r.reason.replace(/\(.*\)$/, '(…)')]),
      [
        [1, 'hash chain broken: event 3 (step.completed) was altered: its hash does not match'],
        [2, 'not valid JSON'],
        [3, 'not a Drillbook drill line (…)'],
        [4, 'the drill is still running where it came from; finish it there and export again'],
        [5, 'the runbook snapshot is not the version the drill log names'],
        [6, 'not a Drillbook drill line (…)'],
      ],
    );
    assert.equal(report.lines, 7, 'blank lines are not drills');
    assert.equal(parseLine(good!).ok, true);
  } finally {
    a.close();
    b.close();
  }
});

test('same id: a different chain is a conflict left untouched; a longer log that extends ours brings it up to date', async () => {
  const a = historyFixture();
  const b = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore'], { rto: 600 });
    const id = a.drill(rb, [1_000, 2_000]);
    const [first] = [...exportLines(a.db)];
    await importLines(b.db, [first!]);

    // Findings written up after the export: the log grows.
    a.clock.advance(60_000);
    a.drills.addNote(id, null, 'restore was slow because the snapshot was cold');
    const [extended] = [...exportLines(a.db)];
    const up = await importLines(b.db, [extended!]);
    assert.equal(up.extended, 1);
    assert.equal(b.drills.events(id).length, a.drills.events(id).length);
    assert.equal(b.db.prepare('SELECT chain_head FROM drills WHERE id = ?').pluck().get(id), a.drills.get(id).chainHead);
    const older = await importLines(b.db, [first!]);
    assert.equal(older.older, 1, 'the shorter copy is recognised, not a conflict');

    // A forged history under the same id, re-signed so its own chain verifies.
    const forged = JSON.parse(extended!) as DrillLine;
    (forged.events[2] as { data: unknown }).data = { implicit: false, forged: true };
    forged.events = rechain(forged.events);
    const before = b.db.prepare('SELECT * FROM events WHERE drill_id = ? ORDER BY seq').raw().all(id);
    const c = await importLines(b.db, [JSON.stringify(forged)]);
    assert.equal(c.conflicts.length, 1);
    assert.match(c.conflicts[0]!.reason, /a different drill log with this id is already here/);
    assert.deepEqual(b.db.prepare('SELECT * FROM events WHERE drill_id = ? ORDER BY seq').raw().all(id), before, 'nothing overwritten');
  } finally {
    a.close();
    b.close();
  }
});
