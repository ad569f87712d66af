import os from 'node:os';
import path from 'node:path';
import { loadRunbookFile, RunbookError } from '../runbook';
import { DRILL_MODES } from '../drill/model';
import { Core } from '../api/core';
import { blocksToRun, runHeadless } from '../runner/headless';
import { SshRunner } from '../runner/ssh';
import { parseDestination, systemResolveContext } from '../ssh';
import { BIN_DIR, BUNDLED_RUNBOOKS, CliError, EXIT, dataDirFrom, oneOf } from './common';
import { runConsole } from './run-console';
import { finishRestoreTest, prepareRestoreTest } from './run-options';

export async function runCommand(values: Record<string, unknown>, files: string[]): Promise<number> {
  if (files.length !== 1) throw new CliError('name exactly one runbook file to run');
  const file = path.resolve(files[0]!);
  const modeFlag = oneOf(values.mode, DRILL_MODES, 'mode');
  const operator = typeof values.operator === 'string' && values.operator.trim() ? values.operator.trim() : os.userInfo().username;

  let runbook;
  try {
    runbook = loadRunbookFile(file);
  } catch (err) {
    if (err instanceof RunbookError) throw new CliError(err.message);
    throw err;
  }
  const firstError = runbook.diagnostics.find((d) => d.severity === 'error');
  if (firstError) throw new CliError(`${files[0]}:${firstError.line}: ${firstError.message}`);
  // Variables, --strict, --junit, --export (./run-options.ts): checked before anything connects or runs.
  const test = prepareRestoreTest(values, runbook, files[0]!, modeFlag);
  runbook = test.runbook;
  const mode = test.mode.mode;

  // SSH targets: every one the run will use is connected (host key checked) before anything runs.
  const overrides = targetOverrides(values.target, runbook.meta.targets.map((t) => t.name));
  const used = new Set(runbook.steps.flatMap((s) => blocksToRun(s.commands, values.all === true, test.tags).map((b) => b.attrs.target ?? 'local')));
  let ctx;
  try {
    ctx = systemResolveContext(typeof values['ssh-config'] === 'string' ? path.resolve(values['ssh-config']) : undefined);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const ssh = new SshRunner({
    targets: runbook.meta.targets,
    overrides,
    ctx,
    identityFiles: stringList(values.identity).map((f) => path.resolve(f)),
    ...(typeof values['known-hosts'] === 'string' ? { knownHostsFiles: [path.resolve(values['known-hosts'])] } : {}),
    acceptNewHostKeys: values['accept-new-host-keys'] === true,
    log: (line) => (values.json === true ? process.stderr : process.stdout).write(line + '\n'),
  });
  const sshNames = ssh.sshTargets(used);
  if (sshNames.length) {
    try {
      await ssh.connectAll(sshNames);
    } catch (err) {
      throw new CliError(`${(err as Error).message}\nNothing was run.`, EXIT.failed);
    }
  }

  const dataDir = dataDirFrom(values);
  const core = new Core({ dataDir, runbookDirs: [BUNDLED_RUNBOOKS], host: 'cli' });
  // Where the lines go (terminal, pipe, --json, --quiet) and the live RTO line: ./run-console.ts.
  const out = runConsole(values.json === true, runbook.rto?.seconds ?? null);
  let finalCode: number | undefined;
  try {
    for (const line of test.banner) out.log(line);
    const result = await runHeadless(core.drills, runbook, {
      secrets: test.secrets,
      notes: test.notes,
      remote: ssh,
      transcriptDir: dataDir,
      all: values.all === true,
      tags: test.tags,
      mode,
      operator,
      workRoot: path.join(dataDir, 'work'),
      binDir: BIN_DIR,
      log: (line) => out.log(line),
      output: (chunk) => out.output(chunk),
    });
    const d = result.drill;
    const code = result.outcome === 'failed' ? EXIT.failed : result.outcome === 'rto-missed' ? EXIT.rtoMissed : EXIT.ok;
    out.result(d, result.outcome, code, result.failure);
    finalCode = await finishRestoreTest(core, dataDir, test, d.id, code, (line) => out.after(line));
    return finalCode;
  } finally {
    out.close(finalCode);
    ssh.close();
    core.close();
  }
}

function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** `--target NAME=ssh://user@host:port` (or NAME=alias), repeatable. */
function targetOverrides(v: unknown, known: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of stringList(v)) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq) : '';
    const dest = eq > 0 ? item.slice(eq + 1) : '';
    if (!name || !dest) throw new CliError(`--target ${item}: expected NAME=ssh://user@host:port or NAME=ssh-config-alias`);
    if (name === 'local') throw new CliError('--target: "local" is this machine and cannot be redirected');
    if (!known.includes(name)) throw new CliError(`--target ${name}: the runbook has no target "${name}" (it has ${known.join(', ')})`);
    if (!parseDestination(dest)) throw new CliError(`--target ${item}: "${dest}" is not ssh://user@host:port, user@host or an alias`);
    out.set(name, dest);
  }
  return out;
}
