/**
 * Runs one command block in bash and reports what happened. Output is
 * streamed to the caller as it arrives and only a bounded tail is kept in
 * memory, so a chatty restore cannot exhaust it.
 *
 * Each block is its own process group (a detached spawn), so a timeout or
 * an abort (SIGINT/SIGTERM to `drillbook run`) stops the whole pipeline:
 * SIGTERM to the group, SIGKILL to whatever is left after a short grace.
 */
import { spawn } from 'node:child_process';
import { DEFAULT_INTERPRETER } from '../runbook/block-script';

export interface ExecOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  onOutput?: (chunk: Buffer) => void;
  /** How much of the output to keep for expect checks and the drill log. */
  keepBytes?: number;
  /** Aborts the block: its whole process group is terminated. */
  signal?: AbortSignal;
}

/** How long a terminated block gets to clean up before its group is killed. */
export const KILL_GRACE_MS = 2000;

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The last `keepBytes` of stdout+stderr, as UTF-8 text. */
  output: string;
  /** A problem starting the process at all (bash missing, cwd missing). */
  spawnError: string | null;
}

export function runBash(script: string, opts: ExecOptions): Promise<ExecResult> {
  // -e and pipefail: a block fails on its first failing command, as an operator would expect.
  return runProgram([...DEFAULT_INTERPRETER, script], opts);
}

/** Runs `argv` (a block's plan, ./plan.ts) with the same streaming, tail and timeout as runBash. */
export function runProgram(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
  const keep = opts.keepBytes ?? 256 * 1024;
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    let timedOut = false;
    let settled = false;
    const child = spawn(argv[0] ?? 'bash', argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32', // own process group, so a timeout kills the whole pipeline
    });
    const onData = (chunk: Buffer) => {
      opts.onOutput?.(chunk);
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > keep) tail = tail.subarray(tail.length - keep);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killTree(child.pid);
          }, opts.timeoutMs)
        : null;
    let graceTimer: NodeJS.Timeout | null = null;
    const onAbort = () => {
      killTree(child.pid, 'SIGTERM');
      graceTimer = setTimeout(() => killTree(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (result: Omit<ExecResult, 'durationMs' | 'output' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, timedOut, durationMs: elapsed(), output: tail.toString('utf8') });
    };
    child.on('error', (err) => finish({ exitCode: null, signal: null, spawnError: `cannot start ${argv[0] ?? 'bash'}: ${err.message}` }));
    child.on('close', (code, signal) => finish({ exitCode: code, signal, spawnError: null }));
  });
}

/** A block started with background=true (Runme): it runs while the drill goes on, and is stopped at the end. */
export interface BackgroundProcess {
  pid: number | undefined;
  /** Resolves when the process has ended (exit code or signal). */
  ended: Promise<{ exitCode: number | null; signal: string | null }>;
  stop(): void;
}

export function startBackground(argv: readonly string[], opts: Omit<ExecOptions, 'timeoutMs' | 'keepBytes'>): BackgroundProcess {
  const child = spawn(argv[0] ?? 'bash', argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  child.stdout.on('data', (chunk: Buffer) => opts.onOutput?.(chunk));
  child.stderr.on('data', (chunk: Buffer) => opts.onOutput?.(chunk));
  const ended = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) => {
    child.on('error', () => resolve({ exitCode: null, signal: null }));
    child.on('close', (code, signal) => resolve({ exitCode: code, signal }));
  });
  let done = false;
  void ended.then(() => (done = true));
  return { pid: child.pid, ended, stop: () => (done ? undefined : killTree(child.pid)) };
}

function killTree(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
