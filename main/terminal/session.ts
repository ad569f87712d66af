/**
 * One terminal: the composition of a source (local pty or SSH shell), its
 * transcript, the command tracker that follows the shell's prompts
 * (command-tracker.ts, pure), the views (sinks) attached to it, mirrored,
 * each with its own flow control (views.ts), and the runs Drillbook types
 * into it, one at a time in click order.
 *
 * Data path, bytes throughout: source chunk → transcript (.out, exact) →
 * command tracker (prompts, exit codes, bracketed paste) → output capture
 * (capture.ts, for expect) → batcher (frames gathered for 16 ms, at most 1 MiB) → sink. The sink
 * acknowledges what xterm.js has parsed; too much unacknowledged (or too
 * much not yet on disk) pauses the source. Keystrokes are summarised for the
 * transcript by input-log.ts.
 */
import { OutputBatcher } from './batcher';
import { newId } from '../common/ids';
import { CommandTracker, type ShellState, type TrackerEvent } from './command-tracker';
import { OutputCapture } from './capture';
import { InputLog } from './input-log';
import { OperatorCommand, type TypedCommand } from './typed-command';
import { TranscriptWriter, type IndexRecord } from './transcript';
import { TerminalViews } from './views';
import type { TerminalBackend } from './backend';
import type { TerminalInfo, TerminalSink, TerminalStatus } from './types';
import { checkExpect } from '../common/expect';
import { blockScript, type BlockScript } from '../runbook/block-script';
import { blockCommandLine, blockTransfer } from './integration';

/** Above this many bytes queued for disk, the source is paused until the disk catches up. */
const DISK_BACKLOG_LIMIT = 8 * 1024 * 1024;
const BATCH_WINDOW_MS = 16;
const BATCH_MAX_BYTES = 1024 * 1024;

export interface RunRequest {
  runId: string;
  drillId: string | null;
  stepIndex: number | null;
  name: string | null;
  text: string;
  /** The block's `cwd` attribute, if any. */
  cwd?: string | null;
  /** How it runs, from `drillbook run`'s plan (main/runbook/block-script.ts, terminalBlockScript); default: a fresh bash -e -o pipefail. */
  plan?: BlockScript;
  expect: number | string | undefined;
  timeoutMs: number | undefined;
}

export interface RunOutcome {
  runId: string;
  exitCode: number | null;
  expectPassed: boolean | null;
  message: string;
  durationMs: number;
  outputTail: string;
  outputFrom: number | null;
  outputTo: number | null;
  /** When the result was found, if it is recorded later than that (a drill resumed after a restart). */
  endedAt?: string;
}

interface ActiveRun {
  req: RunRequest;
  /** typed: the Run line is on the prompt; started: the shell ran it (C); running: the block's output has begun. */
  state: 'typed' | 'started' | 'running';
  /** Why the block did not run, when the shell refused it. */
  refused: string | null;
  sentAt: number;
  startedAt: number | null;
  capture: OutputCapture;
  outputFrom: number | null;
  timer: NodeJS.Timeout | null;
  /** The shell asked for the block while no server was attached (a replayed ready mark): it was never sent. */
  readyMissed: boolean;
}

export interface SessionHooks {
  status(info: TerminalInfo): void;
  exit(info: TerminalInfo, exitCode: number | null, signal: string | null): void;
  /** A queued run was typed into the shell (it had to wait for an earlier one). */
  runStarted(req: RunRequest, offset: number): void;
  runFinished(outcome: RunOutcome, req: RunRequest): void;
  commandTyped(cmd: TypedCommand): void;
  /** The shell gave no sign of Drillbook's integration: typed commands cannot be recorded in it. */
  noIntegration(reason: string): void;
}

export interface SessionInit {
  terminalId?: string;
  drillId: string | null;
  target: string;
  kind: 'local' | 'ssh';
  endpoint: string;
  cols: number;
  rows: number;
  transcript: TranscriptWriter;
  stepIndex: number | null;
  hooks: SessionHooks;
  /** Starts (or restarts) the source; the session owns what it returns. */
  start: (session: TerminalSession) => Promise<{ backend: TerminalBackend; integrated: boolean | null }>;
  /** A session re-adopted from the terminal host after a server restart (main/terminal/host): no new `open` record. */
  reattached?: { openedAt: string };
}

