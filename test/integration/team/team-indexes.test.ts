/**
 * Migration 5 (indexes for the filtered history, live drills and sign-offs)
 * on a real PostgreSQL: the store's own queries, captured as it sends them,
 * can be answered without reading the whole drills or sign-offs table
 * (planned with sequential scans disabled, a query no index serves still
 * shows a Seq Scan), and every answer is the same before and after.
 *
 * Why: at 100,000 drills (npm run bench -- team) the history filtered by a
 * rarely drilled runbook, the live list and the operator filter read the
 * whole table; see the README's team bench table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teamPostgres } from '../../helpers/team';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { TeamStore, type User } from '../../../main/team/store';
import type { PublishedDrill } from '../../../main/team/ingest';
import { eventHash } from '../../../main/drill/chain';

const team = teamPostgres('team indexes');
const skip = team.skip;

/** Drills of three runbooks by three operators, some failed, one still running; recorded through the engine. */
function drills(): PublishedDrill[] {
  const f = historyFixture();
  const out: PublishedDrill[] = [];
  const books = ['orders', 'billing', 'files'].map((n, i) => runbook(['Declare', 'Restore', 'Verify'], { file: `/srv/runbooks/${n}.md`, rto: 120 + i * 60 }));
  for (let i = 0; i < 24; i++) {
    const rb = books[i % 3]!;
    rb.title = `Restore ${['orders', 'billing', 'files'][i % 3]}`;
    const last = i === 23;
    const id = f.drill(rb, [1_000, 30_000 + i * 7_000, i % 5 === 0 ? { ms: 2_000, end: 'fail' as const } : 3_000], { mode: i % 4 === 0 ? 'live' : 'rehearsal', finish: !last });
    out.push({ id, runbook: f.drills.runbookOf(id) as unknown as PublishedDrill['runbook'], events: f.drills.events(id).map((e) => ({ ...e, operator: ['ana', 'bo', 'cy'][i % 3]! })) });
  }
  f.close();
  return out;
}

test('migration 5: the filtered history, live list and sign-offs are served by indexes, with the same answers as before it', { skip: !!skip, timeout: 180_000 }, async () => {
  const url = team.freshDb('team_idx');
  const store = new TeamStore(url);
  try {
    assert.deepEqual(await store.migrate(4), [1, 2, 3, 4]);
    const user: User = await store.createUser('ana', 'operator', null);
    const reviewer: User = await store.createUser('rev', 'reviewer', null);
    // The operator field is rewritten above, so the chains are re-hashed here: the store trusts its caller (ingest verified).
    const all = drills().map((d) => {
      let prev = '';
      const events = d.events.map((e) => {
        const c = { ...e, prevHash: prev };
        c.hash = eventHash(c);
        prev = c.hash;
        return c;
      });
      return { ...d, events };
    });
    for (const d of all) assert.equal((await store.publish(d, user)).kind, 'imported');
    for (const d of all) await store.signoff(d.id, reviewer.id, 'approved', 'checked the restore');
    await store.pool.query('ANALYZE');

    // Every query the store sends, captured with its values.
    const sent: { text: string; values: unknown[] }[] = [];
    const query = store.pool.query.bind(store.pool) as (text: string, values?: unknown[]) => Promise<unknown>;
    (store.pool as unknown as { query: unknown }).query = (text: string, values?: unknown[]) => {
      sent.push({ text, values: values ?? [] });
      return query(text, values);
    };
    const reads: [string, () => Promise<unknown>][] = [
      ['a runbook by path', () => store.drills({ runbook: '/srv/runbooks/billing.md' })],
      ['a runbook by title', () => store.drills({ runbook: 'Restore files' })],
      ['operator + result + dates', () => store.drills({ operator: 'bo', result: 'fail', since: '2026-01-01', until: '2027-01-01' })],
      ['operator + mode', () => store.drills({ operator: 'cy', mode: 'live' })],
      ['live list', () => store.liveHeads()],
      ['a drill with its sign-offs', () => store.drill(all[2]!.id)],
    ];
    const answer = async () => {
      const out: Record<string, unknown> = {};
      for (const [name, f] of reads) out[name] = await f();
      return out;
    };
    /** The plans of what the store sent, sequential scans disabled: which tables would still be read whole. */
    const wholeTables = async (): Promise<string[]> => {
      sent.length = 0;
      await answer();
      const c = await store.pool.connect();
      try {
        await c.query('SET enable_seqscan = off');
        const scans = new Set<string>();
        type Node = { 'Node Type': string; 'Relation Name'?: string; 'Rows Removed by Filter'?: number; Plans?: Node[] };
        const walk = (n: Node, sql: string) => {
          const rel = n['Relation Name'];
          // A Seq Scan (no index could serve it), or an index walked past half the drills to find its rows.
          if ((rel === 'team_drills' || rel === 'team_signoffs') && (n['Node Type'] === 'Seq Scan' || (n['Rows Removed by Filter'] ?? 0) >= all.length / 2)) {
            scans.add(`${rel} (${n['Node Type']}): ${sql.replace(/\s+/g, ' ').replace(/^.*?WHERE/, 'WHERE').slice(0, 120)}`);
          }
          for (const p of n.Plans ?? []) walk(p, sql);
        };
        for (const q of sent) {
          const rows = (await c.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.text}`, q.values)).rows as { 'QUERY PLAN': { Plan: Node }[] }[];
          walk(rows[0]!['QUERY PLAN'][0]!.Plan, q.text);
        }
        return [...scans].sort();
      } finally {
        c.release();
      }
    };

    const before = await answer();
    assert.equal((before['a runbook by path'] as unknown[]).length, 8);
    assert.equal((before['a runbook by title'] as unknown[]).length, 8);
    assert.ok((before['operator + result + dates'] as unknown[]).length > 0);
    assert.equal((before['live list'] as unknown[]).length, 1);
    assert.equal((before['a drill with its sign-offs'] as { signoffs: unknown[] }).signoffs.length, 1);
    const scansBefore = await wholeTables();
    // Without migration 5: the runbook filter (path OR title), the live list, the operator filters and the sign-offs.
    for (const want of [/team_drills.*runbook_title = \$1/, /team_drills.*status = 'running'/, /team_drills.*operator = \$1/, /team_signoffs/]) {
      assert.ok(scansBefore.some((s) => want.test(s)), `before migration 5, ${want} reads the whole table: ${scansBefore.join(' | ')}`);
    }

    assert.deepEqual(await store.migrate(), [5]);
    await store.pool.query('ANALYZE');
    assert.deepEqual(await wholeTables(), [], 'with migration 5 no filtered read needs a whole-table scan');
    assert.deepEqual(await answer(), before, 'the same answers');
  } finally {
    await store.close();
  }
});
