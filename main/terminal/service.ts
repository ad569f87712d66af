/**
 * TerminalService: the terminals of every drill, keyed by id, each bound
 * to a drill (or none) and a target. Hosts (web, Electron, tests) attach a
 * sink per connection to receive output; control goes through the JSON API.
 *
 * Commands Drillbook types (Run) become drill events: one when typed
 * (`command.run`, with the text, target and time) and one when the shell
 * reports the exit status (`command.run` with `resultOf`), which the
 * reducer folds into the same record.
 */
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { TerminalHostClient, type HostBackend } from './host/client';
import type { HostSession } from './host/protocol';
import os from 'node:os';
import path from 'node:path';
import { badRequest, conflict, notFound } from '../common/errors';
import type { DrillService, TerminalEventType } from '../drill/service';
import type { EventData } from '../drill/events';
import type { DrillSnapshot } from '../drill/model';
import type { TargetSpec } from '../runbook/model';
import { APP_ROOT } from '../version';
import {
  connectSsh,
  describeEndpoint,
  endpointForTarget,
  systemResolveContext,
  type HostKeyPolicy,
  type Prompter,
  type ResolveContext,
} from '../ssh';
import { findBash, localIntegrationFile, openSshShell, spawnLocalShell, type TerminalBackend } from './backend';
import { PromptBroker } from './prompts';
import { TerminalSession, type RunOutcome, type RunRequest } from './session';
import { newId } from '../common/ids';
import { SequenceScanner } from './scanner';
import { terminalBlockScript } from '../runbook/block-script';
import { planContext } from '../runbook/plan';
import { TranscriptWriter, listTranscripts, readTranscriptIndex, transcriptPaths, readTranscriptBytes, type IndexRecord } from './transcript';
import type { PromptAnswer, PromptInfo, RunResult, TerminalEvent, TerminalInfo, TerminalSink, TranscriptInfo } from './types';

export interface TerminalSshOptions {
  /** ~/.ssh/config to use (default: the user's). */
  configFile?: string;
  /** known_hosts files (first one is written); default OpenSSH's. */
  knownHostsFiles?: string[];
  /** ssh-agent socket; default $SSH_AUTH_SOCK; null: none. */
  agentSocket?: string | null;
  hostKeyPolicy?: HostKeyPolicy;
  timeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export interface TerminalServiceOptions {
  dataDir: string;
  drills: DrillService;
  emit: (event: TerminalEvent) => void;
  ssh?: TerminalSshOptions;
  /** Local shell override (tests). */
  localShell?: { file: string; args: string[] };
  /** Folder with the `drillbook` launcher, put first on PATH in local terminals. */
  binDir?: string;
  /**
   * Local shells live in the terminal host process (main/terminal/host), so
   * they survive a crash or restart of this server. Off: in this process.
   */
  terminalHost?: { graceMs?: number } | false;
}

export interface OpenParams {
  drillId?: string | null;
  target: string;
  cols: number;
  rows: number;
  /** Return the drill's live terminal for this target if there is one (default true). */
  reuse?: boolean;
}

const READY_TIMEOUT_MS = 20_000;
const MAX_TERMINALS = 32;

export class TerminalService {
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly prompts: PromptBroker;
  private readonly activeStep = new Map<string, number | null>();
  private readonly unsubscribe: () => void;
  private host: Promise<TerminalHostClient> | null = null;
  /** Terminals whose shell lives in the terminal host. */
  private readonly hostBacked = new Set<string>();
  /** Terminals of running drills that the host no longer had at start-up: reported when the drill resumes. */
  private readonly lost = new Map<string, LostTerminal[]>();
  /** Results of Runs that finished while their drill was interrupted (the server restarted): recorded on resume. */
  private readonly deferred = new Map<string, (() => void)[]>();
  /** "Terminal lost" sentences, shown in the next terminal opened for that drill and target. */
  private readonly lostNotice = new Map<string, string>();
  /** The view that last typed into each terminal: the one whose terminal answers queries. */
  private readonly lastTyper = new Map<string, TerminalSink>();

  constructor(private readonly opts: TerminalServiceOptions) {
    this.prompts = new PromptBroker((prompt, state) => opts.emit({ type: 'terminal.prompt', prompt, state }));
    this.unsubscribe = opts.drills.onChange((snap) => this.onDrillChange(snap));
  }

  // -------------------------------------------------------------------------
  // Opening

