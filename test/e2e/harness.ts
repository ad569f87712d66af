/**
 * End-to-end harness: a real `drillbook web` child process (so a test can
 * SIGKILL it) on a temp data dir and a temp runbooks dir, and Debian's
 * Chromium driven by playwright-core. Every wait is bounded; everything
 * started here is stopped by `cleanup()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { cliPrefix } from '../helpers/cli';
import { killTerminalHost } from '../helpers/server';

export const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const CHROMIUM = process.env.DRILLBOOK_CHROMIUM ?? '/usr/bin/chromium';

/** Default bound for any single wait in these tests. */
export const WAIT_MS = 15_000;

export interface Server {
  url: string;
  origin: string;
  token: string;
  port: number;
  child: ChildProcess;
  /** stdout + stderr so far, for failure messages. */
  output(): string;
  /** Graceful stop (SIGTERM), SIGKILL if it does not exit in time. */
  stop(): Promise<void>;
  /** kill -9: the process gets no chance to record anything. */
  kill9(): Promise<void>;
}

export interface Workspace {
  dataDir: string;
  runbooksDir: string;
  /** Absolute path of a fixture copied into runbooksDir. */
  runbook(name: string): string;
}

const cleanups: (() => Promise<void> | void)[] = [];

/** Registers something to undo in `cleanup()`, last in first out. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** Runs every registered cleanup, even if some fail. */
export async function cleanup(): Promise<void> {
  const errors: unknown[] = [];
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await withTimeout(Promise.resolve(fn()), 15_000, 'cleanup step');
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) console.error('e2e cleanup errors:', errors);
}

export function makeWorkspace(fixtures: string[]): Workspace {
  const base = mkdtempSync(path.join(os.tmpdir(), 'drillbook-e2e-'));
  onCleanup(() => rmSync(base, { recursive: true, force: true }));
  const dataDir = path.join(base, 'data');
  const runbooksDir = path.join(base, 'runbooks');
  for (const d of [dataDir, runbooksDir]) mkdirSync(d, { recursive: true });
  for (const f of fixtures) {
    const src = path.isAbsolute(f) ? f : path.join(FIXTURES, f);
    copyFileSync(src, path.join(runbooksDir, path.basename(src)));
  }
  return { dataDir, runbooksDir, runbook: (name) => path.join(runbooksDir, name) };
}

export function assertRendererBuilt(): void {
  if (!existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/renderer is not built: run `npm run build:renderer` first (npm test does it)');
  }
}

// Stops the terminal host a test's servers started for a data folder (its shells end with it); checks the pid is alive.
export { killTerminalHost } from '../helpers/server';

/** `port: 'remembered'` starts it without --port (the data folder's remembered port). */
export async function startServer(ws: Workspace, opts: { port?: number | 'remembered'; timeoutMs?: number } = {}): Promise<Server> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  assertRendererBuilt();
  const portArgs = opts.port === 'remembered' ? [] : ['--port', String(opts.port ?? 0)];
  const child = spawn(
    process.execPath,
    [...cliPrefix(), 'web', ...portArgs, '--no-open', '--data', ws.dataDir, '--runbooks', ws.runbooksDir],
    // A short grace: the terminal host of a test's data folder goes soon after its shells (killTerminalHost ends it at cleanup).
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DRILLBOOK_DATA: '', BROWSER: 'none', DRILLBOOK_HOST_GRACE_MS: '3000' } },
  );
  onCleanup(() => killTerminalHost(ws.dataDir));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await withTimeout(exited, 10_000, `server exit after ${signal}`).catch(async () => {
      child.kill('SIGKILL');
      await withTimeout(exited, 5_000, 'server exit after SIGKILL');
    });
  };
  onCleanup(() => kill('SIGKILL'));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`drillbook web did not print its URL within ${timeoutMs} ms. Output:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /Drillbook is running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    check();
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`drillbook web exited (${code ?? sig}) before printing its URL. Output:\n${out}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token') ?? '',
    port: Number(u.port),
    child,
    output: () => out,
    stop: () => kill('SIGTERM'),
    kill9: () => kill('SIGKILL'),
  };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  onCleanup(() => browser.close());
  return browser;
}

/**
 * A describe block's app in one call: a fresh workspace handed to `seed` (it records drills or writes runbooks),
 * the web host on it and one browser, all undone by `cleanup()`. Five e2e files repeated these lines.
 */
export async function seededApp<T>(seed: (ws: Workspace) => T): Promise<{ server: Server; browser: Browser; seeded: T }> {
  const ws = makeWorkspace([]);
  const seeded = seed(ws);
  const server = await startServer(ws);
  return { server, browser: await launchBrowser(), seeded };
}

export interface PageHandle {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, for assertions and diagnostics. */
  errors: string[];
  dialogs: string[];
}

export async function newPage(browser: Browser, opts: { colorScheme?: 'dark' | 'light'; width?: number; height?: number } = {}): Promise<PageHandle> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 },
    colorScheme: opts.colorScheme ?? 'dark',
    timezoneId: 'UTC',
    locale: 'en-GB',
  });
  onCleanup(() => context.close());
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return { context, page, errors, dialogs };
}

/** Polls `fn` until it returns a truthy value; fails with `message` after `timeoutMs`. */
export async function waitFor<T>(fn: () => T | Promise<T>, message: string, timeoutMs = WAIT_MS, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

/** Plain HTTP request to the server, for auth checks (no browser). */
export async function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), 10_000);
  try {
    const res = await fetch(url, { headers, redirect: 'manual', signal: ctrl.signal });
    return { status: res.status, headers: res.headers, body: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

/** Tries a WebSocket handshake to /api; resolves with the HTTP status it was refused with, or 101. */
export async function wsHandshake(port: number, headers: Record<string, string> = {}): Promise<number> {
  const { default: WebSocket } = await import('ws');
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', (err) => reject(err));
    }),
    10_000,
    'websocket handshake',
  );
}
