import os from 'node:os';
import path from 'node:path';
import { loadRunbookFile, RunbookError } from '../runbook';
import { DRILL_MODES } from '../drill/model';
import { Core } from '../api/core';
import { blocksToRun, runHeadless } from '../runner/headless';
import { SshRunner } from '../runner/ssh';
import { parseDestination, systemResolveContext } from '../ssh';
import { StringDecoder } from 'node:string_decoder';
import { BIN_DIR, BUNDLED_RUNBOOKS, CliError, EXIT, dataDirFrom, formatMs, oneOf } from './common';
import { finishRestoreTest, prepareRestoreTest } from './run-options';
import { outboundRedactor } from '../evidence/redact/outbound';
import { StreamRedactor, type Redactor } from '../evidence/redact';

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

  // The console is an artefact too (CI keeps its log): everything printed passes the outbound redaction step.
  const dataDir = dataDirFrom(values);
  let con: Console;
  try {
    con = redactedConsole(outboundRedactor(dataDir));
  } catch (err) {
    throw new CliError((err as Error).message);
  }

  // SSH targets: every one the run will use is connected (host key checked) before anything runs.
  const overrides = targetOverrides(values.target, runbook.meta.targets.map((t) => t.name));
  const used = new Set(runbook.steps.flatMap((s) => blocksToRun(s.commands, values.all === true).map((b) => b.attrs.target ?? 'local')));
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
    log: con.line,
  });
  const sshNames = ssh.sshTargets(used);
  if (sshNames.length) {
    try {
      await ssh.connectAll(sshNames);
    } catch (err) {
      throw new CliError(`${(err as Error).message}\nNothing was run.`, EXIT.failed);
    }
  }

  const core = new Core({ dataDir, runbookDirs: [BUNDLED_RUNBOOKS], host: 'cli' });
  try {
    for (const line of test.banner) con.line(line);
    const result = await runHeadless(core.drills, runbook, {
      secrets: test.secrets,
      notes: test.notes,
      remote: ssh,
      transcriptDir: dataDir,
      all: values.all === true,
      mode,
      operator,
      workRoot: path.join(dataDir, 'work'),
      binDir: BIN_DIR,
      log: con.line,
      output: con.output,
    });
    const d = result.drill;
    const rto = d.rto.targetSec === null
      ? 'no RTO target'
      : d.rto.actualSec === null || d.status === 'failed'
        ? `RTO ${formatMs(d.rto.targetSec * 1000)} not ${d.status === 'failed' ? 'judged (nothing was recovered)' : 'measured'}`
        : `RTO ${formatMs(d.rto.actualSec * 1000)} of ${formatMs(d.rto.targetSec * 1000)} — ${d.rto.met ? 'met' : 'MISSED'}`;
    con.line(`\nDrill ${d.id} ${d.status}: ${formatMs(d.clock.netMs)} net; ${rto}`);
    const code = result.outcome === 'failed' ? EXIT.failed : result.outcome === 'rto-missed' ? EXIT.rtoMissed : EXIT.ok;
    return await finishRestoreTest(core, dataDir, test, d.id, code, con.line);
  } finally {
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

interface Console {
  /** A progress line (a command's first line may hold a password: it is masked too). */
  line: (text: string) => void;
  /** Command output as it arrives: masked line by line, a secret split across chunks included. */
  output: (chunk: Buffer) => void;
}

function redactedConsole(red: Redactor): Console {
  const stream = new StreamRedactor(red.patterns);
  // A UTF-8 character split across two chunks must not turn into two U+FFFD.
  const decoder = new StringDecoder('utf8');
  let atLineStart = true;
  /** Indents command output under its step so progress stays readable. */
  const indent = (text: string): string => {
    let out = '';
    for (const ch of text) {
      if (atLineStart) out += '    │ ';
      out += ch;
      atLineStart = ch === '\n';
    }
    return out;
  };
  const flush = () => {
    const rest = stream.write(decoder.end()) + stream.end();
    if (rest) process.stdout.write(indent(rest));
    if (!atLineStart) {
      process.stdout.write('\n');
      atLineStart = true;
    }
  };
  return {
    line: (text) => {
      flush(); // output held back for its line end comes before the next progress line
      process.stdout.write(red.text(text) + '\n');
    },
    output: (chunk) => {
      const text = stream.write(decoder.write(chunk));
      if (text) process.stdout.write(indent(text));
    },
  };
}
