/**
 * SSH targets for headless runs (`drillbook run`): one connection per
 * target, opened — and host keys checked — before the first block runs;
 * each block runs on its own exec channel under bash -e -o pipefail, as
 * local blocks do, with its output streamed (never buffered whole) and its
 * exit status reported.
 *
 * The block runs in its own process group under a small wrapper that kills
 * that group when Drillbook says so (a TERM signal request), when the
 * channel's input closes (Drillbook aborted, or died: its connection went),
 * so stopping `drillbook run` never leaves a restore running on the host.
 * Where the host has no bash, sh without job control only kills the block's
 * own process.
 *
 * Nobody is at the keyboard: unknown host keys are refused unless the run
 * allows new ones (OpenSSH's accept-new), a changed key always fails, and
 * keys needing a passphrase must come from ssh-agent.
 */
import type { TargetSpec } from '../runbook/model';
import {
  SshError,
  connectSsh,
  describeEndpoint,
  endpointForTarget,
  execOnce,
  type ResolveContext,
  type SshConnection,
  type SshEndpoint,
} from '../ssh';
import { shQuote } from '../common/shell';
import type { ExecResult } from './exec';

export interface SshRunnerOptions {
  /** The runbook's targets. */
  targets: readonly TargetSpec[];
  /** CLI --target NAME=ssh://… / alias overrides. */
  overrides: ReadonlyMap<string, string>;
  ctx: ResolveContext;
  /** --identity files, tried before the configured ones. */
  identityFiles: string[];
  /** --known-hosts FILE (else OpenSSH's files). */
  knownHostsFiles?: string[];
  /** --accept-new-host-keys. */
  acceptNewHostKeys: boolean;
  agentSocket?: string | null;
  timeoutMs?: number;
  log: (line: string) => void;
}

export interface RemoteExecOptions {
  cwd?: string;
  timeoutMs?: number;
  env: Record<string, string>;
  onOutput: (chunk: Buffer) => void;
  keepBytes?: number;
  /** Aborts the block: the remote process group is terminated. */
  signal?: AbortSignal;
}

/** What the headless runner needs from remote targets. */
export interface RemoteRunner {
  has(target: string): boolean;
  describe(target: string): string;
  exec(target: string, script: string, opts: RemoteExecOptions): Promise<ExecResult>;
  close(): void;
}

export class SshRunner implements RemoteRunner {
  private readonly endpoints = new Map<string, SshEndpoint>();
  private readonly conns = new Map<string, SshConnection>();
  private readonly dropped = new Map<string, string>();

  constructor(private readonly opts: SshRunnerOptions) {}

  /** Names of the SSH targets among `names` (local ones are not ours). */
  sshTargets(names: Iterable<string>): string[] {
    const out = new Set<string>();
    for (const name of names) {
      if (name === 'local') continue;
      const spec = this.opts.targets.find((t) => t.name === name);
      if (spec?.kind === 'local' && !this.opts.overrides.has(name)) continue;
      out.add(name);
    }
    return [...out];
  }

  /**
   * Resolves and connects every named target, failing on the first that
   * cannot be reached — before any block has run.
   */
  async connectAll(names: string[]): Promise<void> {
    for (const name of names) {
      let endpoint: SshEndpoint;
      try {
        endpoint = endpointForTarget(name, this.opts.targets, { ctx: this.opts.ctx, overrides: this.opts.overrides });
      } catch (err) {
        throw new SshError('config', `target ${name}: ${(err as Error).message}`);
      }
      this.endpoints.set(name, endpoint);
      this.opts.log(`Connecting to ${name} (${describeEndpoint(endpoint)})…`);
      try {
        const conn = await connectSsh({
          endpoint,
          prompter: null,
          hostKeyPolicy: this.opts.acceptNewHostKeys ? 'accept-new' : 'strict',
          extraIdentityFiles: this.opts.identityFiles,
          ...(this.opts.knownHostsFiles ? { knownHostsFiles: this.opts.knownHostsFiles } : {}),
          ...(this.opts.agentSocket !== undefined ? { agentSocket: this.opts.agentSocket } : {}),
          ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
          onProgress: (line) => {
            if (/^new host|^skipping|^could not/.test(line)) this.opts.log(`  ${line}`);
          },
        });
        this.conns.set(name, conn);
        void conn.closed.then((err) => {
          if (err) this.dropped.set(name, err.message);
        });
      } catch (err) {
        this.close();
        const e = err instanceof SshError ? err : new SshError('protocol', String((err as Error).message ?? err));
        throw new SshError(e.kind, `target ${name}: ${e.message}`);
      }
    }
  }

