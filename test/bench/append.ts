/**
 * Event append at scale, through `Core.dispatch` (`note.add`: validation, the
 * durable commit with synchronous=FULL, the summary rows, the listeners).
 *
 * 1. The floor: a bare 4 KiB write + fdatasync loop on the same file system,
 *    what this disk allows any durable commit.
 * 2. One writer: one drill, N notes one after another (BENCH_EVENTS, 20,000),
 *    timed per event and printed as p50/p99 per 1,000-event band, the
 *    sustained rate, and the GC pauses (perf_hooks) that fell in the run.
 * 3. Concurrent writers (group commit): BENCH_WRITERS clients (4) each sending
 *    BENCH_PER_WRITER notes (5,000) to one drill, each waiting for its answer;
 *    the rate, the per-call p50/p99 and the events per commit.
 *
 * BENCH_PARTS=floor,one,many picks parts. BENCH_CHECKPOINT=N sets
 * wal_autocheckpoint (SQLite's 1,000 pages by default; 0 = none during the run)
 * to see what checkpoints cost. BENCH_SERIALISE=1 adds a listener that
 * serialises every snapshot, as the web host does. BENCH_SYNC=NORMAL
 * (attribution only, never the product's setting: a commit is then not
 * durable until the next checkpoint) shows what is left without the fsync.
 *
 * Aim (issue 15): p99 under 5 ms, flat from the 1st to the 20,000th event;
 * 1,000 events/s sustained. Before the incremental fold, events 5,000–6,000
 * took p50 27.8 ms (the log was re-reduced per event).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { Core } from '../../main/api/core';
import type { DrillStore } from '../../main/drill/store';

const pct = (xs: number[], p: number): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number): string => `${x.toFixed(2).padStart(6)}ms`;

function runbook(steps: number): string {
  const parts = ['---', 'title: Append bench', 'rto: 1h', '---', '# Append bench', ''];
  for (let i = 1; i <= steps; i++) parts.push(`## Step ${i}`, '', `- [ ] checked ${i}`, '', '```bash', `echo step ${i}`, '```', '');
  return parts.join('\n');
}

/** The disk's floor: p50/p99 of a 4 KiB write + fdatasync, the least a durable commit can cost here. */
function fsyncFloor(dir: string, n = 1_000): void {
  const file = path.join(dir, 'floor.bin');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 7);
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      writeSync(fd, block, 0, block.length, (i % 256) * 4096);
      fdatasyncSync(fd);
      times.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  console.log(`floor: 4 KiB write + fdatasync on ${dir}, ${n}×: p50 ${pct(times, 50).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms, max ${Math.max(...times).toFixed(1)} ms`);
}

interface Gc {
  count: number;
  totalMs: number;
  maxMs: number;
  /** [start, end] of each pause, performance.now() time. */
  spans: [number, number][];
}

function watchGc(): { gc: Gc; stop: () => void } {
  const gc: Gc = { count: 0, totalMs: 0, maxMs: 0, spans: [] };
  const take = (entries: { duration: number; startTime: number }[]): void => {
    for (const e of entries) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
      gc.spans.push([e.startTime, e.startTime + e.duration]);
    }
  };
  const obs = new PerformanceObserver((list) => take(list.getEntries()));
  obs.observe({ entryTypes: ['gc'] });
  // Entries are delivered on a turn of the event loop, which a run of synchronous appends may never give: take the rest.
  return { gc, stop: () => (take(obs.takeRecords()), obs.disconnect()) };
}