export class TerminalSession {
  readonly id: string;
  readonly drillId: string | null;
  readonly target: string;
  readonly kind: 'local' | 'ssh';
  endpoint: string;
  cols: number;
  rows: number;
  status: TerminalStatus = 'connecting';
  message: string | null = null;
  readonly openedAt: string;
  readonly transcript: TranscriptWriter;

  private backend: TerminalBackend | null = null;
  private readonly tracker = new CommandTracker();
  private readonly batcher: OutputBatcher;
  /** Every view attached to this terminal, mirrored, each with its own flow control (views.ts). */
  private readonly views: TerminalViews;
  private diskPaused = false;
  private sourcePaused = false;
  private settleTimer: NodeJS.Timeout | null = null;
  private run: ActiveRun | null = null;
  /** Runs waiting for the one before them (one at a time per terminal, in click order). */
  private queue: RunRequest[] = [];
  /** A command the operator typed, from its start (C) to its end (D). */
  private typed: OperatorCommand | null = null;
  private stepIndex: number | null;
  private integrationChecked = false;
  private readyWaiters: (() => void)[] = [];
  private readonly inputLog: InputLog;
  private generation = 0;
  /** Output before this transcript offset is replayed from disk (written while no server was attached). */
  private liveFrom = 0;

  constructor(private readonly init: SessionInit) {
    this.id = init.terminalId ?? newId('t');
    this.drillId = init.drillId;
    this.target = init.target;
    this.kind = init.kind;
    this.endpoint = init.endpoint;
    this.cols = init.cols;
    this.rows = init.rows;
    this.transcript = init.transcript;
    this.openedAt = init.reattached?.openedAt ?? new Date().toISOString();
    this.stepIndex = init.stepIndex;
    // Bursts are gathered for 16 ms (one frame at 60 Hz) into frames of at most 1 MiB; see flow.ts.
    this.views = new TerminalViews(this.id, this.transcript, () => this.batcher.flush(), () => this.updatePause());
    this.batcher = new OutputBatcher((frame) => this.views.deliver(frame), BATCH_WINDOW_MS, BATCH_MAX_BYTES);
    this.inputLog = new InputLog((rec) => this.transcript.note({ t: 'input', ...rec }));
    if (init.reattached) {
      this.transcript.note({ t: 'status', status: 'reattached', message: 'Drillbook restarted and reattached to this terminal' });
      return;
    }
    this.transcript.note({
      t: 'open',
      terminalId: this.id,
      drillId: this.drillId,
      target: this.target,
      kind: this.kind,
      endpoint: this.endpoint,
      cols: this.cols,
      rows: this.rows,
      stepIndex: init.stepIndex,
    });
  }

  info(): TerminalInfo {
    return {
      terminalId: this.id,
      drillId: this.drillId,
      target: this.target,
      kind: this.kind,
      endpoint: this.endpoint,
      status: this.status,
      message: this.message,
      cols: this.cols,
      rows: this.rows,
      shellIntegration: this.tracker.integrated,
      busy: this.tracker.shell === 'running',
      queued: this.queue.map((r) => r.runId),
      running: this.run?.req.runId ?? null,
      transcript: { out: this.transcript.paths.out, index: this.transcript.paths.index },
      openedAt: this.openedAt,
    };
  }

  get alive(): boolean {
    return this.status !== 'closed';
  }

  /** The largest backlog of any attached view. */
  get flowBacklog(): number {
    return this.views.backlog;
  }

  /**
   * A run Drillbook typed before the server restarted, still unfinished in
   * the drill log: follow it again. The terminal host replays the output
   * from `typedAt` (where its Run line was typed) up to `liveFrom` (what it
   * had written while no server was attached), then live output follows;
   * the handshake, output mark and exit status are read from that, so a
   * block that ended while Drillbook was down still gets its exit code and
   * output. `sentAtWallMs` is when it was typed. Nothing is written to the
   * shell for replayed marks (see onProperty).
   */
  expectRun(req: RunRequest, sentAtWallMs: number, liveFrom: number): void {
    if (this.run) return;
    const sentAt = performance.now() - Math.max(0, Date.now() - sentAtWallMs);
    this.tracker.markIntegrated();
    this.liveFrom = liveFrom;
    this.run = { req, state: 'typed', refused: null, sentAt, startedAt: null, capture: new OutputCapture(), outputFrom: null, timer: null, readyMissed: false };
  }

