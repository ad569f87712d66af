/**
 * The team server at scale, on a real PostgreSQL on loopback (issue 16):
 *
 * 1. Seed (once, cached): BENCH_TEAM_DRILLS real drills (default 100,000 ×
 *    40 steps) WITH their event logs (~82 events each, real re-hashed
 *    chains; team-seed.ts). The cluster stays on disk under the OS temp
 *    folder (drillbook-team-bench-v<SEED_VERSION>-<N>, with seeded.json as
 *    the stamp), so a re-run reuses it; delete the folder to re-seed. New
 *    migrations are applied to it at each start, as on a real server.
 * 2. Reads over the real HTTP API, p50/p99 of BENCH_TEAM_RUNS (default 30):
 *    the history list, filtered lists, a hot runbook's stats and trend, a
 *    drill with its events, the runbook list, freshness, live.
 * 3. Chromium: each page in TEAM_PAGES (below) timed from navigation start
 *    to its content painted (first visit in a fresh context, then the
 *    median of warm visits).
 * 4. Ingest: 50 concurrent publishers POST real logs (the seeding's
 *    templates, cloned and re-hashed, so every chain is re-verified on
 *    arrival) into a fresh database of the same cluster; then again with
 *    PostgreSQL restarted mid-ingest: publishers retry on 5xx, every drill
 *    must arrive exactly once.
 *
 * Run it under `nice -n 10` on a shared machine; the figures say the load.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { summariseTrace } from './terminal-trace';
import { chromium } from 'playwright-core';
import { startPostgres, type DbServer } from '../helpers/services';
import { TeamStore } from '../../main/team/store';
import { TeamServer } from '../../main/team/server';
import { cloneDrill, HOT_RUNBOOK, OPERATORS, runbookVariants, seedTeam, templates, type SeedReport } from './team-seed';

const TOTAL = Number(process.env.BENCH_TEAM_DRILLS ?? 100_000);
const PUBLISHERS = Number(process.env.BENCH_TEAM_PUBLISHERS ?? 50);
const PER_PUBLISHER = Number(process.env.BENCH_TEAM_PER_PUBLISHER ?? 10);
const RUNS = Number(process.env.BENCH_TEAM_RUNS ?? 30);
/** Which parts run after the seeding (comma-separated): http, chromium, ingest. */
const PARTS = new Set((process.env.BENCH_TEAM_PARTS ?? 'http,chromium,ingest').split(','));
const CHROMIUM = process.env.DRILLBOOK_CHROMIUM ?? '/usr/bin/chromium';
/** Bump when team-seed.ts changes what it writes: the cached cluster is then re-seeded. */
const SEED_VERSION = 1;

/**
 * The team pages timed in Chromium. Each: a URL (path and hash route, from
 * the server's base; `{drill}` is replaced by the newest finished drill's
 * id), optional clicks done in the page as soon as their target appears
 * (`css`, `text` the target's text must contain, `notText` it must not), and the `ready`
 * selectors (all of them) whose appearance means the content is there.
 *
 * Two kinds of time, not to be mixed up:
 * - `load`: navigation start (a full page load of index.html, scripts,
 *   /api/me, the data) to the frame after `ready` appears;
 * - `route`: the page at `url` is first loaded, its `from` selector
 *   waited for, then 1.5 s more (untimed: a person reads before clicking,
 *   and the app fetches its later pages' chunks 1 s after the first is up);
 *   the time is from the first click (an in-app route
 *   change: a tab or a link, what a person using the app mostly sees) to
 *   the frame after `ready` appears.
 * The React app (renderer/team/) is at `/`; the server's small page is at `/lite`.
 */
export interface TeamPage {
  name: string;
  kind: 'load' | 'route';
  url: string;
  from?: string;
  clicks?: { css: string; text?: string; notText?: string }[];
  ready: string[];
}

