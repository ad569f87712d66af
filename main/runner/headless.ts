/**
 * A drill with no operator at the keyboard: every runnable block of every
 * step runs in order, each result is a recorded drill event, and the first
 * failure stops the run, except for clean-up steps (`always=true`), which
 * still run. Steps it cannot perform are recorded as skipped with the
 * reason, never as done.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandBlock, Runbook } from '../runbook/model';
import type { DrillService } from '../drill/service';
import type { DrillMode, DrillSnapshot } from '../drill/model';
import { runProgram, startBackground, type BackgroundProcess, type ExecResult } from './exec';
import { blocksToRun, inlineScript, nothingToRunReason, planBlock, planContext, type BlockPlan, type PlanContext } from '../runbook/plan';
import { checkExpect } from '../common/expect';
import type { RemoteRunner } from './ssh';
import { ExecTranscripts } from '../terminal/exec-transcript';
import { newId } from '../common/ids';
import { SecretMasker, maskText, type SecretEnv } from './secrets';
import { within } from '../common/wait';

export interface HeadlessOptions {
  /** Run every block (except excludeFromRunAll), not only those marked auto. */
  all: boolean;
  /** Only blocks with one of these tags (`tag`, or Runme's `category`); empty or absent: no filter. */
  tags?: string[];
  mode: DrillMode;
  operator: string;
  /** Parent folder for the per-drill work dir ($DRILLBOOK_WORKDIR). */
  workRoot: string;
  /** Prepended to PATH so blocks can call `drillbook`. */
  binDir: string;
  env?: NodeJS.ProcessEnv;
  /** Progress lines for a human. */
  log: (line: string) => void;
  /** Raw command output as it arrives. */
  output: (chunk: Buffer) => void;
  /** SSH targets, already connected (main/runner/ssh.ts). */
  remote?: RemoteRunner;
  /** Data dir: each target's output is kept as a transcript under <dir>/transcripts/<drill>/. */
  transcriptDir?: string;
  /** Secret variables (./vars.ts): in every block's environment, masked in all output and the log. */
  secrets?: SecretEnv;
  /** Notes recorded right after the drill starts (the variables used, ./vars.ts). */
  notes?: string[];
  /**
   * Stops the run (SIGINT/SIGTERM to `drillbook run`): the running block's
   * process group is killed (locally, or on its SSH host), nothing more
   * runs, and the drill is recorded as aborted with the reason (the signal).
   */
  abort?: AbortSignal;
}

export type HeadlessOutcome = 'passed' | 'failed' | 'rto-missed' | 'aborted';

export interface HeadlessResult {
  drill: DrillSnapshot;
  outcome: HeadlessOutcome;
  workDir: string;
  /** What failed, in one line, when outcome is 'failed'. */
  failure: string | null;
  /** Transcript output files written (one per target used). */
  transcripts: string[];
}

const OUTPUT_IN_LOG = 4000;

// Which blocks run and how is decided in ./plan.ts (one pure function per block).
export { blocksToRun };