  /**
   * A re-adopted shell with no Run of ours in flight: what the tail of its
   * transcript says (service.ts, reattachState). The scanner restarts at
   * `liveFrom`, so without this the session would not know the shell is
   * integrated and at a prompt (Run refused, a false "no integration"
   * record) until the operator pressed Enter. A command the operator typed
   * before the crash and still running is followed to its end (`typed`).
   */
  primeReattached(p: { liveFrom: number; integrated: boolean; shell: ShellState; typed: { outputFrom: number; startedAt: string } | null }): void {
    this.liveFrom = p.liveFrom;
    if (!p.integrated) return;
    this.tracker.prime(p.shell);
    this.integrationChecked = true;
    if (p.typed && !this.run) this.typed = OperatorCommand.resumed(p.typed.startedAt, p.typed.outputFrom, this.stepIndex);
  }

  get isPaused(): boolean {
    return this.sourcePaused;
  }

  /** Starts the source (first open, or reconnect). */
  async start(): Promise<void> {
    const gen = ++this.generation;
    this.setStatus('connecting', this.kind === 'ssh' ? `connecting to ${this.endpoint}…` : null);
    let started: Awaited<ReturnType<SessionInit['start']>>;
    try {
      started = await this.init.start(this);
    } catch (err) {
      if (gen !== this.generation || this.status === 'closed') return;
      const message = (err as Error).message ?? String(err);
      this.notice(`\x1b[31m${message}\x1b[0m`);
      this.setStatus('failed', message);
      this.wakeReadyWaiters();
      return;
    }
    if (gen !== this.generation || this.status === 'closed') {
      started.backend.close();
      return;
    }
    this.attachBackend(started.backend, started.integrated);
  }

  private attachBackend(backend: TerminalBackend, integrated: boolean | null): void {
    this.backend = backend;
    this.tracker.attach(this.transcript.offset, integrated);
    this.sourcePaused = false;
    this.views.reset();
    backend.onData((chunk) => this.onChunk(chunk));
    backend.onEnd((end) => this.onEnd(backend, end));
    this.setStatus('open', null);
    if (integrated === false) this.wakeReadyWaiters();
    // A shell that never reports a prompt has no integration: stop waiting for one, and say so once.
    setTimeout(() => {
      this.wakeReadyWaiters();
      if (!this.tracker.integrated && this.backend === backend && !this.integrationChecked) {
        this.integrationChecked = true;
        this.init.hooks.noIntegration('the shell did not load Drillbook\'s integration (no bash on the host, or its startup files replaced it), so typed commands and exit codes are not recorded');
      }
    }, 5000).unref();
  }

  /** Tells the prompter/status machinery that a human is being asked something. */
  setPrompting(on: boolean): void {
    if (this.status === 'connecting' && on) this.setStatus('prompting', 'waiting for your answer');
    else if (this.status === 'prompting' && !on) this.setStatus('connecting', `connecting to ${this.endpoint}…`);
  }

  /** A line from Drillbook (not from the host): shown to the viewer, not written to the transcript. */
  notice(text: string): void {
    this.batcher.push(Buffer.from(`\r\n\x1b[2m[drillbook]\x1b[22m ${text}\r\n`, 'utf8'));
    this.batcher.flush(); // rare, and the operator should see it now (after any output before it)
  }

  private onChunk(chunk: Uint8Array): void {
    const start = this.transcript.offset;
    this.transcript.write(chunk);
    // Output up to each mark goes to the command it belongs to, then the mark changes which command that is.
    let cursor = 0;
    this.tracker.feed(chunk, (ev) => {
      const at = ev.offset - start;
      this.capture(chunk.subarray(cursor, at));
      cursor = at;
      this.onCommandEvent(ev);
    });
    this.capture(chunk.subarray(cursor));
    if (!this.diskPaused && this.transcript.backlog > DISK_BACKLOG_LIMIT) {
      this.diskPaused = true;
      this.updatePause();
      this.transcript.onDrain(() => {
        this.diskPaused = false;
        this.updatePause();
      });
    }
    this.batcher.push(chunk);
  }