const HISTORY_ROWS = '[data-testid=team-drills] tbody tr';
const RUNBOOK_ROWS = '[data-testid=team-runbook-table] tbody tr';
const HOT_READY = ['[data-testid=team-step-table] tbody tr', '[data-testid=team-rto-chart] canvas'];
const DRILL_READY = ['[data-testid=team-timeline] li'];
const LIVE_READY = ['[data-testid=team-live-row], [data-testid=team-live-empty]'];
const HOT_ROUTE = `/#/runbook?path=${encodeURIComponent(HOT_RUNBOOK)}`;

export const TEAM_PAGES: TeamPage[] = [
  { name: 'history (newest 100)', kind: 'load', url: '/#/history', ready: [HISTORY_ROWS] },
  { name: 'runbooks with freshness (200)', kind: 'load', url: '/#/runbooks', ready: [RUNBOOK_ROWS] },
  { name: 'hot runbook: p50/p90 per step and RTO trend chart', kind: 'load', url: HOT_ROUTE, ready: HOT_READY },
  { name: 'a drill with its 82 events', kind: 'load', url: '/#/drill/{drill}', ready: DRILL_READY },
  { name: 'live drills', kind: 'load', url: '/#/live', ready: LIVE_READY },
  { name: '/lite: history (newest 100)', kind: 'load', url: '/lite', ready: ['#drills tbody tr'] },
  {
    name: '/lite: hot runbook',
    kind: 'load',
    url: '/lite',
    clicks: [{ css: '[data-tab="runbooks"]' }, { css: '#runbooks button.link', text: 'Orders database restore' }],
    ready: ['#steps tbody tr'],
  },
  { name: 'History tab (from Runbooks)', kind: 'route', url: '/#/runbooks', from: RUNBOOK_ROWS, clicks: [{ css: '[data-testid=team-nav-history]' }], ready: [HISTORY_ROWS] },
  { name: 'Runbooks tab (from History)', kind: 'route', url: '/#/history', from: HISTORY_ROWS, clicks: [{ css: '[data-testid=team-nav-runbooks]' }], ready: [RUNBOOK_ROWS] },
  {
    name: 'hot runbook (its row in Runbooks)',
    kind: 'route',
    url: '/#/runbooks',
    from: RUNBOOK_ROWS,
    clicks: [{ css: `[data-runbook="${HOT_RUNBOOK}"]` }],
    ready: HOT_READY,
  },
  { name: 'a drill (first finished row in History)', kind: 'route', url: '/#/history', from: HISTORY_ROWS, clicks: [{ css: HISTORY_ROWS, notText: 'running' }], ready: DRILL_READY },
  { name: 'Live tab (from History)', kind: 'route', url: '/#/history', from: HISTORY_ROWS, clicks: [{ css: '[data-testid=team-nav-live]' }], ready: LIVE_READY },
];
/**
 * How a page gets the API token before its own script runs (the server's page reads it from sessionStorage), with
 * who it belongs to beside it, as a tab that signed in and was reloaded has them (renderer/team/session.ts).
 */
export const TEAM_TOKEN_SCRIPT = (token: string, me: unknown) =>
  `sessionStorage.setItem('drillbook-team-token', ${JSON.stringify(token)}); sessionStorage.setItem('drillbook-team-me', ${JSON.stringify(JSON.stringify(me))});`;

interface Stamp extends SeedReport {
  version: number;
  password: string;
  at: string;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

async function timed(f: (i: number) => Promise<unknown>, runs = RUNS): Promise<{ p50: number; p99: number }> {
  await f(0);
  const t: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const s = performance.now();
    await f(i);
    t.push(performance.now() - s);
  }
  return { p50: pct(t, 0.5), p99: pct(t, 0.99) };
}

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(', ');