export async function runHeadless(drills: DrillService, runbook: Runbook, opts: HeadlessOptions): Promise<HeadlessResult> {
  let drill = drills.start(runbook, opts.mode, opts.operator);
  for (const note of opts.notes ?? []) drill = drills.addNote(drill.id, null, note);
  const workDir = path.join(opts.workRoot, drill.id);
  mkdirSync(workDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...(opts.env ?? process.env),
    ...opts.secrets?.env,
    DRILLBOOK_WORKDIR: workDir,
    DRILLBOOK_DRILL_ID: drill.id,
    PATH: [opts.binDir, (opts.env ?? process.env).PATH ?? ''].filter(Boolean).join(path.delimiter),
  };
  opts.log(`Drill ${drill.id}: ${runbook.title} (${runbook.steps.length} steps${runbook.rto ? `, RTO ${runbook.rto.text}` : ''})`);
  opts.log(`Work dir: ${workDir}`);
  const transcripts = opts.transcriptDir ? new ExecTranscripts(opts.transcriptDir, drill.id) : null;
  const ctx: BlockContext = { remote: opts.remote ?? null, transcripts, targets: runbook.meta.targets, plan: planContext(runbook, workDir), background: [] };

  let failure: string | null = null;
  const total = runbook.steps.length;
  const stopped = () => (opts.abort?.aborted ? abortReason(opts.abort) : null);
  for (const step of runbook.steps) {
    if (stopped()) break;
    const label = `[${step.index + 1}/${total}] ${step.title}`;
    if (failure && !step.always) {
      drill = drills.stepSkip(drill.id, step.index, `not run: an earlier step failed (${failure})`);
      opts.log(`${label} — not run`);
      continue;
    }
    const selected = blocksToRun(step.commands, opts.all, opts.tags);
    const planned = selected.map((block) => ({ block, plan: planBlock(block, ctx.plan) }));
    const blocks = planned.filter((p) => p.plan.run);
    if (blocks.length === 0) {
      const notRun = planned.find((p) => !p.plan.run)?.plan;
      const why = notRun && !notRun.run ? `nothing to run: ${notRun.reason}` : nothingToRunReason(step.commands, opts.all, opts.tags);
      drill = drills.stepSkip(drill.id, step.index, why);
      opts.log(`${label} — skipped (${why})`);
      continue;
    }
    opts.log(failure ? `${label} — clean-up, runs after the failure` : label);
    drill = drills.stepStart(drill.id, step.index);
    let problem: string | null = null;
    for (const { block, plan } of planned) {
      if (!plan.run) {
        opts.log(`  – not run (${path.basename(runbook.file)}:${block.line}): ${plan.reason}`);
        continue;
      }
      problem = await runBlock(drills, drill.id, step.index, block, plan, runbook.file, env, opts, ctx);
      if (problem) break;
    }
    const why = stopped();
    if (why) {
      drill = drills.stepFail(drill.id, step.index, `${why}${problem ? ` (${problem})` : ''}`);
      opts.log(`  ✗ stopped: ${why}`);
      break;
    }
    drill = problem ? drills.stepFail(drill.id, step.index, problem) : drills.stepComplete(drill.id, step.index);
    const took = drill.steps[step.index]?.durationMs ?? 0;
    opts.log(problem ? `  ✗ failed after ${seconds(took)}: ${problem}` : `  ✓ done in ${seconds(took)}`);
    // The first failure is the run's; a clean-up that fails after it is recorded on its own step.
    failure ??= problem;
  }

  await stopBackground(ctx, opts);
  const why = stopped();
  if (why) {
    drill = drills.abort(drill.id, why);
    await transcripts?.close();
    return { drill, outcome: 'aborted', workDir, failure: why, transcripts: transcripts?.paths() ?? [] };
  }
  drill = drills.finish(drill.id);
  await transcripts?.close();
  const outcome: HeadlessOutcome = drill.status === 'failed' ? 'failed' : drill.rto.met === false ? 'rto-missed' : 'passed';
  return { drill, outcome, workDir, failure, transcripts: transcripts?.paths() ?? [] };
}

interface BlockContext {
  remote: RemoteRunner | null;
  transcripts: ExecTranscripts | null;
  targets: Runbook['meta']['targets'];
  plan: PlanContext;
  /** Blocks started with background=true, stopped when the drill ends. */
  background: { where: string; process: BackgroundProcess }[];
}

/** Background blocks end with the drill: each is stopped (its whole process group) and the log says so. */
async function stopBackground(ctx: BlockContext, opts: HeadlessOptions): Promise<void> {
  for (const { where, process: child } of ctx.background) {
    child.stop();
    const ended = await within(child.ended, 5000);
    opts.log(`  background block ${where} stopped${ended?.exitCode != null ? ` (it had exited with ${ended.exitCode})` : ''}`);
  }
}

