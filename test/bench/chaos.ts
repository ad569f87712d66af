/**
 * `npm run bench -- chaos`: the faults of issue 12, replayed against the real
 * server and kept fixed. Bounded (CHAOS_KILLS kills, CHAOS_BUDGET_S seconds).
 *
 * 1. Kill -9 cycles: a client drives drills through the real API (the
 *    WebSocket host) as fast as it can, with several requests in flight,
 *    and records every acknowledged event (its drill, its number, the chain
 *    head the reply named). The server is killed with SIGKILL at a random
 *    moment, then the history file is compared with what was acknowledged:
 *    every acknowledged event must be there, with the hash the reply named;
 *    integrity_check and every hash chain must pass; the interrupted drill
 *    must resume.
 * 2. A control: one acknowledged event deleted from a copy of the history
 *    must be reported lost by the same comparison (so a 0 above means 0).
 * 3. Deleted data folder, disk full (a small tmpfs, where this machine lets
 *    root mount one), two writers, a stalled SSH host.
 *
 * Figures are printed; nothing is asserted (the tests assert each fix).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DrillStore } from '../../main/drill/store';
import { ROOT, SocketClient, startServer } from '../helpers/server';
import { verifyAllChains } from '../../main/history/verify';
import type { DrillSnapshot } from '../../main/drill/model';

const KILLS = Number(process.env.CHAOS_KILLS ?? 50);
const BUDGET_MS = Number(process.env.CHAOS_BUDGET_S ?? 600) * 1000;
const IN_FLIGHT = 6;

/** drill id → acknowledged event count → the chain head the reply named. */
type Acked = Map<string, Map<number, string>>;

function ack(acked: Acked, s: DrillSnapshot): void {
  let m = acked.get(s.id);
  if (!m) acked.set(s.id, (m = new Map()));
  m.set(s.eventCount, s.chainHead);
}

/** How many acknowledged replies were recorded (each names one event count). */
function countedAcks(acked: Acked): number {
  let n = 0;
  for (const m of acked.values()) n += m.size;
  return n;
}

/** Acknowledged events missing from the file, or stored with another hash than the reply named. */
export function lostEvents(dbFile: string, acked: Acked): { lost: number; acknowledged: number; examples: string[] } {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  let lost = 0;
  let acknowledged = 0;
  const examples: string[] = [];
  try {
    // Through the store's reader: a finished drill's log is archived in one row (migration 4), a running one's in `events`.
    const store = new DrillStore(db);
    for (const [drill, counts] of acked) {
      const stored = new Map(store.exists(drill) ? store.events(drill).map((e) => [e.seq, e.hash]) : []);
      const max = Math.max(...counts.keys());
      acknowledged += max;
      for (let n = 1; n <= max; n++) {
        const want = counts.get(n);
        const got = stored.get(n);
        if (got === undefined || (want !== undefined && got !== want)) {
          lost++;
          if (examples.length < 3) examples.push(`${drill} #${n} ${got === undefined ? 'missing' : 'hash differs'}`);
        }
      }
    }
  } finally {
    db.close();
  }
  return { lost, acknowledged, examples };
}

function integrity(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const check = (db.pragma('integrity_check') as Record<string, unknown>[]).map((r) => String(Object.values(r)[0]));
    const problems = check.length === 1 && check[0] === 'ok' ? [] : check;
    return [...problems, ...verifyAllChains(db).problems.map((p) => `${p.drillId}: ${p.problem}`)];
  } finally {
    db.close();
  }
}

const RUNBOOK = `---
title: Chaos drill
rto: 1h
---
# Chaos drill

## Declare
- [ ] Incident opened
- [ ] Team paged

## Restore
\`\`\`sh
echo restore
\`\`\`

## Verify
- [ ] Row counts match
`;