  private onCommandEvent(ev: TrackerEvent): void {
    const offset = ev.offset;
    switch (ev.kind) {
      case 'prompt-start':
        // Back at a prompt without a "finished" mark: the shell did not run what was typed.
        if (this.run?.state === 'typed') this.finishRun(null, 'the shell did not run the block (it was interrupted, or text already on the command line spoiled it)', offset);
        this.typed = null;
        // A prompt command that rewrites PS1 loses our B mark: settle anyway shortly after.
        if (this.settleTimer) clearTimeout(this.settleTimer);
        this.settleTimer = setTimeout(() => this.settlePrompt(), 2000);
        if (ev.changed) this.emitStatus();
        return;
      case 'settled':
        this.promptSettled();
        if (ev.changed) this.emitStatus();
        return;
      case 'command-start':
        if (ev.changed) this.emitStatus();
        if (this.run && this.run.state === 'typed') {
          this.run.state = 'started';
          // A replayed start (before the reattach) has no trustworthy clock here: the run's time counts from when it was typed.
          if (offset > this.liveFrom) this.run.startedAt = performance.now();
          this.run.outputFrom = offset;
        } else if (!this.run) {
          this.typed = OperatorCommand.started(offset, this.stepIndex);
        }
        return;
      case 'property':
        this.onProperty(ev.key, ev.value, offset);
        return;
      case 'command-line':
        if (this.typed) this.typed.text = ev.text;
        return;
      case 'command-done':
        if (this.run && this.run.state !== 'typed') this.finishRun(ev.exitCode, null, offset);
        else if (this.typed) this.finishTyped(ev.exitCode, offset);
        return;
    }
  }

  /** The Run handshake with `__drillbook_block` (integration.ts). */
  private onProperty(key: string, value: string, offset: number): void {
    const run = this.run;
    const mine = !!run && run.req.runId === value;
    if (key === 'DrillbookReady') {
      if (!this.backend) return;
      // Replayed from before the reattach: the old server answered it, or died first (then the shell gives up and refuses).
      // (`offset` is just past the mark: a mark ending exactly where the live output starts was replayed too.)
      if (offset <= this.liveFrom) {
        if (mine) run!.readyMissed = true;
        return;
      }
      // An old Run line recalled from history is told there is nothing to run.
      if (!mine || run!.state !== 'started') {
        this.backend.write('!\r');
        return;
      }
      const req = run!.req;
      const script = req.plan ?? blockScript({ text: req.text, attrs: req.cwd ? { cwd: req.cwd } : {} });
      // The drill's id reaches the block as in `drillbook run` (an SSH terminal's shell does not have it otherwise).
      this.backend.write(blockTransfer({ ...script, env: req.drillId ? { DRILLBOOK_DRILL_ID: req.drillId } : {} }));
    } else if (key === 'DrillbookOutput' && mine) {
      run!.state = 'running';
      run!.readyMissed = false;
      run!.outputFrom = offset;
      run!.capture = new OutputCapture();
    } else if (key === 'DrillbookRefused' && mine) {
      run!.refused = run!.readyMissed
        ? 'Drillbook stopped after the shell asked for the block and before sending it, so the block was not run'
        : 'the block did not reach the shell intact (keys typed while it was sent?), so it was not run';
    }
  }

  /** Output goes to the run of ours once its block's output has begun, else to the command the operator typed. */
  private capture(bytes: Uint8Array): void {
    if (this.run) {
      if (this.run.state === 'running') this.run.capture.push(bytes);
    } else this.typed?.capture.push(bytes);
  }

  private updatePause(): void {
    const want = this.views.paused || this.diskPaused;
    if (want === this.sourcePaused || !this.backend) return;
    this.sourcePaused = want;
    if (want) this.backend.pause();
    else this.backend.resume();
  }

  /** The viewer has parsed `bytes` more bytes. */
  ack(sink: TerminalSink, bytes: number): void {
    this.views.ack(sink, bytes);
  }

  /** Adds a view (the others keep theirs); with `replay`, it first gets the transcript's tail (views.ts). */
  attach(sink: TerminalSink, replay: boolean): void {
    this.views.attach(sink, replay);
  }

  detach(sink: TerminalSink): void {
    this.views.detach(sink);
  }

  get viewers(): TerminalSink[] {
    return this.views.list;
  }

  input(data: string | Uint8Array): void {
    if (this.status === 'disconnected' || this.status === 'exited' || this.status === 'failed') {
      // "One action reconnects": Enter in a dead terminal brings it back.
      const s = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
      if (s.includes('\r')) void this.start();
      return;
    }
    if (this.status !== 'open' || !this.backend) return;
    this.backend.write(data);
    this.inputLog.note(data);
  }

  resize(cols: number, rows: number): void {
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    this.backend?.resize(cols, rows);
    this.transcript.note({ t: 'resize', cols, rows });
  }

  noteStep(stepIndex: number | null, title: string | null): IndexRecord {
    this.stepIndex = stepIndex;
    return this.transcript.note({ t: 'step', stepIndex, title });
  }

