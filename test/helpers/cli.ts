/**
 * Runs the CLI as a child process, as a user's shell would.
 *
 * Every test that starts `drillbook` (the CLI, `web`, `server`) takes its command line from `cliPrefix()`: the
 * compiled build in dist/ when it is current — what a packaged install and `bin/drillbook` run — else the
 * TypeScript sources through tsx. `npm test` builds dist/ (`npm run build:main`) before the tests, so the suite runs
 * exactly the code it type-checked, compiled. Why: tsx transpiles and loads its hooks on every start, 1.3–2.3 s more
 * per start on the 2-vCPU build machine (`drillbook lint` of a small runbook: 1.7–3.4 s through tsx, 0.4–1.1 s
 * compiled, load average 20), and the suite starts the CLI a few hundred times. A build older than any file under
 * main/ is not used (the same check as bin/drillbook), so running one test file after an edit never tests stale code;
 * DRILLBOOK_FROM_SOURCE=1 forces the sources.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './root';

export const CLI_ENTRY = path.join(ROOT, 'main/cli/index.ts');
export const CLI_COMPILED = path.join(ROOT, 'dist/main/cli/index.js');

/** Newest mtime (ms) of the .ts files under dir. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/main/cli/index.js exists and no main/**\/*.ts is newer than it (tsc rewrites every output on each build). */
export function compiledCliIsCurrent(root = ROOT): boolean {
  if (process.env.DRILLBOOK_FROM_SOURCE) return false;
  let built: number;
  try {
    built = statSync(path.join(root, 'dist/main/cli/index.js')).mtimeMs;
  } catch {
    return false;
  }
  return newestSource(path.join(root, 'main')) <= built;
}

let prefix: string[] | null = null;

/** Node's arguments that start the CLI: `[dist/main/cli/index.js]` or `['--import', 'tsx', main/cli/index.ts]`. */
export function cliPrefix(): string[] {
  prefix ??= compiledCliIsCurrent() ? [CLI_COMPILED] : ['--import', 'tsx', CLI_ENTRY];
  return [...prefix];
}

export function cliArgs(args: string[]): string[] {
  return [...cliPrefix(), ...args];
}

export function runCli(args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, cliArgs(args), {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    ...opts,
    env: { ...process.env, DRILLBOOK_DATA: '', NO_COLOR: '', ...opts.env },
  });
  return { code: r.status, out: String(r.stdout), err: String(r.stderr) };
}
