/**
 * The Drillbook core behind every host. `dispatch` takes an untrusted
 * message, validates it against the contract and runs it; `call` is the
 * typed in-process entry for trusted callers (the CLI, tests).
 */
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { z } from 'zod';
import { isMethod, paramSchemas, requestSchema, type ApiEvent, type Method, type Params, type Response, type Results } from './contract';
import { UserError, badRequest, notFound } from '../common/errors';
import { DrillService } from '../drill/service';
import { HistoryService } from '../history';
import { DatabaseGuard } from '../store/backup';
import { openDatabase, type Db } from '../store/db';
import { acquireWriterLock, WriterLockError, type WriterLock } from '../store/lock';
import { loadRunbookFile, scanRunbookDirs, watchRunbookDirs, RunbookError, type LibraryEntry, type Runbook } from '../runbook';
import { Settings } from './settings';
import { checkLibraryFolder, LibraryFolderError, systemFolderReason } from '../runbook/library';
import { systemNow, type Now } from '../drill/clock';
import { VERSION } from '../version';
import { TerminalService, type TerminalSshOptions } from '../terminal';
import type { TerminalSink } from '../terminal/types';
import { AttachmentStore, EvidenceService, terminalTranscripts, type PrintToPdf } from '../evidence';
import { runbookVars, runbookWithVars } from '../runbook/vars';
import { BackgroundPublisher } from '../team/client/background';
import { fileTokenStore, type TokenStore } from '../team/client/config';
import { joinTeam, leaveTeam, teamStatus, TeamJoinError } from '../team/client/membership';

export interface CoreOptions {
  dataDir: string;
  /** Runbook folders given on the command line (the bundled runbooks/ by default). */
  runbookDirs: string[];
  host: 'desktop' | 'web' | 'cli';
  now?: Now;
  watch?: boolean;
  /** SSH for terminals; default: the user's ~/.ssh (DRILLBOOK_SSH_CONFIG / DRILLBOOK_KNOWN_HOSTS override). */
  ssh?: TerminalSshOptions;
  /** How evidence reports become PDFs; headless Chromium by default (the desktop app passes Electron's). */
  printToPdf?: PrintToPdf;
  /** Local shells in the terminal host process, so they outlive this one (main/terminal/host); the web and desktop hosts. */
  terminalHost?: { graceMs?: number };
  /**
   * Records drills: takes the data folder's writer lock (main/store/lock.ts), so a second writer is refused
   * with the first one named. Default: the desktop and web hosts; CLI readers (history, stats, export) do not.
   */
  writer?: boolean;
  /**
   * Publish finished drills to the team server in the background when this data folder has joined one
   * (main/team/client/background.ts). Default: the desktop and web hosts; `drillbook run` asks for it.
   */
  teamPublish?: boolean;
  /** For tests: the wait before background publishing's retry n. */
  teamRetryMs?: (n: number) => number;
  /** Where the team API token is kept: the desktop app passes the OS keychain's (team/client/keychain.ts); team.json (0600) by default. */
  teamTokens?: TokenStore;
}

/** Who is calling: hosts pass the connection's terminal sink so output reaches that viewer. */
export interface CallContext {
  sink?: TerminalSink;
}

type Handler<M extends Method> = (params: Params<M>, ctx: CallContext) => Results[M] | Promise<Results[M]>;
export type EventListener = (event: ApiEvent) => void;

export class Core {
  readonly db: Db;
  readonly drills: DrillService;
  readonly history: HistoryService;
  /** Integrity check at start and automatic rotating backups (main/store/backup.ts). */
  readonly guard: DatabaseGuard;
  readonly terminals: TerminalService;
  /** Audit evidence and bundle export (main/evidence). */
  readonly evidence: EvidenceService;
  /** Background publishing to the team server, when this data folder has joined one. */
  readonly team: BackgroundPublisher;
  private readonly settings: Settings;
  private readonly listeners = new Set<EventListener>();
  private stopWatching: (() => void) | null = null;
  private readonly handlers: { [M in Method]: Handler<M> };

  private readonly writerLock: WriterLock | null;
  private closed = false;