  open(p: OpenParams, sink?: TerminalSink): TerminalInfo {
    const drillId = p.drillId ?? null;
    let targets: readonly TargetSpec[] = [{ name: 'local', kind: 'local' }];
    let stepIndex: number | null = null;
    if (drillId) {
      const snap = this.opts.drills.get(drillId);
      if (snap.status !== 'running') throw conflict(`drill ${drillId} is ${snap.status}; its terminals are closed (see its transcripts)`);
      if (snap.interrupted) throw conflict('this drill was interrupted; resume it first');
      targets = this.opts.drills.runbookOf(drillId).meta.targets;
      stepIndex = currentStep(snap);
    }
    if (p.reuse !== false) {
      const existing = [...this.sessions.values()].reverse().find((s) => s.drillId === drillId && s.target === p.target && s.alive);
      if (existing) {
        if (sink) existing.attach(sink, false);
        existing.resize(p.cols, p.rows);
        return existing.info();
      }
    }
    if ([...this.sessions.values()].filter((s) => s.alive).length >= MAX_TERMINALS) {
      throw conflict(`too many terminals open (${MAX_TERMINALS}); close some first`);
    }
    const spec = targets.find((t) => t.name === p.target);
    const isLocal = p.target === 'local' || spec?.kind === 'local';
    if (!spec && drillId && !isLocal) {
      throw notFound(`the runbook has no target "${p.target}" (it has ${targets.map((t) => t.name).join(', ')})`);
    }
    let endpoint = 'local shell';
    let start: (s: TerminalSession) => Promise<{ backend: TerminalBackend; integrated: boolean | null }>;
    if (isLocal) {
      start = (s) => this.startLocal(s);
    } else {
      // Resolve now so a typo in a target is an immediate, clear error.
      let ep;
      try {
        ep = endpointForTarget(p.target, targets, { ctx: this.resolveContext() });
      } catch (err) {
        throw badRequest((err as Error).message);
      }
      endpoint = describeEndpoint(ep);
      start = (s) => this.startSsh(s, targets);
    }
    const terminalId = newId('t');
    const paths = transcriptPaths(this.opts.dataDir, drillId, terminalId);
    const viaHost = !!this.opts.terminalHost;
    const transcript = new TranscriptWriter(paths, Date.now, viaHost ? { offset: fileSize(paths.out) } : null);
    const session = this.makeSession({
      terminalId,
      drillId,
      target: p.target,
      kind: isLocal ? 'local' : 'ssh',
      endpoint,
      cols: p.cols,
      rows: p.rows,
      transcript,
      stepIndex,
      start,
    });
    this.sessions.set(session.id, session);
    if (sink) session.attach(sink, false);
    const lostKey = `${drillId}\n${p.target}`;
    const lost = this.lostNotice.get(lostKey);
    if (lost) {
      this.lostNotice.delete(lostKey);
      session.notice(`\x1b[33m${lost}\x1b[39m`);
    }
    void session.start();
    return session.info();
  }

  private makeSession(init: Omit<ConstructorParameters<typeof TerminalSession>[0], 'hooks'>): TerminalSession {
    const session: TerminalSession = new TerminalSession({
      ...init,
      hooks: {
        status: (info) => this.opts.emit({ type: 'terminal.status', terminal: info }),
        exit: (info, exitCode, signal) =>
          this.opts.emit({ type: 'terminal.exit', terminalId: info.terminalId, drillId: info.drillId, exitCode, signal, message: info.message ?? '' }),
        runFinished: (outcome, req) => this.recordResult(session, outcome, req),
        // `offset`: where its Run line was typed, so a server restarted mid-run can follow it again (adoptOne).
        runStarted: (req, offset) => this.record(req.drillId, 'command.started', req.stepIndex, { runId: req.runId, terminalId: session.id, offset, startedAt: new Date().toISOString() }),
        commandTyped: (cmd) =>
          this.record(session.drillId, 'command.typed', cmd.stepIndex, {
            target: session.target,
            text: cmd.text,
            exitCode: cmd.exitCode,
            startedAt: cmd.startedAt,
            endedAt: cmd.endedAt,
            durationMs: cmd.durationMs,
            terminalId: session.id,
            transcript: session.transcript.paths.out,
            outputFrom: cmd.outputFrom,
            outputTo: cmd.outputTo,
            outputTail: cmd.outputTail,
          }),
        noIntegration: (reason) => this.record(session.drillId, 'terminal.integration', null, { terminalId: session.id, target: session.target, reason }),
      },
    });
    return session;
  }

  // -------------------------------------------------------------------------
  // The terminal host

  private hostClient(): Promise<TerminalHostClient> {
    const cfg = this.opts.terminalHost;
    if (!cfg) return Promise.reject(new Error('no terminal host'));
    if (!this.host) {
      const p = TerminalHostClient.connect(this.opts.dataDir, cfg.graceMs !== undefined ? { graceMs: cfg.graceMs } : {});
      this.host = p;
      p.then(
        (c) =>
          c.onClose(() => {
            if (this.host === p) this.host = null;
          }),
        () => {
          if (this.host === p) this.host = null;
        },
      );
    }
    return this.host;
  }

  /**
   * At start-up: takes back the shells the terminal host kept running while
   * no server was attached. A drill's unfinished Run is followed again from
   * where it was typed, so a block that ended while Drillbook was down gets
   * its exit code and output from the transcript the host kept writing.
   * Terminals of running drills that the host no longer has (it died, the
   * machine rebooted) are remembered and reported when the drill resumes.
   */
  async adoptFromHost(): Promise<{ adopted: string[]; lost: LostTerminal[] }> {
    const client = await this.hostClient();
    const hostSessions = await client.list();
    const adopted: string[] = [];
    for (const hs of hostSessions) {
      if (this.sessions.has(hs.id)) continue;
      const drillId = hs.meta.drillId;
      let running = drillId === null;
      if (drillId) {
        try {
          running = this.opts.drills.get(drillId).status === 'running';
        } catch {
          running = false;
        }
      }
      if (!running) {
        client.forget(hs.id); // its drill is over (or gone): nothing may run in it any more
        continue;
      }
      this.adoptOne(client, hs);
      adopted.push(hs.id);
    }
    const lost = this.findLost(new Set(hostSessions.map((h) => h.id)));
    return { adopted, lost };
  }

