/**
 * An observer's GET /api/live/:id on a long live drill (BENCH_LIVE_EVENTS,
 * default 5,000 events: checklist ticks and notes on a 40-step drill),
 * published with the real client to a real PostgreSQL on loopback.
 * Interleaved, rounds of: a cold request (a fresh fold: the whole log read
 * and reduced, what every request did before the folds were kept), a
 * request with nothing new (kept fold), and a request after one new event
 * (kept fold + that event), then that change as a delta (?base=). Medians
 * printed, with the load average.
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { startPostgres } from '../helpers/services';
import { historyFixture, runbook } from '../helpers/history-fixture';
import { TeamStore } from '../../main/team/store';
import { TeamServer } from '../../main/team/server';
import { LiveFolds } from '../../main/team/live';
import { publish } from '../../main/team/client/publish';
import { Redactor } from '../../main/evidence/redact/engine';

const EVENTS = Number(process.env.BENCH_LIVE_EVENTS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 9);

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function teamLiveBench(): Promise<void> {
  const pg = await startPostgres();
  pg.sql('postgres', 'CREATE DATABASE bench_live');
  const store = new TeamStore(`postgres://postgres:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/bench_live`);
  await store.migrate();
  const server = new TeamServer(store);
  const base = `http://127.0.0.1:${(await server.listen({ host: '127.0.0.1', port: 0, tls: null })).port}`;
  const f = historyFixture();
  try {
    const op = await server.createUser('ana', 'operator', null);
    const auditor = await server.createUser('audrey', 'auditor', null);
    const cfg = { url: base, token: op.token, user: 'ana', role: 'operator', joinedAt: new Date().toISOString() };
    const red = new Redactor([], true);
    const rb = runbook(Array.from({ length: 40 }, (_, i) => `Step ${i + 1}`), { file: '/srv/runbooks/orders-db.md' });
    const id = f.drills.start(rb, 'live', 'ana').id;
    f.drills.stepStart(id, 0);
    let n = f.drills.events(id).length;
    for (let i = 0; n < EVENTS; i++, n++) {
      f.clock.advance(500);
      f.drills.addNote(id, i % 40 === 0 ? null : 0, `note ${i}: progress`);
    }
    await publish(f.db, f.dir, cfg, red, { includeRunning: true });
    const head = async () => (await store.liveHeads(id))[0]!;
    const http = async (q = '') => {
      const res = await fetch(`${base}/api/live/${id}${q}`, { headers: { authorization: `Bearer ${auditor.token}` } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(body);
      return body.length;
    };
    await http();
    const cold: number[] = [];
    const kept: number[] = [];
    const oneNew: number[] = [];
    const delta: number[] = [];
    let bytes = 0;
    let deltaBytes = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      await new LiveFolds((d, after) => store.eventsAfter(d, after)).snapshot(id, await head());
      cold.push(performance.now() - t);
      t = performance.now();
      bytes = await http();
      kept.push(performance.now() - t);
      const held = (await head()).chainHead;
      f.clock.advance(1_000);
      f.drills.addNote(id, 0, `round ${r}`);
      await publish(f.db, f.dir, cfg, red, { includeRunning: true });
      t = performance.now();
      await http();
      oneNew.push(performance.now() - t);
      t = performance.now();
      deltaBytes = await http(`?base=${held}`);
      delta.push(performance.now() - t);
    }
    const events = (await head()).eventCount;
    process.stdout.write(
      `team-live: ${events} events, snapshot ${(bytes / 1024).toFixed(0)} KiB; load ${loadavg()[0]!.toFixed(1)}\n` +
        `  a fresh fold (whole log read and reduced, the old path)  p50 ${med(cold).toFixed(1)} ms\n` +
        `  GET /api/live/:id, nothing new (kept fold)               p50 ${med(kept).toFixed(1)} ms\n` +
        `  GET /api/live/:id after one new event (kept fold + 1)    p50 ${med(oneNew).toFixed(1)} ms\n` +
        `  GET /api/live/:id?base=HEAD, the delta after one note     p50 ${med(delta).toFixed(1)} ms, ${deltaBytes} bytes\n`,
    );
  } finally {
    f.close();
    await server.close();
    await store.close();
    await pg.stop();
  }
}

if (require.main === module) void teamLiveBench();