  constructor(private readonly opts: CoreOptions) {
    this.db = openDatabase(opts.dataDir);
    try {
      this.writerLock = (opts.writer ?? opts.host !== 'cli') ? acquireWriterLock(opts.dataDir) : null;
    } catch (err) {
      this.db.close();
      if (err instanceof WriterLockError) throw new UserError('conflict', err.message);
      throw err;
    }
    this.drills = new DrillService(this.db, opts.now ?? systemNow);
    this.settings = new Settings(opts.dataDir);
    this.drills.onChange((drill) => this.emit({ type: 'drill.changed', drill }));
    this.history = new HistoryService(this.db, this.drills);
    this.guard = new DatabaseGuard(this.db, opts.dataDir, { longLived: opts.host !== 'cli', onHealth: (health) => this.emit({ type: 'db.health', health }) });
    this.drills.onChange((drill) => this.guard.drillChanged(drill));
    // Long-lived hosts: once the start-up check (and backup) is done, the hot runbook pages are computed in a worker.
    void this.guard.start().then(() => {
      if (opts.host !== 'cli' && !this.closed) void this.history.warmUp();
    });
    if (opts.watch) this.rewatch();
    this.terminals = new TerminalService({
      dataDir: opts.dataDir,
      drills: this.drills,
      emit: (e) => this.emit(e),
      ssh: opts.ssh ?? sshFromEnv(),
      ...(opts.terminalHost ? { terminalHost: opts.terminalHost } : {}),
    });
    const t = this.terminals;
    this.evidence = new EvidenceService(this.drills, new AttachmentStore(opts.dataDir), opts.now ?? systemNow, {
      dataDir: opts.dataDir,
      printToPdf: opts.printToPdf,
      transcripts: terminalTranscripts(opts.dataDir),
    });
    const ev = this.evidence;
    this.team = new BackgroundPublisher({
      db: this.db,
      dataDir: opts.dataDir,
      source: { drills: this.drills, attachments: this.evidence.attachments },
      ...(opts.teamRetryMs ? { retryMs: opts.teamRetryMs } : {}),
      tokens: opts.teamTokens ?? fileTokenStore,
      log: (m) => process.stderr.write(`drillbook: ${m}\n`),
    });
    if (opts.teamPublish ?? opts.host !== 'cli') {
      // A finished drill goes at once; a running one streams to observers, one round per live interval.
      this.drills.onChange((drill) => {
        if (drill.status !== 'running') this.team.kick();
        else this.team.liveSoon();
      });
      // Whatever an earlier session left queued (the server was down, the app was closed mid-publish).
      this.team.kick();
    }

    const d = this.drills;
    this.handlers = {
      'app.info': () => ({ version: VERSION, host: opts.host, dataDir: opts.dataDir, runbookDirs: this.runbookDirs() }),
      'runbooks.list': () => this.withStepsChoices(scanRunbookDirs(this.runbookDirs())),
      'runbooks.get': (p) => this.loadLibraryRunbook(p.path),
      'runbooks.addFolder': (p) => this.addFolder(p.path),
      'runbooks.vars': (p) => runbookVars(this.loadLibraryRunbook(p.path)),
      'runbooks.setSteps': (p) => this.setSteps(p.path, p.steps),
      'drill.start': (p) => d.start(runbookWithVars(this.runnableRunbook(this.loadLibraryRunbook(p.runbookPath)), p.vars), p.mode, p.operator),
      'drill.get': (p) => d.get(p.drillId),
      'drill.runbook': (p) => d.runbookOf(p.drillId),
      'drill.active': () => d.active(),
      'drill.recover': (p) => {
        d.recover(p.drillId);
        // Terminals that survived in the terminal host are already back (their late results are recorded now);
        // those that did not are recorded as lost, with when they were last seen.
        t.resumed(p.drillId);
        return d.get(p.drillId);
      },
      'step.start': (p) => d.stepStart(p.drillId, p.stepIndex),
      'step.complete': (p) => d.stepComplete(p.drillId, p.stepIndex),
      'step.skip': (p) => d.stepSkip(p.drillId, p.stepIndex, p.reason),
      'step.fail': (p) => d.stepFail(p.drillId, p.stepIndex, p.reason),
      'check.set': (p) => d.checkSet(p.drillId, p.stepIndex, p.itemIndex, p.checked, p.note),
      'note.add': (p) => d.addNote(p.drillId, p.stepIndex ?? null, p.text),
      'drill.pause': (p) => d.pause(p.drillId, p.reason),
      'drill.resume': (p) => d.resume(p.drillId),
      'drill.finish': (p) => d.finish(p.drillId),
      'drill.abort': (p) => d.abort(p.drillId, p.reason),
      'history.list': (p) => this.history.list(p),
      'history.count': (p) => this.history.count(p),
      'history.runbooks': () => this.history.runbooks(),
      'history.runbookStats': (p) => this.history.runbookStats(p),
      'history.drillWaterfall': (p) => this.history.waterfall(p.drillId),
      'history.compare': (p) => this.history.compare(p.a, p.b),
      'db.health': () => this.guard.health(),
      'db.backup': () =>
        this.guard.backup('manual').catch((err: Error) => {
          throw new UserError('conflict', err.message);
        }),
      'terminal.open': (p, c) => t.open(p, c.sink),
      'terminal.attach': (p, c) => t.attach(p.terminalId, needSink(c), p.replay ?? true),
      'terminal.input': (p, c) => nothing(t.input(p.terminalId, p.data, c.sink, p.reply === true)),
      'terminal.resize': (p) => nothing(t.resize(p.terminalId, p.cols, p.rows)),
      'terminal.ack': (p, c) => nothing(t.ack(p.terminalId, p.bytes, needSink(c))),
      'terminal.close': (p) => t.close(p.terminalId).then(() => null),
      'terminal.reconnect': (p) => t.reconnect(p.terminalId),
      'terminal.run': (p, c) => t.run(p, c.sink),
      'terminal.cancel': (p) => t.cancelQueued(p.drillId, p.runId),
      'terminal.answer': (p) => nothing(t.answer(p.promptId, p.answer)),
      'terminal.list': (p) => ({ terminals: t.list(p.drillId), prompts: t.openPrompts() }),
      'transcript.list': (p) => {
        d.get(p.drillId); // a clear "no drill" error
        return t.transcripts(p.drillId);
      },
      'transcript.get': async (p) => {
        const transcript = t.transcripts(p.drillId).find((x) => x.terminalId === p.terminalId);
        if (!transcript) throw notFound(`drill ${p.drillId} has no transcript ${p.terminalId}`);
        const index = await t.transcriptIndex(p.drillId, p.terminalId, p.maxRecords ?? 10_000);
        const offset = p.offset ?? 0;
        const slice = t.transcriptBytes(p.drillId, p.terminalId, offset, p.length ?? 0);
        return { transcript, records: index.records, truncated: index.truncated, bytes: slice.bytes.toString('base64'), offset, total: slice.total };
      },
      'participant.set': (p) => ev.setParticipant(p.drillId, p.name, p.role),
      'scenario.set': (p) => ev.setScenario(p.drillId, p.scenario, p.scope, p.testType),
      'failure.declare': (p) => ev.declareFailure(p.drillId, p.failureAt, p.note || undefined),
      'recoveryPoint.set': (p) => ev.setRecoveryPoint(p.drillId, p.backupId, p.backupAt, p.source || undefined),
      'finding.add': (p) => ev.addFinding(p.drillId, p.text, p.severity, p.stepIndex ?? null, p.by),
      'remediation.add': (p) => ev.addRemediation(p.drillId, p.text, p.owner, p.due, p.findingId, p.by),
      'attachment.add': (p) =>
        ev.addAttachment(p.drillId, {
          stepIndex: p.stepIndex ?? null,
          itemIndex: p.itemIndex,
          name: p.name,
          kind: p.kind,
          mediaType: p.mediaType,
          bytes: p.text !== undefined ? Buffer.from(p.text, 'utf8') : Buffer.from(p.contentBase64 ?? '', 'base64'),
          note: p.note || undefined,
          by: p.by,
        }),
      'signoff.add': (p) => ev.signOff(p.drillId, p.role, p.name, p.statement || undefined),
      'evidence.export': (p) => ev.export(p.drillId, { redact: p.redact, pdf: p.pdf }),
      'team.status': () => teamStatus(this.db, opts.dataDir, { tokens: this.teamTokens, probe: true }),
      'team.join': (p) => this.joinTeam(p.url, p.token),
      'team.leave': () => {
        leaveTeam(opts.dataDir, this.teamTokens);
        return teamStatus(this.db, opts.dataDir, { tokens: this.teamTokens });
      },
      'team.publishNow': async () => {
        const before = await teamStatus(this.db, opts.dataDir, { tokens: this.teamTokens });
        if (!before.joined) throw new UserError('conflict', 'this data folder has not joined a team server; join one first');
        if (before.lastError && before.url === null) throw new UserError('conflict', before.lastError);
        await this.team.publishNow(60_000);
        return teamStatus(this.db, opts.dataDir, { tokens: this.teamTokens, probe: true });
      },
    };
  }

