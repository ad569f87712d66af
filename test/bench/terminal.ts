/**
 * Terminal throughput, echo latency and memory, measured in one run:
 *
 * 1. `ssh host cat FILE > /dev/null` with OpenSSH's client: the transport alone.
 * 2. @xterm/headless parsing the same bytes (as a pty delivers them, CRLF)
 *    in this process: what xterm.js's parser can do, no rendering.
 * 3. The same `cat` run from a code block's Run button in the real UI in
 *    Chromium: sshd → ssh2 in the Drillbook server → WebSocket binary
 *    frames → xterm.js (timed until xterm has parsed every byte), with the
 *    server's RSS and the page's JS heap sampled while it floods.
 * 4. Keystroke echo latency in that terminal: a key given to xterm.js until
 *    its echo has been parsed by xterm.js (p50/p99).
 *
 * 5. xterm.js alone in the same page, fed the same bytes from memory: the
 *    browser's own ceiling (parse + render) with no transport at all. It is
 *    built by the UI's own factory (renderer/terminal/xterm.ts), so size,
 *    font, theme, addons and renderer are the UI's: until session 5 it was a
 *    bare Terminal (xterm's default 15 px Courier, no theme, no addons), a
 *    bigger and dearer page to draw, which flattered the real UI.
 *
 * BENCH_PAIRS=N repeats 3 and 5 as N interleaved pairs (the order
 * alternating) and prints the ratio per pair and its median: on a machine
 * shared with other work only pairs taken back to back compare. With more
 * than one pair, one flood of each runs first, not counted (BENCH_WARMUP=0
 * skips it).
 * BENCH_DRIVER=raw runs the floods in a Chromium page driven without
 * Playwright (raw-page.ts: no DevTools Network domain copying each
 * WebSocket frame).
 * BENCH_TRACE=DIR writes a Chrome trace of the first pair's two floods
 * there and prints the page's main thread per MiB (terminal-trace.ts).
 * BENCH_RENDERER=webgl|dom forces xterm.js's renderer in both (the UI uses
 * WebGL only on a GPU; this Chromium offers SwiftShader's).
 *
 * Aims: end-to-end ≥ 90% of xterm.js alone; echo p99 < 30 ms;
 * memory flat while flooding. Also printed: CPU seconds per process group
 * during the flood (on 2 cores it shows who the bottleneck is).
 *
 * Also printed: Chromium's CPU seconds per MiB for 3 and 5, a ratio that
 * the load of other processes disturbs far less than wall time does.
 *
 * BENCH_MB=N changes the file size (default 50); BENCH_VERBOSE=1 prints
 * phase timings; BENCH_PROFILE=FILE writes the page's CPU profile of the
 * flood (.cpuprofile, opens in Chrome DevTools); BENCH_CHROMIUM_ARGS adds
 * Chromium flags (e.g. to compare renderers).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Terminal } from '@xterm/headless';
import { startSshd, type TestSshd } from '../helpers/sshd';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, cleanup, launchBrowser, makeWorkspace, newPage, startServer, type Server } from '../e2e/harness';
import { openApp, openRunbook, startDrill } from '../e2e/ui';
import { openRawPage } from './raw-page';
import { formatSummaries, summariseTrace, type MainThreadSummary } from './terminal-trace';

// page.evaluate callbacks run in the browser (no DOM lib in this tsconfig).
declare const document: any;

const MB = 1024 * 1024;
const COLS = 120;
const ROWS = 40;

function mbps(bytes: number, ms: number): string {
  return ((bytes / MB) / (ms / 1000)).toFixed(1);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function makeFile(file: string, bytes: number): Promise<{ lines: number }> {
  const out = createWriteStream(file);
  let written = 0;
  let lines = 0;
  const words = ['restore', 'wal', 'segment', 'checkpoint', 'pg_basebackup', 'orders', 'replica', 'fsync', 'lsn', 'backup'];
  while (written < bytes) {
    let line = `${String(lines).padStart(8, '0')} `;
    for (let i = 0; line.length < 96; i++) line += words[(lines * 7 + i * 3) % words.length] + ' ';
    line = line.slice(0, 96) + '\n';
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    written += line.length;
    lines++;
  }
  await new Promise<void>((r) => out.end(() => r()));
  return { lines };
}

/**
 * `ssh host cat FILE > /dev/null` with OpenSSH's client. The remote shell
 * times the cat itself (it finishes when the last byte has gone into the
 * channel), so connection setup and authentication are not counted.
 */