/** Drives drills as fast as the server answers until `stop()`; every acknowledged snapshot is recorded. */
async function drive(client: SocketClient, runbook: string, acked: Acked, state: { drill: string | null; notes: number }, stop: () => boolean, dead: Promise<void>): Promise<{ acks: number; resumeFailures: number }> {
  // Replies in flight when the server dies never come: stop waiting for them then.
  const real = client.call.bind(client) as (m: string, p: unknown) => Promise<unknown>;
  const call = ((method: string, params: unknown) => Promise.race([real(method, params), dead.then(() => Promise.reject(new Error('server killed')))])) as SocketClient['call'];
  client = { call } as unknown as SocketClient;
  let acks = 0;
  let resumeFailures = 0;
  const ok = (s: DrillSnapshot) => {
    ack(acked, s);
    acks++;
    return s;
  };
  // An interrupted drill from the previous server: resume it, clock intact.
  if (state.drill) {
    try {
      const active = await client.call('drill.active', {});
      const mine = active.find((d) => d.id === state.drill);
      if (mine?.interrupted) ok(await client.call('drill.recover', { drillId: mine.id }));
      else if (!mine) state.drill = null;
    } catch (err) {
      // Killed while resuming is the next cycle's resume, not a failure.
      if (stop()) return { acks, resumeFailures };
      resumeFailures++;
      console.log(`  resume failed: ${(err as Error).message}`);
      state.drill = null;
    }
  }
  while (!stop()) {
    if (!state.drill) {
      state.drill = ok(await client.call('drill.start', { runbookPath: runbook, mode: 'rehearsal', operator: 'chaos' })).id;
      state.notes = 0;
    }
    const drillId = state.drill;
    if (state.notes >= 150) {
      // Finish this one properly and start the next.
      for (let i = 0; i < 3; i++) ok(await client.call('step.complete', { drillId, stepIndex: i }).catch(() => client.call('drill.get', { drillId })));
      ok(await client.call('drill.finish', { drillId }));
      state.drill = null;
      continue;
    }
    const batch = Array.from({ length: IN_FLIGHT }, (_, k) => client.call('note.add', { drillId, stepIndex: null, text: `note ${state.notes + k}` }).then(ok));
    state.notes += IN_FLIGHT;
    await Promise.all(batch);
  }
  return { acks, resumeFailures };
}

