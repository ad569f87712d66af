/**
 * The team server: a small JSON API over HTTP(S) in front of TeamStore.
 * Every request is routed through the role table (roles.ts), every
 * action, allowed or refused, lands in the append-only audit log before
 * the answer goes out, and errors are one sentence with a status code.
 * Bodies are bounded (32 MiB: a publish batch); a publisher sends drills in
 * batches well under that.
 */
import http from 'node:http';
import https from 'node:https';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { CHANGED_CHANNEL, TeamStore, type BundleInfo, type TeamDrillEntry, type TeamFilter, type User } from './store';
import { verifyBundle } from '../evidence/verify';
import { BundleReadError } from '../evidence/zip';
import { MAX_CHUNK_BYTES, MAX_STAGED_BUNDLE_BYTES, StagingError, UPLOAD_ID, UploadStaging } from './staging';
import { allowed, isRole, route, type ApiMethod, type Role } from './roles';
import { LoginLimiter, checkPassword, hashPassword, newToken, tokenHash, verifyPassword } from './auth';
import { parsePublished, verifyPublishedChain } from './ingest';
import type { ListenPlan } from './listen';
import type { AuditList, FreshnessAnswer, LiveList, PolicyList, TeamDrillDetail, TeamDrillList, TeamLoginAnswer, TeamMe, TeamRunbookList, TeamRunbookStats } from './model';
import { CSP, CSS, HTML, JS } from './ui/page';
import { APP_ROOT } from '../version';
import { DRILL_MODES, type DrillSnapshot } from '../drill/model';
import { LiveFolds, liveSummary, snapshotDelta } from './live';
import { parseDuration } from '../runbook/duration';

export const MAX_BODY = 32 * 1024 * 1024;

/**
 * The small vanilla page (ui/page.ts) at /lite: kept because it costs three
 * strings, works where the React bundle was not built, and its e2e test
 * still guards it.
 */
const LITE: Record<string, { type: string; body: string }> = {
  '/lite': { type: 'text/html; charset=utf-8', body: HTML },
  '/lite/team.js': { type: 'text/javascript; charset=utf-8', body: JS },
  '/lite/team.css': { type: 'text/css; charset=utf-8', body: CSS },
};

/**
 * The React app at / in team mode: the same vite bundle the desktop app and
 * `drillbook web` load (dist/renderer), under this server's strict CSP (no
 * inline script, no inline style element, fetches to this origin only). The
 * renderer learns it is in team mode from one meta tag put into index.html
 * here; the local app's index.html has none, so its startup is unchanged.
 */
