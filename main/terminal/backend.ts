/**
 * The two kinds of terminal source behind one small interface: a local
 * shell in a pty (node-pty) and a shell on an SSH channel with a pty
 * (ssh2). Both deliver bytes (never decoded strings) and both can be paused,
 * which is what flow control acts on.
 */
import { existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import type { SshConnection } from '../ssh';
import { BASH_INTEGRATION, remoteShellCommand } from './integration';

export interface TerminalBackend {
  write(data: Uint8Array | string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** Ends the session (kills the local shell / closes the channel and connection). */
  close(): void;
  onData(cb: (chunk: Uint8Array) => void): void;
  /** Fires once: the shell exited (code) or the connection ended (error message). */
  onEnd(cb: (end: { exitCode: number | null; signal: string | null; error: string | null }) => void): void;
}

type PtyModule = typeof import('node-pty');
let ptyModule: PtyModule | null = null;
function loadPty(): PtyModule {
  // Loaded on first use: a CLI command that never opens a terminal should not need the native module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily (the comment above)
  ptyModule ??= require('node-pty') as PtyModule;
  return ptyModule;
}

/** Writes the integration rc file once per content version; returns its path. */
export function localIntegrationFile(dir: string): string {
  const hash = createHash('sha256').update(BASH_INTEGRATION).digest('hex').slice(0, 12);
  const file = path.join(dir, `bash-integration-${hash}.sh`);
  try {
    if (readFileSync(file, 'utf8') === BASH_INTEGRATION) return file;
  } catch {
    /* write it below */
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, BASH_INTEGRATION, { mode: 0o644 });
  return file;
}

export function findBash(): string | null {
  for (const p of ['/bin/bash', '/usr/bin/bash', '/usr/local/bin/bash', '/opt/homebrew/bin/bash']) if (existsSync(p)) return p;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'bash'))) return path.join(dir, 'bash');
  }
  return null;
}

export interface LocalShellOptions {
  cols: number;
  rows: number;
  cwd: string;
  env: Record<string, string>;
  /** Folder for the integration rc file. */
  integrationDir: string;
  /** Override the shell (tests); default bash with integration, else $SHELL. */
  shell?: { file: string; args: string[] };
}

export function spawnLocalShell(opts: LocalShellOptions): TerminalBackend & { integrated: boolean; pid: number } {
  const pty = loadPty();
  const bash = opts.shell ? null : findBash();
  const file = opts.shell?.file ?? bash ?? process.env.SHELL ?? '/bin/sh';
  const args = opts.shell?.args ?? (bash ? ['--rcfile', localIntegrationFile(opts.integrationDir), '-i'] : []);
  const proc = pty.spawn(file, args, {
    name: 'xterm-256color',
    cols: opts.cols,
    rows: opts.rows,
    cwd: opts.cwd,
    env: opts.env,
    encoding: null, // bytes: decoding happens once, in xterm.js
  });
  let ended = false;
  let endCb: Parameters<TerminalBackend['onEnd']>[0] | null = null;
  let pendingEnd: Parameters<Parameters<TerminalBackend['onEnd']>[0]>[0] | null = null;
  proc.onExit(({ exitCode, signal }) => {
    if (ended) return;
    ended = true;
    const end = { exitCode, signal: signal ? String(signal) : null, error: null };
    if (endCb) endCb(end);
    else pendingEnd = end;
  });
  return {
    integrated: bash !== null,
    pid: proc.pid,
    write: (data) => proc.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
    resize: (cols, rows) => {
      if (!ended) proc.resize(cols, rows);
    },
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    close: () => {
      if (!ended) proc.kill();
    },
    onData: (cb) => {
      proc.onData((d) => cb(d as unknown as Buffer));
    },
    onEnd: (cb) => {
      endCb = cb;
      if (pendingEnd) cb(pendingEnd);
    },
  };
}

export interface SshShellOptions {
  cols: number;
  rows: number;
  /** Start bash with our integration (default) or the plain login shell. */
  integrate?: boolean;
}

/** Opens an interactive shell with a pty on an SSH connection. */
export function openSshShell(conn: SshConnection, opts: SshShellOptions): Promise<TerminalBackend> {
  const pty = { term: 'xterm-256color', cols: opts.cols, rows: opts.rows, width: 0, height: 0 };
  return new Promise((resolve, reject) => {
    const done = (err: Error | undefined, stream: ClientChannel) => {
      if (err) return reject(err);
      resolve(channelBackend(conn, stream));
    };
    if (opts.integrate === false) conn.client.shell(pty, done);
    else conn.client.exec(remoteShellCommand(), { pty }, done);
  });
}

function channelBackend(conn: SshConnection, stream: ClientChannel): TerminalBackend {
  let endCb: Parameters<TerminalBackend['onEnd']>[0] | null = null;
  let end: Parameters<Parameters<TerminalBackend['onEnd']>[0]>[0] | null = null;
  let exitCode: number | null = null;
  let signal: string | null = null;
  let closing = false;
  const finish = (e: NonNullable<typeof end>) => {
    if (end) return;
    end = e;
    endCb?.(e);
  };
  stream.on('exit', (code: number | null, sig?: string) => {
    if (typeof code === 'number') exitCode = code;
    if (sig) signal = sig;
  });
  stream.on('close', () => {
    // The channel closes both when the shell exits and when the connection drops; wait to tell which.
    // A dropped connection closes the channel first and the client a moment later.
    setTimeout(() => {
      if (end) return;
      finish({ exitCode, signal, error: null });
      conn.close();
    }, exitCode !== null || signal !== null || closing ? 0 : 250);
  });
  void conn.closed.then((err) => {
    if (closing) return finish({ exitCode, signal, error: null });
    if (exitCode !== null || signal !== null) return finish({ exitCode, signal, error: null });
    finish({ exitCode: null, signal: null, error: err ? err.message : 'the connection closed' });
  });
  return {
    write: (data) => {
      if (!end) stream.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    },
    resize: (cols, rows) => {
      if (!end) stream.setWindow(rows, cols, 0, 0);
    },
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    close: () => {
      closing = true;
      try {
        stream.close();
      } catch {
        /* already closed */
      }
      conn.close();
    },
    onData: (cb) => {
      stream.on('data', (d: Buffer) => cb(d));
      stream.stderr.on('data', (d: Buffer) => cb(d));
    },
    onEnd: (cb) => {
      endCb = cb;
      if (end) cb(end);
    },
  };
}