async function killCycles(base: string): Promise<void> {
  const data = path.join(base, 'data');
  const runbooks = path.join(base, 'runbooks');
  mkdirSync(runbooks, { recursive: true });
  const runbook = path.join(runbooks, 'chaos.md');
  writeFileSync(runbook, RUNBOOK);
  const acked: Acked = new Map();
  const state = { drill: null as string | null, notes: 0 };
  const started = Date.now();
  let kills = 0;
  let acks = 0;
  let resumeFailures = 0;
  let integrityFailures = 0;
  let lostMax = 0;
  const restartMs: number[] = [];
  let acksBefore = 0;
  for (; kills < KILLS && Date.now() - started < BUDGET_MS; ) {
    const t0 = Date.now();
    const server = await startServer(data, runbooks, 60_000);
    restartMs.push(Date.now() - t0);
    const client = await SocketClient.connect(server);
    const killAt = Date.now() + 100 + Math.random() * 700;
    let killed = false;
    let markDead!: () => void;
    const dead = new Promise<void>((r) => (markDead = r));
    let counted = { acks: 0, resumeFailures: 0 };
    const run = drive(client, runbook, acked, state, () => killed, dead).then(
      (r) => (counted = r),
      (err: Error) => {
        if (!killed) console.log(`  driver stopped before the kill: ${err.message}`);
        return counted;
      },
    );
    await new Promise((r) => setTimeout(r, Math.max(0, killAt - Date.now())));
    server.child.kill('SIGKILL');
    await new Promise<void>((r) => (server.child.exitCode !== null || server.child.signalCode !== null ? r() : server.child.once('exit', () => r())));
    killed = true;
    markDead();
    kills++;
    await run;
    acks += countedAcks(acked) - acksBefore;
    acksBefore = countedAcks(acked);
    resumeFailures += counted.resumeFailures;
    void client.close().catch(() => undefined);
    const file = path.join(data, 'drillbook.sqlite');
    const cmp = lostEvents(file, acked);
    lostMax = Math.max(lostMax, cmp.lost);
    if (cmp.lost) console.log(`  kill ${kills}: LOST ${cmp.lost} (${cmp.examples.join('; ')})`);
    const bad = integrity(file);
    if (bad.length) {
      integrityFailures++;
      console.log(`  kill ${kills}: integrity: ${bad.slice(0, 2).join('; ')}`);
    }
  }
  const final = lostEvents(path.join(data, 'drillbook.sqlite'), acked);
  restartMs.sort((a, b) => a - b);
  console.log(
    `kill -9 cycles: ${kills} kills in ${((Date.now() - started) / 1000).toFixed(0)} s; ${acks} acknowledged replies, ` +
      `${final.acknowledged} acknowledged events in ${acked.size} drills; lost events: ${final.lost} (worst after any kill: ${lostMax}); ` +
      `integrity failures: ${integrityFailures}; resume failures: ${resumeFailures}; server start p50 ${restartMs[Math.floor(restartMs.length / 2)]} ms`,
  );

  // The control: the same comparison must see one deleted acknowledged event.
  const copy = path.join(base, 'control.sqlite');
  const src = new Database(path.join(data, 'drillbook.sqlite'), { readonly: true });
  await src.backup(copy);
  src.close();
  // The victim: an acknowledged event still in its own row (a drill that was running; finished ones are archived).
  const w = new Database(copy);
  const inRows = w.prepare('SELECT 1 FROM events WHERE drill_id = ? AND seq = ?');
  const [victimDrill, counts] = [...acked].find(([d, c]) => c.size > 0 && inRows.get(d, Math.max(...c.keys())) !== undefined) ?? [...acked].find(([, c]) => c.size > 0)!;
  const victimSeq = Math.max(...counts.keys());
  const removed = w.prepare('DELETE FROM events WHERE drill_id = ? AND seq = ?').run(victimDrill, victimSeq).changes;
  w.close();
  const control = lostEvents(copy, acked);
  console.log(`control: deleted ${removed} acknowledged event (${victimDrill} #${victimSeq}) from a copy → the comparison reports ${control.lost} lost (${control.lost >= 1 ? 'it would notice' : 'IT WOULD NOT NOTICE'})`);
}

async function deletedFolder(base: string): Promise<void> {
  const data = path.join(base, 'gone');
  const runbooks = path.join(base, 'runbooks');
  const server = await startServer(data, runbooks, 60_000);
  const client = await SocketClient.connect(server);
  try {
    const d = await client.call('drill.start', { runbookPath: path.join(runbooks, 'chaos.md'), mode: 'rehearsal', operator: 'chaos' });
    let before = 0;
    for (let i = 0; i < 20; i++, before++) await client.call('note.add', { drillId: d.id, stepIndex: null, text: `n${i}` });
    rmSync(data, { recursive: true, force: true });
    let acked = 0;
    let refused = '';
    for (let i = 0; i < 20; i++) {
      try {
        await client.call('note.add', { drillId: d.id, stepIndex: null, text: `after ${i}` });
        acked++;
      } catch (err) {
        refused ||= (err as Error).message;
      }
    }
    const health = await client.call('db.health', {});
    console.log(`deleted data folder: ${before} events acknowledged before; after the delete ${acked} acknowledged, 20 - ${acked} refused ("${refused.slice(0, 110)}…"); db.health: ${health.state}`);
  } finally {
    await client.close();
    await server.stop('SIGKILL');
  }
}