  private adoptOne(client: TerminalHostClient, hs: HostSession): void {
    const pending = hs.meta.drillId ? pendingRuns(this.opts.drills, hs.meta.drillId).filter((r) => r.terminalId === hs.id) : [];
    // Runs go one at a time, so at most one had its Run line typed: follow it from there. (Older ones cannot be
    // followed any more and are closed below with the reason.)
    const typed = pending.filter((r) => r.offset !== null && r.offset <= hs.offset);
    const first = typed[typed.length - 1] ?? null;
    // Where no Run is in flight, the transcript's tail says what the shell was doing (at a prompt, or running a typed command).
    const state = first ? null : reattachState(transcriptPaths(this.opts.dataDir, hs.meta.drillId, hs.id), hs.offset, hs.meta.integrated);
    const from = first ? first.offset! : (state?.typed?.outputFrom ?? hs.offset);
    const transcript = new TranscriptWriter(transcriptPaths(this.opts.dataDir, hs.meta.drillId, hs.id), Date.now, { offset: from });
    let adoptedOnce = false;
    const session = this.makeSession({
      terminalId: hs.id,
      drillId: hs.meta.drillId,
      target: hs.meta.target,
      kind: hs.meta.kind,
      endpoint: hs.meta.endpoint,
      cols: hs.cols,
      rows: hs.rows,
      transcript,
      stepIndex: hs.meta.drillId ? this.stepOf(hs.meta.drillId) : null,
      reattached: { openedAt: hs.meta.openedAt },
      start: async (s) => {
        if (adoptedOnce) return s.kind === 'local' ? this.startLocal(s) : this.startSsh(s, this.targetsOf(s.drillId));
        adoptedOnce = true;
        if (first) s.expectRun(first.req, first.sentAtMs, hs.offset);
        else s.primeReattached({ liveFrom: hs.offset, integrated: hs.meta.integrated, shell: state!.shell, typed: state!.typed });
        const { backend } = await client.attach(hs.id, from);
        this.hostBacked.add(s.id);
        return { backend, integrated: hs.meta.integrated ? null : false };
      },
    });
    this.sessions.set(session.id, session);
    // The queue lived in the server that died. A run still waiting for its turn is not typed into the shell
    // minutes later on its own (the operator may have acted meanwhile): it is closed, saying so; Run again to run it.
    for (const r of pending) {
      if (r === first) continue;
      const message =
        r.offset === null
          ? 'not run: Drillbook stopped while this run was queued, before its turn came; click Run again if it is still needed'
          : 'no exit status: Drillbook stopped while it ran and the terminal host no longer had its output';
      this.recordResult(session, { runId: r.req.runId, exitCode: null, expectPassed: false, message, durationMs: 0, outputTail: '', outputFrom: null, outputTo: null }, r.req, false);
    }
    void session.start();
  }

  private stepOf(drillId: string): number | null {
    try {
      return currentStep(this.opts.drills.get(drillId));
    } catch {
      return null;
    }
  }

  /** Transcripts of running drills that were never closed and whose shell is not in the host. */
  private findLost(inHost: Set<string>): LostTerminal[] {
    const all: LostTerminal[] = [];
    for (const snap of this.opts.drills.active()) {
      const found: LostTerminal[] = [];
      for (const t of listTranscripts(this.opts.dataDir, snap.id)) {
        if (t.kind === 'exec' || inHost.has(t.terminalId) || this.sessions.has(t.terminalId)) continue;
        const last = lastRecord(t.index);
        if (!last || last.t === 'close') continue;
        // Its shell had already ended (exit, dropped connection) before Drillbook went down: nothing was lost.
        if (last.t === 'status' && ['exited', 'failed', 'disconnected', 'closed'].includes(String(last.status))) continue;
        let lastSeen = typeof last.at === 'string' ? last.at : null;
        try {
          const mtime = statSync(t.out).mtime.toISOString();
          if (!lastSeen || mtime > lastSeen) lastSeen = mtime;
        } catch {
          /* no output file */
        }
        found.push({ terminalId: t.terminalId, drillId: snap.id, target: t.target, endpoint: t.endpoint, lastSeen, index: t.index, out: t.out });
      }
      if (found.length) this.lost.set(snap.id, found);
      all.push(...found);
    }
    return all;
  }