  private get teamTokens(): TokenStore {
    return this.opts.teamTokens ?? fileTokenStore;
  }

  /** team.join: the server checked before anything is saved; then what was queued goes in the background. */
  private async joinTeam(url: string, token: string) {
    try {
      await joinTeam(this.opts.dataDir, { url, token }, this.teamTokens);
    } catch (err) {
      if (err instanceof TeamJoinError) throw new UserError('bad_request', err.message);
      throw err;
    }
    // Hosts that publish in the background start now with whatever was queued.
    if (this.opts.teamPublish ?? this.opts.host !== 'cli') this.team.kick();
    return { ...(await teamStatus(this.db, this.opts.dataDir, { tokens: this.teamTokens })), reachable: true };
  }

  /**
   * Typed, trusted entry point; still validates params so every path is checked the same way.
   * A method that records events answers once they are durable, sharing its commit with the calls
   * that arrived with it (group commit, DrillService.grouped); any other method first commits what
   * is waiting, so it reads every event recorded before it.
   */
  async call<M extends Method>(method: M, params: Params<M>, ctx: CallContext = {}): Promise<Results[M]> {
    const parsed = paramSchemas[method].safeParse(params ?? {});
    if (!parsed.success) throw badRequest(describeZodError(method, parsed.error));
    const handler = this.handlers[method] as Handler<M>;
    if (GROUPED.has(method)) return this.drills.grouped(() => handler(parsed.data as Params<M>, ctx));
    this.drills.flush();
    return handler(parsed.data as Params<M>, ctx);
  }