async function withCore(label: string, body: (core: Core, call: Call, drillId: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-append-'));
  const books = path.join(dir, 'runbooks');
  mkdirSync(books);
  writeFileSync(path.join(books, 'append.md'), runbook(40));
  const core = new Core({ dataDir: path.join(dir, 'data'), runbookDirs: [books], host: 'cli' });
  if (process.env.BENCH_SYNC === 'NORMAL') core.db.pragma('synchronous = NORMAL');
  if (process.env.BENCH_CHECKPOINT !== undefined) core.db.pragma(`wal_autocheckpoint = ${Number(process.env.BENCH_CHECKPOINT)}`);
  try {
    const call: Call = async (method, params) => {
      const res = await core.dispatch({ id: 1, method, params });
      if ('error' in res) throw new Error(`${method}: ${res.error.message}`);
      return res.result as Record<string, unknown>;
    };
    const drill = await call('drill.start', { runbookPath: path.join(books, 'append.md'), mode: 'rehearsal', operator: 'bench' });
    const drillId = String(drill.id);
    await call('step.start', { drillId, stepIndex: 0 });
    console.log(label);
    await body(core, call, drillId);
  } finally {
    core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This process's CPU time (user + system) per event: steadier than wall time on a machine shared with others. */
function cpuPerEvent(since: NodeJS.CpuUsage, events: number): string {
  const used = process.cpuUsage(since);
  return `CPU ${((used.user + used.system) / events).toFixed(0)} µs per event (user ${(used.user / events).toFixed(0)}, system ${(used.system / events).toFixed(0)})`;
}

type Call = (method: string, params: unknown) => Promise<Record<string, unknown>>;

async function oneWriter(total: number, how: string): Promise<void> {
  await withCore(`one writer: one drill, 40 steps, ${total} notes one after another through Core.dispatch('note.add'), ${how}`, async (core, call, drillId) => {
    let sent = 0;
    // BENCH_SERIALISE=1: a listener like the web host's, which serialises every snapshot it is sent.
    const serialise = process.env.BENCH_SERIALISE === '1';
    if (serialise) core.onEvent((e) => void (sent += JSON.stringify(e).length));
    console.log('  events          p50      p99      max');
    const { gc, stop } = watchGc();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let band: number[] = [];
    const all: { t: number; d: number }[] = [];
    const bandP99: number[] = [];
    for (let i = 1; i <= total; i++) {
      const t = performance.now();
      await call('note.add', { drillId, stepIndex: i % 40, text: `note ${i}: checked the restore log, rows match` });
      const d = performance.now() - t;
      band.push(d);
      all.push({ t, d });
      if (i % 1_000 === 0 || i === total) {
        const from = i - band.length + 1;
        bandP99.push(pct(band, 99));
        console.log(`  ${String(from).padStart(6)}–${String(i).padEnd(6)} ${ms(pct(band, 50))} ${ms(pct(band, 99))} ${Math.max(...band).toFixed(1).padStart(6)}ms`);
        band = [];
      }
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuPerEvent(cpu0, total);
    stop();
    const ds = all.map((x) => x.d);
    const slow = pct(ds, 99);
    const slowOnes = all.filter((x) => x.d >= slow);
    const withGc = slowOnes.filter((x) => gc.spans.some(([a, b]) => a < x.t + x.d && b > x.t)).length;
    console.log(
      `  all: p50 ${pct(ds, 50).toFixed(2)} ms, p99 ${slow.toFixed(2)} ms, worst band p99 ${Math.max(...bandP99).toFixed(2)} ms; ` +
        `sustained ${(total / secs).toFixed(0)} events/s (${secs.toFixed(1)} s), ${cpu}${serialise ? `; the listener serialised ${(sent / 1024 / 1024).toFixed(0)} MiB of JSON` : ''}`,
    );
    console.log(
      `  GC: ${gc.count} pauses, ${gc.totalMs.toFixed(0)} ms in all, longest ${gc.maxMs.toFixed(1)} ms; ` +
        `${withGc} of the ${slowOnes.length} appends at or above the p99 overlapped a GC pause`,
    );
  });
}

async function manyWriters(writers: number, perWriter: number, how: string): Promise<void> {
  await withCore(`${writers} writers × ${perWriter} notes, each waiting for its answer, one drill, ${how}`, async (core, call, drillId) => {
    // Commits counted where the store makes them (the code before group commit had only `append`, one per event).
    const store = (core.drills as unknown as { store: DrillStore & { appendGroup?: DrillStore['appendGroup'] } }).store;
    let commits = 0;
    let events = 0;
    if (typeof store.appendGroup === 'function') {
      const appendGroup = store.appendGroup.bind(store);
      store.appendGroup = (items) => {
        commits++;
        events += items.length;
        return appendGroup(items);
      };
    } else {
      const append = store.append.bind(store);
      store.append = (e, s) => {
        commits++;
        events++;
        append(e, s);
      };
    }
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, k) => {
        for (let i = 1; i <= perWriter; i++) {
          const t = performance.now();
          await call('note.add', { drillId, stepIndex: i % 40, text: `writer ${k} note ${i}: checked the restore log` });
          times.push(performance.now() - t);
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuPerEvent(cpu0, times.length);
    console.log(
      `  sustained ${(times.length / secs).toFixed(0)} events/s (${secs.toFixed(1)} s), ${cpu}; per call p50 ${pct(times, 50).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms, max ${Math.max(...times).toFixed(1)} ms; ` +
        `${commits} commits, ${(events / Math.max(1, commits)).toFixed(2)} events per commit`,
    );
  });
}

export async function appendBench(): Promise<void> {
  const parts = (process.env.BENCH_PARTS ?? 'floor,one,many').split(',');
  const how =
    (process.env.BENCH_SYNC === 'NORMAL' ? 'NOT durable (synchronous=NORMAL, for attribution only)' : 'durable commit (WAL, synchronous=FULL)') +
    (process.env.BENCH_CHECKPOINT !== undefined ? `, wal_autocheckpoint=${process.env.BENCH_CHECKPOINT}` : '');
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  if (parts.includes('floor')) fsyncFloor(os.tmpdir());
  if (parts.includes('one')) await oneWriter(Number(process.env.BENCH_EVENTS ?? 20_000), how);
  if (parts.includes('many')) await manyWriters(Number(process.env.BENCH_WRITERS ?? 4), Number(process.env.BENCH_PER_WRITER ?? 5_000), how);
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} after`);
}