/** The seeded cluster, from the cache when its stamp matches, else seeded now. */
async function seededCluster(): Promise<{ pg: DbServer; stamp: Stamp; url: string }> {
  const dir = path.join(os.tmpdir(), `drillbook-team-bench-v${SEED_VERSION}-${TOTAL}`);
  const stampFile = path.join(dir, 'seeded.json');
  let stamp: Stamp | null = null;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as Stamp;
    if (stamp.version !== SEED_VERSION || stamp.drills !== TOTAL) stamp = null;
  } catch {
    stamp = null;
  }
  if (!stamp && existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // a seeding that never finished
  const password = stamp?.password ?? 'bench-' + Math.random().toString(36).slice(2, 14);
  const pg = await startPostgres({ password, keepDir: dir });
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pg.port}/team_bench`;
  if (stamp) {
    console.log(`reusing the seeded cluster in ${dir} (seeded ${stamp.at}: ${stamp.drills.toLocaleString('en')} drills, ${stamp.events.toLocaleString('en')} events, in ${stamp.seconds.toFixed(0)} s)`);
    return { pg, stamp, url };
  }
  pg.sql('postgres', 'CREATE DATABASE team_bench');
  const store = new TeamStore(url);
  try {
    await store.migrate();
    const users = new Map<string, number>();
    for (let i = 0; i < OPERATORS; i++) users.set(`op${i}`, (await store.createUser(`op${i}`, 'operator', null)).id);
    console.log(`seeding ${TOTAL.toLocaleString('en')} drills × 40 steps with their event logs into ${dir} (load ${load()})`);
    const report = await seedTeam({ port: pg.port, password, database: 'team_bench' }, TOTAL, users, (s) => console.log(s));
    const size = pg.sql('team_bench', "SELECT pg_size_pretty(pg_database_size('team_bench'))").trim();
    console.log(
      `seeded ${report.drills.toLocaleString('en')} drills, ${report.events.toLocaleString('en')} events (${(report.bytes / 1e9).toFixed(2)} GB of event JSON, database ${size}) in ${report.seconds.toFixed(0)} s ` +
        `(${report.generateSeconds.toFixed(0)} s of it cloning, re-hashing and summarising in Node), from ${report.templates.join(', ')}; load ${load()}`,
    );
    stamp = { ...report, version: SEED_VERSION, password, at: new Date().toISOString() };
    writeFileSync(stampFile, JSON.stringify(stamp, null, 2), { mode: 0o600 });
    return { pg, stamp, url };
  } finally {
    await store.close();
  }
}

async function httpReads(base: string, token: string, store: TeamStore): Promise<void> {
  const get = (p: string) => async () => {
    const r = await fetch(base + p, { headers: { authorization: `Bearer ${token}` } });
    if (!r.ok) throw new Error(`${p}: ${r.status} ${(await r.text()).slice(0, 200)}`);
    await r.arrayBuffer();
  };
  const ids = (await store.pool.query<{ id: string }>(`SELECT id FROM team_drills WHERE id LIKE 'seed-%' ORDER BY md5(id) LIMIT $1`, [RUNS + 1])).rows.map((r) => r.id);
  const since = new Date(Date.now() - 120 * 86_400_000).toISOString().slice(0, 10);
  const until = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const rows: { what: string; f: (i: number) => Promise<unknown>; goal: number | null }[] = [
    { what: 'history list, newest 100', f: get('/api/drills'), goal: 200 },
    { what: `history list filtered: operator + result + dates (${since}..${until})`, f: get(`/api/drills?operator=op3&result=fail&since=${since}&until=${until}`), goal: 200 },
    { what: 'history list filtered: the hot runbook, newest 100', f: get(`/api/drills?runbook=${encodeURIComponent(HOT_RUNBOOK)}`), goal: 200 },
    { what: 'history list filtered: a rarely drilled runbook + mode live', f: get(`/api/drills?runbook=${encodeURIComponent('/srv/runbooks/rb-150.md')}&mode=live`), goal: 200 },
    { what: 'hot runbook stats and trend (newest 1,000 of ~50,000 drills)', f: get(`/api/runbooks/stats?path=${encodeURIComponent(HOT_RUNBOOK)}`), goal: 200 },
    { what: 'a drill with its events (82)', f: (i) => get(`/api/drills/${ids[i]}`)(), goal: 200 },
    { what: 'runbook list (200 runbooks)', f: get('/api/runbooks'), goal: 200 },
    { what: 'freshness endpoint (200 runbooks)', f: get('/api/freshness'), goal: 100 },
    { what: 'live list', f: get('/api/live'), goal: 200 },
  ];
  console.log(`\n| over HTTP, ${TOTAL.toLocaleString('en')} drills with events (p50 / p99 of ${RUNS}; load ${load()}) | p50 | p99 | goal (p50) |\n| --- | ---: | ---: | ---: |`);
  for (const r of rows) {
    const t = await timed(r.f);
    console.log(`| ${r.what} | ${t.p50.toFixed(1)} ms | ${t.p99.toFixed(1)} ms | ${r.goal === null ? '—' : `${r.goal} ms${t.p50 > r.goal ? ' MISSED' : ''}`} |`);
  }
}

/**
 * In the page from its first script on: waits for `from` (route pages), does
 * the clicks as their targets appear, then reports when every `ready` is
 * there and a frame has passed, and the time origin (0 for a load, the first
 * click for a route change).
 */
function readyScript(p: TeamPage): string {
  return `(() => {
  const clicks = ${JSON.stringify(p.clicks ?? [])}, ready = ${JSON.stringify(p.ready)}, from = ${JSON.stringify(p.from ?? null)};
  let next = 0, done = false, fromAt = null, origin = ${p.kind === 'route' ? 'null' : '0'};
  window.__benchReady = new Promise((resolve) => {
    const check = () => {
      if (done) return;
      if (origin === null) {
        if (!from || !document.querySelector(from)) return;
        if (fromAt === null) {
          fromAt = performance.now();
          setTimeout(check, 1500);
        }
        if (performance.now() - fromAt < 1500) return;
      }
      while (next < clicks.length) {
        const c = clicks[next];
        const target = Array.from(document.querySelectorAll(c.css)).find((e) => (!c.text || (e.textContent || '').includes(c.text)) && (!c.notText || !(e.textContent || '').includes(c.notText)));
        if (!target) return;
        if (origin === null) origin = performance.now();
        next++;
        target.click();
      }
      if (!ready.every((r) => document.querySelector(r))) return;
      done = true;
      obs.disconnect();
      const found = performance.now();
      requestAnimationFrame(() => setTimeout(() => resolve({ origin, found, painted: performance.now() }), 0));
    };
    const obs = new MutationObserver(check);
    obs.observe(document, { childList: true, subtree: true, attributes: true });
  });
})();`;
}

/** The functions the page spent most of its own time in (CPU profile samples), for BENCH_TEAM_EXPLAIN. */
function topSelf(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples?: number[]; timeDeltas?: number[] }): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  (profile.samples ?? []).forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join('; ');
}

async function chromiumRender(base: string, token: string, store: TeamStore): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`\nChromium: not measured (no Chromium at ${CHROMIUM})`);
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const drill = (await store.pool.query<{ id: string }>(`SELECT id FROM team_drills WHERE id LIKE 'seed-%' ORDER BY md5(id) LIMIT 1`)).rows[0]!.id;
  const me: unknown = await (await fetch(base + '/api/me', { headers: { authorization: `Bearer ${token}` } })).json();
  const visit = async (ctx: Awaited<ReturnType<typeof browser.newContext>>, p: TeamPage): Promise<number> => {
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript({ content: TEAM_TOKEN_SCRIPT(token, me) + readyScript(p) });
    const cdp = explain ? await ctx.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    // BENCH_TEAM_TRACE=1 with BENCH_TEAM_EXPLAIN: where the main thread spent the explained visit (style, layout, paint, script).
    const tracing = explain && process.env.BENCH_TEAM_TRACE === '1';
    if (tracing) await browser.startTracing(page, { categories: ['devtools.timeline', 'toplevel'] });
    await page.goto(base + p.url.replace('{drill}', encodeURIComponent(drill)));
    const t = await page.evaluate<number>('window.__benchReady.then((r) => r.painted - r.origin)');
    if (tracing) {
      const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: Parameters<typeof summariseTrace>[0] };
      const s = summariseTrace(trace.traceEvents);
      const steps = Object.entries(s.steps).filter(([, ms]) => ms >= 1).map(([k, ms]) => `${k} ${ms.toFixed(0)}`).join(', ');
      console.log(`|   ${p.name}: main thread ${s.wallMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms, ${s.frames} frames; ${steps} |`);
    }
    if (explain) {
      // Where the time went: each request's start and end (ms from navigation start), then the content.
      // (Strings: the page's own performance object, not the Node one this file imports.)
      const entries = await page.evaluate<string[]>(
        `performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname.replace(/^\\/api\\//, '') + ' ' + e.startTime.toFixed(0) + '–' + e.responseEnd.toFixed(0))`,
      );
      const nav = await page.evaluate<string>(
        `(() => { const n = performance.getEntriesByType('navigation')[0]; return 'page ' + n.responseEnd.toFixed(0) + ', DOMContentLoaded ' + n.domContentLoadedEventEnd.toFixed(0); })()`,
      );
      console.log(`|   ${p.name}: ${nav}; ${entries.join('; ')}; painted ${t.toFixed(0)} |`);
      console.log(`|   ${p.name}: main thread, self time: ${topSelf((await cdp!.send('Profiler.stop')).profile)} |`);
    }
    await page.close();
    if (errors.length) throw new Error(`${p.name}: ${errors[0]}`);
    return t;
  };
  let explain = false;
  const runs = Math.max(5, Math.min(15, Math.round(RUNS / 2)));
  try {
    // BENCH_TEAM_ONLY=text times only the pages whose name contains it (with BENCH_TEAM_EXPLAIN=1, to look at one).
    const pages = TEAM_PAGES.filter((p) => p.name.includes(process.env.BENCH_TEAM_ONLY ?? ''));
    for (const p of pages) {
      if (p === pages.find((q) => q.kind === p.kind))
        console.log(
          p.kind === 'load'
            ? `\n| Chromium, full page load: navigation start → content painted (1440×900; load ${load()}) | first visit | median of ${runs} | goal |\n| --- | ---: | ---: | ---: |`
            : `\n| Chromium, in-app route change: click → content painted (1440×900; load ${load()}) | first visit | median of ${runs} | goal |\n| --- | ---: | ---: | ---: |`,
        );
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC' });
      try {
        const first = await visit(ctx, p);
        const warm: number[] = [];
        for (let i = 0; i < runs; i++) warm.push(await visit(ctx, p));
        const med = pct(warm, 0.5);
        explain = process.env.BENCH_TEAM_EXPLAIN === '1';
        if (explain) await visit(ctx, p);
        explain = false;
        console.log(`| ${p.name} | ${first.toFixed(0)} ms | ${med.toFixed(0)} ms | 300 ms${med > 300 ? ' MISSED' : ''} |`);
      } finally {
        await ctx.close();
      }
    }
  } finally {
    await browser.close();
  }
}