async function diskFull(base: string): Promise<void> {
  const data = path.join(base, 'tiny');
  const runbooks = path.join(base, 'runbooks');
  mkdirSync(data);
  if (process.getuid?.() !== 0 || spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', data]).status !== 0) {
    console.log('disk full: not run (mounting a small tmpfs needs root and a kernel that allows it here)');
    return;
  }
  try {
    const acked: Acked = new Map();
    const server = await startServer(data, runbooks, 60_000);
    const client = await SocketClient.connect(server);
    let refused = 0;
    let firstRefusal = '';
    let acks = 0;
    try {
      const d = await client.call('drill.start', { runbookPath: path.join(runbooks, 'chaos.md'), mode: 'rehearsal', operator: 'chaos' });
      ack(acked, d);
      const text = 'x'.repeat(4000);
      for (let i = 0; i < 2000 && refused < 20; i++) {
        try {
          ack(acked, await client.call('note.add', { drillId: d.id, stepIndex: null, text: `${i} ${text}` }));
          acks++;
        } catch (err) {
          refused++;
          firstRefusal ||= (err as Error).message;
        }
      }
    } finally {
      await client.close().catch(() => undefined);
      await server.stop('SIGKILL');
    }
    execFileSync('mount', ['-o', 'remount,size=16m', data]); // room to read it back
    const cmp = lostEvents(path.join(data, 'drillbook.sqlite'), acked);
    const bad = integrity(path.join(data, 'drillbook.sqlite'));
    console.log(`disk full (1 MiB tmpfs): ${acks} notes acknowledged, then ${refused} refused ("${firstRefusal.slice(0, 80)}"); after kill -9: lost ${cmp.lost} of ${cmp.acknowledged}; integrity problems: ${bad.length}`);
  } finally {
    spawnSync('umount', [data]);
  }
}

async function twoWriters(base: string): Promise<void> {
  const data = path.join(base, 'shared');
  const runbooks = path.join(base, 'runbooks');
  const first = await startServer(data, runbooks, 60_000);
  try {
    const t0 = Date.now();
    const second = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'main/cli/index.ts'), 'web', '--no-open', '--port', '0', '--data', data], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, DRILLBOOK_DATA: '' },
      timeout: 60_000,
    });
    const reader = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'main/cli/index.ts'), 'history', '--data', data], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DRILLBOOK_DATA: '' }, timeout: 60_000 });
    console.log(`two writers: the second server exited ${second.status} in ${Date.now() - t0} ms: "${second.stderr.trim().slice(0, 150)}…"; a reader (history) beside it exited ${reader.status}`);
  } finally {
    await first.stop('SIGKILL');
  }
}

async function sshStall(base: string): Promise<void> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.resume();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  const rb = path.join(base, 'remote.md');
  writeFileSync(rb, '---\ntitle: Remote\ntargets:\n  db: db.example.invalid\n---\n# Remote\n\n## On the host\n\n```sh {target=db auto=true}\necho hi\n```\n');
  const cfg = path.join(base, 'ssh_config');
  writeFileSync(cfg, 'Host *\n  ConnectTimeout 2\n');
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'main/cli/index.ts'), 'run', rb, '--data', path.join(base, 'ssh-data'), '--target', `db=ssh://x@127.0.0.1:${port}`, '--ssh-config', cfg, '--known-hosts', path.join(base, 'kh')], {
    cwd: ROOT,
    env: { ...process.env, DRILLBOOK_DATA: '', SSH_AUTH_SOCK: '' },
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => (child.kill('SIGKILL'), resolve(null)), 60_000);
    child.on('exit', (c) => (clearTimeout(t), resolve(c)));
  });
  for (const s of sockets) s.destroy();
  srv.close();
  console.log(`SSH stall (a host that accepts and never speaks, ConnectTimeout 2): drillbook run ${code === null ? 'HUNG (killed after 60 s)' : `exited ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`}`);
}

export async function chaosBench(): Promise<void> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'drillbook-chaos-'));
  console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    await killCycles(base);
    await deletedFolder(base);
    await diskFull(base);
    await twoWriters(base);
    await sshStall(base);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

