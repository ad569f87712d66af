/**
 * Runs the sample runbooks the way a scheduler does: `drillbook run` as a
 * child process (stdin not a terminal, like cron), over SSH to a real sshd
 * on loopback, with --junit, and reads back what it recorded.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { ROOT } from '../../helpers/server';
import { startSshd, sshdUnavailable, type TestSshd } from '../../helpers/sshd';
import { tempDir } from '../../helpers/runbooks';
import { findAll, parseXml, type XmlElement } from '../../helpers/xml';
import { Core } from '../../../main/api/core';
import type { DrillSnapshot } from '../../../main/drill/model';
import { loadRunbookFile } from '../../../main/runbook';
import { cliPrefix } from '../../helpers/cli';

export const RUNBOOKS = path.join(ROOT, 'runbooks');

/** Variables that must not leak in from the developer's shell. */
const SCRUB = ['PGPASSWORD', 'PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'MYSQL_PWD', 'RESTIC_PASSWORD', 'RESTIC_REPOSITORY', 'RESTIC_PASSWORD_FILE', 'SSH_AUTH_SOCK', 'DRILLBOOK_DATA', 'CI'];

export interface Rig {
  dir: string;
  sshd: TestSshd;
  knownHosts: string;
  /** `--target NAME=ssh://user@127.0.0.1:port` plus key and known_hosts flags. */
  sshArgs(target: string): string[];
  cleanup(): Promise<void>;
}

export function unavailable(...more: (string | null)[]): string | null {
  return [sshdUnavailable(), ...more].find((x) => x) ?? null;
}

export async function startRig(prefix: string): Promise<Rig> {
  const tmp = tempDir(prefix);
  const sshd = await startSshd();
  const knownHosts = path.join(tmp.dir, 'known_hosts');
  writeFileSync(knownHosts, sshd.knownHostsLine + '\n');
  return {
    dir: tmp.dir,
    sshd,
    knownHosts,
    sshArgs: (target) => ['--target', `${target}=ssh://${sshd.user}@127.0.0.1:${sshd.port}`, '--identity', sshd.clientKey, '--known-hosts', knownHosts],
    cleanup: async () => {
      await sshd.stop();
      tmp.cleanup();
    },
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  junitText: string;
  junit: XmlElement | null;
  drill: DrillSnapshot | null;
  dataDir: string;
  /** The runbook file that ran. */
  runbook: string;
}

let runs = 0;

/** `drillbook run RUNBOOK` with --var NAME=VALUE for each of `vars`, --junit, a fresh data dir. */
export function runDrill(
  rig: Rig,
  runbook: string,
  opts: { target: string | null; vars?: Record<string, string>; env?: Record<string, string>; args?: string[]; timeoutMs?: number },
): Promise<RunResult> {
  const n = ++runs;
  const dataDir = path.join(rig.dir, `data-${n}`);
  const junitFile = path.join(rig.dir, `junit-${n}.xml`);
  const file = runbook.includes('/') ? runbook : path.join(RUNBOOKS, runbook);
  const args = [
    ...cliPrefix(),
    'run',
    file,
    '--data',
    dataDir,
    '--junit',
    junitFile,
    ...(opts.target ? rig.sshArgs(opts.target) : []),
    ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}=${v}`]),
    ...(opts.args ?? []),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of SCRUB) delete env[k];
  Object.assign(env, { DRILLBOOK_CHROMIUM: '/nonexistent/chromium' }, opts.env);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const junitText = existsSync(junitFile) ? readFileSync(junitFile, 'utf8') : '';
      const junit = junitText ? parseXml(junitText) : null;
      const id = junit ? findAll(junit, 'testsuite')[0]?.attrs.id : undefined;
      resolve({ code: code ?? -1, stdout, stderr, junitText, junit, drill: id ? readDrill(dataDir, id) : null, dataDir, runbook: file });
    });
  });
}

/** The drill as recorded, read through the real core from the run's data dir. */
export function readDrill(dataDir: string, id: string): DrillSnapshot {
  const core = new Core({ dataDir, runbookDirs: [], host: 'cli' });
  try {
    return core.drills.get(id);
  } finally {
    core.close();
  }
}

export interface Case {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  message: string;
  body: string;
}

export function cases(r: RunResult): Case[] {
  assert.ok(r.junit, `no JUnit report; exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return findAll(r.junit, 'testcase').map((c) => {
    const failure = c.children.find((k) => k.name === 'failure');
    const skipped = c.children.find((k) => k.name === 'skipped');
    return {
      name: c.attrs.name ?? '',
      status: failure ? 'failed' : skipped ? 'skipped' : 'passed',
      message: (failure ?? skipped)?.attrs.message ?? '',
      body: failure?.text ?? '',
    };
  });
}

/** Asserts the run passed: exit 0, every step a passing testcase, recorded as an automated drill over SSH. */
export function assertPassed(r: RunResult, steps: number): void {
  const why = `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.equal(r.code, 0, why);
  const cs = cases(r);
  assert.equal(cs.filter((c) => !c.name.startsWith('RTO ')).length, steps, why);
  assert.deepEqual(cs.filter((c) => c.status !== 'passed').map((c) => `${c.name}: ${c.message}`), [], why);
  assert.equal(r.drill?.status, 'completed');
  assert.equal(r.drill?.mode, 'automated', 'no terminal on stdin: recorded as an automated drill');
}

/**
 * Asserts the run failed (exit 1) at `step` (its 1-based number) with a
 * JUnit failure whose message matches `message` (and console output that
 * matches `onConsole`), that every later step was not run, and that the
 * runbook's clean-up steps (`always=true`) ran and passed all the same.
 */
export function assertFailedAt(r: RunResult, step: number, message: RegExp, onConsole: RegExp = message): Case {
  const why = `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.equal(r.code, 1, why);
  const cs = cases(r).filter((c) => !c.name.startsWith('RTO '));
  const failed = cs.filter((c) => c.status === 'failed');
  assert.deepEqual(failed.map((c) => c.name.replace(/\..*/, '')), [String(step)], why);
  assert.match(failed[0]!.message, message, why);
  assert.ok(cs.slice(0, step - 1).every((c) => c.status === 'passed'), 'the steps before it passed');
  const cleanup = new Set(loadRunbookFile(r.runbook).steps.filter((s) => s.always).map((s) => s.index));
  cs.slice(step).forEach((c, i) => {
    if (cleanup.has(step + i)) assert.equal(c.status, 'passed', `the clean-up step "${c.name}" ran after the failure and passed\n${why}`);
    else assert.ok(c.status === 'skipped' && c.message.startsWith('not run: an earlier step failed'), `the step "${c.name}" after it did not run\n${why}`);
  });
  assert.match(r.stdout, onConsole, 'the console says it too');
  assert.equal(r.drill?.status, 'failed');
  return failed[0]!;
}

/** Every file under `dir` (recursively) whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
    else if (readFileSync(p).includes(Buffer.from(needle))) hits.push(p);
  };
  if (existsSync(dir)) walk(dir);
  return hits;
}

/** The secret appears nowhere the run wrote: console, JUnit, drill database, transcripts, work dirs. */
export function assertNoSecret(r: RunResult, secret: string, extraDirs: string[] = []): void {
  assert.ok(secret.length >= 8);
  assert.ok(!r.stdout.includes(secret), 'not on stdout');
  assert.ok(!r.stderr.includes(secret), 'not on stderr');
  assert.ok(!r.junitText.includes(secret), 'not in the JUnit report');
  for (const dir of [r.dataDir, ...extraDirs]) assert.deepEqual(filesContaining(dir, secret), [], `not in any file under ${dir}`);
}

/** Proof the blocks ran over SSH: sshd accepted our key, and the drill's commands name the target. */
export function assertRanOverSsh(rig: Rig, r: RunResult, target: string): void {
  assert.match(rig.sshd.log(), /Accepted publickey for /);
  assert.ok(r.drill && r.drill.commands.length > 0);
  assert.ok(r.drill.commands.every((c) => c.target === target), `every command ran on ${target}`);
  assert.match(r.stdout, new RegExp(`Connecting to ${target} \\(`));
}
