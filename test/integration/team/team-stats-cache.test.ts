/**
 * The team server keeps a runbook's statistics (GET /api/runbooks/stats)
 * until a drill changes, on a real PostgreSQL with two servers on one
 * database (two processes of a deployment): a repeated request sends no
 * query, and a publish through EITHER server (the changed-drill
 * notification at commit) makes the next answer the fresh one, equal to
 * what the store computes. Why: the hot runbook's stats took 300–500 ms of
 * PostgreSQL at 100,000 drills (README "Team bench"), the biggest part of
 * its page's time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teamPostgres } from '../../helpers/team';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { TeamStore, type User } from '../../../main/team/store';
import { TeamServer } from '../../../main/team/server';
import type { PublishedDrill } from '../../../main/team/ingest';

const team = teamPostgres('team stats cache');
const skip = team.skip;

const PATH = '/srv/runbooks/orders.md';

/** `n` finished drills of the orders runbook, recorded through the engine. */
function drills(n: number): PublishedDrill[] {
  const f = historyFixture();
  const rb = runbook(['Declare', 'Restore', 'Verify'], { file: PATH, rto: 120 });
  const out: PublishedDrill[] = [];
  for (let i = 0; i < n; i++) {
    const id = f.drill(rb, [1_000, 30_000 + i * 7_000, 3_000]);
    out.push({ id, runbook: f.drills.runbookOf(id) as unknown as PublishedDrill['runbook'], events: f.drills.events(id) });
  }
  f.close();
  return out;
}

/** Polls `f` until it returns true, at most 20 s (a loaded machine delivers the notification late, never not). */
async function until(f: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out: ${what}`);
}

test('runbook stats are kept until a drill changes on any server of the database, and equal the store’s own answer', { skip: !!skip, timeout: 180_000 }, async () => {
  const url = team.freshDb('team_stats_cache');
  const storeA = new TeamStore(url);
  const storeB = new TeamStore(url);
  const a = new TeamServer(storeA);
  const b = new TeamServer(storeB);
  try {
    await storeA.migrate();
    const baseA = `http://127.0.0.1:${(await a.listen({ host: '127.0.0.1', port: 0, tls: null })).port}`;
    await b.listen({ host: '127.0.0.1', port: 0, tls: null });
    const op: User = await storeA.createUser('ana', 'operator', null);
    const reader = (await a.createUser('audrey', 'auditor', null)).token;
    const all = drills(6);
    for (const d of all.slice(0, 4)) assert.equal((await storeA.publish(d, op)).kind, 'imported');

    const stats = async () => {
      const res = await fetch(`${baseA}/api/runbooks/stats?path=${encodeURIComponent(PATH)}`, { headers: { authorization: `Bearer ${reader}` } });
      assert.equal(res.status, 200);
      return (await res.json()) as { drills: number };
    };
    const first = await stats();
    assert.equal(first.drills, 4);
    assert.deepEqual(first, JSON.parse(JSON.stringify(await storeA.runbookStats(PATH, { last: 1000 }))));

    // Every query server A's store sends from here on.
    const sent: string[] = [];
    const query = storeA.pool.query.bind(storeA.pool) as (text: string, values?: unknown[]) => Promise<unknown>;
    (storeA.pool as unknown as { query: unknown }).query = (text: string, values?: unknown[]) => {
      sent.push(text);
      return query(text, values);
    };
    const statsQueries = () => sent.filter((t) => /FROM team_drills WHERE runbook_path = \$1/.test(t)).length;
    assert.deepEqual(await stats(), first, 'the same answer again');
    assert.equal(statsQueries(), 0, 'a repeated request is answered from what the server kept');
    (storeA.pool as unknown as { query: unknown }).query = query;

    // A publish through the OTHER server's store: its notification empties A's kept answers.
    assert.equal((await storeB.publish(all[4]!, op)).kind, 'imported');
    await until(async () => (await stats()).drills === 5, 'server A answers with the drill published through server B');
    // And through A's own store.
    assert.equal((await storeA.publish(all[5]!, op)).kind, 'imported');
    await until(async () => (await stats()).drills === 6, 'server A answers with its own new drill');
    assert.deepEqual(await stats(), JSON.parse(JSON.stringify(await storeA.runbookStats(PATH, { last: 1000 }))), 'the kept answer is the store’s own');
  } finally {
    await a.close();
    await b.close();
    await storeA.close();
    await storeB.close();
  }
});