/** 50 concurrent publishers into a fresh database of the same cluster; with `restart`, PostgreSQL is restarted once mid-ingest. */
async function ingest(pg: DbServer, restart: boolean): Promise<void> {
  const name = `team_ingest_${Date.now()}`;
  pg.sql('postgres', `CREATE DATABASE ${name}`);
  const url = `postgres://postgres:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/${name}`;
  const store = new TeamStore(url, { max: 20 });
  const server = new TeamServer(store);
  try {
    await store.migrate();
    const addr = await server.listen({ host: '127.0.0.1', port: 0, tls: null });
    const base = `http://127.0.0.1:${addr.port}`;
    const tokens: string[] = [];
    for (let p = 0; p < PUBLISHERS; p++) tokens.push((await server.createUser(`op${p}`, 'operator', null)).token);
    const { templates: tpl, snapshot } = templates();
    const variants = runbookVariants(snapshot);
    const bodies = tokens.map((_, p) =>
      Array.from({ length: PER_PUBLISHER }, (_, i) => {
        const t = tpl[(p + i) % tpl.length]!;
        const rb = variants[(p * 7 + i) % 20]![0]!;
        const id = `ingest-${p}-${i}`;
        return { id, runbook: rb.snapshot, events: cloneDrill(t.events, { id, operator: `op${p}`, mode: 'rehearsal', runbook: rb, startMs: Date.now() - (p * PER_PUBLISHER + i) * 3_600_000, factor: 1 }) };
      }),
    );
    const events = bodies.flat().reduce((n, d) => n + d.events.length, 0);
    let retries = 0;
    let sent = 0;
    let restarted: Promise<void> | null = null;
    let down = 0;
    const t0 = performance.now();
    await Promise.all(
      tokens.map(async (token, p) => {
        for (let i = 0; i < PER_PUBLISHER; i += 5) {
          for (let attempt = 0; ; attempt++) {
            if (attempt > 40) throw new Error('a publisher gave up after 40 retries');
            const res = await fetch(`${base}/api/drills`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ drills: bodies[p]!.slice(i, i + 5) }),
            }).catch(() => null);
            if (res && res.status >= 500) retries++;
            if (!res || res.status >= 500) {
              await new Promise((r) => setTimeout(r, 250 * Math.min(8, 2 ** attempt)));
              continue;
            }
            const j = (await res.json()) as { outcomes?: { kind: string }[] };
            if (!res.ok || j.outcomes!.some((o) => o.kind !== 'imported' && o.kind !== 'duplicate')) throw new Error(`publish failed: ${res.status} ${JSON.stringify(j).slice(0, 300)}`);
            break;
          }
          if (++sent === Math.round((PUBLISHERS * PER_PUBLISHER) / 5 / 3) && restart) {
            const r0 = performance.now();
            restarted = pg.restart!().then(() => void (down = performance.now() - r0));
          }
        }
      }),
    );
    await restarted;
    const secs = (performance.now() - t0) / 1000;
    const drills = PUBLISHERS * PER_PUBLISHER;
    const { rows } = await store.pool.query<{ d: number; e: number }>('SELECT (SELECT count(*)::int FROM team_drills) AS d, (SELECT count(*)::int FROM team_events) AS e');
    const ok = rows[0]!.d === drills && rows[0]!.e === events;
    console.log(
      `${restart ? 'ingest with PostgreSQL restarted after a third of the batches' : 'ingest'}: ${PUBLISHERS} concurrent publishers, ${drills} drills, ${events.toLocaleString('en')} events (${tpl.map((t) => t.name).join(', ')}) in ${secs.toFixed(1)} s: ` +
        `${(drills / secs).toFixed(1)} drills/s, ${(events / secs).toFixed(0)} events/s, every chain re-verified` +
        (restart ? `; restart took ${(down / 1000).toFixed(1)} s, ${retries} requests answered 5xx and were retried` : '') +
        `; stored ${rows[0]!.d} drills, ${rows[0]!.e} events: ${ok ? 'each exactly once' : 'MISMATCH'} (load ${load()})`,
    );
    if (!ok) throw new Error('ingest lost or duplicated drills');
  } finally {
    await server.close();
    await store.close();
    pg.sql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

export async function teamBench(): Promise<void> {
  const { pg, url } = await seededCluster();
  try {
    const store = new TeamStore(url, { max: 20 });
    await store.migrate();
    const server = new TeamServer(store);
    try {
      const addr = await server.listen({ host: '127.0.0.1', port: 0, tls: null });
      const base = `http://127.0.0.1:${addr.port}`;
      const token = (await server.createUser(`reader-${Date.now().toString(36)}`, 'auditor', null)).token;
      if (PARTS.has('http')) await httpReads(base, token, store);
      if (PARTS.has('chromium')) await chromiumRender(base, token, store);
    } finally {
      await server.close();
      await store.close();
    }
    console.log('');
    if (PARTS.has('ingest')) {
      await ingest(pg, false);
      await ingest(pg, true);
    }
  } finally {
    await pg.stop();
  }
}