/** Runs one block and records it; returns a one-line problem, or null when it passed. */
async function runBlock(
  drills: DrillService,
  drillId: string,
  stepIndex: number,
  block: CommandBlock,
  plan: Extract<BlockPlan, { run: true }>,
  file: string,
  env: NodeJS.ProcessEnv,
  opts: HeadlessOptions,
  ctx: BlockContext,
): Promise<string | null> {
  const where = `${path.basename(file)}:${block.line}`;
  const target = block.attrs.target ?? 'local';
  const name = block.attrs.name ?? block.attrs.id ?? null;
  // A target declared `local` that --target redirected to SSH runs there (SshRunner connected it).
  const isLocal = target === 'local' || (ctx.targets.find((t) => t.name === target)?.kind === 'local' && !ctx.remote?.has(target));
  const remote = !isLocal && ctx.remote?.has(target) ? ctx.remote : null;
  if (!isLocal && !remote) {
    const problem = `${where}: block targets "${target}", an SSH host this run is not connected to (give it with --target ${target}=ssh://user@host)`;
    drills.commandRun(drillId, stepIndex, { target, text: block.text, name, line: block.line, exitCode: null, expectPassed: false, message: problem });
    return problem;
  }
  if (remote && plan.background) {
    const problem = `${where}: background=true runs on this machine only; the block targets "${target}"`;
    drills.commandRun(drillId, stepIndex, { target, text: block.text, name, line: block.line, exitCode: null, expectPassed: false, message: problem });
    return problem;
  }
  const via = plan.via === 'bash' ? '' : `   [${plan.via}]`;
  opts.log(`  $ ${firstLine(plan.script)}${name ? `   (${name})` : ''}${remote ? `   [${target}]` : via}${plan.background ? '   (background)' : ''}`);
  if (plan.background) return startInBackground(drills, drillId, stepIndex, block, plan, where, env, opts, ctx);
  const transcript = ctx.transcripts?.for(target, remote ? remote.describe(target) : 'local bash') ?? null;
  const runId = newId('r');
  transcript?.note({ t: 'command', runId, stepIndex, name, text: block.text, target, mode: 'typed' });
  const outputFrom = transcript?.offset ?? null;
  const masker = new SecretMasker(opts.secrets?.values ?? []);
  const emit = (chunk: Buffer) => {
    if (chunk.length === 0) return;
    opts.output(chunk);
    transcript?.write(chunk);
  };
  const onOutput = (chunk: Buffer) => emit(masker.write(chunk));
  const startedAt = new Date().toISOString();
  const timeoutMs = block.attrs.timeout ? block.attrs.timeout.seconds * 1000 : undefined;
  let result: ExecResult;
  if (remote) {
    result = await remote.exec(target, inlineScript(plan), {
      env: { ...opts.secrets?.env, DRILLBOOK_DRILL_ID: drillId },
      onOutput,
      ...(opts.abort ? { signal: opts.abort } : {}),
      ...(block.attrs.cwd ? { cwd: block.attrs.cwd } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  } else {
    writeScriptFile(plan);
    result = await runProgram(plan.argv, { cwd: plan.cwd, env, onOutput, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(opts.abort ? { signal: opts.abort } : {}) });
  }
  emit(masker.flush());
  const endedAt = new Date().toISOString();
  const verdict = result.spawnError
    ? { passed: false, message: result.spawnError }
    : result.timedOut
      ? { passed: false, message: `timed out after ${block.attrs.timeout?.text}` }
      : opts.abort?.aborted
        ? { passed: false, message: `killed: ${abortReason(opts.abort)}` }
      : checkExpect(block.attrs.expect, result.exitCode, result.output);
  transcript?.note({
    t: 'result',
    runId,
    exitCode: result.exitCode,
    expectPassed: verdict.passed,
    message: verdict.message,
    outputFrom,
    outputTo: transcript.offset,
  });
  drills.commandRun(drillId, stepIndex, {
    target,
    text: block.text,
    name,
    line: block.line,
    startedAt,
    endedAt,
    ...(transcript ? { transcript: transcript.paths.out, terminalId: path.basename(transcript.paths.out, '.out') } : {}),
    ...(verdict.passed ? {} : { message: verdict.message }),
    exitCode: result.exitCode,
    durationMs: Math.round(result.durationMs),
    expectPassed: verdict.passed,
    ...(block.attrs.expect !== undefined ? { expect: block.attrs.expect } : {}),
    outputTail: maskText(result.output, opts.secrets?.values ?? []).slice(-OUTPUT_IN_LOG),
  });
  return verdict.passed ? null : `${where}: ${verdict.message}`;
}

/** Starts a background=true block and records that it started; it is stopped when the drill ends. */
function startInBackground(
  drills: DrillService,
  drillId: string,
  stepIndex: number,
  block: CommandBlock,
  plan: Extract<BlockPlan, { run: true }>,
  where: string,
  env: NodeJS.ProcessEnv,
  opts: HeadlessOptions,
  ctx: BlockContext,
): null {
  const masker = new SecretMasker(opts.secrets?.values ?? []);
  writeScriptFile(plan);
  const child = startBackground(plan.argv, { cwd: plan.cwd, env, onOutput: (chunk) => opts.output(masker.write(chunk)) });
  ctx.background.push({ where, process: child });
  const name = block.attrs.name ?? block.attrs.id ?? null;
  drills.commandRun(drillId, stepIndex, {
    target: 'local',
    text: block.text,
    name,
    line: block.line,
    startedAt: new Date().toISOString(),
    background: true,
    exitCode: null,
    expectPassed: null,
    message: `started in the background${child.pid !== undefined ? ` (pid ${child.pid})` : ''}; stopped when the drill ends`,
  });
  opts.log(`  ↳ started in the background${child.pid !== undefined ? ` (pid ${child.pid})` : ''}; the drill moves on`);
  return null;
}

/** Interpreter blocks read their script from a file in the work folder. */
function writeScriptFile(plan: Extract<BlockPlan, { run: true }>): void {
  if (!plan.scriptFile) return;
  mkdirSync(path.dirname(plan.scriptFile), { recursive: true });
  writeFileSync(plan.scriptFile, plan.script.endsWith('\n') ? plan.script : `${plan.script}\n`, { mode: 0o600 });
}

/** The abort's reason as one line ("drillbook run received SIGTERM"). */
function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'the run was stopped';
}

function firstLine(text: string): string {
  const lines = text.split('\n');
  return lines[0]! + (lines.length > 1 ? ` … (+${lines.length - 1} lines)` : '');
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${Math.round(ms / 1000)}s`;
}