  /** The settle fallback fired: settle if the shell is still at its prompt. */
  private settlePrompt(): void {
    if (this.tracker.settle()) this.promptSettled();
    else this.settleTimer = null;
  }

  /** The prompt is ready for input: Runs waiting for it may go. */
  private promptSettled(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    this.wakeReadyWaiters();
    this.pump();
  }

  /** Waits until the shell is at a prompt ready for input (or has shown that it never will be), bounded. */
  waitReady(timeoutMs: number): Promise<void> {
    const connecting = this.status === 'connecting' || this.status === 'prompting' || this.status === 'open';
    if (!connecting || this.tracker.ready || this.tracker.shell === 'running') {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.readyWaiters.push(done);
    });
  }

  private wakeReadyWaiters(): void {
    const w = this.readyWaiters;
    this.readyWaiters = [];
    for (const f of w) f();
  }

  /**
   * Queues a block to run in this terminal. Runs go one at a time, in the
   * order they were asked for, each once the shell is back at its prompt:
   * Drillbook types one short line (`__drillbook_block …`), the shell turns
   * echo off and says it is ready, the block follows as escaped lines and
   * runs in a fresh `bash -e -o pipefail` child (integration.ts), so nothing
   * is pasted through readline and nothing carries from one block to the
   * next. Each run gets its own exit code, output range and time.
   */
  send(req: RunRequest): { tracked: boolean; note: string | null; mode: 'script'; offset: number; queued: number; typed: boolean } {
    if (this.status !== 'open' || !this.backend) throw new Error(`the ${this.target} terminal is not connected (${this.message ?? this.status})`);
    if (!this.tracker.integrated) {
      throw new Error(`the ${this.target} terminal's shell does not run Drillbook's integration (no bash there), so Run cannot run the block as drillbook run would; copy the block and run it by hand`);
    }
    const ahead = this.queue.length + (this.run ? 1 : 0);
    // A command typed by hand (not a run of ours) keeps the shell busy too.
    const busy = this.tracker.shell === 'running' && !this.run;
    this.queue.push(req);
    const offset = this.transcript.offset;
    this.transcript.note({ t: 'command', runId: req.runId, stepIndex: req.stepIndex, name: req.name, text: req.text, target: this.target, mode: 'script', ...(ahead || busy ? { queued: true } : {}) });
    const note = ahead ? `queued behind ${ahead} earlier run${ahead > 1 ? 's' : ''}` : busy ? 'queued until the command running in the terminal ends' : null;
    this.pump(true);
    this.emitStatus();
    // typed: its Run line went to the shell now, at `offset`; otherwise `command.started` will say where, when its turn comes.
    return { tracked: true, note, mode: 'script', offset, queued: ahead + (busy ? 1 : 0), typed: this.run?.req === req };
  }

  /** Takes back a run that has not started yet. */
  cancelQueued(runId: string): RunRequest | null {
    const i = this.queue.findIndex((r) => r.runId === runId);
    if (i < 0) return null;
    const [req] = this.queue.splice(i, 1);
    this.transcript.note({ t: 'result', runId, exitCode: null, expectPassed: null, message: 'cancelled before it started', outputFrom: null, outputTo: null });
    this.emitStatus();
    return req!;
  }

  /** Starts the next queued run when the shell is idle at a settled prompt. */
  private pump(fromSend = false): void {
    if (this.run || this.queue.length === 0 || !this.backend || this.status !== 'open') return;
    if (!this.tracker.ready) return;
    const req = this.queue.shift()!;
    this.run = { req, state: 'typed', refused: null, sentAt: performance.now(), startedAt: null, capture: new OutputCapture(), outputFrom: null, timer: null, readyMissed: false };
    if (req.timeoutMs !== undefined) {
      const run = this.run;
      run.timer = setTimeout(() => {
        if (this.run !== run) return;
        // As `drillbook run` kills a block that outlives its timeout: interrupt it, and record the failure.
        this.backend?.write('\x03');
        this.finishRun(null, `no exit status after ${Math.round(req.timeoutMs! / 1000)}s (timeout)`, this.transcript.offset);
      }, req.timeoutMs);
    }
    const offset = this.transcript.offset;
    if (!fromSend) this.init.hooks.runStarted(req, offset);
    // Ctrl-U first (readline's unix-line-discard, emacs and vi alike): half-typed text would spoil the Run line.
    this.backend.write('\x15' + blockCommandLine(req.runId) + '\r');
    this.emitStatus();
  }

  private finishRun(exitCode: number | null, problem: string | null, offset: number): void {
    const run = this.run;
    if (!run) return;
    this.run = null;
    if (run.timer) clearTimeout(run.timer);
    if (!problem && run.refused) problem = run.refused;
    if (!problem && run.state !== 'running') problem = 'the shell did not run the block (it was interrupted before the block arrived)';
    const output = run.capture.text();
    let expectPassed: boolean | null;
    let message: string;
    if (problem) {
      expectPassed = false;
      message = problem;
    } else {
      const verdict = checkExpect(run.req.expect, exitCode, output);
      expectPassed = verdict.passed;
      message = verdict.message;
    }
    const outcome: RunOutcome = {
      runId: run.req.runId,
      exitCode,
      expectPassed,
      message,
      durationMs: Math.round(performance.now() - (run.startedAt ?? run.sentAt)),
      outputTail: output.slice(-4000),
      outputFrom: run.outputFrom,
      outputTo: offset,
    };
    this.transcript.note({ t: 'result', runId: outcome.runId, exitCode, expectPassed, message, outputFrom: outcome.outputFrom, outputTo: outcome.outputTo });
    this.init.hooks.runFinished(outcome, run.req);
    this.emitStatus();
    // The next queued run waits for the prompt (prompt-end → settlePrompt → pump).
    queueMicrotask(() => this.pump());
  }

  private finishTyped(exitCode: number | null, offset: number): void {
    const t = this.typed;
    if (!t) return;
    this.typed = null;
    const cmd = t.finish(exitCode, offset);
    this.transcript.note({ t: 'typed', text: cmd.text, exitCode, stepIndex: cmd.stepIndex, outputFrom: cmd.outputFrom, outputTo: cmd.outputTo });
    this.init.hooks.commandTyped(cmd);
  }

  private onEnd(backend: TerminalBackend, end: { exitCode: number | null; signal: string | null; error: string | null }): void {
    if (backend !== this.backend) return;
    this.batcher.flush();
    this.inputLog.flush();
    this.backend = null;
    this.tracker.ended();
    if (this.run) this.finishRun(null, end.error ? `the connection was lost before the command finished: ${end.error}` : 'the shell ended before the command finished', this.transcript.offset);
    this.typed = null;
    this.failQueued(end.error ? `the connection was lost before it started: ${end.error}` : 'the shell ended before it started');
    if (this.status === 'closed') return;
    if (end.error) {
      const message = `connection lost: ${end.error}`;
      this.notice(`\x1b[33m${message}. The drill goes on. Press Enter or Reconnect to reconnect.\x1b[39m`);
      this.setStatus('disconnected', message);
    } else {
      const message = end.signal ? `the shell was ended by signal ${end.signal}` : `the shell exited with code ${end.exitCode ?? 'unknown'}`;
      this.notice(`${message}. Press Enter or Reconnect to start a new one.`);
      this.setStatus('exited', message);
      this.init.hooks.exit(this.info(), end.exitCode, end.signal);
    }
    this.wakeReadyWaiters();
  }

  /** Queued runs that can no longer start are recorded as not run, with the reason. */
  private failQueued(reason: string): void {
    const waiting = this.queue;
    this.queue = [];
    for (const req of waiting) {
      this.transcript.note({ t: 'result', runId: req.runId, exitCode: null, expectPassed: false, message: reason, outputFrom: null, outputTo: null });
      this.init.hooks.runFinished({ runId: req.runId, exitCode: null, expectPassed: false, message: reason, durationMs: 0, outputTail: '', outputFrom: null, outputTo: null }, req);
    }
  }

  private setStatus(status: TerminalStatus, message: string | null): void {
    const changed = status !== this.status || message !== this.message;
    this.status = status;
    this.message = message;
    if (!changed) return;
    this.transcript.note({ t: 'status', status, message: message ?? '' });
    this.emitStatus();
  }

  private emitStatus(): void {
    this.init.hooks.status(this.info());
  }

  async close(reason = 'closed'): Promise<void> {
    if (this.status === 'closed') return;
    this.generation++;
    if (this.run) this.finishRun(null, 'the terminal was closed before the command finished', this.transcript.offset);
    this.failQueued('the terminal was closed before it started');
    this.inputLog.flush();
    this.batcher.flush();
    this.batcher.dispose();
    const backend = this.backend;
    this.backend = null;
    backend?.close();
    this.setStatus('closed', reason);
    this.transcript.note({ t: 'close', reason });
    this.wakeReadyWaiters();
    await this.transcript.close();
  }
}