  /**
   * The drill was resumed (drill.recover): records each terminal that did not
   * survive (which one, when it was last seen) as a drill note, and ends its
   * unfinished Runs with that reason. Returns the sentences it recorded.
   */
  resumed(drillId: string): string[] {
    const late = this.deferred.get(drillId) ?? [];
    this.deferred.delete(drillId);
    for (const record of late) record();
    const lost = this.lost.get(drillId) ?? [];
    this.lost.delete(drillId);
    const messages: string[] = [];
    for (const t of lost) {
      const seen = t.lastSeen ? t.lastSeen.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : null;
      const text = `The ${t.target} terminal (${t.terminalId}, ${t.endpoint || 'shell'}) did not survive while Drillbook was down${seen ? `: last seen ${seen}` : ''}. Whatever ran in it was ended; its transcript is kept.`;
      messages.push(text);
      this.lostNotice.set(`${drillId}\n${t.target}`, text);
      try {
        // On the step the operator was on, so it shows beside the step as well as in the activity log.
        this.opts.drills.addNote(drillId, currentStep(this.opts.drills.get(drillId)), text);
        for (const r of pendingRuns(this.opts.drills, drillId).filter((p) => p.terminalId === t.terminalId)) {
          this.opts.drills.commandRun(drillId, r.stepIndex, {
            resultOf: r.req.runId,
            runId: r.req.runId,
            target: t.target,
            text: r.req.text,
            name: r.req.name,
            terminalId: t.terminalId,
            exitCode: null,
            expectPassed: null,
            message: `the terminal was lost before the command finished (last seen ${seen ?? 'unknown'})`,
          });
        }
      } catch {
        /* the drill ended meanwhile */
      }
      // Reported once: the transcript is closed with the reason, durably before the next event.
      const record = { t: 'close', reason: `lost while Drillbook was down (last seen ${t.lastSeen ?? 'unknown'})`, at: new Date().toISOString(), offset: fileSize(t.out) };
      try {
        appendFileSync(t.index, JSON.stringify(record) + '\n', { mode: 0o600 });
      } catch {
        /* the note above already says it */
      }
    }
    return messages;
  }

  private resolveContext(): ResolveContext {
    return systemResolveContext(this.opts.ssh?.configFile);
  }

  private async startLocal(s: TerminalSession): Promise<{ backend: TerminalBackend; integrated: boolean | null }> {
    if (this.opts.terminalHost && s.kind === 'local') return this.startInHost(s);
    const { env, cwd } = this.localEnv(s);
    const backend = spawnLocalShell({
      cols: s.cols,
      rows: s.rows,
      cwd,
      env,
      integrationDir: path.join(this.opts.dataDir, 'shell'),
      ...(this.opts.localShell ? { shell: this.opts.localShell } : {}),
    });
    return { backend, integrated: backend.integrated ? null : false };
  }

  /** A local shell in the terminal host: it outlives this server. */
  private async startInHost(s: TerminalSession): Promise<{ backend: TerminalBackend; integrated: boolean | null }> {
    const { env, cwd } = this.localEnv(s);
    const bash = this.opts.localShell ? null : findBash();
    const file = this.opts.localShell?.file ?? bash ?? process.env.SHELL ?? '/bin/sh';
    const args = this.opts.localShell?.args ?? (bash ? ['--rcfile', localIntegrationFile(path.join(this.opts.dataDir, 'shell')), '-i'] : []);
    const client = await this.hostClient();
    const hs = await client.spawn({
      id: s.id,
      file,
      args,
      cwd,
      env,
      cols: s.cols,
      rows: s.rows,
      out: s.transcript.paths.out,
      meta: { drillId: s.drillId, target: s.target, kind: 'local', endpoint: s.endpoint, openedAt: s.openedAt, integrated: bash !== null },
    });
    const { backend } = await client.attach(s.id, hs.offset);
    this.hostBacked.add(s.id);
    return { backend: backend as HostBackend, integrated: bash !== null ? null : false };
  }

  private localEnv(s: TerminalSession): { env: Record<string, string>; cwd: string } {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (typeof v === 'string') env[k] = v;
    delete env.ELECTRON_RUN_AS_NODE;
    env.TERM = 'xterm-256color';
    env.COLORTERM = 'truecolor';
    env.DRILLBOOK_TERMINAL_ID = s.id;
    let cwd = os.homedir();
    if (s.drillId) {
      // The same scratch folder `drillbook run` gives a drill's blocks.
      cwd = path.join(this.opts.dataDir, 'work', s.drillId);
      mkdirSync(cwd, { recursive: true });
      env.DRILLBOOK_WORKDIR = cwd;
      env.DRILLBOOK_DRILL_ID = s.drillId;
    }
    const binDir = this.opts.binDir ?? path.join(APP_ROOT, 'bin');
    env.PATH = [binDir, env.PATH ?? ''].filter(Boolean).join(path.delimiter);
    return { env, cwd };
  }

  private targetsOf(drillId: string | null): readonly TargetSpec[] {
    return drillId ? this.opts.drills.runbookOf(drillId).meta.targets : [];
  }

