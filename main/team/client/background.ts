/**
 * Publishing without a cron: a host that has joined a team (the web host,
 * the desktop app, `drillbook run`) publishes in the background whenever a
 * drill finishes, and once at start for whatever an earlier session left.
 *
 * The queue is the one publish() already keeps on disk (the local history
 * against team-published.json), so nothing is held in memory that a crash
 * could lose: a drill finished while the server is down stays pending and
 * goes at the next start or the next finish, once (the server answers
 * "duplicate" for what it has). One publish at a time; a request during
 * one runs again right after it. An unreachable server is retried with
 * bounded backoff (5 s doubling to 5 minutes) while the host runs.
 * A bundle upload refused for a reason other than the bundle itself (a
 * proxy's 403, the token refused) is retried the same way (publish.ts).
 * Never a prompt, never an exception into the host: problems go to `log`,
 * and each round's outcome to team-published.json for team status.
 *
 * A running drill streams too ("observers watch a running drill"): each
 * round sends running drills' events so far, and a change to one asks for a
 * round within LIVE_INTERVAL_MS (one round per interval however many events
 * arrive, the same 2 s as `team publish --live`). While the server is being
 * retried with backoff, the backoff's timer sends them instead.
 */
import type { Db } from '../../store/db';
import type { ExportSource } from '../../evidence/bundle';
import { outboundRedactor } from '../../evidence/redact/outbound';
import { bundleMaker } from './bundle';
import { fileTokenStore, loadConfig, recordRound, type TokenStore } from './config';
import { publish, type PublishReport } from './publish';
import { within } from '../../common/wait';

export interface BackgroundOptions {
  db: Db;
  dataDir: string;
  source: ExportSource;
  /** Wait before retry n (1-based) after the server could not be reached. */
  retryMs?: (n: number) => number;
  log?: (message: string) => void;
  fetchImpl?: typeof fetch;
  /** Where the API token is kept (the desktop app: the OS keychain); team.json by default. */
  tokens?: TokenStore;
  /** For tests: the live interval (LIVE_INTERVAL_MS by default). */
  liveMs?: number;
}

/** At most one live round per this many ms while a drill runs (`team publish --live` polls at the same pace). */
export const LIVE_INTERVAL_MS = 2_000;

export function retryDelay(n: number): number {
  return Math.min(5_000 * 2 ** (n - 1), 300_000);
}

export class BackgroundPublisher {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private liveTimer: NodeJS.Timeout | null = null;
  /** The last round's report (for status and tests). */
  last: PublishReport | null = null;

  constructor(private readonly opts: BackgroundOptions) {}

  private get tokens(): TokenStore {
    return this.opts.tokens ?? fileTokenStore;
  }

  /**
   * A round now, whatever the backoff says (the app's "Publish now"), and
   * waits for it, at most `timeoutMs`. A round in flight is followed by
   * another, so what finished since is included.
   */
  async publishNow(timeoutMs: number): Promise<void> {
    if (this.stopped) return;
    this.failures = 0;
    this.kick();
    await this.settle(timeoutMs);
  }

  /** Whether this data folder has joined a team (team.json). A broken membership file counts as not joined, said once. */
  joined(): boolean {
    try {
      return loadConfig(this.opts.dataDir, this.tokens) !== null;
    } catch (err) {
      this.opts.log?.(`team publishing is off: ${(err as Error).message}`);
      return false;
    }
  }

  /** Asks for a publish round; returns at once. */
  kick(): void {
    if (this.stopped || !this.joined()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.running = this.round().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /**
   * A running drill recorded an event: a round within the live interval sends it to observers. Returns at once; a
   * timer already set covers this event too, and during backoff the retry's timer does.
   */
  liveSoon(): void {
    if (this.stopped || this.liveTimer || this.failures > 0) return;
    this.liveTimer = setTimeout(() => {
      this.liveTimer = null;
      this.kick();
    }, this.opts.liveMs ?? LIVE_INTERVAL_MS);
    this.liveTimer.unref();
  }

  /** Waits for the round in flight (and its follow-up), at most `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.running && Date.now() < until) {
      // within() clears its timer when the round wins: left pending, it held `drillbook run` open for 30 s.
      await within(this.running, until - Date.now());
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.liveTimer) clearTimeout(this.liveTimer);
    this.liveTimer = null;
  }

  private async round(): Promise<void> {
    let url: string | null = null;
    try {
      const cfg = loadConfig(this.opts.dataDir, this.tokens);
      if (!cfg) return;
      url = cfg.url;
      const report = await publish(this.opts.db, this.opts.dataDir, cfg, outboundRedactor(this.opts.dataDir), {
        attempts: 1,
        includeRunning: true,
        bundle: bundleMaker(this.opts.source, this.opts.dataDir),
        fetchImpl: this.opts.fetchImpl,
      });
      this.last = report;
      for (const p of report.problems) this.opts.log?.(`team publish: ${p.id ?? '?'}: ${p.reason}`);
      const problem = report.unreachable ?? report.retry ?? (report.problems[0] ? `${report.problems[0].id ?? '?'}: ${report.problems[0].reason}` : null);
      recordRound(this.opts.dataDir, cfg.url, problem, report.unreachable === null);
      if (report.unreachable ?? report.retry) this.retryLater((report.unreachable ?? report.retry)!);
      else this.failures = 0;
    } catch (err) {
      // The host is closing (database closed mid-round) or the server refused the token: said, never thrown.
      if (this.stopped) return;
      if (url) {
        try {
          recordRound(this.opts.dataDir, url, `the team server refused the publish: ${(err as Error).message}`, false);
        } catch {
          /* the data folder is going away: nothing to record */
        }
      }
      this.retryLater((err as Error).message);
    }
  }

  private retryLater(why: string): void {
    if (this.stopped) return;
    this.failures++;
    const wait = (this.opts.retryMs ?? retryDelay)(this.failures);
    if (this.failures === 1) this.opts.log?.(`team publish: ${why}; finished drills stay queued on disk and go on the next try (backoff, the next finished drill, or the next start)`);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, wait);
    this.timer.unref();
  }
}
