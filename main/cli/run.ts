import os from 'node:os';
import path from 'node:path';
import { loadRunbookFile, RunbookError, type Runbook } from '../runbook';
import { DRILL_MODES } from '../drill/model';
import { Core } from '../api/core';
import { blocksToRun, runHeadless } from '../runner/headless';
import { SshRunner } from '../runner/ssh';
import { parseDestination, systemResolveContext } from '../ssh';
import { BIN_DIR, BUNDLED_RUNBOOKS, CliError, EXIT, dataDirFrom, oneOf } from './common';
import { runConsole, type RunConsole } from './run-console';
import { finishRestoreTest, prepareRestoreTest } from './run-options';
import { outboundRedactor } from '../evidence/redact/outbound';
import { DatabaseError, DatabaseMovedError } from '../store/db';
import { UserError } from '../common/errors';

/** Exit codes after a signal, as shells report them (128 + the signal's number). */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };
/** After a signal, the run gets this long to kill its blocks and record the abort; then it exits regardless. */
const ABORT_BOUND_MS = 15_000;
/** After the run has finished and closed everything, how long the process may linger before it is ended. */
const EXIT_GRACE_MS = 10_000;

/**
 * SIGINT/SIGTERM stop the run instead of killing Node outright (which left
 * the running block orphaned and the drill unrecorded): the block's process
 * group is killed, the abort is recorded with the signal, and the exit code
 * is 130/143. A second signal, or the bound passing, exits at once.
 */
function stopOnSignals(): { signal: AbortSignal; exitCode: () => number | null; dispose: () => void } {
  const controller = new AbortController();
  let received: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => {
    if (received) {
      process.stderr.write(`drillbook run: ${sig} again; exiting now\n`);
      process.exit(SIGNAL_EXIT[sig]);
    }
    received = sig;
    process.stderr.write(`\ndrillbook run: received ${sig}; stopping the running block and recording the abort…\n`);
    setTimeout(() => {
      process.stderr.write(`drillbook run: could not stop cleanly within ${ABORT_BOUND_MS / 1000}s; exiting\n`);
      process.exit(SIGNAL_EXIT[sig]);
    }, ABORT_BOUND_MS).unref();
    controller.abort(`drillbook run received ${sig}`);
  };
  const int = () => onSignal('SIGINT');
  const term = () => onSignal('SIGTERM');
  process.on('SIGINT', int);
  process.on('SIGTERM', term);
  return {
    signal: controller.signal,
    exitCode: () => (received ? SIGNAL_EXIT[received] : null),
    dispose: () => {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
    },
  };
}

export async function runCommand(values: Record<string, unknown>, files: string[]): Promise<number> {
  if (files.length !== 1) throw new CliError('name exactly one runbook file to run');
  const file = path.resolve(files[0]!);
  const modeFlag = oneOf(values.mode, DRILL_MODES, 'mode');
  const operator = typeof values.operator === 'string' && values.operator.trim() ? values.operator.trim() : os.userInfo().username;

  let runbook: Runbook;
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

  // The console is an artefact too (CI keeps its log): everything printed passes the outbound redaction step
  // (./run-console.ts). Where the lines go (terminal, pipe, --json, --quiet) and the live RTO line: the same file.
  const dataDir = dataDirFrom(values);
  let out: RunConsole;
  try {
    out = runConsole(values.json === true, runbook.rto?.seconds ?? null, outboundRedactor(dataDir));
  } catch (err) {
    throw new CliError((err as Error).message);
  }

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
    log: (line) => out.log(line),
  });
  const sshNames = ssh.sshTargets(used);
  const stop = stopOnSignals();
  try {
    return await connectAndRun();
  } finally {
    stop.dispose();
    // Bounded exit, always: a scheduler (cron with flock) must never see a finished run hang. Every handle is
    // closed above; should one leak all the same, this timer (which keeps nothing alive itself) ends the process.
    setTimeout(() => {
      process.stderr.write('drillbook run: something kept the process open after the run finished; exiting\n');
      process.exit(process.exitCode ?? EXIT.internal);
    }, EXIT_GRACE_MS).unref();
  }

  async function connectAndRun(): Promise<number> {
    if (sshNames.length) {
      try {
        await ssh.connectAll(sshNames);
      } catch (err) {
        out.close();
        ssh.close();
        throw new CliError(`${(err as Error).message}\nNothing was run.`, stop.exitCode() ?? EXIT.failed);
      }
    }
    if (stop.signal.aborted) {
      out.close();
      ssh.close();
      throw new CliError(`${String(stop.signal.reason)} before anything ran; nothing was run.`, stop.exitCode()!);
    }

    let core: Core;
    try {
      core = new Core({ dataDir, runbookDirs: [BUNDLED_RUNBOOKS], host: 'cli', writer: true, teamPublish: true });
    } catch (err) {
      out.close();
      ssh.close();
      // Another writer on this data folder (main/store/lock.ts), or a folder that cannot be written.
      if (err instanceof UserError || err instanceof DatabaseError) throw new CliError(`${err.message}\nNothing was run.`, EXIT.internal);
      throw err;
    }
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
        abort: stop.signal,
      });
      const d = result.drill;
      if (result.outcome === 'aborted') {
        const code = stop.exitCode() ?? EXIT.failed;
        out.result(d, result.outcome, code, result.failure);
        // The JUnit report still says what ran; the evidence export is left for later (drillbook export).
        finalCode = await finishRestoreTest(core, dataDir, { ...test, exportDir: null }, d.id, code, (line) => out.after(line));
        return finalCode;
      }
      const code = result.outcome === 'failed' ? EXIT.failed : result.outcome === 'rto-missed' ? EXIT.rtoMissed : EXIT.ok;
      out.result(d, result.outcome, code, result.failure);
      finalCode = await finishRestoreTest(core, dataDir, test, d.id, code, (line) => out.after(line));
      return finalCode;
    } catch (err) {
      // The data folder went away under the run: fail loudly, never "completed".
      if (err instanceof DatabaseMovedError) throw new CliError(err.message, EXIT.internal);
      throw err;
    } finally {
      out.close(finalCode);
      ssh.close();
      // A joined data folder: the finished drill is on its way to the team server (bounded; if it is down, the drill
      // stays queued on disk for the next publish, run or app start).
      await core.team.settle(30_000);
      core.close();
    }
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
