/**
 * Render times in Chromium against the seeded history: the real web host
 * (`drillbook web`) on the bench's data folder, the real UI, timed from the
 * click (a performance mark set in the page just before it clicks) to the
 * page's own "painted" mark (renderer/history/perf.ts: after the commit's
 * frame, charts drawn).
 *
 * What "first" means, page by page (issue 15): the list's first visit is measured in fresh browser contexts (a new
 * page load with its own HTTP cache: nothing compiled, no V8 code cache from an earlier load — a first launch), once clicked as soon as the socket is open
 * (before the app's idle prefetch of the list could land) and once after the app settled (its prefetch done, as a
 * person who looks at the window before clicking finds it). A runbook page's first visit is the first time the page
 * runs that view in this page load, after the list; whether the server answered it from the start-up warm-up
 * (main/history/warm.ts) or computed it on the spot is read from the reply (`cached`) and printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ROOT, SocketClient, startServer } from '../helpers/server';
import type { SeededRunbook } from './history-seed';
import { printRows } from './history';

// page.evaluate callbacks run in the browser (the root tsconfig has no DOM lib); `performance` there is the page's.
declare const document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null; click(): void }> };

const CHROMIUM = process.env.DRILLBOOK_CHROMIUM ?? '/usr/bin/chromium';
const RUNS = 5;
/** Fresh page loads whose first visit of the list is timed (each variant). */
const FRESH_LOADS = 3;

