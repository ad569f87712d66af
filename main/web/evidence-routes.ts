/**
 * The browser host's evidence routes, behind the same token cookie and
 * loopback Host check as everything else the host serves (main/web/server.ts
 * authenticates before it hands a request here):
 *
 *   GET  /evidence/exports/<name>.zip   download a bundle made by evidence.export
 *   POST /evidence/attachments?drillId=…&name=…&kind=file[&stepIndex=…&itemIndex=…&note=…&by=…]
 *        body: the file's bytes; Content-Type: its media type
 *        → {"result": DrillSnapshot} | {"error": {code, message}}
 *
 * Uploads go over HTTP because API messages on the socket are capped at
 * 1 MiB. A POST must come from the app's own page (Origin = this host), on
 * top of the SameSite=Strict cookie, so no other site can post into a drill.
 */
import type http from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import type { Core } from '../api/core';
import { toApiError } from '../api/core';
import type { Params } from '../api/contract';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../evidence/attachments';

export function handleEvidenceHttp(core: Core, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  return route(core, req, res, url).catch((err: unknown) => {
    // Never a stack to the browser, never an unhandled rejection in the host.
    if (!res.headersSent) json(res, 500, { error: toApiError(err) });
    else res.destroy();
  });
}

async function route(core: Core, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const download = /^\/evidence\/exports\/([^/]+)\.zip$/.exec(url.pathname);
  if (download) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Use GET.', { Allow: 'GET, HEAD' });
    let name: string;
    try {
      name = decodeURIComponent(download[1]!);
    } catch {
      return plain(res, 404, 'Not found.');
    }
    const file = core.evidence.exportZip(name);
    if (!file) return plain(res, 404, 'No such export.');
    res.writeHead(200, {
      'Content-Type': 'application/zip',
      'Content-Length': String(statSync(file).size),
      'Content-Disposition': `attachment; filename="drillbook-evidence-${name}.zip"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
    return;
  }
  if (url.pathname === '/evidence/attachments') {
    if (req.method !== 'POST') return plain(res, 405, 'Use POST.', { Allow: 'POST' });
    if (!req.headers.origin || req.headers.origin !== `http://${req.headers.host}`) return json(res, 403, { error: { code: 'bad_request', message: 'uploads are accepted only from the Drillbook page itself' } });
    const max = DEFAULT_MAX_ATTACHMENT_BYTES;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      return json(res, 413, { error: { code: 'bad_request', message: `the file is larger than the ${max / (1024 * 1024)} MiB limit` } });
    }
    let body: Buffer;
    try {
      body = await readBody(req, max);
    } catch (err) {
      return json(res, 413, { error: { code: 'bad_request', message: (err as Error).message } });
    }
    const q = url.searchParams;
    const num = (k: string) => (q.has(k) && q.get(k) !== '' ? Number(q.get(k)) : undefined);
    const params = {
      drillId: q.get('drillId') ?? '',
      name: q.get('name') ?? '',
      kind: q.get('kind') ?? 'file',
      stepIndex: num('stepIndex') ?? null,
      ...(num('itemIndex') !== undefined ? { itemIndex: num('itemIndex') } : {}),
      ...(req.headers['content-type'] ? { mediaType: req.headers['content-type'].slice(0, 100) } : {}),
      ...(q.get('note') ? { note: q.get('note')! } : {}),
      ...(q.get('by') ? { by: q.get('by')! } : {}),
      contentBase64: body.toString('base64'),
    };
    try {
      // Through the same validation as every API call.
      const result = await core.call('attachment.add', params as unknown as Params<'attachment.add'>);
      return json(res, 200, { result });
    } catch (err) {
      const error = toApiError(err);
      const status = error.code === 'not_found' ? 404 : error.code === 'conflict' ? 409 : error.code === 'internal' ? 500 : 400;
      return json(res, status, { error });
    }
  }
  return plain(res, 404, 'Not found.');
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(new Error(`the file is larger than the ${max / (1024 * 1024)} MiB limit`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function plain(res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(text + '\n');
}
