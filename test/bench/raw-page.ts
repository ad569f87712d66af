/**
 * A Chromium page driven over a bare DevTools connection that only
 * evaluates script and reads metrics: no Network domain. Playwright enables
 * the Network domain on every page it drives, and Chromium then reports
 * every WebSocket frame to it, payload included (base64 over the DevTools
 * pipe): in the terminal bench that taxed only the real UI's path (the
 * browser process 21–29 ms of CPU per MiB against 2–4 for xterm.js alone,
 * the Playwright process ~18 ms per MiB). `BENCH_DRIVER=raw` measures the
 * flood in such a page; the Electron app has no DevTools client at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/harness';

export interface RawPage {
  /** Runs `fn(arg)` in the page (serialised as source, as Playwright does; esbuild's __name helper stubbed) and returns its JSON value. */
  evaluate<A, T>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T>;
  send(method: string, params?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

async function until<T>(what: string, ms: number, f: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function openRawPage(url: string, size: { width: number; height: number }, extraArgs: string[] = []): Promise<RawPage> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-raw-'));
  const child: ChildProcess = spawn(
    CHROMIUM,
    [...CHROMIUM_ARGS, ...extraArgs, `--user-data-dir=${dir}`, '--remote-debugging-port=0', `--window-size=${size.width},${size.height}`, 'about:blank'],
    { stdio: 'ignore' },
  );
  const portFile = path.join(dir, 'DevToolsActivePort');
  const port = await until('Chromium DevTools port', 30_000, () => (existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').split('\n')[0]) || undefined : undefined));
  const target = await until('the blank page', 30_000, async () => {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
    return list.find((t) => t.type === 'page')?.webSocketDebuggerUrl;
  });
  const ws = new WebSocket(target, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    const p = m.id ? pending.get(m.id) : undefined;
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(new Error(m.error.message));
    else p.resolve(m.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<any>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  const evaluate = async <A, T>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T> => {
    const r = await send('Runtime.evaluate', { expression: `((__name) => (${fn.toString()})(${JSON.stringify(arg)}))((f) => f)`, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  };
  await send('Emulation.setDeviceMetricsOverride', { width: size.width, height: size.height, deviceScaleFactor: 1, mobile: false });
  await send('Page.navigate', { url });
  return {
    evaluate,
    send,
    close: async () => {
      ws.close();
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