  private async startSsh(s: TerminalSession, targets: readonly TargetSpec[]): Promise<{ backend: TerminalBackend; integrated: boolean | null }> {
    const endpoint = endpointForTarget(s.target, targets, { ctx: this.resolveContext() });
    s.endpoint = describeEndpoint(endpoint);
    const ssh = this.opts.ssh ?? {};
    if (this.opts.terminalHost) {
      // The host holds the connection, so the shell outlives this server; its questions come back here.
      const client = await this.hostClient();
      const hs = await client.connectSsh(
        {
          id: s.id,
          cols: s.cols,
          rows: s.rows,
          out: s.transcript.paths.out,
          meta: { drillId: s.drillId, target: s.target, kind: 'ssh', endpoint: s.endpoint, openedAt: s.openedAt, integrated: true },
          ssh: {
            endpoint,
            hostKeyPolicy: ssh.hostKeyPolicy ?? 'ask',
            ...(ssh.knownHostsFiles ? { knownHostsFiles: ssh.knownHostsFiles } : {}),
            ...(ssh.agentSocket !== undefined ? { agentSocket: ssh.agentSocket } : {}),
            ...(ssh.timeoutMs !== undefined ? { timeoutMs: ssh.timeoutMs } : {}),
            ...(ssh.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: ssh.keepaliveIntervalMs } : {}),
            ...(ssh.keepaliveCountMax !== undefined ? { keepaliveCountMax: ssh.keepaliveCountMax } : {}),
          },
        },
        { prompter: this.prompterFor(s), progress: (line) => s.notice(line) },
      );
      const { backend } = await client.attach(s.id, hs.offset);
      this.hostBacked.add(s.id);
      return { backend, integrated: null };
    }
    const conn = await connectSsh({
      endpoint,
      prompter: this.prompterFor(s),
      hostKeyPolicy: ssh.hostKeyPolicy ?? 'ask',
      ...(ssh.knownHostsFiles ? { knownHostsFiles: ssh.knownHostsFiles } : {}),
      ...(ssh.agentSocket !== undefined ? { agentSocket: ssh.agentSocket } : {}),
      ...(ssh.timeoutMs !== undefined ? { timeoutMs: ssh.timeoutMs } : {}),
      ...(ssh.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: ssh.keepaliveIntervalMs } : {}),
      ...(ssh.keepaliveCountMax !== undefined ? { keepaliveCountMax: ssh.keepaliveCountMax } : {}),
      onProgress: (line) => s.notice(line),
    });
    try {
      const backend = await openSshShell(conn, { cols: s.cols, rows: s.rows });
      return { backend, integrated: null };
    } catch (err) {
      conn.close();
      throw new Error(`connected to ${s.endpoint}, but it refused to start a shell: ${(err as Error).message}`);
    }
  }

  private prompterFor(s: TerminalSession): Prompter {
    const ask = async (q: Omit<PromptInfo, 'promptId' | 'expiresAt' | 'terminalId' | 'target'>): Promise<PromptAnswer | null> => {
      s.setPrompting(true);
      try {
        return await this.prompts.ask({ ...q, terminalId: s.id, target: s.target });
      } finally {
        s.setPrompting(false);
      }
    };
    return {
      hostKey: async (q) => {
        const a = await ask({
          kind: 'hostkey',
          message: `First connection to ${q.label} (${q.host}:${q.port}). Check that its ${q.keyType} key fingerprint is ${q.fingerprint} before accepting; it will be added to ${q.knownHostsFile}.`,
          host: q.host,
          port: q.port,
          keyType: q.keyType,
          fingerprint: q.fingerprint,
          knownHostsFile: q.knownHostsFile,
        });
        return a?.accept === true && !a.cancel;
      },
      secret: async (q) => {
        const a = await ask({ kind: q.kind, message: q.message });
        if (!a || a.cancel) return null;
        return a.values?.[0] ?? null;
      },
      keyboardInteractive: async (q) => {
        const a = await ask({
          kind: 'keyboard-interactive',
          message: q.instructions || q.name || `${q.label} asks:`,
          name: q.name,
          instructions: q.instructions,
          prompts: q.prompts,
        });
        if (!a || a.cancel) return null;
        return a.values ?? null;
      },
    };
  }

  // -------------------------------------------------------------------------
  // Using

  private session(terminalId: string): TerminalSession {
    const s = this.sessions.get(terminalId);
    if (!s || !s.alive) throw notFound(`no open terminal ${terminalId}`);
    return s;
  }

  /**
   * Input from a view. Every view may type (mirrored terminals); but when
   * several views are attached, each one's terminal would answer the same
   * query (DA, cursor position…), so answers (`reply`) are taken only from
   * the view that typed last (or the first attached, if none has).
   */
  input(terminalId: string, data: string | Uint8Array, sink?: TerminalSink, reply = false): void {
    const s = this.session(terminalId);
    if (sink && !reply) this.lastTyper.set(terminalId, sink);
    if (sink && reply) {
      const viewers = s.viewers;
      const typer = this.lastTyper.get(terminalId);
      const answering = typer && viewers.includes(typer) ? typer : viewers[0];
      if (answering && answering !== sink) return;
    }
    s.input(data);
  }

  resize(terminalId: string, cols: number, rows: number): void {
    this.session(terminalId).resize(cols, rows);
  }

  ack(terminalId: string, bytes: number, sink: TerminalSink): void {
    this.sessions.get(terminalId)?.ack(sink, bytes);
  }

  attach(terminalId: string, sink: TerminalSink, replay = true): TerminalInfo {
    const s = this.session(terminalId);
    s.attach(sink, replay);
    return s.info();
  }

  /** A connection went away: its terminals keep running, unwatched. */
  detachSink(sink: TerminalSink): void {
    for (const s of this.sessions.values()) s.detach(sink);
  }

  reconnect(terminalId: string): TerminalInfo {
    const s = this.session(terminalId);
    if (s.status === 'open' || s.status === 'connecting' || s.status === 'prompting') {
      throw conflict(`the ${s.target} terminal is ${s.status === 'open' ? 'connected' : 'already connecting'}`);
    }
    void s.start();
    return s.info();
  }

  async close(terminalId: string): Promise<void> {
    const s = this.sessions.get(terminalId);
    if (!s) throw notFound(`no terminal ${terminalId}`);
    this.prompts.withdraw(terminalId);
    this.sessions.delete(terminalId);
    await s.close('closed by the operator');
  }

  list(drillId?: string | null): TerminalInfo[] {
    return [...this.sessions.values()].filter((s) => s.alive && (drillId === undefined || s.drillId === drillId)).map((s) => s.info());
  }

  openPrompts(): PromptInfo[] {
    return this.prompts.open();
  }

  answer(promptId: string, answer: PromptAnswer): void {
    this.prompts.answer(promptId, answer);
  }

  /**
   * Types a runbook block into its target's terminal (opening it if needed)
   * and records the run. Live drills require `confirmed`: the UI asked.
   */
  async run(
    p: { drillId: string; stepIndex: number; commandIndex: number; confirmed?: boolean; terminalId?: string; cols?: number; rows?: number },
    sink?: TerminalSink,
  ): Promise<RunResult> {
    const snap = this.opts.drills.get(p.drillId);
    if (snap.status !== 'running') throw conflict(`drill ${p.drillId} is ${snap.status}; nothing more can run in it`);
    if (snap.interrupted) throw conflict('this drill was interrupted; resume it first');
    if (snap.mode === 'live' && p.confirmed !== true) {
      throw badRequest('this is a live drill: confirm the command before it is sent (confirmed: true)');
    }
    const runbook = this.opts.drills.runbookOf(p.drillId);
    const step = runbook.steps[p.stepIndex];
    if (!step) throw notFound(`the runbook has no step ${p.stepIndex + 1}`);
    const block = step.commands[p.commandIndex];
    if (!block) throw notFound(`step ${p.stepIndex + 1} has no code block ${p.commandIndex + 1}`);
    const target = block.attrs.target ?? 'local';
    // As `drillbook run` would run it (interpreter per language, `$ ` prompts stripped, cwd), or its reason not to.
    const isLocal = target === 'local' || runbook.meta.targets.find((t) => t.name === target)?.kind === 'local';
    const plan = terminalBlockScript(block, planContext(runbook, path.join(this.opts.dataDir, 'work', p.drillId)), isLocal);
    if ('refused' in plan) throw conflict(`this block is not run: ${plan.refused}`);

    let session: TerminalSession;
    if (p.terminalId) {
      session = this.session(p.terminalId);
      if (session.drillId !== p.drillId || session.target !== target) {
        throw badRequest(`terminal ${p.terminalId} is for ${session.target}, but this block runs on ${target}`);
      }
    } else {
      const info = this.open({ drillId: p.drillId, target, cols: p.cols ?? 120, rows: p.rows ?? 32 }, sink);
      session = this.session(info.terminalId);
    }
    await session.waitReady(READY_TIMEOUT_MS);
    if (session.status !== 'open') {
      throw conflict(`the ${target} terminal is not connected${session.message ? `: ${session.message}` : ''}`);
    }
    const name = block.attrs.name ?? block.attrs.id ?? null;
    const req: RunRequest = {
      runId: newId('r'),
      drillId: p.drillId,
      stepIndex: p.stepIndex,
      name,
      text: block.text,
      cwd: block.attrs.cwd ?? null,
      plan,
      expect: block.attrs.expect,
      timeoutMs: block.attrs.timeout ? block.attrs.timeout.seconds * 1000 : undefined,
    };
    let sent: ReturnType<TerminalSession['send']>;
    try {
      sent = session.send(req);
    } catch (err) {
      throw conflict((err as Error).message);
    }
    this.opts.drills.commandRun(p.drillId, p.stepIndex, {
      runId: req.runId,
      target,
      text: block.text,
      name,
      line: block.line,
      commandIndex: p.commandIndex,
      ...(sent.queued ? { queued: true } : {}),
      terminalId: session.id,
      transcript: session.transcript.paths.out,
      // Where its Run line was typed; a run that waits gets it in `command.started`.
      ...(sent.typed ? { offset: sent.offset } : {}),
      via: sent.mode,
      tracked: sent.tracked,
      // Why it waits or is untracked: spelled `message` like every command.run (main/drill/events.ts; `note` before).
      ...(sent.note ? { message: sent.note } : {}),
      ...(block.attrs.expect !== undefined ? { expect: block.attrs.expect } : {}),
      exitCode: null,
      expectPassed: null,
    });
    return { runId: req.runId, terminalId: session.id, tracked: sent.tracked, note: sent.note, queued: sent.queued };
  }

  /** Takes back a queued Run of the drill; one that has started cannot be (interrupt it in its terminal). */
  cancelQueued(drillId: string, runId: string): { cancelled: true } {
    for (const s of this.sessions.values()) {
      if (s.drillId !== drillId || !s.alive) continue;
      const req = s.cancelQueued(runId);
      if (!req) continue;
      this.recordResult(s, { runId, exitCode: null, expectPassed: null, message: 'cancelled before it started', durationMs: 0, outputTail: '', outputFrom: null, outputTo: null }, req);
      return { cancelled: true };
    }
    throw conflict('that run is not queued any more (it has started or ended); interrupt it in its terminal with Ctrl-C');
  }

  /** Records a terminal's own event in its drill (durable before anyone hears of it); a drill that ended keeps its transcript only. */
  private record<K extends TerminalEventType>(drillId: string | null, type: K, stepIndex: number | null, data: EventData<K>): void {
    if (!drillId) return;
    try {
      if (this.opts.drills.get(drillId).interrupted) {
        // A reattached terminal, before the drill is resumed: recorded on resume, in order, with its own times.
        const list = this.deferred.get(drillId) ?? [];
        list.push(() => this.record(drillId, type, stepIndex, data));
        this.deferred.set(drillId, list);
        return;
      }
    } catch {
      return;
    }
    try {
      this.opts.drills.terminalEvent(drillId, type, stepIndex, data);
    } catch {
      // The drill ended (or was interrupted) meanwhile: the transcript still has it.
    }
  }

  private recordResult(session: TerminalSession, outcome: RunOutcome, req: RunRequest, lateNote = true): void {
    if (!req.drillId) return;
    const drillId = req.drillId;
    let interrupted = false;
    try {
      interrupted = this.opts.drills.get(drillId).interrupted;
    } catch {
      return;
    }
    if (interrupted) {
      // Found in the output the terminal host kept while Drillbook was down; recorded once the drill resumes.
      const note = 'it finished while Drillbook was down: the exit code and output are from the transcript, the end time is when Drillbook reattached';
      const endedAt = outcome.endedAt ?? new Date().toISOString();
      const late = lateNote ? { ...outcome, endedAt, message: outcome.message ? `${outcome.message} (${note})` : note } : { ...outcome, endedAt };
      const list = this.deferred.get(drillId) ?? [];
      list.push(() => this.recordResult(session, late, req, lateNote));
      this.deferred.set(drillId, list);
      return;
    }
    try {
      this.opts.drills.commandRun(req.drillId, req.stepIndex, {
        resultOf: req.runId,
        runId: req.runId,
        target: session.target,
        text: req.text,
        name: req.name,
        terminalId: session.id,
        exitCode: outcome.exitCode,
        durationMs: outcome.durationMs,
        expectPassed: outcome.expectPassed,
        ...(req.expect !== undefined ? { expect: req.expect } : {}),
        ...(outcome.message ? { message: outcome.message } : {}),
        outputTail: outcome.outputTail,
        outputFrom: outcome.outputFrom,
        outputTo: outcome.outputTo,
        ...(outcome.endedAt ? { endedAt: outcome.endedAt } : {}),
      });
    } catch {
      // The drill ended (or was interrupted) before the command did: the transcript still has the result.
    }
  }

  // -------------------------------------------------------------------------
  // Drill steps → transcripts

  private onDrillChange(snap: DrillSnapshot): void {
    const sessions = [...this.sessions.values()].filter((s) => s.drillId === snap.id && s.alive);
    const step = snap.status === 'running' ? currentStep(snap) : null;
    const before = this.activeStep.get(snap.id);
    if (before !== step) {
      this.activeStep.set(snap.id, step);
      const title = step === null ? null : (snap.steps[step]?.title ?? null);
      for (const s of sessions) s.noteStep(step, title);
    }
    if (snap.status !== 'running') {
      // The drill is over: its terminals close, their transcripts stay.
      this.activeStep.delete(snap.id);
      for (const s of sessions) {
        this.prompts.withdraw(s.id);
        this.sessions.delete(s.id);
        void s.close(`the drill ${snap.status === 'aborted' ? 'was aborted' : 'ended'}`);
      }
    }
  }

  // -------------------------------------------------------------------------
  // Transcripts

  /** The transcripts recorded for a drill (terminals and headless runs). */
  transcripts(drillId: string): TranscriptInfo[] {
    return listTranscripts(this.opts.dataDir, drillId);
  }

  async transcriptIndex(drillId: string, terminalId: string, max?: number): Promise<{ records: IndexRecord[]; truncated: boolean }> {
    const t = this.findTranscript(drillId, terminalId);
    return readTranscriptIndex(t.index, max);
  }

  transcriptBytes(drillId: string, terminalId: string, offset: number, length: number): { bytes: Buffer; total: number } {
    const t = this.findTranscript(drillId, terminalId);
    return readTranscriptBytes(t.out, offset, length);
  }

  private findTranscript(drillId: string, terminalId: string): TranscriptInfo {
    const t = this.transcripts(drillId).find((x) => x.terminalId === terminalId);
    if (!t) throw notFound(`drill ${drillId} has no transcript ${terminalId}`);
    return t;
  }

  /** Test and bench hook: a session's flow state. */
  debugState(terminalId: string): { backlog: number; paused: boolean } {
    const s = this.session(terminalId);
    return { backlog: s.flowBacklog, paused: s.isPaused };
  }

  /**
   * The server is stopping. Shells in the terminal host keep running (the
   * next server reattaches to them); the others end.
   */
  async closeAll(): Promise<void> {
    this.unsubscribe();
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) this.prompts.withdraw(s.id);
    const kept = all.filter((s) => this.hostBacked.has(s.id) && s.status === 'open');
    await Promise.all(all.filter((s) => !kept.includes(s)).map((s) => s.close('Drillbook is shutting down')));
    await Promise.all(kept.map((s) => s.transcript.close()));
    const host = this.host;
    this.host = null;
    if (host) await host.then((c) => c.close()).catch(() => undefined);
  }
}