function timeOpenSsh(sshd: TestSshd, knownHosts: string, file: string): { catMs: number; wallMs: number } {
  const t0 = performance.now();
  const r = spawnSync(
    'ssh',
    [
      '-T',
      '-i',
      sshd.clientKey,
      '-p',
      String(sshd.port),
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      `${sshd.user}@127.0.0.1`,
      `s=$(date +%s%N); cat ${file}; e=$(date +%s%N); echo $(( (e - s) / 1000 )) >&2`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SSH_AUTH_SOCK: '' } },
  );
  if (r.status !== 0) throw new Error(`ssh failed: ${r.stderr.toString()}`);
  const micros = Number(/(\d+)\s*$/.exec(r.stderr.toString())?.[1]);
  return { catMs: micros / 1000, wallMs: performance.now() - t0 };
}

async function headlessParse(bytes: Buffer): Promise<number> {
  const term = new Terminal({ cols: COLS, rows: ROWS, scrollback: 10_000, allowProposedApi: true });
  const CHUNK = 64 * 1024;
  const t0 = performance.now();
  // xterm.js discards input beyond 50 MB queued: wait for the parser every 4 MB, keeping it busy.
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const part = bytes.subarray(i, i + CHUNK);
    if (i + CHUNK >= bytes.length || (i / CHUNK) % 64 === 63) await new Promise<void>((r) => term.write(part, r));
    else term.write(part);
  }
  const ms = performance.now() - t0;
  term.dispose();
  return ms;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by each process, with its group. */
type CpuSnapshot = Map<number, { group: string; secs: number }>;

