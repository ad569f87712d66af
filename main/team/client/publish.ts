/**
 * Publishing this machine's finished drills to the team server.
 *
 * The queue is the local history itself: a drill is pending while the
 * server has not acknowledged its current chain head (team-published.json
 * keeps the acknowledged heads, written atomically after every batch). So
 * nothing is lost when the server is down or the client is killed: the next
 * publish sends again what was not acknowledged, and the server answers
 * "duplicate" for what it already has (drill id, seq, hash).
 *
 * Everything leaves through the outbound redactor (main/evidence/redact):
 * masked v2 events go with a disclosure, so the server still verifies them.
 *
 * A server that cannot be reached, or answers 5xx/429, is retried with
 * exponential backoff (0.5 s doubling to 8 s, ±20 % jitter), at most
 * `attempts` times per batch (default 8: about 40 s), then the publish
 * stops with the rest still queued.
 */
import type { Db } from '../../store/db';
import { DrillStore } from '../../drill/store';
import type { Redactor } from '../../evidence/redact';
import { redactEvents } from '../../evidence/redact/outbound';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadState, saveState, writePrivateAtomic, type PublishState, type TeamConfig } from './config';
import { repoRelativePath, teamPathProblem } from '../runbook-path';

export interface PublishOptions {
  /** Also send running drills' events so far (live drills); the server appends as they grow. */
  includeRunning?: boolean;
  batchSize?: number;
  attempts?: number;
  /** For tests: how long to wait before retry n (1-based). */
  backoffMs?: (attempt: number) => number;
  onProgress?: (sent: number, total: number) => void;
  onRetry?: (attempt: number, waitMs: number, why: string) => void;
  fetchImpl?: typeof fetch;
  /** Bundles larger than this go in chunks of this size (default CHUNK_BYTES, 8 MiB). */
  chunkBytes?: number;
  /** Makes a finished drill's redacted evidence bundle (client/bundle.ts); without it no bundles are sent. */
  bundle?: (drillId: string) => Promise<Buffer>;
}

export interface PublishReport {
  pending: number;
  imported: number;
  extended: number;
  duplicates: number;
  older: number;
  problems: { id: string | null; kind: 'conflict' | 'rejected'; reason: string }[];
  /** Drills still queued (server unreachable). */
  queued: number;
  /** Why publishing stopped early, when the server could not be reached. */
  unreachable: string | null;
  /** Evidence bundles: stored by the server now, already there, still to send. */
  bundles: { uploaded: number; kept: number; queued: number };
  /**
   * Why a bundle upload failed in a way worth trying again (the token refused, a proxy's 4xx, the drill not yet
   * there): the bundle stays queued, and the background publisher retries with the drills' backoff. Null: none.
   */
  retry: string | null;
}

