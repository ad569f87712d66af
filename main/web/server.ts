/**
 * The browser host: the built renderer over HTTP and the API over a
 * WebSocket, on 127.0.0.1 only, behind a random per-start token.
 *
 * The token arrives once in the URL the CLI prints; the server trades it for
 * an HttpOnly, SameSite=Strict cookie and redirects to a clean URL, so the
 * token does not sit in the address bar or leak through Referer. The Host
 * header is checked against the loopback names to stop DNS rebinding, and
 * the socket's Origin must be this server.
 *
 * Cookies ignore ports: every service on 127.0.0.1 receives every cookie
 * set there. The cookie is therefore named after this instance's port
 * (cookieName), so a second Drillbook does not overwrite the first's, and
 * nothing here relies on port isolation for anything but that name: the
 * token is checked on every request whatever the cookie's name.
 */
import http from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../api/core';
import type { ServerMessage } from '../api/contract';
import { DrillChannel, requestMethod } from '../api/wire';
import { handleEvidenceHttp } from './evidence-routes';
import { encodeFrame } from '../terminal/frames';
import type { TerminalSink } from '../terminal/types';

/** The token cookie's name for the instance on `port` (cookies are shared by every port of a host). */
export function cookieName(port: number): string {
  return `drillbook_token_${port}`;
}
const MAX_MESSAGE_BYTES = 1024 * 1024;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export interface WebServerOptions {
  core: Core;
  rendererDir: string;
  port?: number;
  token?: string;
  /** SHA-256 hashes of earlier starts' tokens still accepted, so an open tab's cookie survives a restart (main/web/state.ts). */
  acceptTokenHashes?: string[];
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const rendererDir = path.resolve(opts.rendererDir);
  let port = 0;

  const auth = (req: http.IncomingMessage): 'ok' | 401 | 403 => {
    if (!hostAllowed(req.headers.host, port)) return 403;
    const presented = queryToken(req.url) ?? cookieToken(req.headers.cookie, cookieName(port));
    if (presented === null) return 401;
    if (sameSecret(presented, token)) return 'ok';
    const hash = createHash('sha256').update(presented).digest('hex');
    return (opts.acceptTokenHashes ?? []).some((h) => sameSecret(hash, h)) ? 'ok' : 403;
  };

  const server = http.createServer((req, res) => {
    const verdict = auth(req);
    if (verdict !== 'ok') return refuse(res, verdict);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.searchParams.has('token')) {
      // Trade the URL token for a cookie, then drop it from the address bar.
      url.searchParams.delete('token');
      const setCookie = `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      const clean = url.pathname + url.search;
      if (req.headers['sec-fetch-site'] === 'cross-site') {
        // Arrived from another origin (the launcher file, main/cli/web.ts): a redirect would still count as
        // cross-site and the browser would withhold the Strict cookie; a same-origin refresh does not.
        res.writeHead(200, {
          'Set-Cookie': setCookie,
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': CSP,
          'Cache-Control': 'no-store',
          'Referrer-Policy': 'no-referrer',
        });
        return res.end(`<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${clean.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}"><title>Drillbook</title>\n`);
      }
      res.writeHead(302, {
        'Set-Cookie': setCookie,
        Location: clean,
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      });
      return res.end();
    }
    // Evidence bundle downloads and attachment uploads (main/web/evidence-routes.ts), authenticated above like everything else.
    if (url.pathname.startsWith('/evidence/')) return void handleEvidenceHttp(opts.core, req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      return res.end();
    }
    serveStatic(rendererDir, url.pathname, res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const verdict = auth(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const originOk = req.headers.origin === undefined || originAllowed(req.headers.origin, port);
    if (verdict !== 'ok' || !originOk || url.pathname !== '/api') {
      const status = verdict === 401 ? '401 Unauthorized' : url.pathname !== '/api' && verdict === 'ok' && originOk ? '404 Not Found' : '403 Forbidden';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, opts.core));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function attach(ws: WebSocket, core: Core): void {
  const send = (msg: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  // Drill snapshots go as patches against what this socket was last sent (main/api/wire.ts); encoded as they are sent, in order.
  const drills = new DrillChannel();
  const unsubscribeEvents = core.onEvent((event) => send({ event: drills.event(event) }));
  // Terminal output goes to this socket as binary frames (main/terminal/frames.ts), not JSON.
  const sink: TerminalSink = {
    id: randomBytes(8).toString('hex'),
    data: (terminalId, bytes) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeFrame(terminalId, bytes), { binary: true });
    },
  };
  const unsubscribe = () => {
    unsubscribeEvents();
    core.terminals.detachSink(sink);
  };
  ws.on('close', unsubscribe);
  ws.on('error', unsubscribe);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return send({ id: 0, error: { code: 'bad_request', message: 'binary frames are not part of the API' } });
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return send({ id: 0, error: { code: 'bad_request', message: 'message is not valid JSON' } });
    }
    const { method, params } = requestMethod(raw);
    void core.dispatch(raw, { sink }).then((res) => send(drills.response(res, method, params)));
  });
}

function serveStatic(root: string, pathname: string, res: http.ServerResponse): void {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return refuse(res, 400);
  }
  let file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  if (!file.startsWith(root + path.sep) && file !== root) return refuse(res, 404);
  if (!existsSync(file) || !statSync(file).isFile()) {
    // Client-side routes fall back to the app; missing assets are real 404s.
    if (path.extname(rel)) return refuse(res, 404);
    file = path.join(root, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('The Drillbook UI is not built. Run `npm run build:renderer` (or `npm run web`, which builds it).\n');
      return;
    }
  }
  const isIndex = file.endsWith('index.html');
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': isIndex ? 'no-store' : 'private, max-age=3600',
  });
  createReadStream(file).pipe(res);
}

function refuse(res: http.ServerResponse, status: 400 | 401 | 403 | 404): void {
  const text: Record<number, string> = {
    400: 'Bad request.',
    401: 'Drillbook needs the token from the URL it printed at start.',
    403: 'Forbidden: wrong token, or not a loopback address.',
    404: 'Not found.',
  };
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text[status] + '\n');
}

function queryToken(url: string | undefined): string | null {
  if (!url) return null;
  return new URL(url, 'http://127.0.0.1').searchParams.get('token');
}

function cookieToken(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function hostAllowed(host: string | undefined, port: number): boolean {
  return host !== undefined && LOOPBACK_NAMES.some((n) => host === `${n}:${port}`);
}

function originAllowed(origin: string, port: number): boolean {
  return LOOPBACK_NAMES.some((n) => origin === `http://${n}:${port}`);
}
