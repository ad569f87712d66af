/**
 * `npm run bench -- cli`: how fast the CLI starts, beside `node -e ''` (the
 * floor: Node's own start-up) in the same run, interleaved so machine load
 * hits every variant alike. Aim: `lint` of a small runbook under 150 ms
 * median wall with the compiled CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SMALL = `---
title: Small restore
rto: 10m
---
# Small restore

## Restore
\`\`\`sh {auto=true}
echo restored
\`\`\`

## Verify
- [ ] the service answers
`;

// GNU time reports the child's CPU time (user + sys), which a machine shared with other work inflates far less than wall time.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function measure(args: string[], env: NodeJS.ProcessEnv = {}): { wall: number; cpu: number | null } {
  const t0 = process.hrtime.bigint();
  const [cmd, argv] = GNU_TIME ? [GNU_TIME, ['-f', 'CPU %U %S', process.execPath, ...args]] : [process.execPath, args];
  const r = spawnSync(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : null };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

export async function cliBench(): Promise<void> {
  const build = spawnSync('npm', ['run', 'build:main', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build:main failed');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-cli-'));
  try {
    const file = path.join(dir, 'small.md');
    writeFileSync(file, SMALL);
    const compiled = path.join(ROOT, 'dist', 'main', 'cli', 'index.js');
    const variants: { name: string; args: string[]; env?: NodeJS.ProcessEnv; runs: number }[] = [
      { name: "node -e ''", args: ['-e', ''], runs: 21 },
      { name: 'drillbook --version (compiled)', args: [compiled, '--version'], runs: 21 },
      { name: 'drillbook lint SMALL.md (compiled)', args: [compiled, 'lint', file], runs: 21 },
      { name: 'bin/drillbook lint SMALL.md (build current)', args: [path.join(ROOT, 'bin', 'drillbook'), 'lint', file], runs: 21 },
      { name: 'bin/drillbook lint SMALL.md (sources via tsx)', args: [path.join(ROOT, 'bin', 'drillbook'), 'lint', file], env: { DRILLBOOK_FROM_SOURCE: '1' }, runs: 5 },
    ];
    const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const cpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const rounds = Math.max(...variants.map((v) => v.runs));
    for (let i = 0; i < rounds; i++) {
      for (const v of variants) {
        if (i >= v.runs) continue;
        const m = measure(v.args, v.env);
        times.get(v.name)!.push(m.wall);
        if (m.cpu !== null) cpu.get(v.name)!.push(m.cpu);
      }
    }
    const floor = quantile(times.get("node -e ''")!, 0.5);
    const cpuFloor = cpu.get("node -e ''")!.length ? quantile(cpu.get("node -e ''")!, 0.5) : 0;
    console.log(`${'what'.padEnd(48)} ${'wall median'.padStart(12)} ${'p90'.padStart(8)}  over node  ${'CPU median'.padStart(11)}  over node`);
    for (const v of variants) {
      const t = times.get(v.name)!;
      const c = cpu.get(v.name)!;
      const med = quantile(t, 0.5);
      const cmed = c.length ? quantile(c, 0.5) : NaN;
      console.log(
        `${v.name.padEnd(48)} ${med.toFixed(0).padStart(9)} ms ${quantile(t, 0.9).toFixed(0).padStart(5)} ms  ${('+' + (med - floor).toFixed(0)).padStart(6)} ms  ${cmed.toFixed(0).padStart(8)} ms  ${('+' + (cmed - cpuFloor).toFixed(0)).padStart(6)} ms`,
      );
    }
    const lint = quantile(times.get('drillbook lint SMALL.md (compiled)')!, 0.5);
    console.log(`lint (compiled) median ${lint.toFixed(0)} ms: aim < 150 ms ${lint < 150 ? 'met' : 'NOT met'} (node alone: ${floor.toFixed(0)} ms; load avg ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
