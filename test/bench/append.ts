/**
 * Event append at scale: one drill, N notes (BENCH_EVENTS, 20,000 by default)
 * through `Core.dispatch` (`note.add`: validation, the durable commit with
 * synchronous=FULL, the summary rows, the listeners), timed per event and
 * printed as p50/p99 per 1,000-event band, then the sustained rate.
 * BENCH_SERIALISE=1 adds a listener that serialises every snapshot, as the web host does.
 * BENCH_SYNC=NORMAL (attribution only, never the product's setting: a commit
 * is then not durable until the next checkpoint) shows what is left of an
 * append without its fsync: where the time goes.
 *
 * Aim (issue 15): p99 under 5 ms, flat from the 1st to the 20,000th event;
 * 1,000 events/s sustained. Before the incremental fold, events 5,000–6,000
 * took p50 27.8 ms (the log was re-reduced per event).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Core } from '../../main/api/core';

const pct = (xs: number[], p: number): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function runbook(steps: number): string {
  const parts = ['---', 'title: Append bench', 'rto: 1h', '---', '# Append bench', ''];
  for (let i = 1; i <= steps; i++) parts.push(`## Step ${i}`, '', `- [ ] checked ${i}`, '', '```bash', `echo step ${i}`, '```', '');
  return parts.join('\n');
}

export async function appendBench(): Promise<void> {
  const total = Number(process.env.BENCH_EVENTS ?? 20_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-append-'));
  const books = path.join(dir, 'runbooks');
  mkdirSync(books);
  writeFileSync(path.join(books, 'append.md'), runbook(40));
  const core = new Core({ dataDir: path.join(dir, 'data'), runbookDirs: [books], host: 'cli' });
  const sync = process.env.BENCH_SYNC === 'NORMAL' ? 'NORMAL' : 'FULL';
  if (sync === 'NORMAL') core.db.pragma('synchronous = NORMAL');
  let sent = 0;
  // BENCH_SERIALISE=1: a listener like the web host's, which serialises every snapshot it is sent (the snapshot
  // carries every note and command, so this part grows with the drill; see the README's performance notes).
  const serialise = process.env.BENCH_SERIALISE === '1';
  if (serialise) {
    core.onEvent((e) => {
      sent += JSON.stringify(e).length;
    });
  }
  try {
    const call = async (method: string, params: unknown): Promise<Record<string, unknown>> => {
      const res = await core.dispatch({ id: 1, method, params });
      if ('error' in res) throw new Error(`${method}: ${res.error.message}`);
      return res.result as Record<string, unknown>;
    };
    const drill = await call('drill.start', { runbookPath: path.join(books, 'append.md'), mode: 'rehearsal', operator: 'bench' });
    const drillId = String(drill.id);
    await call('step.start', { drillId, stepIndex: 0 });
    console.log(`one drill, 40 steps, ${total} notes through Core.dispatch('note.add'), ${sync === 'FULL' ? 'durable commit (WAL, synchronous=FULL)' : 'NOT durable (synchronous=NORMAL, for attribution only)'}`);
    console.log('  events          p50      p99      max');
    const t0 = performance.now();
    let band: number[] = [];
    const allP99: number[] = [];
    for (let i = 1; i <= total; i++) {
      const t = performance.now();
      await call('note.add', { drillId, stepIndex: i % 40, text: `note ${i}: checked the restore log, rows match` });
      band.push(performance.now() - t);
      if (i % 1_000 === 0 || i === total) {
        const from = i - band.length + 1;
        allP99.push(pct(band, 99));
        console.log(`  ${String(from).padStart(6)}–${String(i).padEnd(6)} ${pct(band, 50).toFixed(2).padStart(6)}ms ${pct(band, 99).toFixed(2).padStart(6)}ms ${Math.max(...band).toFixed(1).padStart(6)}ms`);
        band = [];
      }
    }
    const secs = (performance.now() - t0) / 1000;
    console.log(`sustained: ${(total / secs).toFixed(0)} events/s (${secs.toFixed(1)} s); worst band p99 ${Math.max(...allP99).toFixed(2)} ms${serialise ? `; the listener serialised ${(sent / 1024 / 1024).toFixed(0)} MiB of JSON` : ''}`);
  } finally {
    core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