function cpuSnapshot(serverPid: number, hostPid = 0): CpuSnapshot {
  const hz = 100; // USER_HZ on Linux
  const out: CpuSnapshot = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const secs = (Number(f[11]) + Number(f[12])) / hz;
      const group = Number(name) === process.pid ? 'bench (playwright)' : Number(name) === serverPid ? 'drillbook server' : Number(name) === hostPid ? 'terminal host' : comm.startsWith('sshd') ? 'sshd' : /chrom/i.test(comm) ? 'chromium' : /^(bash|cat)$/.test(comm) ? 'shell+cat' : 'other';
      out.set(Number(name), { group, secs });
      if (group === 'chromium') {
        // Which of Chromium's processes: the page's renderer, the GPU process (compositing, raster), the network
        // service (the WebSocket's bytes), the browser process.
        const type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${name}/cmdline`, 'latin1'))?.[1] ?? 'browser';
        const sub = /--utility-sub-type=network/.test(readFileSync(`/proc/${name}/cmdline`, 'latin1')) ? 'network' : type;
        out.set(-Number(name), { group: `chromium ${sub}`, secs });
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * CPU seconds each group used between two snapshots, per process (a process that ended in between is not counted:
 * subtracting group totals went negative when one of Chromium's processes was replaced).
 */
function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, a] of after) out[a.group] = (out[a.group] ?? 0) + a.secs - (before.get(pid)?.secs ?? 0);
  return out;
}

/** The server's own node process: `drillbook web` is spawned through node --import tsx (one process). */
function serverPid(server: Server): number {
  return server.child.pid!;
}

const T0 = performance.now();
const phase = (what: string) => process.env.BENCH_VERBOSE && console.log(`  [${((performance.now() - T0) / 1000).toFixed(1)}s] ${what}`);

export async function terminalBench(): Promise<void> {
  const sizeMb = Number(process.env.BENCH_MB ?? 50);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-term-'));
  const sshd = await startSshd();
  try {
    const file = path.join(tmp, 'flood.txt');
    const { lines } = await makeFile(file, sizeMb * MB);
    const fileBytes = statSync(file).size;
    const ptyBytes = fileBytes + lines; // the pty turns each \n into \r\n
    const knownHosts = path.join(tmp, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsLine + '\n');
    const sshConfig = path.join(tmp, 'ssh_config');
    writeFileSync(sshConfig, `Host bench\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKey}\n`);
    console.log(`file: ${(fileBytes / MB).toFixed(1)} MiB, ${lines.toLocaleString()} lines; terminal ${COLS}×${ROWS}; ${os.cpus().length} cores`);

    phase('openssh');
    // 1. OpenSSH alone.
    timeOpenSsh(sshd, knownHosts, file); // warm the page cache
    const ssh = timeOpenSsh(sshd, knownHosts, file);

    phase('headless');
    // 2. xterm.js's parser alone (same bytes as the pty delivers them).
    const crlf = Buffer.from(readFileSync(file, 'latin1').replace(/\n/g, '\r\n'), 'latin1');
    await headlessParse(crlf.subarray(0, 4 * MB)); // warm up the JIT
    const headlessMs = await headlessParse(crlf);

    phase('browser');
    // 3. Through Drillbook into xterm.js in Chromium, via the real UI.
    process.env.DRILLBOOK_SSH_CONFIG = sshConfig;
    process.env.DRILLBOOK_KNOWN_HOSTS = knownHosts;
    delete process.env.SSH_AUTH_SOCK;
    const ws = makeWorkspace([]);
    writeFileSync(
      path.join(ws.runbooksDir, 'bench.md'),
      `---\ntitle: Terminal bench\ntargets:\n  db: bench\n---\n# Terminal bench\n\n## Flood\n\n\`\`\`sh {name=flood target=db}\ncat ${file}\n\`\`\`\n`,
    );
    const server = await startServer(ws);
    const browser = process.env.BENCH_CHROMIUM_ARGS
      ? await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...process.env.BENCH_CHROMIUM_ARGS.split(' ')] })
      : await launchBrowser();
    const { page, errors } = await newPage(browser, { width: 1600, height: 1000 });
    if (process.env.BENCH_RENDERER) {
      await page.addInitScript(
        ({ key, value }: { key: string; value: string }) => (globalThis as any).localStorage.setItem(key, value),
        { key: 'drillbook.terminal.renderer', value: process.env.BENCH_RENDERER },
      );
    }
    await openApp(page, server);
    await openRunbook(page, 'Terminal bench');
    await startDrill(page, 'bench');
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor({ timeout: 30_000 });
    const view = '[data-testid="terminal-view"].is-active';
    await page.waitForFunction((sel: string) => Number(document.querySelector(sel)?.dataset.bytes ?? 0) > 0, view);
    await page.waitForTimeout(500);
    const renderer = await page.locator(view).getAttribute('data-renderer');
    const size = await page.evaluate((sel: string) => {
      const t = document.querySelector(sel).drillbookTerminal;
      return `${t.cols}×${t.rows}`;
    }, view);

    // The page the floods run in: Playwright's, or (BENCH_DRIVER=raw) a Chromium driven only through Runtime.evaluate
    // (raw-page.ts: without the Network domain, which makes Chromium copy every WebSocket frame to the DevTools client).
    const raw = process.env.BENCH_DRIVER === 'raw' ? await openRawPage(server.url, { width: 1600, height: 1000 }, process.env.BENCH_CHROMIUM_ARGS?.split(' ') ?? []) : null;
    // Both serialise the function the same way, with esbuild's __name helper (tsx's keepNames) stubbed.
    const evaluate = <A, T>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T> =>
      raw ? raw.evaluate(fn, arg) : (page.evaluate(`((__name) => (${fn.toString()})(${JSON.stringify(arg)}))((f) => f)`) as Promise<T>);
    /** Waits, in the page, for an element matching `sel` (bounded). */
    const waitIn = (sel: string, ms = 60_000) =>
      evaluate(
        ({ sel, ms }: { sel: string; ms: number }) =>
          new Promise<boolean>((resolve, reject) => {
            const end = Date.now() + ms;
            const tick = () => (document.querySelector(sel) ? resolve(true) : Date.now() > end ? reject(new Error(`no ${sel}`)) : setTimeout(tick, 50));
            tick();
          }),
        { sel, ms },
      );
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    if (raw) {
      if (process.env.BENCH_RENDERER) {
        await waitIn('[data-testid="conn-state"]');
        await raw.evaluate((v: string) => (globalThis as any).localStorage.setItem('drillbook.terminal.renderer', v), process.env.BENCH_RENDERER);
        await raw.send('Page.reload');
        await sleep(1000);
      }
      await page.context().close(); // the drill's terminal is now watched by the raw page alone
      await waitIn('[data-testid="conn-state"][data-state="open"]');
      await waitIn('[data-testid="open-running-drill"]');
      await raw.evaluate(() => document.querySelector('[data-testid="open-running-drill"]').click(), null);
      await waitIn('[data-testid="terminal-view"].is-active[data-bytes]');
      await sleep(1000);
    }

    const pid = serverPid(server);
    // The terminal host (main/terminal/host): the node process that holds the SSH session between sshd and the server.
    const hostPidOf = () => {
      try {
        return Number(readFileSync(path.join(ws.dataDir, 'terminal-host', 'host.pid'), 'utf8').trim());
      } catch {
        return 0;
      }
    };
    /** Chromium's CPU seconds so far (every Chromium process: renderer, GPU, network service). */

    // 3. Click Run and time, in the page, until xterm.js has parsed the whole file.
    const floodReal = async (): Promise<{ ms: number; cpu: number; groups: Record<string, number> }> => {
      await waitIn('[data-testid="run-code"]:not([disabled])');
      await sleep(300);
      const before = cpuSnapshot(pid, hostPidOf());
      const ms = (await evaluate(
        ({ sel, target }: { sel: string; target: number }) =>
          new Promise<number>((resolve, reject) => {
            const el = document.querySelector(sel);
            const start = Number(el.dataset.bytes);
            const btn = document.querySelector('[data-testid="run-code"]');
            const t0 = (globalThis as any).performance.now();
            const obs = new (globalThis as any).MutationObserver(() => {
              if (Number(el.dataset.bytes) - start >= target) {
                obs.disconnect();
                resolve((globalThis as any).performance.now() - t0);
              }
            });
            obs.observe(el, { attributes: true, attributeFilter: ['data-bytes'] });
            btn.click();
            setTimeout(() => reject(new Error('flood did not finish in 10 minutes')), 600_000);
          }),
        { sel: view, target: ptyBytes },
      )) as number;
      const groups = cpuDelta(before, cpuSnapshot(pid, hostPidOf()));
      return { ms, cpu: groups.chromium ?? 0, groups };
    };

    // 5. xterm.js alone in the same page: built by the same factory as the real one (renderer/terminal/xterm.ts: same
    // options, font, theme, addons, renderer), in a box of the same size and containment, fed the same bytes from
    // memory in 64 KiB pieces (as renderer/terminal/pieces.ts writes): the browser's own ceiling, no transport at all.
    const floodAlone = async (): Promise<{ ms: number; cpu: number; size: string; groups: Record<string, number> }> => {
      const before = cpuSnapshot(pid, hostPidOf());
      const r = (await evaluate(
        async ({ sel, totalLines }: { sel: string; totalLines: number }) => {
          const el = document.querySelector(sel);
          const real = el.drillbookTerminal;
          const g = globalThis as any;
          if (!g.benchBytes) {
            // The same lines as the file (makeFile), with CRLF as the pty sends them.
            const words = ['restore', 'wal', 'segment', 'checkpoint', 'pg_basebackup', 'orders', 'replica', 'fsync', 'lsn', 'backup'];
            const parts: string[] = [];
            for (let n = 0; n < totalLines; n++) {
              let line = String(n).padStart(8, '0') + ' ';
              for (let i = 0; line.length < 96; i++) line += words[(n * 7 + i * 3) % words.length] + ' ';
              parts.push(line.slice(0, 96) + '\r\n');
            }
            g.benchBytes = new g.TextEncoder().encode(parts.join(''));
          }
          const bytes: Uint8Array = g.benchBytes;
          const box = el.getBoundingClientRect();
          const div = document.createElement('div');
          div.style.cssText = `position:fixed;left:${box.left}px;top:${box.top}px;width:${box.width}px;height:${box.height}px;z-index:9999;contain:strict;background:var(--code-bg)`;
          document.body.appendChild(div);
          const h = el.drillbookCreateXterm(div, {});
          const t = h.term;
          if (t.cols !== real.cols || t.rows !== real.rows) t.resize(real.cols, real.rows);
          const size = `${t.cols}×${t.rows} ${h.renderer()}`;
          await new Promise((r) => setTimeout(r, 200));
          const PIECE = 64 * 1024;
          const t0 = g.performance.now();
          for (let i = 0, k = 0; i < bytes.length; i += PIECE, k++) {
            const part = bytes.subarray(i, i + PIECE);
            // xterm.js discards input beyond 50 MB queued: wait for the parser every 4 MiB.
            if (i + PIECE >= bytes.length || k % 64 === 63) await new Promise<void>((resolve) => t.write(part, () => resolve()));
            else t.write(part);
          }
          const ms = g.performance.now() - t0;
          h.dispose();
          div.remove();
          return { ms, size };
        },
        { sel: view, totalLines: lines },
      )) as { ms: number; size: string };
      const groups = cpuDelta(before, cpuSnapshot(pid, hostPidOf()));
      return { ...r, cpu: groups.chromium ?? 0, groups };
    };

    const cdp = raw ?? (await page.context().newCDPSession(page));
    await cdp.send('Performance.enable');
    const heapMb = async () => {
      const m = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      return (m.metrics.find((x) => x.name === 'JSHeapUsedSize')?.value ?? 0) / MB;
    };
    const samples: { t: number; rssMb: number; heapMb: number }[] = [];
    const sampleStart = performance.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ t: performance.now() - sampleStart, rssMb: rssKb(pid) / 1024, heapMb: await heapMb().catch(() => 0) });
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    // One flood of each, not counted: the first real flood of a run was the slowest in every run (cold code in the
    // server, the terminal host and the page), and it warmed xterm.js's parser for the reference that followed it.
    if (process.env.BENCH_WARMUP !== '0' && Number(process.env.BENCH_PAIRS ?? 1) > 1) {
      phase('warm-up');
      await floodReal();
      await floodAlone();
    }
    // Interleaved pairs (BENCH_PAIRS, default 1), the order alternating, so the machine's load falls on both alike.
    const pairs = Math.max(1, Number(process.env.BENCH_PAIRS ?? 1));
    const results: { real: Awaited<ReturnType<typeof floodReal>>; alone: Awaited<ReturnType<typeof floodAlone>>; load: number }[] = [];
    let aloneSize = '';
    const traces: { label: string; s: MainThreadSummary; mib: number }[] = [];
    const bytesNow = () => evaluate((sel: string) => Number(document.querySelector(sel).dataset.bytes), view);
    const before = await bytesNow();
    for (let i = 0; i < pairs; i++) {
      phase(`pair ${i + 1}`);
      const load = os.loadavg()[0]!;
      if (process.env.BENCH_PROFILE && i === 0 && !raw) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      let real, alone;
      if (process.env.BENCH_TRACE && i === 0 && !raw) {
        // A Chrome trace of each path, summarised per MiB (terminal-trace.ts); tracing slows both alike.
        const traced = async <T,>(label: string, run: () => Promise<T>): Promise<T> => {
          await browser.startTracing(page, { categories: ['devtools.timeline', 'toplevel'] });
          const r = await run();
          const buf = await browser.stopTracing();
          writeFileSync(path.join(process.env.BENCH_TRACE!, `terminal-${label}.json`), buf);
          traces.push({ label, s: summariseTrace(JSON.parse(buf.toString()).traceEvents), mib: ptyBytes / MB });
          return r;
        };
        real = await traced('real-ui', floodReal);
        alone = await traced('alone', floodAlone);
      } else if (i % 2 === 0) {
        real = await floodReal();
        if (process.env.BENCH_PROFILE && i === 0 && !raw) {
          const { profile } = (await cdp.send('Profiler.stop')) as { profile: unknown };
          writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile));
        }
        alone = await floodAlone();
      } else {
        alone = await floodAlone();
        real = await floodReal();
      }
      aloneSize = alone.size;
      results.push({ real, alone, load });
      if (pairs > 1) {
        console.log(
          `  pair ${i + 1} (load ${load.toFixed(1)}): real UI ${mbps(ptyBytes, real.ms)} MiB/s, alone ${mbps(ptyBytes, alone.ms)} MiB/s = ${((alone.ms / real.ms) * 100).toFixed(0)}%; Chromium CPU per MiB ${((real.cpu * 1000) / (ptyBytes / MB)).toFixed(0)} · ${((alone.cpu * 1000) / (ptyBytes / MB)).toFixed(0)} ms`,
        );
      }
    }
    await sleep(1000);
    sampling = false;
    await sampler;
    const after = await bytesNow();

    phase('echo');
    // 4. Echo latency: a key into xterm.js → core → pty → echo → parsed by xterm.js.
    await waitIn('[data-testid="run-code"]:not([disabled])');
    await sleep(300);
    const latencies = (await evaluate(
      async ({ sel, n }: { sel: string; n: number }) => {
        const el = document.querySelector(sel);
        const term = el.drillbookTerminal;
        const perf = (globalThis as any).performance;
        const out: number[] = [];
        const letters = 'abcdefghijklmnopqrstuvwxyz';
        for (let i = 0; i < n; i++) {
          const start = Number(el.dataset.bytes);
          const t0 = perf.now();
          await new Promise<void>((resolve) => {
            const obs = new (globalThis as any).MutationObserver(() => {
              if (Number(el.dataset.bytes) > start) {
                obs.disconnect();
                resolve();
              }
            });
            obs.observe(el, { attributes: true, attributeFilter: ['data-bytes'] });
            term.input(letters[i % 26], true);
          });
          out.push(perf.now() - t0);
          if (i % 40 === 39) {
            term.input('\x15', true); // Ctrl-U: clear the line
            await new Promise((r) => setTimeout(r, 50));
          }
          await new Promise((r) => setTimeout(r, 10));
        }
        term.input('\x15', true);
        return out;
      },
      { sel: view, n: 300 },
    )) as number[];

    phase('close');
    if (raw) await raw.close();
    else await page.close();
    await server.stop();

    phase('report');
    const med = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
    };
    const e2eMs = med(results.map((r) => r.real.ms));
    const inPageMs = med(results.map((r) => r.alone.ms));
    const ratios = results.map((r) => (r.alone.ms / r.real.ms) * 100);
    const e2eRate = Number(mbps(ptyBytes, e2eMs));
    const headlessRate = Number(mbps(ptyBytes, headlessMs));
    const q = (k: 'rssMb' | 'heapMb', f: number) => samples[Math.min(samples.length - 1, Math.floor(f * (samples.length - 1)))]![k].toFixed(0);
    const peak = (k: 'rssMb' | 'heapMb') => Math.max(...samples.map((s) => s[k])).toFixed(0);
    const loads = results.map((r) => r.load);
    console.log('');
    console.log(`throughput (cat of the file)${pairs > 1 ? `, median of ${pairs} pairs` : ''}           time      MiB/s`);
    console.log(`  ssh host cat FILE > /dev/null (OpenSSH)   ${ssh.catMs.toFixed(0).padStart(8)} ms  ${mbps(fileBytes, ssh.catMs).padStart(8)}   (timed by the remote shell; ${ssh.wallMs.toFixed(0)} ms with connection setup)`);
    console.log(`  @xterm/headless parse (CRLF bytes)        ${headlessMs.toFixed(0).padStart(8)} ms  ${headlessRate.toFixed(1).padStart(8)}   (Node, no rendering)`);
    console.log(`  xterm.js alone in Chromium (same page)    ${inPageMs.toFixed(0).padStart(8)} ms  ${mbps(ptyBytes, inPageMs).padStart(8)}   (parse + render, no transport: the browser's ceiling)`);
    console.log(`  sshd → Drillbook → xterm.js (Chromium)    ${e2eMs.toFixed(0).padStart(8)} ms  ${e2eRate.toFixed(1).padStart(8)}   = ${((e2eRate / headlessRate) * 100).toFixed(0)}% of headless`);
    console.log(
      `    real UI / xterm.js alone (time ratio per pair): median ${med(ratios).toFixed(0)}%, ${Math.min(...ratios).toFixed(0)}–${Math.max(...ratios).toFixed(0)}% (aim ≥ 90%); load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
    );
    console.log(`    ${raw ? 'page driven over bare DevTools (BENCH_DRIVER=raw)' : 'page driven by Playwright'}; renderer ${renderer}, terminal ${size}; reference ${aloneSize}; ${(after - before).toLocaleString()} bytes parsed`);
    const first = results[0]!.real;
    const cpu = Object.entries(first.groups)
      .filter(([k, v]) => v > 0.005 && !k.startsWith('chromium '))
      .sort((a, b) => b[1] - a[1]);
    console.log(`    CPU during the first flood (${(first.ms / 1000).toFixed(2)} s wall, ${os.cpus().length} cores): ${cpu.map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}`);
    // CPU seconds per MiB: what each path costs, steadier than wall time on a machine shared with other work.
    const perMib = (secs: number) => ((secs * 1000) / (ptyBytes / MB)).toFixed(0);
    const cpuReal = med(results.map((r) => r.real.cpu));
    const cpuAlone = med(results.map((r) => r.alone.cpu));
    const serverCpu = med(results.map((r) => r.real.groups['drillbook server'] ?? 0));
    const sshdCpu = med(results.map((r) => r.real.groups.sshd ?? 0));
    const hostCpu = med(results.map((r) => r.real.groups['terminal host'] ?? 0));
    const parts = (g: Record<string, number>) =>
      Object.entries(g)
        .filter(([k, v]) => k.startsWith('chromium ') && v > 0.005)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k.slice(9)} ${perMib(v)}`)
        .join(', ');
    console.log(`    Chromium's processes, CPU ms per MiB (first pair): real UI ${parts(results[0]!.real.groups)}; alone ${parts(results[0]!.alone.groups)}`);
    console.log(`    Chromium CPU per MiB: xterm.js alone ${perMib(cpuAlone)} ms, real UI ${perMib(cpuReal)} ms (= ${((cpuAlone / cpuReal) * 100).toFixed(0)}% efficiency); terminal host ${perMib(hostCpu)} ms, Drillbook server ${perMib(serverCpu)} ms, sshd ${perMib(sshdCpu)} ms`);
    if (traces.length) for (const l of formatSummaries(traces)) console.log(l);
    console.log('');
    console.log(`echo latency (${latencies.length} keys)  p50 ${pct(latencies, 50).toFixed(1)} ms   p99 ${pct(latencies, 99).toFixed(1)} ms   max ${Math.max(...latencies).toFixed(1)} ms   (aim p99 < 30 ms)`);
    console.log('');
    console.log(`memory while flooding (${samples.length} samples over ${(samples.at(-1)!.t / 1000).toFixed(1)} s; at 0% / 25% / 50% / 75% / 100%, peak)`);
    console.log(`  server RSS     ${[0, 0.25, 0.5, 0.75, 1].map((f) => q('rssMb', f)).join(' / ')} MiB   peak ${peak('rssMb')} MiB`);
    console.log(`  page JS heap   ${[0, 0.25, 0.5, 0.75, 1].map((f) => q('heapMb', f)).join(' / ')} MiB   peak ${peak('heapMb')} MiB`);
    if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
  } finally {
    await cleanup();
    await sshd.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
