/**
 * PostgreSQL restarted under load (issue 16's test list): ten publishers,
 * each its own data folder and account, publish at once through the real
 * client while the database restarts (a fast shutdown and a start on the
 * same data). Requests in flight fail with 5xx, the clients retry, and every
 * drill arrives exactly once with the chain head it has on its own machine.
 * The one-publisher case is in team-server.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teamPostgres } from '../../helpers/team';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { TeamStore } from '../../../main/team/store';
import { publish } from '../../../main/team/client/publish';
import { Redactor } from '../../../main/evidence/redact/engine';
import { openDatabase } from '../../../main/store/db';

const team = teamPostgres('team server under a PostgreSQL restart');
const skip = team.skip;

const PUBLISHERS = 10;
const PER = 8;

/** A data folder with `n` finished 5-step drills by `operator`, recorded through the real engine. */
function machine(operator: string, n: number): { dir: string; heads: Map<string, string>; events: number } {
  const f = historyFixture();
  const rb = runbook(['Declare', 'Stop writes', 'Restore', 'Verify', 'Reopen'], { file: `/srv/runbooks/${operator}-restore.md`, rto: 600 });
  const heads = new Map<string, string>();
  let events = 0;
  for (let i = 0; i < n; i++) {
    const id = f.drill(rb, [5_000, 6_000, 40_000 + i * 1_000, 7_000, 3_000]);
    const log = f.drills.events(id);
    heads.set(id, log[log.length - 1]!.hash);
    events += log.length;
  }
  f.db.close();
  return { dir: f.dir, heads, events };
}

test('PostgreSQL restarted while 10 publishers publish: 5xx answers are retried, every drill arrives exactly once', { skip: !!skip, timeout: 300_000 }, async () => {
  const t = await team.start({}, 'team_restart');
  const { store, base } = t;
  try {
    const machines = Array.from({ length: PUBLISHERS }, (_, p) => machine(`op${p}`, PER));
    const tokens: string[] = [];
    for (let p = 0; p < PUBLISHERS; p++) tokens.push(await t.user(`op${p}`));
    const retries: string[] = [];
    let sentTotal = 0;
    let restarting: Promise<void> | null = null;
    // The restart starts from the clients' own progress, so it lands while the ten are publishing.
    const reports = await Promise.all(
      machines.map(async (m, p) => {
        const local = openDatabase(m.dir);
        try {
          return await publish(local, m.dir, { url: base, token: tokens[p]!, user: `op${p}`, role: 'operator', joinedAt: '' }, new Redactor([], true), {
            batchSize: 1,
            attempts: 60,
            backoffMs: () => 300,
            onRetry: (_n, _w, why) => retries.push(why),
            onProgress: () => {
              if (++sentTotal === 15 && !restarting) restarting = team.pg.restart!();
            },
          });
        } finally {
          local.close();
        }
      }),
    );
    await restarting;
    assert.ok(restarting, 'the restart happened mid-publish');
    assert.ok(retries.some((w) => /answered 5\d\d|connect|fetch failed|ECONN/i.test(w)), `the restart was seen by a client: ${retries.slice(0, 5).join(' | ')}`);
    for (const [p, r] of reports.entries()) {
      assert.equal(r.unreachable, null, `publisher ${p} reached the server`);
      assert.equal(r.imported + r.duplicates, PER, `publisher ${p}: every drill acknowledged`);
    }
    // Exactly once, with the head each machine holds.
    const { rows } = await store.pool.query<{ id: string; chain_head: string; event_count: number; n: number }>(
      'SELECT d.id, d.chain_head, d.event_count, (SELECT count(*)::int FROM team_events e WHERE e.drill_id = d.id) AS n FROM team_drills d',
    );
    const want = new Map(machines.flatMap((m) => [...m.heads]));
    assert.equal(rows.length, want.size);
    for (const r of rows) {
      assert.equal(r.chain_head, want.get(r.id), `drill ${r.id}: the machine's chain head`);
      assert.equal(r.n, r.event_count, `drill ${r.id}: each event stored once`);
    }
    const total = (await store.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM team_events')).rows[0]!.n;
    assert.equal(total, machines.reduce((a, m) => a + m.events, 0));
  } finally {
    await t.close();
  }
});

test('a pooled connection that drops while handed out, before its borrower listens on it, does not end the process', { skip: !!skip, timeout: 120_000 }, async () => {
  const url = team.freshDb('team_drop');
  const store = new TeamStore(url);
  try {
    await store.migrate();
    // The window the restart hit: a client out of the pool with no 'error' listener of its borrower's. Its backend is
    // terminated for real; PostgreSQL's FATAL notice arrives while nothing is in flight on it.
    const c = await store.pool.connect();
    const pid = (c as unknown as { processID: number }).processID;
    team.pg.sql('postgres', `SELECT pg_terminate_backend(${pid})`);
    await new Promise((r) => setTimeout(r, 1_000));
    await assert.rejects(c.query('SELECT 1'), /not queryable|terminat|Connection/i);
    c.release(true);
    // The store goes on: a new connection answers.
    assert.equal((await store.pool.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
  } finally {
    await store.close();
  }
});
