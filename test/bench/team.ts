/**
 * The team server at scale, on a real PostgreSQL started on loopback:
 *
 * 1. Ingest: 50 concurrent publishers POST real drills (a 40-step drill
 *    recorded through the engine, cloned under new ids and re-hashed, so
 *    every chain is re-verified on arrival), 5 drills per request.
 * 2. Reads: the table is then filled to BENCH_TEAM_DRILLS summary rows
 *    (default 100,000, × 40 steps each in the steps column) with SQL, across
 *    200 runbooks (one hot runbook holding 10 %), and the history list, a hot
 *    runbook's drills, the per-runbook p50/p90 and the freshness endpoint are
 *    timed over the real HTTP API (median of 15).
 *
 * The bulk rows have no event log (seeding 8 M events is not what is being
 * measured); the ingest figures come from real publishes.
 */
import { performance } from 'node:perf_hooks';
import { startPostgres } from '../helpers/services';
import { historyFixture, runbook } from '../helpers/history-fixture';
import { TeamStore } from '../../main/team/store';
import { TeamServer } from '../../main/team/server';
import { eventHash } from '../../main/drill/chain';
import type { DrillEvent } from '../../main/drill/model';

const PUBLISHERS = Number(process.env.BENCH_TEAM_PUBLISHERS ?? 50);
const PER_PUBLISHER = Number(process.env.BENCH_TEAM_PER_PUBLISHER ?? 10);
const TOTAL = Number(process.env.BENCH_TEAM_DRILLS ?? 100_000);

function template(): { runbook: unknown; events: DrillEvent[] } {
  const f = historyFixture();
  const rb = runbook(Array.from({ length: 40 }, (_, i) => `Step ${i + 1}`), { file: '/srv/runbooks/orders-db.md' });
  rb.meta.extra = { drill_every: '90d' };
  const id = f.drill(rb, Array.from({ length: 40 }, () => 1_000));
  const out = { runbook: f.drills.runbookOf(id), events: f.drills.events(id) };
  f.close();
  return out;
}

function clone(events: readonly DrillEvent[], id: string): DrillEvent[] {
  let prev = '';
  return events.map((e) => {
    const c = { ...e, drillId: id, prevHash: prev };
    c.hash = eventHash(c);
    prev = c.hash;
    return c;
  });
}

