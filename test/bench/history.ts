/**
 * History at scale: seeds 10,000 drills × 40 steps (one runbook holding
 * half of them: the trend page's worst case), then times what the history
 * list and a runbook's trend page need — in the core, over the real API
 * (JSON), and rendered in Chromium — against the 200 ms goal.
 *
 * Then grows the same history tenfold (100,000 drills: history-seed.ts's
 * cloneHistory, bulk SQL) and times the core, the API and the rendered
 * pages again.
 *
 * BENCH_DRILLS=N changes the seeded size; BENCH_SCALE=K the growth (1: none);
 * BENCH_KEEP=1 keeps the data folder; BENCH_PARTS=core,transfer,render picks what runs (all by default).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Core } from '../../main/api/core';
import { openDatabase } from '../../main/store/db';
import { exportLines, importLines } from '../../main/history';
import { cloneHistory, seedHistory, type SeededRunbook } from './history-seed';
import { renderBench } from './history-render';

const GOAL_MS = 200;

interface Row {
  what: string;
  firstMs: number;
  medianMs: number;
  note?: string;
}

async function timeIt(what: string, f: () => unknown, runs = 7, note?: string | ((r: unknown) => string)): Promise<Row> {
  const t0 = performance.now();
  const first = await f();
  const firstMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const n = typeof note === 'function' ? note(first) : note;
  return { what, firstMs, medianMs: times[Math.floor(times.length / 2)]!, ...(n ? { note: n } : {}) };
}

export function printRows(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const w = Math.max(...rows.map((r) => r.what.length));
  console.log(`  ${'what'.padEnd(w)}  ${'first'.padStart(9)}  ${'median'.padStart(9)}  goal`);
  for (const r of rows) {
    const verdict = r.medianMs <= GOAL_MS ? 'ok' : 'OVER';
    console.log(`  ${r.what.padEnd(w)}  ${r.firstMs.toFixed(1).padStart(7)}ms  ${r.medianMs.toFixed(1).padStart(7)}ms  ${verdict}${r.note ? `  (${r.note})` : ''}`);
  }
}

export async function historyBench(): Promise<void> {
  const drills = Number(process.env.BENCH_DRILLS ?? 10_000);
  const steps = 40;
  const parts = new Set((process.env.BENCH_PARTS ?? 'core,transfer,render').split(','));
  // BENCH_DATA=DIR seeds into DIR once and reuses it on later runs (handy while tuning); otherwise a temp folder.
  const reuse = process.env.BENCH_DATA ? path.resolve(process.env.BENCH_DATA) : null;
  const dir = reuse ?? mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-history-'));
  try {
    const t = performance.now();
    const db = openDatabase(dir);
    const count = (where: string) => db.prepare(`SELECT COUNT(*) FROM drills ${where}`).pluck().get() as number;
    const seeded = reuse !== null && count("WHERE id NOT LIKE '%~%'") === drills;
    // A reused folder that was already grown holds the copies too: the first round would not be the seeded size.
    const grownAlready = seeded && count('') > drills;
    const runbooks = seeded ? seededRunbooks(db) : seedHistory(db, { drills, stepsPerDrill: steps, runbooks: 10, hotShare: 0.5, versionEvery: 40 });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const seedMs = performance.now() - t;
    const size = statSync(path.join(dir, 'drillbook.sqlite')).size;
    const hot = runbooks[0]!;
    const typical = runbooks[Math.floor(runbooks.length / 2)]!;
    console.log(`${seeded ? 'reused' : 'seeded'} ${drills} drills × ${steps} steps over ${runbooks.length} runbooks in ${(seedMs / 1000).toFixed(1)} s; database ${(size / 1e6).toFixed(0)} MB`);
    console.log(`  hot runbook ${hot.path}: ${hot.drills} drills; typical ${typical.path}: ${typical.drills} drills`);

    if (grownAlready) console.log(`  (already grown: the ${drills}-drill round is skipped)`);
    else if (parts.has('core')) await coreBench(dir, hot, typical, drills);
    if (!grownAlready && parts.has('transfer')) await transferBench(dir, typical);
    if (!grownAlready && parts.has('render')) await renderBench(dir, hot, typical, drills).catch((err: Error) => console.log(`\nChromium render times: not measured (${err.message})`));

    const scale = Number(process.env.BENCH_SCALE ?? 10);
    if (scale > 1) {
      const big = openDatabase(dir);
      const grown = big.prepare('SELECT COUNT(*) FROM drills').pluck().get() as number;
      const { drills: total, ms } = grown >= drills * scale ? { drills: grown, ms: 0 } : cloneHistory(big, scale);
      big.pragma('wal_checkpoint(TRUNCATE)');
      const rbs = seededRunbooks(big);
      big.close();
      const bytes = statSync(path.join(dir, 'drillbook.sqlite')).size;
      console.log(
        `\n${ms ? `grew the history to ${total} drills by copying it ${scale}× back in time, in bulk SQL, in ${(ms / 1000).toFixed(1)} s` : `reused ${total} drills`}; ` +
          `database ${(bytes / 1e6).toFixed(0)} MB (the ${drills} newest are seeded; the copies' event logs are the originals', the bench opens only seeded drills)`,
      );
      const bigHot = rbs[0]!;
      const bigTypical = rbs[Math.floor(rbs.length / 2)]!;
      console.log(`  hot runbook ${bigHot.path}: ${bigHot.drills} drills; typical ${bigTypical.path}: ${bigTypical.drills} drills`);
      if (parts.has('core')) await coreBench(dir, bigHot, bigTypical, total);
      if (parts.has('render')) await renderBench(dir, bigHot, bigTypical, total).catch((err: Error) => console.log(`\nChromium render times: not measured (${err.message})`));
    }
  } finally {
    if (process.env.BENCH_KEEP || reuse) console.log(`\nkept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function seededRunbooks(db: import('../../main/store/db').Db): SeededRunbook[] {
  return (db.prepare('SELECT runbook_path AS path, MAX(runbook_title) AS title, COUNT(*) AS drills FROM drills GROUP BY runbook_path ORDER BY drills DESC').all() as SeededRunbook[]);
}

async function coreBench(dir: string, hot: SeededRunbook, typical: SeededRunbook, total: number): Promise<void> {
  // The CLI host: no background check or backups competing with the timings.
  const core = new Core({ dataDir: dir, runbookDirs: [], host: 'cli' });
  try {
    const h = core.history;
    const last = h.list({ limit: 2, steps: false });
    const rows: Row[] = [];
    rows.push(await timeIt('history list, newest 100 (core)', () => h.list({ limit: 100, steps: false })));
    rows.push(await timeIt('history list, newest 100 + count (API, JSON)', () => api(core, [['history.list', { limit: 100, steps: false }], ['history.count', {}]]), 7, (r) => `${r} bytes`));
    rows.push(await timeIt('history list, 500 with all steps (API)', () => api(core, [['history.list', { limit: 500 }]]), 7, (r) => `${r} bytes`));
    rows.push(await timeIt('history list, fail + live + a year (API)', () => api(core, [['history.list', { limit: 100, steps: false, result: 'fail', mode: 'live', since: '2024-01-01', until: '2024-12-31' }], ['history.count', { result: 'fail', mode: 'live', since: '2024-01-01', until: '2024-12-31' }]])));
    rows.push(await timeIt('history list, one runbook, page 20 (API)', () => api(core, [['history.list', { runbookPath: typical.path, limit: 100, offset: 1900 > typical.drills ? 0 : 1900, steps: false }]])));
    rows.push(await timeIt('runbooks in the history (API)', () => api(core, [['history.runbooks', {}]])));
    rows.push(await timeIt(`trend page, hot runbook (${hot.drills} drills) (API)`, () => api(core, [['history.runbookStats', { runbookPath: hot.path }]]), 7, (r) => `${r} bytes`));
    rows.push(await timeIt(`trend page, typical runbook (${typical.drills} drills) (API)`, () => api(core, [['history.runbookStats', { runbookPath: typical.path }]]), 7, (r) => `${r} bytes`));
    rows.push(await timeIt('trend page, hot runbook, rehearsals in 2024 (API)', () => api(core, [['history.runbookStats', { runbookPath: hot.path, mode: 'rehearsal', since: '2024-01-01', until: '2024-12-31' }]])));
    rows.push(await timeIt('waterfall of one drill (API)', () => api(core, [['history.drillWaterfall', { drillId: last[0]!.id }]])));
    rows.push(await timeIt('compare two drills (API)', () => api(core, [['history.compare', { a: last[1]!.id, b: last[0]!.id }]])));
    printRows(`Core and API (dispatch + JSON encode/decode, as the socket does), ${total.toLocaleString('en')} drills:`, rows);
  } finally {
    core.close();
  }
}

/** Calls through Core.dispatch and round-trips the JSON, as a host would; returns the bytes sent. */
async function api(core: Core, calls: [string, unknown][]): Promise<number> {
  let bytes = 0;
  for (const [method, params] of calls) {
    const res = await core.dispatch({ id: 1, method, params });
    if ('error' in res) throw new Error(`${method}: ${res.error.message}`);
    const text = JSON.stringify(res);
    JSON.parse(text);
    bytes += text.length;
  }
  return bytes;
}

