/**
 * Watching a live drill on a real PostgreSQL: a running drill published with
 * the real client (`publish --live`), read by every role through
 * GET /api/live/:id. The answer is the app's snapshot with the runbook's
 * steps as published, and no terminal: no output tail, terminal id or
 * transcript path anywhere in its bytes. New events are folded onto the kept
 * snapshot (only they are read), and the drill's end is shown, not a 404.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { teamPostgres } from '../../helpers/team';
import { historyFixture } from '../../helpers/history-fixture';
import { CANARY, TERMINAL_ID, TRANSCRIPT, recordLiveDrill } from '../../helpers/live-drill';
import { TeamServer } from '../../../main/team/server';
import { publish } from '../../../main/team/client/publish';
import { Redactor } from '../../../main/evidence/redact/engine';

const team = teamPostgres('team live');
const skip = team.skip;
let server: TeamServer;
let base = '';

before(async () => {
  if (skip) return;
  ({ server, base } = await team.start({}, 'team_live'));
});

async function get(token: string | null, p: string): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(base + p, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

test('every role watches a running drill read-only: steps, clock, checklist, notes, command results, the runbook as published, and no terminal', { skip: !!skip, timeout: 120_000 }, async () => {
  const tokens: Record<string, string> = {};
  for (const [name, role] of [['root', 'admin'], ['ana', 'operator'], ['rita', 'reviewer'], ['audrey', 'auditor']] as const) tokens[role] = (await server.createUser(name, role, null)).token;
  const f = historyFixture();
  try {
    const cfg = { url: base, token: tokens.operator!, user: 'ana', role: 'operator', joinedAt: new Date().toISOString() };
    const red = new Redactor([], true);
    const id = recordLiveDrill(f);
    assert.ok(JSON.stringify(f.drills.events(id)).includes(CANARY), 'precondition: the log carries terminal output');
    assert.equal((await publish(f.db, f.dir, cfg, red, { includeRunning: true })).imported, 1);

    const one = await get(tokens.auditor!, `/api/live/${id}`);
    assert.equal(one.status, 200, one.text);
    for (const secret of [CANARY, TERMINAL_ID, TRANSCRIPT, 'term-plain-9']) assert.ok(!one.text.includes(secret), `no terminal reference or output reaches an observer: ${secret}`);
    const d = one.json.drill;
    assert.equal(d.operator, 'ana');
    assert.equal(d.status, 'running');
    assert.deepEqual(d.steps.map((s: any) => s.status), ['completed', 'running', 'pending']);
    assert.equal(d.steps[0].checklist[0].checked, true);
    assert.equal(d.notes[0].text, 'restore running, 1200 rows so far');
    assert.deepEqual(d.commands.map((c: any) => [c.text, c.exitCode, c.terminalId, c.transcript]), [
      ['pg_restore -d orders /backups/orders.dump', 0, null, null],
      ['ls /backups', 0, null, null],
    ]);
    assert.equal(d.rto.open, true);
    assert.equal(d.clock.ticking, true);
    assert.equal(one.json.lastEventAt, d.clock.asOf);
    assert.ok(Math.abs(Date.parse(one.json.serverTime) - Date.now()) < 60_000);
    assert.deepEqual(one.json.steps.map((s: any) => s.title), ['Declare the incident', 'Restore the base backup', 'Verify']);
    assert.match(one.json.steps[1].body, /pg_restore -d orders/);

    for (const role of ['admin', 'operator', 'reviewer']) assert.equal((await get(tokens[role]!, `/api/live/${id}`)).status, 200, role);
    assert.equal((await get(null, `/api/live/${id}`)).status, 401);
    const list = await get(tokens.reviewer!, '/api/live');
    assert.deepEqual(list.json.drills.map((x: any) => [x.id, x.operator, x.status]), [[id, 'ana', 'running']]);
    assert.ok(!list.text.includes(CANARY) && !list.text.includes(TRANSCRIPT));

    // The operator ticks an item and adds a note: only the new events are read and folded.
    const before = server.folds.folded;
    const count = f.drills.events(id).length;
    f.drills.checkSet(id, 1, 0, true);
    f.drills.addNote(id, 1, 'counts match');
    assert.equal((await publish(f.db, f.dir, cfg, red, { includeRunning: true })).extended, 1);
    const next = await get(tokens.auditor!, `/api/live/${id}`);
    assert.equal(next.json.drill.eventCount, count + 2);
    assert.equal(server.folds.folded - before, 2, 'two new events folded, not the whole log again');
    assert.equal(next.json.drill.steps[1].checklist[0].checked, true);
    assert.deepEqual(next.json.drill.notes.map((n: any) => n.text), ['restore running, 1200 rows so far', 'counts match']);

    // An observer holding the earlier snapshot asks for what changed since: a delta, not the drill.
    const held = one.json.drill;
    f.drills.addNote(id, 1, 'a third note');
    await publish(f.db, f.dir, cfg, red, { includeRunning: true });
    const whole = await get(tokens.auditor!, `/api/live/${id}`);
    const heldNow = whole.json.drill;
    f.drills.addNote(id, 1, 'a fourth note');
    await publish(f.db, f.dir, cfg, red, { includeRunning: true });
    const delta = await get(tokens.auditor!, `/api/live/${id}?base=${heldNow.chainHead}`);
    assert.ok(delta.json.delta, delta.text.slice(0, 200));
    assert.deepEqual(delta.json.delta.from, { eventCount: heldNow.eventCount, chainHead: heldNow.chainHead });
    assert.equal(delta.json.delta.tails.notes.at, 3);
    assert.deepEqual(delta.json.delta.tails.notes.items.map((n: any) => n.text), ['a fourth note']);
    assert.ok(delta.text.length < whole.text.length / 2, `delta ${delta.text.length} bytes, whole ${whole.text.length}`);
    for (const secret of [CANARY, TERMINAL_ID, TRANSCRIPT]) assert.ok(!delta.text.includes(secret));
    const same = await get(tokens.auditor!, `/api/live/${id}?base=${delta.json.delta.set.chainHead}`);
    assert.deepEqual([same.json.delta.set, same.json.delta.tails], [{}, {}], 'nothing new: an empty delta');
    const stale = await get(tokens.auditor!, `/api/live/${id}?base=${held.chainHead}`);
    assert.equal(stale.json.drill.eventCount, heldNow.eventCount + 1, 'a base the server no longer keeps: the drill whole');

    // Aborted: the observer sees the end and a stopped clock.
    f.drills.abort(id, 'the restore host ran out of disk');
    await publish(f.db, f.dir, cfg, red, { includeRunning: true });
    const ended = await get(tokens.auditor!, `/api/live/${id}`);
    assert.equal(ended.json.drill.status, 'aborted');
    assert.equal(ended.json.drill.endReason, 'the restore host ran out of disk');
    assert.equal(ended.json.drill.clock.ticking, false);
    assert.deepEqual((await get(tokens.auditor!, '/api/live')).json.drills, []);
  } finally {
    f.close();
  }
});