  /** Untrusted entry point: any JSON value in, a Response out; never throws. */
  async dispatch(raw: unknown, ctx: CallContext = {}): Promise<Response> {
    const envelope = requestSchema.safeParse(raw);
    if (!envelope.success) {
      const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : 0;
      return { id, error: { code: 'bad_request', message: 'malformed request: expected {id, method, params}' } };
    }
    const { id, method, params } = envelope.data;
    if (!isMethod(method)) return { id, error: { code: 'bad_request', message: `unknown method "${method}"` } };
    try {
      return { id, result: await this.call(method, (params ?? {}) as Params<typeof method>, ctx) };
    } catch (err) {
      return { id, error: toApiError(err) };
    }
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  runbookDirs(): string[] {
    // A system folder saved by an older version (before addFolder checked) is left out rather than walked at every start.
    const saved = this.settings.get().runbookDirs.filter((d) => systemFolderReason(path.resolve(d)) === null);
    return unique([...this.opts.runbookDirs, ...saved].map((d) => path.resolve(d)));
  }

  close(): void {
    this.closed = true;
    this.drills.flush(); // events recorded in this turn of the event loop, not yet committed
    this.team.stop();
    // Terminals first: closing one may record a command's result in the database.
    void this.terminals.closeAll();
    this.stopWatching?.();
    this.listeners.clear();
    this.history.close();
    this.guard.close();
    this.db.close();
    this.writerLock?.release();
  }

  private emit(event: ApiEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener that fails (a socket closing) must not affect the others.
      }
    }
  }

  private async addFolder(dir: string) {
    let real: string;
    try {
      real = realpathSync(path.resolve(dir));
    } catch {
      throw notFound(`no such folder: ${dir}`);
    }
    // Validated and walked asynchronously within a budget: a wrong folder is refused, and never blocks the API.
    try {
      await checkLibraryFolder(real);
    } catch (err) {
      if (err instanceof LibraryFolderError) throw badRequest(err.message);
      throw err;
    }
    this.settings.update((s) => ({ ...s, runbookDirs: unique([...s.runbookDirs, real]) }));
    if (this.opts.watch) this.rewatch();
    this.emit({ type: 'library.changed' });
    return scanRunbookDirs(this.runbookDirs());
  }

  /**
   * Only files inside the library's folders can be opened through the API:
   * a UI (or anything holding the token) must not read arbitrary files.
   */
  private loadLibraryRunbook(file: string): Runbook {
    let real: string;
    try {
      real = realpathSync(path.resolve(file));
    } catch {
      throw notFound(`no such runbook: ${file}`);
    }
    const inside = this.runbookDirs().some((dir) => {
      let realDir: string;
      try {
        realDir = realpathSync(dir);
      } catch {
        return false;
      }
      const rel = path.relative(realDir, real);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
    if (!inside || !real.toLowerCase().endsWith('.md')) throw badRequest(`${file} is not a runbook in the library`);
    try {
      const steps = this.settings.get().stepsChoice[real];
      return loadRunbookFile(real, steps ? { steps } : {});
    } catch (err) {
      if (err instanceof RunbookError) throw badRequest(err.message);
      throw err;
    }
  }

  /** The list counts the steps a drill will have: with the procedure section chosen in the UI, where there is one. */
  private withStepsChoices(entries: LibraryEntry[]): LibraryEntry[] {
    const choices = this.settings.get().stepsChoice;
    return entries.map((entry) => {
      const steps = choices[entry.path];
      if (!steps || entry.error) return entry;
      try {
        const rb = loadRunbookFile(entry.path, { steps });
        return { ...entry, stepCount: rb.steps.length, warnings: rb.diagnostics.length };
      } catch {
        return entry;
      }
    });
  }

  /** Remembers (or forgets, with null) the procedure section chosen for a runbook; a title that is not a usable section is refused. */
  private setSteps(file: string, steps: string | null): Runbook {
    const current = this.loadLibraryRunbook(file);
    if (steps !== null) {
      const chosen = loadRunbookFile(current.file, { steps });
      if (chosen.procedure?.chosen !== 'override') {
        const why = chosen.diagnostics.find((d) => d.message.startsWith('steps:'))?.message.replace(/; the steps were found as usual$/, '');
        throw badRequest(why ? `${why.replace(/^steps: /, '')}` : `"${steps}" cannot hold the steps`);
      }
    }
    this.settings.update((s) => {
      const stepsChoice = { ...s.stepsChoice };
      if (steps === null) delete stepsChoice[current.file];
      else stepsChoice[current.file] = steps;
      return { ...s, stepsChoice };
    });
    return this.loadLibraryRunbook(file);
  }

  private runnableRunbook(rb: Runbook): Runbook {
    const firstError = rb.diagnostics.find((d) => d.severity === 'error');
    if (firstError) throw badRequest(`fix ${rb.file}:${firstError.line}: ${firstError.message} before drilling it`);
    return rb;
  }

  private rewatch(): void {
    this.stopWatching?.();
    this.stopWatching = watchRunbookDirs(this.runbookDirs(), () => this.emit({ type: 'library.changed' }));
  }
}

/**
 * The methods that record drill events and nothing else: they join group commits. Each
 * answers after its own events are on disk, never before (principle 1).
 */
const GROUPED: ReadonlySet<Method> = new Set<Method>([
  'step.start',
  'step.complete',
  'step.skip',
  'step.fail',
  'check.set',
  'note.add',
  'drill.pause',
  'drill.resume',
  'drill.finish',
  'drill.abort',
  'participant.set',
  'scenario.set',
  'failure.declare',
  'recoveryPoint.set',
  'finding.add',
  'remediation.add',
  'signoff.add',
]);

export function toApiError(err: unknown): { code: UserError['code']; message: string } {
  if (err instanceof UserError) return { code: err.code, message: err.message };
  if (err instanceof RunbookError) return { code: 'bad_request', message: err.message };
  // Unexpected: say what failed in one line, keep the stack out of the UI.
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return { code: 'internal', message: `internal error: ${message}` };
}

function describeZodError(method: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `invalid parameters for ${method}`;
  const where = issue.path.length ? issue.path.join('.') : 'params';
  return `invalid ${method} request: ${where}: ${issue.message}`;
}

/** For handlers of commands that return nothing. */
function nothing(_done: void): null {
  return null;
}

function needSink(ctx: CallContext): TerminalSink {
  if (!ctx.sink) throw badRequest('this connection cannot receive terminal output');
  return ctx.sink;
}

/** Test and power-user hooks: point terminals at another ssh config / known_hosts. */
function sshFromEnv(): TerminalSshOptions {
  const ssh: TerminalSshOptions = {};
  if (process.env.DRILLBOOK_SSH_CONFIG) ssh.configFile = process.env.DRILLBOOK_SSH_CONFIG;
  if (process.env.DRILLBOOK_KNOWN_HOSTS) ssh.knownHostsFiles = process.env.DRILLBOOK_KNOWN_HOSTS.split(path.delimiter).filter(Boolean);
  return ssh;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