export async function renderBench(dir: string, hot: SeededRunbook, typical: SeededRunbook, total: number): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  if (!existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) {
    const b = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('could not build the renderer');
  }
  const runbooks = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-rb-'));
  // Backups from earlier bench runs on a reused folder: 670 MB each, and they would make the start-up backup not due.
  rmSync(path.join(dir, 'backups'), { recursive: true, force: true });
  let t = performance.now();
  const server = await startServer(dir, runbooks, 60_000);
  const startMs = performance.now() - t;
  try {
    // Let the host finish its start-up work (integrity check, first backup) so it does not compete with the timings.
    const c = await SocketClient.connect(server);
    t = performance.now();
    let health = await c.call('db.health', {});
    for (let i = 0; i < 600 && (health.state === 'checking' || (health.state === 'ok' && health.backups.count === 0 && !health.lastBackupError)); i++) {
      await new Promise((r) => setTimeout(r, 500));
      health = await c.call('db.health', {});
    }
    c.close();
    console.log(
      `\nweb host on the ${total.toLocaleString('en')}-drill history: up in ${startMs.toFixed(0)} ms; start-up integrity_check ${health.check?.ok ? 'ok' : health.state} in ${health.check?.ms ?? '?'} ms (background worker), ` +
        `first automatic backup done ${((performance.now() - t) / 1000).toFixed(1)} s later (${health.backups.newest ? (health.backups.newest.bytes / 1e6).toFixed(0) + ' MB' : 'none'})`,
    );

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC' });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      watchReplies(page);
      await page.goto(server.url);
      await page.locator('[data-testid="conn-state"][data-state="open"]').waitFor({ timeout: 30_000 });

      const rows: { what: string; firstMs: number; medianMs: number; note?: string }[] = [];
      if (process.env.BENCH_TRACE) {
        await traceFirstVisit(browser, server.url, 'History list, first visit', async (p) => clickAndWait(p, '[data-testid="nav-history"]', 'list'));
      }
      for (const settle of [false, true]) {
        // One sample is noise on a shared machine: the median of FRESH_LOADS first visits, each in its own page load.
        const firsts: number[] = [];
        for (let i = 0; i < FRESH_LOADS; i++) {
          // A new context each time: its own HTTP cache, so no V8 code cache from an earlier load (a first launch).
          const freshContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC' });
          const fresh = await freshContext.newPage();
          await fresh.goto(server.url);
          await fresh.locator('[data-testid="conn-state"][data-state="open"]').waitFor({ timeout: 30_000 });
          if (settle) await settled(fresh);
          firsts.push(await clickAndWait(fresh, '[data-testid="nav-history"]', 'list'));
          await freshContext.close();
        }
        const m = [...firsts].sort((a, b) => a - b)[Math.floor(firsts.length / 2)]!;
        rows.push({
          what: `History list, first visit in a fresh page load (median of ${FRESH_LOADS}), ${settle ? 'after the app settled (list and code prefetched)' : 'clicked as soon as the socket is open'}`,
          firstMs: m,
          medianMs: m,
          note: firsts.map((x) => x.toFixed(0)).join(', ') + ' ms',
        });
      }
      rows.push(await measure('History list (click the tab → 100 newest drills on screen)', RUNS, async () => {
        await page.locator('[data-testid="nav-library"]').click();
        return clickAndWait(page, '[data-testid="nav-history"]', 'list');
      }));
      const openRunbook = (title: string) => async () => {
        await page.locator('[data-testid="nav-library"]').click();
        await page.locator('[data-testid="nav-history"]').click();
        await page.locator('[data-testid="history-runbook-link"]').first().waitFor();
        // Filter the list to the runbook first, so its link is on the page whatever the newest drills are.
        await page.locator('[data-testid="history-filter-runbook"]').selectOption({ label: title });
        await page.locator('[data-testid="history-runbook-link"]', { hasText: title }).first().waitFor();
        return clickAndWait(page, '[data-testid="history-runbook-link"]', 'runbook', title);
      };
      const hotRow = await measure(`Runbook trend page, hot runbook (${hot.drills} drills; click → charts drawn)`, RUNS, openRunbook(hot.title));
      rows.push({ ...hotRow, note: `first visit ${firstCached ? 'served from the start-up warm-up' : 'computed on the spot by the server'}` });
      const typicalRow = await measure(`Runbook trend page, typical runbook (${typical.drills} drills)`, RUNS, openRunbook(typical.title));
      rows.push({ ...typicalRow, note: `first visit ${firstCached ? 'served from the start-up warm-up' : 'computed on the spot by the server'}` });
      rows.push(await measure('Waterfall of the last drill (click → on screen)', RUNS, async () => {
        await openRunbook(typical.title)();
        await page.locator('[data-testid="rb-last-open"]').waitFor();
        return clickAndWait(page, '[data-testid="rb-last-open"]', 'waterfall');
      }));
      rows.push(await measure('Compare with the drill before (click → on screen)', RUNS, async () => {
        await page.locator('[data-testid="wf-compare-previous"]').waitFor();
        const ms = await clickAndWait(page, '[data-testid="wf-compare-previous"]', 'compare');
        await page.goBack();
        return ms;
      }));
      printRows(`Rendered in Chromium, ${total.toLocaleString('en')} drills (${RUNS} runs each; "first" is the first visit):`, rows);
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      for (const what of [...new Set(dataTimes.map((d) => d.what))].filter((w) => w.startsWith('Runbook'))) {
        const split = dataTimes.filter((d) => d.what === what);
        const medOf = (i: number) => med(split.map((d) => d.steps[i] ?? NaN));
        console.log(
          `  ${what.replace(/ \(.*$/, '')}: data in hand at ${med(split.map((d) => d.ms)).toFixed(0)} ms (server, socket, JSON), ` +
            `React commit ${medOf(0)}, RTO chart ${medOf(1)}, step chart ${medOf(2)}, painted ${med(split.map((d) => d.total)).toFixed(0)} ms (medians)`,
        );
      }
      console.log('  "first" of the list rows above: later visits in the same page; the two fresh-page rows are the honest first visits.');
      if (errors.length) console.log(`  page errors: ${errors.join('; ')}`);
      await context.close();
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
    rmSync(runbooks, { recursive: true, force: true });
  }
}

/** Where the page marks its data's arrival too: how much of the time was the server and the wire. */
const dataTimes: { what: string; ms: number; total: number; steps: (number | null)[] }[] = [];
let current = '';

/**
 * BENCH_TRACE=1: a CDP trace of one first visit in a fresh page load, after the app settled (devtools.timeline and V8 categories), and where
 * the renderer's main thread spent it: script compilation, running script, style, layout, paint, GC, idle.
 */