export class TeamUnreachable extends Error {}
/** A chunk the server refused as damaged in transit: says nothing about the bundle, so it goes again. */
export class ChunkRefused extends Error {}
export class TeamRefused extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function backoff(attempt: number): number {
  const base = Math.min(500 * 2 ** (attempt - 1), 8_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Finished drills whose chain head the server has not acknowledged. */
export function pendingDrills(db: Db, acked: Record<string, string>, includeRunning = false): string[] {
  const rows = db.prepare(`SELECT id, chain_head FROM drills WHERE ? OR status <> 'running' ORDER BY started_at, id`).raw().all(includeRunning ? 1 : 0) as [string, string][];
  return rows.filter(([id, head]) => acked[id] !== head).map(([id]) => id);
}

export async function api(cfg: Pick<TeamConfig, 'url' | 'token'>, method: string, p: string, body?: unknown, fetchImpl: typeof fetch = fetch): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchImpl(cfg.url + p, {
      method,
      headers: { authorization: `Bearer ${cfg.token}`, ...(body === undefined ? {} : { 'content-type': Buffer.isBuffer(body) ? 'application/zip' : 'application/json' }) },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new TeamUnreachable(`cannot reach the team server at ${cfg.url} (${cause?.code ?? cause?.message ?? (err as Error).message})`);
  }
  const text = await res.text().catch(() => '');
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  const error = (json as { error?: string } | null)?.error;
  if (res.status >= 500 || res.status === 429) throw new TeamUnreachable(`the team server answered ${res.status}${error ? `: ${error}` : ''}`);
  if (!res.ok) throw new TeamRefused(error ?? `the team server answered ${res.status}`, res.status);
  return json;
}

/** The runbook's path inside its git repository (main/team/runbook-path.ts), when the path as sent (redacted) still ends with it. */
function teamPathOf(rel: string | null, sentFile: string): { teamPath?: string } {
  return rel && teamPathProblem(rel, sentFile) === null ? { teamPath: rel } : {};
}

export async function publish(db: Db, dataDir: string, cfg: TeamConfig, red: Redactor, opts: PublishOptions = {}): Promise<PublishReport> {
  const state = loadState(dataDir, cfg.url);
  const ids = pendingDrills(db, state.acked, opts.includeRunning === true);
  const store = new DrillStore(db);
  const report: PublishReport = { pending: ids.length, imported: 0, extended: 0, duplicates: 0, older: 0, problems: [], queued: ids.length, unreachable: null, bundles: { uploaded: 0, kept: 0, queued: 0 }, retry: null };
  let size = opts.batchSize ?? 20;
  // One look for the repository per runbook file and round, however many of its drills go.
  const repoPaths = new Map<string, string | null>();
  const repoPath = (file: string) => {
    if (!repoPaths.has(file)) repoPaths.set(file, repoRelativePath(file, (dir) => existsSync(path.join(dir, '.git'))));
    return repoPaths.get(file) ?? null;
  };
  const attempts = opts.attempts ?? 8;
  for (let i = 0; i < ids.length; ) {
    const batch = ids.slice(i, i + size).map((id) => {
      const events = store.events(id);
      const runbook = store.runbook(id);
      const sent = red.deep(runbook);
      return { type: 'drillbook.drill', v: 1, id, runbook: sent, events: redactEvents(events, red).events, ...(runbook && sent ? teamPathOf(repoPath(runbook.file), sent.file) : {}), head: events[events.length - 1]!.hash };
    });
    const body = { drills: batch.map(({ head: _h, ...d }) => d) };
    let answer = null as { outcomes: { id: string | null; kind: string; reason?: string }[] } | null;
    for (let attempt = 1; ; attempt++) {
      try {
        answer = (await api(cfg, 'POST', '/api/drills', body, opts.fetchImpl)) as typeof answer;
        break;
      } catch (err) {
        // Too large for one request: send fewer drills at a time (down to one).
        if (err instanceof TeamRefused && err.status === 413 && batch.length > 1) break;
        if (!(err instanceof TeamUnreachable)) throw err;
        if (attempt >= attempts) {
          report.unreachable = err.message;
          report.queued = ids.length - i;
          report.bundles.queued = bundlesPending(db, state).length;
          return report;
        }
        const wait = (opts.backoffMs ?? backoff)(attempt);
        opts.onRetry?.(attempt, wait, err.message);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    if (answer === null) {
      size = Math.max(1, Math.floor(batch.length / 2));
      continue;
    }
    answer.outcomes.forEach((o, j) => {
      const sent = batch[j]!;
      if (o.kind === 'conflict' || o.kind === 'rejected') {
        report.problems.push({ id: o.id ?? sent.id, kind: o.kind, reason: o.reason ?? o.kind });
        return;
      }
      if (o.kind === 'imported') report.imported++;
      else if (o.kind === 'extended') report.extended++;
      else if (o.kind === 'duplicate') report.duplicates++;
      else if (o.kind === 'older') report.older++;
      state.acked[sent.id] = sent.head;
    });
    saveState(dataDir, state);
    i += batch.length;
    report.queued = ids.length - i;
    opts.onProgress?.(i, ids.length);
  }
  if (opts.bundle) await publishBundles(db, dataDir, cfg, state, opts.bundle, report, opts);
  return report;
}

/** Finished drills the server has acknowledged whose evidence bundle it has not yet stored (or refused). */
export function bundlesPending(db: Db, state: PublishState): string[] {
  const rows = db.prepare(`SELECT id, chain_head FROM drills WHERE status <> 'running' ORDER BY started_at, id`).raw().all() as [string, string][];
  return rows.filter(([id, head]) => state.acked[id] === head && state.bundles?.[id] !== head).map(([id]) => id);
}

/**
 * The server's verdicts on a bundle itself, final for that chain head: it fails verification (422) or is not a
 * bundle (400). Any other refusal (401/403 a token revoked or a proxy, 404, 408, 413 from a proxy…) says nothing
 * about the bundle, so it stays queued and goes again.
 */
export function bundleVerdictIsFinal(status: number): boolean {
  return status === 422 || status === 400;
}

/** Bundles up to this size go in one request; larger ones in chunks of this size (the server takes at most 8 MiB a chunk). */
export const CHUNK_BYTES = 8 * 1024 * 1024;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Uploads a bundle: in one request up to CHUNK_BYTES, else in resumable
 * chunks (main/team/staging.ts). The upload id comes from the bundle's
 * SHA-256, so the same bundle after a lost connection, a retry or a restart
 * resumes where the server stands rather than starting over; each chunk
 * carries its own SHA-256, and the server checks the whole at the end.
 */
export async function uploadBundle(cfg: Pick<TeamConfig, 'url' | 'token'>, drillId: string, zip: Buffer, fetchImpl?: typeof fetch, chunkBytes = CHUNK_BYTES): Promise<unknown> {
  const base = `/api/drills/${encodeURIComponent(drillId)}/bundle`;
  if (zip.length <= chunkBytes) return api(cfg, 'POST', base, zip, fetchImpl);
  const whole = sha256(zip);
  const upload = whole.slice(0, 32);
  let received = ((await api(cfg, 'GET', `${base}/chunks?upload=${upload}`, undefined, fetchImpl)) as { received: number }).received;
  // Bounded: every answer must move forward, so at most one request per chunk (and one more per stall).
  for (let guard = Math.ceil(zip.length / chunkBytes) + 2; guard > 0; guard--) {
    const chunk = zip.subarray(received, Math.min(received + chunkBytes, zip.length));
    let out: { received?: number; stored?: string };
    try {
      out = (await api(cfg, 'POST', `${base}/chunks?upload=${upload}&total=${zip.length}&sha256=${whole}&offset=${received}&chunk=${sha256(chunk)}`, chunk, fetchImpl)) as typeof out;
    } catch (err) {
      if (err instanceof TeamRefused && err.status === 422 && /chunk at byte/.test(err.message)) throw new ChunkRefused(err.message);
      if (err instanceof TeamRefused && err.status === 409 && /the upload stands at byte/.test(err.message)) {
        received = ((await api(cfg, 'GET', `${base}/chunks?upload=${upload}`, undefined, fetchImpl)) as { received: number }).received;
        continue;
      }
      throw err;
    }
    if (out.stored) return out;
    if (typeof out.received !== 'number' || out.received <= received) throw new TeamRefused(`the team server did not take the chunk at byte ${received}`, 502);
    received = out.received;
  }
  throw new TeamRefused('the team server did not finish the chunked upload', 502);
}

/**
 * A finished drill's bundle as it goes out, kept in <data>/team-outbox/
 * (0600) until the server has it, so a retry, a later round or the next
 * start sends the very same bytes, and a chunked upload resumes.
 */
async function outboxZip(dataDir: string, drillId: string, head: string, make: (id: string) => Promise<Buffer>): Promise<Buffer> {
  const file = outboxFile(dataDir, drillId, head);
  if (existsSync(file)) return readFileSync(file);
  const zip = await make(drillId);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writePrivateAtomic(file, zip);
  return zip;
}

function outboxFile(dataDir: string, drillId: string, head: string): string {
  return path.join(dataDir, 'team-outbox', `${drillId.replace(/[^A-Za-z0-9_-]/g, '_')}-${head.slice(0, 16)}.zip`);
}

/**
 * After the events: each acknowledged finished drill's bundle, one at a
 * time (a bundle can be megabytes). Stored or already there (409): done,
 * never sent twice. Refused on its merits (422, 400): reported once and not
 * sent again, since the same bundle would be refused again. Refused for any
 * other reason: reported, left queued, and `report.retry` set so the
 * background publisher tries again with backoff. Unreachable: retried with
 * the same backoff, then left queued for the next publish.
 */
async function publishBundles(db: Db, dataDir: string, cfg: TeamConfig, state: PublishState, make: (id: string) => Promise<Buffer>, report: PublishReport, opts: PublishOptions): Promise<void> {
  const ids = bundlesPending(db, state);
  const heads = new Map((db.prepare('SELECT id, chain_head FROM drills').raw().all() as [string, string][]).map(([id, head]) => [id, head]));
  report.bundles.queued = ids.length;
  const attempts = opts.attempts ?? 8;
  outer: for (const id of ids) {
    const zip = await outboxZip(dataDir, id, heads.get(id)!, make);
    for (let attempt = 1; ; attempt++) {
      try {
        await uploadBundle(cfg, id, zip, opts.fetchImpl, opts.chunkBytes);
        report.bundles.uploaded++;
        break;
      } catch (err) {
        if (err instanceof ChunkRefused) {
          report.problems.push({ id, kind: 'rejected', reason: `evidence bundle not stored yet, it stays queued: ${err.message}` });
          report.retry ??= `the team server refused a chunk of drill ${id}'s evidence bundle (${err.message})`;
          continue outer;
        }
        if (err instanceof TeamRefused) {
          if (err.status === 409 && /already stored/.test(err.message)) report.bundles.kept++;
          else if (bundleVerdictIsFinal(err.status)) report.problems.push({ id, kind: 'rejected', reason: `evidence bundle: ${err.message}` });
          else {
            report.problems.push({ id, kind: 'rejected', reason: `evidence bundle not sent, it stays queued: ${err.message}` });
            report.retry ??= `the team server refused drill ${id}'s evidence bundle (${err.message})`;
            continue outer;
          }
          break;
        }
        if (!(err instanceof TeamUnreachable)) throw err;
        if (attempt >= attempts) {
          report.unreachable = err.message;
          return;
        }
        const wait = (opts.backoffMs ?? backoff)(attempt);
        opts.onRetry?.(attempt, wait, err.message);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    state.bundles = { ...state.bundles, [id]: heads.get(id)! };
    saveState(dataDir, state);
    rmSync(outboxFile(dataDir, id, heads.get(id)!), { force: true });
    report.bundles.queued--;
  }
}