export interface LostTerminal {
  terminalId: string;
  drillId: string;
  target: string;
  endpoint: string;
  /** The last time anything was recorded for it (ISO UTC), if known. */
  lastSeen: string | null;
  index: string;
  out: string;
}

interface PendingRun {
  terminalId: string;
  stepIndex: number | null;
  /** Where its Run line was typed in the transcript; null while it waited in the queue. */
  offset: number | null;
  sentAtMs: number;
  req: RunRequest;
}

/**
 * Runs sent to a drill's terminals whose result was never recorded (oldest
 * first). `offset` comes from `command.run` for a run typed at once, from
 * `command.started` for one that waited its turn.
 */
export function pendingRuns(drills: DrillService, drillId: string): PendingRun[] {
  const open = new Map<string, PendingRun>();
  for (const e of drills.events(drillId)) {
    const d = e.data as Record<string, unknown>;
    if (e.type === 'command.started') {
      const run = typeof d.runId === 'string' ? open.get(d.runId) : undefined;
      if (run && typeof d.offset === 'number') {
        run.offset = d.offset;
        run.sentAtMs = typeof d.startedAt === 'string' && Number.isFinite(Date.parse(d.startedAt)) ? Date.parse(d.startedAt) : e.wallMs;
      }
      continue;
    }
    if (e.type !== 'command.run') continue;
    if (typeof d.resultOf === 'string') {
      open.delete(d.resultOf);
      continue;
    }
    if (typeof d.runId !== 'string' || typeof d.terminalId !== 'string' || d.tracked !== true) continue;
    open.set(d.runId, {
      terminalId: d.terminalId,
      stepIndex: e.stepIndex,
      offset: typeof d.offset === 'number' ? d.offset : null,
      sentAtMs: e.wallMs,
      req: {
        runId: d.runId,
        drillId,
        stepIndex: e.stepIndex,
        name: typeof d.name === 'string' ? d.name : null,
        text: typeof d.text === 'string' ? d.text : '',
        expect: typeof d.expect === 'number' || typeof d.expect === 'string' ? d.expect : undefined,
        timeoutMs: undefined,
      },
    });
  }
  return [...open.values()];
}