  has(target: string): boolean {
    return this.conns.has(target);
  }

  describe(target: string): string {
    const e = this.endpoints.get(target);
    return e ? describeEndpoint(e) : target;
  }

  async exec(target: string, script: string, opts: RemoteExecOptions): Promise<ExecResult> {
    const conn = this.conns.get(target);
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    if (!conn) return { exitCode: null, signal: null, timedOut: false, durationMs: 0, output: '', spawnError: `not connected to ${target}` };
    const dropped = this.dropped.get(target);
    if (dropped) return { exitCode: null, signal: null, timedOut: false, durationMs: 0, output: '', spawnError: `lost the connection to ${target}: ${dropped}` };
    const keep = opts.keepBytes ?? 256 * 1024;
    let tail = Buffer.alloc(0);
    const body = [...(opts.cwd ? [`cd -- ${shQuote(opts.cwd)}`] : []), script].join('\n');
    // The environment (secret variables among it) travels on stdin, not in the command line, which
    // any user on the host can read with ps. The block itself then gets an empty stdin, as locally.
    const exports = Object.entries(opts.env)
      .map(([k, v]) => `export ${k}=${shQuote(v)}`)
      .join('; ');
    const loadEnv = 'IFS= read -r -d "" __drillbook_env; eval "$__drillbook_env"; unset __drillbook_env';
    // -e and pipefail as for local blocks; sh -e where the host has no bash (one env line, no NUL reads).
    const command =
      `if command -v bash >/dev/null 2>&1; then exec bash -c ${shQuote(`${loadEnv}; ${groupWrapper('bash -e -o pipefail', true)}`)} drillbook ${shQuote(body)}; ` +
      `else exec sh -c ${shQuote(`IFS= read -r __drillbook_env; eval "$__drillbook_env"; unset __drillbook_env; ${groupWrapper('sh -e', false)}`)} drillbook ${shQuote(body)}; fi`;
    const stdin = exports + '\0\n';
    try {
      const r = await execOnce(conn.client, command, {
        onData: (chunk) => {
          opts.onOutput(chunk);
          tail = tail.length + chunk.length > keep * 2 ? Buffer.concat([tail, chunk]).subarray(-keep) : Buffer.concat([tail, chunk]);
        },
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        stdin,
        holdStdin: true,
      });
      const lost = r.exitCode === null && r.signal === null && !r.timedOut ? this.dropped.get(target) : undefined;
      return {
        exitCode: r.exitCode,
        signal: r.signal,
        timedOut: r.timedOut,
        durationMs: elapsed(),
        output: tail.subarray(-keep).toString('utf8'),
        spawnError: lost ? `lost the connection to ${target}: ${lost}` : null,
      };
    } catch (err) {
      return { exitCode: null, signal: null, timedOut: false, durationMs: elapsed(), output: '', spawnError: (err as Error).message };
    }
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}

/**
 * Runs "$1" with `shell` in the background as its own process group (bash's
 * job control; plain sh has none, so only the process itself), then waits.
 * The group is terminated on TERM/INT/HUP and when stdin reaches its end
 * (Drillbook closed the channel, or its connection died); the block itself
 * reads /dev/null. The wrapper's own job notices go to /dev/null.
 */
export function groupWrapper(shell: string, jobControl: boolean): string {
  const g = jobControl ? '-- -$p' : '$p';
  return [
    jobControl ? 'set -m' : ':',
    `${shell} -c "$1" drillbook </dev/null & p=$!`,
    'exec 2>/dev/null',
    `{ cat >/dev/null; kill -TERM ${g}; sleep 2; kill -KILL ${g}; } >/dev/null & w=$!`,
    `trap 'kill -TERM ${g}' TERM INT HUP`,
    'while :; do wait $p; s=$?; kill -0 $p || break; done',
    jobControl ? 'kill -TERM -- -$w' : 'kill -TERM $w',
    'exit $s',
  ].join('\n');
}