async function median(f: () => Promise<unknown>, runs = 15): Promise<number> {
  await f();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await f();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

export async function teamBench(): Promise<void> {
  const pg = await startPostgres();
  const name = 'team_bench';
  pg.sql('postgres', `CREATE DATABASE ${name}`);
  const url = `postgres://postgres:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/${name}`;
  const store = new TeamStore(url, { max: 20 });
  await store.migrate();
  const server = new TeamServer(store);
  const addr = await server.listen({ host: '127.0.0.1', port: 0, tls: null });
  const base = `http://127.0.0.1:${addr.port}`;
  try {
    const tokens: string[] = [];
    for (let p = 0; p < PUBLISHERS; p++) tokens.push((await server.createUser(`op${p}`, 'operator', null)).token);
    const t = template();
    const perDrill = t.events.length;
    const bodies = tokens.map((_, p) =>
      Array.from({ length: PER_PUBLISHER }, (_, i) => ({ id: `bench-${p}-${i}`, runbook: t.runbook, events: clone(t.events, `bench-${p}-${i}`) })),
    );
    const t0 = performance.now();
    await Promise.all(
      tokens.map(async (token, p) => {
        for (let i = 0; i < PER_PUBLISHER; i += 5) {
          const res = await fetch(`${base}/api/drills`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ drills: bodies[p]!.slice(i, i + 5) }),
          });
          const j = (await res.json()) as { outcomes?: { kind: string }[] };
          if (!res.ok || j.outcomes!.some((o) => o.kind !== 'imported')) throw new Error(`publish failed: ${res.status} ${JSON.stringify(j).slice(0, 300)}`);
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const drills = PUBLISHERS * PER_PUBLISHER;
    console.log(`ingest: ${PUBLISHERS} concurrent publishers, ${drills} drills × ${perDrill} events in ${secs.toFixed(1)} s: ${(drills / secs).toFixed(0)} drills/s, ${((drills * perDrill) / secs).toFixed(0)} events/s (every chain re-verified)`);

    const seed = Math.max(0, TOTAL - drills);
    const s0 = performance.now();
    const steps = JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ key: `s${i}`, title: `Step ${i + 1}`, status: 'completed', durationMs: 1000 })));
    await store.pool.query(
      `INSERT INTO team_runbooks (key, path, sha256, title, drill_every_sec, json)
       SELECT 'seed-' || g, '/srv/runbooks/rb-' || g || '.md', 'sha' || g, 'Runbook ' || g, CASE WHEN g % 2 = 0 THEN 90 * 86400 END, '{}' FROM generate_series(0, 199) g`,
    );
    await store.pool.query(
      `INSERT INTO team_drills (id, runbook_key, runbook_path, runbook_title, runbook_sha256, mode, operator, status, started_at, ended_at,
         rto_target_sec, rto_actual_sec, rto_met, net_ms, passed, event_count, chain_head, steps, step_keys, step_ms, publisher_id)
       SELECT 'seed-' || g, 'seed-' || r, '/srv/runbooks/rb-' || r || '.md', 'Runbook ' || r, 'sha' || r,
              (ARRAY['rehearsal','live','automated'])[1 + g % 3], 'op' || (g % 50), CASE WHEN g % 7 = 0 THEN 'failed' ELSE 'completed' END,
              now() - (g || ' minutes')::interval * 5, now() - (g || ' minutes')::interval * 5 + interval '40 minutes',
              3600, 1800 + g % 1800, true, 2400000 + (g % 600) * 1000, g % 7 <> 0, 82, md5(g::text), $1::jsonb, $3::text[],
              ARRAY(SELECT 1000.0 + (g * 7 + i * 13) % 500 FROM generate_series(1, 40) i), 1
       FROM (SELECT g, CASE WHEN g % 10 = 0 THEN 0 ELSE 1 + g % 199 END AS r FROM generate_series(1, $2::int) g) x`,
      [steps, seed, Array.from({ length: 40 }, (_, i) => `s${i}`)],
    );
    // The bulk rows bypass publish, so their per-runbook state is rebuilt as migration 2 does.
    await store.pool.query('DELETE FROM team_runbook_state');
    await store.pool.query(
      `INSERT INTO team_runbook_state (path, title, drill_every_sec, drills, passed, last_drill_at, last_pass_at)
       SELECT d.runbook_path, max(d.runbook_title), max(r.drill_every_sec), count(*), count(*) FILTER (WHERE passed), max(started_at),
              max(coalesce(ended_at, started_at)) FILTER (WHERE passed)
       FROM team_drills d JOIN team_runbooks r ON r.key = d.runbook_key GROUP BY d.runbook_path`,
    );
    await store.pool.query('ANALYZE');
    console.log(`seeded ${seed} more drills (× 40 steps) in ${((performance.now() - s0) / 1000).toFixed(1)} s: ${TOTAL} drills, 200 runbooks`);

    const admin = tokens[0]!;
    const get = (p: string) => async () => {
      const r = await fetch(base + p, { headers: { authorization: `Bearer ${admin}` } });
      if (!r.ok) throw new Error(`${p}: ${r.status}`);
      await r.arrayBuffer();
    };
    const rows: [string, string, number, number][] = [
      ['history list (newest 100)', '/api/drills', 0, 200],
      ['history list, filtered (operator + result + since)', '/api/drills?operator=op7&result=fail&since=2026-01-01', 0, 200],
      ['hot runbook trend (its newest 100)', '/api/drills?runbook=/srv/runbooks/rb-0.md', 0, 200],
      ['runbook list (200 runbooks)', '/api/runbooks', 0, 200],
      ['hot runbook p50/p90, drill and per step (10,000 drills)', '/api/runbooks/stats?path=/srv/runbooks/rb-0.md', 0, 200],
      ['freshness endpoint', '/api/freshness', 0, 100],
    ];
    for (const r of rows) r[2] = await median(get(r[1]));
    console.log(`\n| over HTTP, ${TOTAL} drills | median | goal |\n| --- | ---: | ---: |`);
    for (const [what, , ms, goal] of rows) console.log(`| ${what} | ${ms.toFixed(1)} ms | ${goal} ms${ms > goal ? ' MISSED' : ''} |`);
  } finally {
    await server.close();
    await store.close();
    await pg.stop();
  }
}