/** What a reattached shell was doing, from the last shell-integration marks before `liveFrom` in its transcript. */
export interface ReattachState {
  shell: 'prompt' | 'running' | 'unknown';
  /** A command typed by hand, started before the restart and not finished then: followed to its end. */
  typed: { outputFrom: number; startedAt: string } | null;
}

/**
 * Reads at most the last 256 KiB of the transcript (and 1 MiB of its index);
 * bounded whatever their size. A typed command whose start mark comes after
 * the last command record the old server wrote (`typed`, `command`,
 * `result`) was still running when it stopped — it may have ended during the
 * gap — so it is followed from that mark: its exit code and output are read
 * from what the host kept, its start time is when Enter was pressed for it.
 */
export function reattachState(paths: { out: string; index: string }, liveFrom: number, integrated: boolean): ReattachState {
  if (!integrated) return { shell: 'unknown', typed: null };
  const TAIL = 256 * 1024;
  const from = Math.max(0, liveFrom - TAIL);
  let bytes: Buffer;
  try {
    bytes = readTranscriptBytes(paths.out, from, liveFrom - from).bytes;
  } catch {
    return { shell: 'unknown', typed: null };
  }
  const records = tailRecords(paths.index);
  let boundary = -1;
  for (const r of records) if (['typed', 'command', 'result', 'open'].includes(String(r.t)) && typeof r.offset === 'number') boundary = Math.max(boundary, r.offset);
  const scanner = new SequenceScanner();
  let shell: ReattachState['shell'] = 'unknown';
  let inFlight: number | null = null;
  for (const ev of scanner.feed(bytes)) {
    const at = from + ev.offset;
    if (ev.kind === 'prompt-start' || ev.kind === 'prompt-end') shell = 'prompt';
    else if (ev.kind === 'command-start') {
      shell = 'running';
      if (inFlight === null && at > boundary) inFlight = at;
    }
  }
  if (inFlight === null) return { shell, typed: null };
  // When the operator pressed Enter for it: the last Enter recorded in the index before its start mark.
  let enter: string | null = null;
  for (const r of records) {
    if (r.t === 'input' && typeof r.offset === 'number' && r.offset <= inFlight && Array.isArray(r.keys) && r.keys.includes('Enter') && typeof r.at === 'string') enter = r.at;
  }
  // Without a start time it is not followed (the record would claim a time it does not have); the shell's state is then its last mark.
  return enter ? { shell: 'running', typed: { outputFrom: inFlight, startedAt: enter } } : { shell, typed: null };
}

function tailRecords(index: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  try {
    const total = statSync(index).size;
    const { bytes } = readTranscriptBytes(index, Math.max(0, total - 1024 * 1024), 1024 * 1024);
    for (const line of bytes.toString('utf8').split('\n')) {
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* a torn or partial line */
      }
    }
  } catch {
    /* no index */
  }
  return out;
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function lastRecord(file: string): Record<string, unknown> | null {
  try {
    const total = statSync(file).size;
    const { bytes } = readTranscriptBytes(file, Math.max(0, total - 16384), 16384);
    const lines = bytes.toString('utf8').trim().split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        return JSON.parse(lines[i]!) as Record<string, unknown>;
      } catch {
        /* a torn line */
      }
    }
  } catch {
    /* no index */
  }
  return null;
}

/** The step an operator is on: the running step started last. */
export function currentStep(snap: DrillSnapshot): number | null {
  let best: { index: number; at: string } | null = null;
  for (const s of snap.steps) {
    if (s.status === 'running' && s.startedAt && (!best || s.startedAt >= best.at)) best = { index: s.index, at: s.startedAt };
  }
  return best?.index ?? null;
}