async function traceFirstVisit(browser: import('playwright-core').Browser, url: string, what: string, visit: (p: Page) => Promise<number>): Promise<void> {
  const traceContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC' });
  const p = await traceContext.newPage();
  await p.goto(url);
  await p.locator('[data-testid="conn-state"][data-state="open"]').waitFor({ timeout: 30_000 });
  await settled(p);
  await browser.startTracing(p, { categories: ['devtools.timeline', 'v8', 'v8.execute', 'disabled-by-default-v8.compile', 'blink', 'loading'] });
  const ms = await visit(p);
  const buf = await browser.stopTracing();
  await traceContext.close();
  type Ev = { name: string; ph: string; ts: number; dur?: number; pid: number; tid: number; args?: { name?: string } };
  const events = (JSON.parse(buf.toString('utf8')) as { traceEvents: Ev[] }).traceEvents;
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const onMain = events.filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined);
  const groups: Record<string, RegExp> = {
    'compile (V8 lazy compile, parse)': /^(V8\.CompileCode|v8\.compile|V8\.ParseFunction|v8\.parseOnBackground|V8\.CompileLazy|V8\.Compile.*)$/,
    'script (FunctionCall, event handlers, microtasks)': /^(FunctionCall|EventDispatch|RunMicrotasks|TimerFire|FireAnimationFrame|v8\.callFunction)$/,
    'style (UpdateLayoutTree)': /^(UpdateLayoutTree|RecalculateStyles|ParseAuthorStyleSheet)$/,
    'layout': /^Layout$/,
    'paint, pre-paint, layerize, commit': /^(Paint|PrePaint|Layerize|Commit|UpdateLayer|PaintImage|RasterTask)$/,
    'GC': /GC|V8\.GCScavenger|MajorGC|MinorGC/,
    'busy (RunTask, all of it)': /^(RunTask|ThreadControllerImpl::RunTask)$/,
  };
  console.log(`\n${what}: ${ms.toFixed(0)} ms click → painted; the renderer's main thread in the trace (ms, nested events counted in each group they match):`);
  for (const [label, re] of Object.entries(groups)) {
    const sum = onMain.filter((e) => re.test(e.name)).reduce((a, e) => a + e.dur! / 1000, 0);
    console.log(`  ${label.padEnd(52)} ${sum.toFixed(1).padStart(8)}`);
  }
}

/** Whether the server's runbookStats reply of a page's first visit said `cached` (the warm-up had it ready). */
let firstCached: boolean | null = null;
let lastCached: boolean | null = null;

function watchReplies(page: Page): void {
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      if (typeof f.payload !== 'string' || !f.payload.includes('"computeMs"')) return;
      lastCached = f.payload.includes('"cached":true');
    }),
  );
}

/** Waits until the page has been idle for a moment after its start-up calls (the list prefetch among them), bounded. */
async function settled(page: Page): Promise<void> {
  for (let i = 0; i < 3; i++) await page.evaluate(() => new Promise<void>((r) => (globalThis as unknown as { requestIdleCallback: (f: () => void, o: object) => void }).requestIdleCallback(() => r(), { timeout: 3_000 })));
  await page.waitForTimeout(500);
}

async function measure(what: string, runs: number, once: () => Promise<number>) {
  current = what;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    lastCached = null;
    times.push(await once());
    if (i === 0) firstCached = lastCached;
  }
  const first = times[0]!;
  const sorted = [...times].sort((a, b) => a - b);
  return { what, firstMs: first, medianMs: sorted[Math.floor(sorted.length / 2)]! };
}

/** Marks the click in the page, clicks, and waits for the page's painted mark; returns the milliseconds between. */
async function clickAndWait(page: Page, selector: string, name: string, text?: string): Promise<number> {
  await page.evaluate(
    ([sel, txt]) => {
      performance.clearMarks();
      const els = Array.from(document.querySelectorAll(sel));
      const el = txt === null ? els[0] : els.find((e) => e.textContent === txt);
      if (!el) throw new Error(`nothing to click: ${sel} ${txt ?? ''}`);
      performance.mark('bench:click');
      el.click();
    },
    [selector, text ?? null] as const,
  );
  await page.waitForFunction((n) => performance.getEntriesByName(`drillbook:${n}:painted`).length > 0, name, { timeout: 60_000 });
  const [total, data, steps] = await page.evaluate((n) => {
    const start = performance.getEntriesByName('bench:click').at(-1)!.startTime;
    const end = performance.getEntriesByName(`drillbook:${n}:painted`).at(-1)!.startTime;
    const arrived = performance.getEntriesByName(`drillbook:${n}:data`).at(-1)?.startTime;
    // No helper functions in here: the bundler would wrap them in a helper the page does not have.
    const marks: (number | null)[] = [];
    for (const mark of [`drillbook:${n}:committed`, 'drillbook:chart:rb-chart-rto-canvas', 'drillbook:chart:rb-chart-steps-canvas']) {
      const e = performance.getEntriesByName(mark).at(-1);
      marks.push(e ? Math.round(e.startTime - start) : null);
    }
    return [end - start, arrived === undefined ? null : arrived - start, marks] as const;
  }, name);
  if (data !== null) dataTimes.push({ what: current, ms: data, total, steps: [...steps] });
  return total;
}