async function transferBench(dir: string, typical: SeededRunbook): Promise<void> {
  const core = new Core({ dataDir: dir, runbookDirs: [], host: 'cli' });
  const target = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-import-'));
  try {
    let t = performance.now();
    const lines = [...exportLines(core.db, { runbookPath: typical.path })];
    const exportMs = performance.now() - t;
    const bytes = lines.reduce((a, l) => a + l.length, 0);
    const db = openDatabase(target);
    t = performance.now();
    const report = await importLines(db, lines);
    const importMs = performance.now() - t;
    t = performance.now();
    const again = await importLines(db, lines);
    const againMs = performance.now() - t;
    db.close();
    console.log(`\nJSONL export/import (${typical.drills} drills, one runbook):`);
    console.log(`  export ${exportMs.toFixed(0)} ms, ${(bytes / 1e6).toFixed(1)} MB (${(bytes / lines.length / 1024).toFixed(1)} KiB per drill)`);
    console.log(`  import into an empty history ${importMs.toFixed(0)} ms (${report.imported} imported, every hash chain verified; ${(importMs / report.imported).toFixed(2)} ms per drill)`);
    console.log(`  import again ${againMs.toFixed(0)} ms (${again.duplicates} duplicates skipped)`);
  } finally {
    core.close();
    rmSync(target, { recursive: true, force: true });
  }
}
