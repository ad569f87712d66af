/** Runs the CLI as a child process, as a user's shell would. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './server';

export const CLI_ENTRY = path.join(ROOT, 'main/cli/index.ts');

export function cliArgs(args: string[]): string[] {
  return ['--import', 'tsx', CLI_ENTRY, ...args];
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