export const TEAM_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
export const TEAM_MODE_META = '<meta name="drillbook-mode" content="team" />';
const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};
const SECURITY_HEADERS = { 'content-security-policy': TEAM_CSP, 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' };

/** index.html with the team-mode marker as the first thing in <head>; null when the page has no <head> to put it in. */
export function teamIndexHtml(html: string): string | null {
  const at = html.search(/<head[^>]*>/i);
  if (at < 0) return null;
  const end = html.indexOf('>', at) + 1;
  return `${html.slice(0, end)}\n    ${TEAM_MODE_META}${html.slice(end)}`;
}

/** A file under dist/renderer/assets/ for a request path, or null (outside the folder, not a file, unknown type). */
export function assetFile(rendererDir: string, pathname: string): string | null {
  if (!pathname.startsWith('/assets/')) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice('/assets/'.length));
  } catch {
    return null;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(rel) || rel.startsWith('.')) return null;
  if (!ASSET_TYPES[path.extname(rel)]) return null;
  const file = path.join(rendererDir, 'assets', rel);
  return existsSync(file) && statSync(file).isFile() ? file : null;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Ctx {
  user: (User & { tokenId: number }) | null;
  address: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

type Handler = (ctx: Ctx) => Promise<{ status?: number; json: unknown; stream?: true; csv?: string; file?: { type: string; name: string; bytes: Buffer; headers?: Record<string, string> }; target?: string; detail?: unknown }>;

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export class TeamServer {
  private server: http.Server | null = null;
  /** Chunked bundle uploads in progress (staging.ts). */
  readonly staging: UploadStaging;
  readonly limiter: LoginLimiter;
  /** Observers' drill snapshots, kept per drill and extended by new events only (live.ts). */
  readonly folds: LiveFolds;

  constructor(
    readonly store: TeamStore,
    private readonly opts: { now?: () => Date; limiter?: LoginLimiter; behindProxy?: boolean; maxBody?: number; rendererDir?: string; staging?: UploadStaging } = {},
  ) {
    this.limiter = opts.limiter ?? new LoginLimiter();
    this.folds = new LiveFolds((id, after) => this.store.eventsAfter(id, after));
    this.staging = opts.staging ?? new UploadStaging();
  }

  /** The drill a bundle upload is for: published, finished, the caller's own (or the caller an admin), no bundle stored yet. */
  private async bundleTarget(ctx: Ctx) {
    const id = ctx.params.id!;
    const drill = await this.store.drillHead(id);
    if (!drill) throw new HttpError(404, `no drill ${id} on this server: publish the drill before its evidence`);
    if (drill.status === 'running') throw new HttpError(409, `drill ${id} is still running; its evidence bundle goes once it has finished`);
    if (drill.publisherId !== ctx.user!.id && ctx.user!.role !== 'admin') throw new HttpError(403, 'only the account that published this drill (or an admin) uploads its evidence');
    const stored = await this.store.bundle(id, false);
    if (stored) throw new HttpError(409, `drill ${id}'s evidence bundle is already stored (sha256 ${stored.sha256.slice(0, 16)}); a stored bundle is never replaced`);
    return drill;
  }

  /** A whole bundle, from one request or assembled from chunks: verified with main/evidence against the drill's chain head, then stored append-only. */
  private async storeBundle(ctx: Ctx, id: string, drill: { chainHead: string }, bytes: Buffer): ReturnType<Handler> {
    const verification = await verifyUpload(bytes, drill.chainHead);
    if (!verification.ok) {
      const first = verification.problems[0];
      throw new HttpError(422, `the bundle fails verification against the published drill, so it was not stored: ${first ? first.message : 'unknown problem'}`);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const out = await this.store.addBundle({ drillId: id, sha256, bytes, chainHead: drill.chainHead, verification, userId: ctx.user!.id });
    if (out.kind === 'kept') throw new HttpError(409, `drill ${id}'s evidence bundle is already stored (sha256 ${out.sha256.slice(0, 16)}); a stored bundle is never replaced`);
    return { status: 201, json: { stored: id, sha256, size: bytes.length, verification }, target: id, detail: { sha256, size: bytes.length } };
  }

  /** Published runbooks' steps by key (a hash of the runbook as published, so never stale); the newest 64 kept. */
  private readonly steps = new Map<string, unknown[]>();

  private async stepsOf(key: string): Promise<unknown[]> {
    let steps = this.steps.get(key);
    if (!steps) {
      steps = publishedSteps(await this.store.publishedRunbook(key));
      this.steps.set(key, steps);
      if (this.steps.size > 64) this.steps.delete(this.steps.keys().next().value!);
    }
    return steps;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Creates an account with a fresh API token, returned once (bootstrap and users.create). */
  async createUser(name: string, role: Role, password: string | null, label = 'created'): Promise<{ user: User; token: string }> {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new HttpError(400, 'a user name is 1 to 64 letters, digits, dots, dashes, underscores or @');
    if (await this.store.userByName(name)) throw new HttpError(409, `there is already a user called ${name}`);
    const hash = password === null ? null : await hashPassword(checkPassword(password));
    const user = await this.store.createUser(name, role, hash);
    const token = newToken();
    await this.store.addToken(user.id, tokenHash(token), label);
    return { user, token };
  }

  private readonly handlers: Record<string, Handler> = {
    login: async (ctx) => {
      const b = (ctx.body ?? {}) as { name?: unknown; password?: unknown };
      if (typeof b.name !== 'string' || typeof b.password !== 'string') throw new HttpError(400, 'login needs a name and a password');
      const keys = [`user:${b.name}`, `addr:${ctx.address}`];
      const wait = this.limiter.retryAfter(keys);
      if (wait > 0) throw new HttpError(429, `too many failed logins; try again in ${Math.ceil(wait / 60_000)} minute(s)`);
      const user = await this.store.userByName(b.name);
      if (!user || !(await verifyPassword(b.password, user.passwordHash))) {
        this.limiter.fail(keys);
        throw new HttpError(401, 'wrong user name or password');
      }
      this.limiter.succeed(keys);
      const token = newToken();
      const id = await this.store.addToken(user.id, tokenHash(token), 'login');
      return { json: { token, tokenId: id, user: { name: user.name, role: user.role } } satisfies TeamLoginAnswer, target: user.name };
    },
    me: async (ctx) => ({ json: { name: ctx.user!.name, role: ctx.user!.role, tokenId: ctx.user!.tokenId } satisfies TeamMe }),
    'password.set': async (ctx) => {
      const b = (ctx.body ?? {}) as { password?: unknown };
      let pw: string;
      try {
        pw = checkPassword(b.password);
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      await this.store.setPassword(ctx.user!.id, await hashPassword(pw));
      return { json: { ok: true }, target: ctx.user!.name };
    },
    'tokens.create': async (ctx) => {
      const b = (ctx.body ?? {}) as { label?: unknown };
      const label = typeof b.label === 'string' && b.label.length <= 100 ? b.label : 'api';
      const token = newToken();
      const id = await this.store.addToken(ctx.user!.id, tokenHash(token), label);
      return { status: 201, json: { token, tokenId: id }, target: String(id) };
    },
    'tokens.revoke': async (ctx) => {
      const id = Number(ctx.params.id);
      if (!Number.isInteger(id) || id < 1) throw new HttpError(400, 'a token id is a positive whole number');
      const ok = await this.store.revokeToken(id, ctx.user!.id, ctx.user!.role === 'admin');
      if (!ok) throw new HttpError(404, `no active token ${id} of yours`);
      return { json: { revoked: id }, target: String(id) };
    },
    'users.list': async () => ({ json: { users: await this.store.users() } }),
    'users.create': async (ctx) => {
      const b = (ctx.body ?? {}) as { name?: unknown; role?: unknown; password?: unknown };
      if (typeof b.name !== 'string') throw new HttpError(400, 'a new user needs a name');
      if (!isRole(b.role)) throw new HttpError(400, 'role must be one of admin, operator, reviewer, auditor');
      if (b.password !== undefined && typeof b.password !== 'string') throw new HttpError(400, 'password must be text');
      let created;
      try {
        created = await this.createUser(b.name, b.role, (b.password as string | undefined) ?? null);
      } catch (err) {
        if (err instanceof Error && !(err instanceof HttpError) && /12 characters|1024/.test(err.message)) throw new HttpError(400, err.message);
        throw err;
      }
      return { status: 201, json: { user: created.user, token: created.token }, target: b.name, detail: { role: b.role } };
    },
    'drills.publish': async (ctx) => {
      const b = ctx.body as { drills?: unknown };
      if (!b || !Array.isArray(b.drills)) throw new HttpError(400, 'publish needs {"drills": [...]}');
      if (b.drills.length > 1000) throw new HttpError(413, 'at most 1000 drills per request');
      const outcomes = [];
      for (const raw of b.drills) {
        const p = parsePublished(raw);
        outcomes.push(p.ok ? await this.store.publish(p.drill, ctx.user!) : { id: p.id, kind: 'rejected' as const, reason: p.reason });
      }
      const tally: Record<string, number> = {};
      for (const o of outcomes) tally[o.kind] = (tally[o.kind] ?? 0) + 1;
      return { json: { outcomes }, detail: { tally, problems: outcomes.filter((o) => o.kind === 'conflict' || o.kind === 'rejected') } };
    },
    'drills.list': async (ctx) => {
      const format = ctx.query.get('format') ?? 'json';
      if (format !== 'json' && format !== 'csv') throw new HttpError(400, 'format must be json or csv');
      const drills = await this.store.drills(filterFrom(ctx.query));
      return format === 'csv' ? { json: null, csv: drillsCsv(drills) } : { json: { drills } satisfies TeamDrillList };
    },
    'drills.get': async (ctx) => {
      const d = await this.store.drill(ctx.params.id!);
      if (!d) throw new HttpError(404, `no drill ${ctx.params.id} on this server`);
      const problem = verifyPublishedChain(d.events as never);
      const bundle = await this.store.bundle(ctx.params.id!, false);
      // Read without its bytes (store.bundle(id, false)): the meta only.
      return { json: { ...d, verification: { ok: problem === null, problem }, bundle } satisfies TeamDrillDetail, target: ctx.params.id };
    },
    'drills.bundle.upload': async (ctx) => {
      const id = ctx.params.id!;
      const drill = await this.bundleTarget(ctx);
      const bytes = ctx.body;
      if (!Buffer.isBuffer(bytes) || bytes.length < 4 || !bytes.subarray(0, 4).equals(ZIP_MAGIC)) throw new HttpError(400, 'the upload is not a zip file: send the bundle zip that drillbook export writes');
      return this.storeBundle(ctx, id, drill, bytes);
    },
    'drills.bundle.chunks': async (ctx) => {
      const id = ctx.params.id!;
      await this.bundleTarget(ctx);
      const upload = uploadId(ctx.query);
      const { received, meta } = this.staging.status(id, upload);
      return { json: { upload, received, total: meta?.total ?? null }, target: id };
    },
    'drills.bundle.chunk': async (ctx) => {
      const id = ctx.params.id!;
      const drill = await this.bundleTarget(ctx);
      const q = ctx.query;
      const upload = uploadId(q);
      const total = intParam(q, 'total', 1, MAX_STAGED_BUNDLE_BYTES);
      const offset = intParam(q, 'offset', 0, total - 1);
      const sha256 = hexParam(q, 'sha256');
      const chunkSha = hexParam(q, 'chunk');
      const bytes = ctx.body;
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new HttpError(400, 'a chunk carries the next bytes of the bundle; this one was empty');
      if (bytes.length > MAX_CHUNK_BYTES) throw new HttpError(413, `a chunk is at most ${MAX_CHUNK_BYTES / 1024 / 1024} MiB`);
      if (createHash('sha256').update(bytes).digest('hex') !== chunkSha) {
        throw new HttpError(422, `the chunk at byte ${offset} is not what was sent (its sha256 does not match), so it was not kept; send it again`);
      }
      if (offset === 0 && !bytes.subarray(0, 4).equals(ZIP_MAGIC)) throw new HttpError(400, 'the upload is not a zip file: send the bundle zip that drillbook export writes');
      let received: number;
      let whole: Buffer | null = null;
      try {
        received = this.staging.append(id, upload, { total, sha256, userId: ctx.user!.id }, offset, bytes);
        if (received === total) whole = this.staging.assemble(id, upload);
      } catch (err) {
        if (err instanceof StagingError) throw new HttpError(err.status, err.message);
        throw err;
      }
      if (!whole) return { json: { upload, received, total }, target: id, detail: { upload, offset, size: bytes.length } };
      try {
        return await this.storeBundle(ctx, id, drill, whole);
      } finally {
        this.staging.discard(id, upload);
      }
    },
    'drills.bundle.get': async (ctx) => {
      const id = ctx.params.id!;
      const b = await this.store.bundle(id, true);
      if (!b) throw new HttpError(404, `no evidence bundle for drill ${id} on this server (the publisher's machine sends it after the drill)`);
      return {
        json: null,
        file: {
          type: 'application/zip',
          name: `drill-${id.replace(/[^A-Za-z0-9_-]/g, '_')}.zip`,
          bytes: b.bytes!,
          headers: { 'x-drillbook-sha256': b.sha256, 'x-drillbook-verification': b.verification.ok ? 'ok' : 'failed' },
        },
        target: id,
        detail: { sha256: b.sha256 },
      };
    },
    'drills.signoff': async (ctx) => {
      const b = (ctx.body ?? {}) as { verdict?: unknown; comment?: unknown };
      if (b.verdict !== 'approved' && b.verdict !== 'rejected') throw new HttpError(400, 'verdict must be approved or rejected');
      const comment = typeof b.comment === 'string' ? b.comment.slice(0, 4000) : '';
      const publisher = await this.store.drillPublisher(ctx.params.id!);
      if (publisher === null) throw new HttpError(404, `no drill ${ctx.params.id} on this server`);
      if (publisher === ctx.user!.id) throw new HttpError(403, 'a reviewer signs off other people’s drills, not their own');
      await this.store.signoff(ctx.params.id!, ctx.user!.id, b.verdict, comment);
      return { status: 201, json: { ok: true }, target: ctx.params.id, detail: { verdict: b.verdict } };
    },
    'live.list': async () => {
      const heads = await this.store.liveHeads();
      const drills = [];
      for (const h of heads) {
        const snap = await this.folds.snapshot(h.id, h);
        if (snap) drills.push(liveSummary(snap, lastAt(snap)));
      }
      return { json: { drills, serverTime: this.now().toISOString() } satisfies LiveList };
    },
    'live.events': async () => ({ json: null, stream: true }),
    'live.get': async (ctx) => {
      const id = ctx.params.id!;
      const [head] = await this.store.liveHeads(id);
      const snap = head ? await this.folds.snapshot(id, head) : null;
      if (!head || !snap) throw new HttpError(404, `no drill ${id} on this server (a drill appears here once its publisher streams it: drillbook team publish --live)`);
      const serverTime = this.now().toISOString();
      // ?base=CHAIN_HEAD: the observer holds that snapshot; what changed since is enough (a note: ~1 KiB, not the whole drill).
      const base = ctx.query.get('base');
      const from = base === null ? null : base === snap.chainHead ? snap : this.folds.before(id, snap, base);
      if (from) return { json: { delta: snapshotDelta(from, snap), lastEventAt: lastAt(snap), serverTime }, target: id };
      return { json: { drill: snap, steps: await this.stepsOf(head.runbookKey), lastEventAt: lastAt(snap), serverTime }, target: id };
    },
    'runbooks.list': async () => ({ json: { runbooks: await this.store.runbooks() } satisfies TeamRunbookList }),
    'runbooks.stats': async (ctx) => {
      const p = ctx.query.get('path');
      if (!p) throw new HttpError(400, 'runbook statistics need the runbook: ?path=/srv/runbooks/orders.md');
      const last = Number(ctx.query.get('last') ?? 1000);
      if (!Number.isInteger(last) || last < 1 || last > 10_000) throw new HttpError(400, 'last must be a whole number of drills from 1 to 10000');
      const stats = await this.cachedStats(p, modeFrom(ctx.query), last);
      if (!stats) throw new HttpError(404, `no finished drills of ${p} on this server`);
      return { json: stats satisfies TeamRunbookStats };
    },
    freshness: async () => {
      const now = this.opts.now?.() ?? new Date();
      const runbooks = await this.store.freshness(now);
      return { json: { asOf: now.toISOString(), overdue: runbooks.filter((r) => r.overdue).map((r) => r.runbookPath), runbooks } satisfies FreshnessAnswer };
    },
    'policies.list': async () => ({ json: { policies: await this.store.tagPolicies() } satisfies PolicyList }),
    'policies.set': async (ctx) => {
      const b = (ctx.body ?? {}) as { tag?: unknown; every?: unknown };
      if (typeof b.tag !== 'string' || !/^\S{1,100}$/.test(b.tag)) throw new HttpError(400, 'a policy needs the tag it is for: {"tag": "restore-test", "every": "30d"}');
      const everySec = policySeconds(b.every);
      await this.store.setTagPolicy(b.tag, everySec, ctx.user!.name);
      return { json: { tag: b.tag, everySec }, target: b.tag, detail: { everySec } };
    },
    'audit.list': async (ctx) => {
      const limit = Number(ctx.query.get('limit') ?? 200);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'limit must be a whole number from 1 to 1000');
      const before = ctx.query.get('before');
      return { json: { entries: await this.store.auditLog(limit, before ? Number(before) : undefined) } satisfies AuditList };
    },
  };

  /** Handles one request; exported for tests through the real socket only. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const address = this.clientAddress(req);
    const url = new URL(req.url ?? '/', 'http://team.invalid');
    if (req.method === 'GET' && url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && !url.pathname.startsWith('/api/') && this.serveUi(url.pathname, res)) return;
    const r = route(req.method ?? 'GET', url.pathname);
    let user: Ctx['user'] = null;
    let action = `${req.method} ${url.pathname}`;
    let body: unknown;
    try {
      if (!r) throw new HttpError(404, `no such API method: ${req.method} ${url.pathname}`);
      action = r.api.name;
      user = await this.authenticate(req, r.api);
      if (!allowed(r.api, user?.role ?? null)) throw new HttpError(403, `a${/^[aeiou]/.test(user!.role) ? 'n' : ''} ${user!.role} may not call ${r.api.name}`);
      const max = this.opts.maxBody ?? MAX_BODY;
      body = req.method !== 'POST' ? undefined : r.api.name === 'drills.bundle.upload' || r.api.name === 'drills.bundle.chunk' ? await readBody(req, max, 'send a bundle this large in chunks (POST …/bundle/chunks), as drillbook team publish does') : await readJson(req, max);
      const out = await this.handlers[r.api.name]!({ user, address, params: r.params, query: url.searchParams, body });
      await this.store.audit({ actor: user?.name ?? null, address, action, target: out.target ?? null, outcome: 'ok', detail: out.detail });
      if (out.stream) {
        await this.subscribe(res);
      } else if (out.file) {
        res.writeHead(200, {
          'content-type': out.file.type,
          'content-length': String(out.file.bytes.length),
          'content-disposition': `attachment; filename="${out.file.name}"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          ...out.file.headers,
        });
        res.end(out.file.bytes);
      } else if (out.csv !== undefined) {
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="team-drills.csv"', 'cache-control': 'no-store' });
        res.end(out.csv);
      } else send(res, out.status ?? 200, out.json);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : 'the team server hit an internal error; see its log';
      if (!(err instanceof HttpError)) process.stderr.write(`drillbook server: ${action}: ${(err as Error).stack ?? String(err)}\n`);
      await this.store
        .audit({ actor: user?.name ?? null, address, action, target: loginName(action, body) ?? r?.params.id ?? null, outcome: `refused ${status}`, detail: { error: message } })
        .catch(() => undefined);
      if (status === 429) res.setHeader('Retry-After', '60');
      send(res, status, { error: message });
    }
  }

  /** The pages: the React app at / and its assets, the lite page at /lite. False when the path is none of them. */
  private serveUi(pathname: string, res: http.ServerResponse): boolean {
    const lite = LITE[pathname];
    if (lite) {
      res.writeHead(200, { 'content-type': lite.type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache' });
      res.end(lite.body);
      return true;
    }
    const dir = this.opts.rendererDir ?? path.join(APP_ROOT, 'dist', 'renderer');
    if (pathname === '/' || pathname === '/index.html') {
      let html: string | null = null;
      try {
        html = teamIndexHtml(readFileSync(path.join(dir, 'index.html'), 'utf8'));
      } catch {
        html = null;
      }
      if (html === null) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS });
        res.end('The Drillbook UI is not built on this server: run `npm run build:renderer`, or open /lite for the small page.\n');
        return true;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
      res.end(html);
      return true;
    }
    const file = assetFile(dir, pathname);
    if (!file) return false;
    // Vite names assets by content hash, so a year of caching is safe; index.html above is revalidated each time.
    res.writeHead(200, { 'content-type': ASSET_TYPES[path.extname(file)]!, 'cache-control': 'public, max-age=31536000, immutable', ...SECURITY_HEADERS });
    res.end(readFileSync(file));
    return true;
  }

  /**
   * The runbook statistics answers, kept until any drill changes (as the
   * local history keeps its figures): the hot runbook's stats take 300–500 ms
   * of PostgreSQL at 100,000 drills on a loaded 2-core machine (README "Team
   * bench") and are the same until a publish. Kept only while this server
   * LISTENs for the changed-drill notifications sent at commit by any server
   * on the database, so another server's publish empties it too; an answer
   * computed across a change (`statsGen` moved) is not kept.
   */
  private readonly stats = new Map<string, TeamRunbookStats | null>();
  private statsGen = 0;

  private forgetStats(): void {
    this.statsGen++;
    this.stats.clear();
  }

  private async cachedStats(path: string, mode: string | undefined, last: number): Promise<TeamRunbookStats | null> {
    const listening = await this.listen_().then(
      () => true,
      () => false,
    );
    const key = JSON.stringify([path, mode ?? null, last]);
    if (listening && this.stats.has(key)) return this.stats.get(key)!;
    const gen = this.statsGen;
    const stats = await this.store.runbookStats(path, { mode, last });
    if (listening && this.listener && gen === this.statsGen) {
      if (this.stats.size >= 500) this.stats.clear();
      this.stats.set(key, stats);
    }
    return stats;
  }

  private readonly streams = new Set<http.ServerResponse>();
  private listener: Promise<pg.PoolClient> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  /**
   * Live updates for observers (Server-Sent Events): `event: drill` with
   * the drill's id whenever new events of it are stored, by this server or
   * any other on the same database (PostgreSQL LISTEN/NOTIFY, sent at
   * commit). The page then fetches the drill as usual; nothing but the id
   * travels on the stream. A comment line every 20 s keeps proxies open.
   */
  private async subscribe(res: http.ServerResponse): Promise<void> {
    await this.listen_();
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-accel-buffering': 'no' });
    res.write(': live drill updates\n\n');
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    this.heartbeat ??= setInterval(() => {
      for (const r of this.streams) r.write(': ping\n\n');
    }, 20_000);
    this.heartbeat.unref();
  }

  private listen_(): Promise<pg.PoolClient> {
    this.listener ??= (async () => {
      const c = await this.store.pool.connect();
      c.on('notification', (n) => {
        if (n.channel !== CHANGED_CHANNEL) return;
        this.forgetStats();
        const line = `event: drill\ndata: ${JSON.stringify({ id: n.payload })}\n\n`;
        for (const r of this.streams) r.write(line);
      });
      c.on('error', () => {
        // PostgreSQL restarted: the next subscriber listens again; open streams are ended so their pages reconnect.
        // Released once: a client already closed (close() below) may still report its socket's end as an error.
        if (released(c)) return;
        this.listener = null;
        this.forgetStats();
        c.release(true);
        for (const r of this.streams) r.end();
      });
      await c.query(`LISTEN ${CHANGED_CHANNEL}`);
      return c;
    })().catch((err) => {
      this.listener = null;
      throw err;
    });
    return this.listener;
  }

  private clientAddress(req: http.IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? '?';
    if (!this.opts.behindProxy) return peer;
    const fwd = req.headers['x-forwarded-for'];
    const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
    return first || peer;
  }

  private async authenticate(req: http.IncomingMessage, api: ApiMethod): Promise<Ctx['user']> {
    const h = req.headers.authorization;
    if (!h) {
      if (api.roles === 'public') return null;
      throw new HttpError(401, 'this needs an API token: Authorization: Bearer TOKEN');
    }
    const m = /^Bearer (\S+)$/.exec(h);
    if (!m) throw new HttpError(401, 'the Authorization header must be "Bearer TOKEN"');
    const user = await this.store.userByToken(tokenHash(m[1]!));
    if (!user) throw new HttpError(401, 'this API token is unknown or revoked');
    return user;
  }

  async listen(plan: Pick<ListenPlan, 'host' | 'port' | 'tls'>): Promise<AddressInfo> {
    // Last resort: whatever escapes handle() ends that one request, never the server.
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) =>
      void this.handle(req, res).catch((err: unknown) => {
        process.stderr.write(`drillbook server: ${(err as Error).stack ?? String(err)}\n`);
        if (!res.headersSent) send(res, 500, { error: 'the team server hit an internal error; see its log' });
        else res.destroy();
      });
    this.server = plan.tls ? https.createServer({ cert: readFileSync(plan.tls.cert), key: readFileSync(plan.tls.key) }, handler) : http.createServer(handler);
    this.server.requestTimeout = 120_000;
    this.server.headersTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(plan.port, plan.host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    for (const r of this.streams) r.end();
    this.streams.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    const l = this.listener;
    this.listener = null;
    // Released here, so a late error from it (the pool ending) must not release it again: that throws outside any request.
    if (l)
      await l
        .then((c) => {
          c.removeAllListeners('error');
          c.on('error', () => undefined);
          if (!released(c)) c.release(true);
        })
        .catch(() => undefined);
    if (this.server) {
      this.server.closeAllConnections?.();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
  }
}

const releasedClients = new WeakSet<pg.PoolClient>();

/** Marks the live listener's client released; true when it already was (a second release throws in node-postgres). */
function released(c: pg.PoolClient): boolean {
  if (releasedClients.has(c)) return true;
  releasedClients.add(c);
  return false;
}

/** When the drill's last event was recorded (the snapshot is taken as of it). */
function lastAt(s: DrillSnapshot): string {
  return s.clock.asOf;
}

/**
 * The runbook's steps as published, for the observer's step text: only the
 * fields the drill view reads, text only. The publisher's redaction ran on
 * them before they left the operator's machine.
 */
function publishedSteps(runbook: Record<string, unknown> | null): unknown[] {
  const steps = runbook && Array.isArray(runbook.steps) ? runbook.steps : [];
  return steps.map((raw) => {
    const st = (raw ?? {}) as Record<string, unknown>;
    return { index: st.index, title: st.title, key: st.key, line: st.line, endLine: st.endLine, body: typeof st.body === 'string' ? st.body : '', commands: Array.isArray(st.commands) ? st.commands : [], checklist: Array.isArray(st.checklist) ? st.checklist : [], rtoStart: st.rtoStart === true, rtoEnd: st.rtoEnd === true, always: st.always === true };
  });
}

/** RFC 4180 CSV; text a spreadsheet would run as a formula (=, +, -, @ first) gets an apostrophe, as `history --csv`. */
export function drillsCsv(drills: readonly TeamDrillEntry[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const t = String(v);
    const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(t) ? `'${t}` : t;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const cols = ['id', 'runbook_title', 'runbook_path', 'mode', 'operator', 'status', 'result', 'started_at', 'ended_at', 'net_sec', 'rto_target_sec', 'rto_actual_sec', 'rto_met', 'publisher', 'chain_head'];
  const lines = [cols.join(',')];
  for (const d of drills) {
    lines.push(
      [d.id, d.runbook.title, d.runbook.path, d.mode, d.operator, d.status, d.result, d.startedAt, d.endedAt, d.netMs === null ? null : d.netMs / 1000, d.rto.targetSec, d.rto.actualSec, d.rto.met, d.publisher, d.chainHead]
        .map(cell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** The account a failed login tried, for the audit log (text only, bounded). */
function loginName(action: string, body: unknown): string | null {
  const name = action === 'login' ? (body as { name?: unknown } | undefined)?.name : undefined;
  return typeof name === 'string' ? name.slice(0, 64) : null;
}

function send(res: http.ServerResponse, status: number, json: unknown): void {
  const body = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/**
 * The server's check of an uploaded bundle: main/evidence verify (every
 * file against the manifest, the hash chain, what is re-derived from it)
 * and the chain head the publisher's drill has on this server, so a bundle
 * of another drill, or of an altered log, is refused. The zip goes to a
 * private temporary folder for the reader and is removed at once.
 */
async function verifyUpload(bytes: Buffer, chainHead: string): Promise<BundleInfo['verification']> {
  const dir = await mkdtemp(path.join(tmpdir(), 'drillbook-bundle-'));
  try {
    const file = path.join(dir, 'bundle.zip');
    await writeFile(file, bytes, { mode: 0o600 });
    const r = await verifyBundle(file, { expectHead: chainHead });
    return { ok: r.ok, coverage: r.coverage, checked: r.checked, problems: r.problems.map((p) => ({ kind: p.kind, file: p.file, message: p.message })) };
  } catch (err) {
    if (err instanceof BundleReadError) throw new HttpError(400, `the upload is not a readable Drillbook bundle: ${err.message}`);
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readBody(req: http.IncomingMessage, max: number, hint: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size <= max) chunks.push(c as Buffer);
  }
  if (size > max) throw new HttpError(413, `the request is larger than ${Math.round(max / 1024 / 1024)} MiB; ${hint}`);
  return Buffer.concat(chunks);
}

async function readJson(req: http.IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Past the limit the rest is read and dropped (memory stays bounded), so the client gets the 413, not a reset.
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size <= max) chunks.push(c as Buffer);
  }
  if (size > max) throw new HttpError(413, `the request is larger than ${max >= 1024 * 1024 ? `${Math.round(max / 1024 / 1024)} MiB` : `${Math.ceil(max / 1024)} KiB`}; send fewer drills at a time`);
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
}

/** A policy's interval: a duration ("30d", "12h") or seconds; null withdraws the policy. */
function policySeconds(every: unknown): number | null {
  if (every === null) return null;
  if (typeof every !== 'string' && typeof every !== 'number') throw new HttpError(400, 'every must be a duration such as "30d", or null to withdraw the policy');
  let seconds: number;
  try {
    seconds = parseDuration(every).seconds;
  } catch {
    throw new HttpError(400, `"${String(every).slice(0, 40)}" is not a duration: write it as 30d, 12h or 90m`);
  }
  if (!(seconds > 0) || seconds > 10 * 365 * 86400) throw new HttpError(400, 'every must be more than zero and at most ten years');
  return seconds;
}

function modeFrom(q: URLSearchParams): string | undefined {
  const mode = q.get('mode') ?? undefined;
  if (mode !== undefined && !(DRILL_MODES as readonly string[]).includes(mode)) throw new HttpError(400, `mode must be one of ${DRILL_MODES.join(', ')}`);
  return mode;
}

function dateFrom(q: URLSearchParams, key: string): string | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const t = Date.parse(day ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t)) throw new HttpError(400, `${key} must be a UTC day (2026-01-31) or an ISO time`);
  return new Date(key === 'until' && day ? t + 86_400_000 - 1 : t).toISOString();
}

export function filterFrom(q: URLSearchParams): TeamFilter {
  const f: TeamFilter = {};
  const runbook = q.get('runbook');
  if (runbook) f.runbook = runbook;
  const tag = q.get('tag');
  if (tag) f.tag = tag;
  const operator = q.get('operator');
  if (operator) f.operator = operator;
  const mode = modeFrom(q);
  if (mode) f.mode = mode;
  const result = q.get('result');
  if (result !== null) {
    if (result !== 'pass' && result !== 'fail') throw new HttpError(400, 'result must be pass or fail');
    f.result = result;
  }
  const since = dateFrom(q, 'since');
  if (since) f.since = since;
  const until = dateFrom(q, 'until');
  if (until) f.until = until;
  const limit = q.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new HttpError(400, 'limit must be a whole number from 1 to 1000');
    f.limit = n;
  }
  return f;
}

function uploadId(q: URLSearchParams): string {
  const v = q.get('upload') ?? '';
  if (!UPLOAD_ID.test(v)) throw new HttpError(400, 'upload= must name the upload (16 to 64 letters, digits, - or _)');
  return v;
}

function intParam(q: URLSearchParams, name: string, min: number, max: number): number {
  const text = q.get(name) ?? '';
  const v = Number(text);
  if (!/^\d+$/.test(text) || v < min || v > max) throw new HttpError(400, `${name}= must be a whole number from ${min} to ${max}`);
  return v;
}

function hexParam(q: URLSearchParams, name: string): string {
  const v = (q.get(name) ?? '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(v)) throw new HttpError(400, `${name}= must be a sha256 in hex (64 characters)`);
  return v;
}
