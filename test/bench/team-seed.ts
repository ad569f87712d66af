/**
 * 100,000 real drills × 40 steps for the team bench, WITH their event logs.
 *
 * A handful of drills are recorded through the real engine (DrillService on
 * a SQLite file, hand-driven clock): a clean pass, an RTO miss, skipped
 * steps, a step that fails and the drill aborted, an early abort. Each
 * seeded drill is one of them cloned under a new id, a new operator, mode,
 * runbook and start time over the last year, its step times scaled by a
 * factor (0.6–1.6), and its chain re-hashed event by event (eventHash, chain
 * v2). Its summary row comes from the app's own reducer (ingest summarise),
 * exactly as a publish would store it.
 *
 * Rows go in with COPY … FROM STDIN through one psql process (no new
 * dependency: the psql client is already what the tests use; pg-copy-streams
 * would do the same in-process), in chunks of 1,000 drills: the chunk's
 * summary rows first, then its ~82,000 events, so the foreign keys hold.
 * One runbook is hot (half of all drills); 199 others share the rest
 * (Zipf-like); 50 operators (skewed); modes 70 % rehearsal, 20 % automated,
 * 10 % live; 3 % of drills have an evidence bundle row (a 4 KiB placeholder
 * zip, verification ok: the list query reads only its digest and result).
 *
 * Measured: see the README's team bench table (seeding time printed).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { historyFixture, runbook, type StepPlan } from '../helpers/history-fixture';
import { canonicalJson, eventHash, leafCommitment, leafSalt } from '../../main/drill/chain';
import { summarise, verifyPublishedChain } from '../../main/team/ingest';
import type { DrillEvent } from '../../main/drill/model';
import { mulberry32 as rng } from '../helpers/prng';

export const HOT_RUNBOOK = '/srv/runbooks/orders-db.md';
export const RUNBOOKS = 200;
export const OPERATORS = 50;
const DAY = 86_400_000;

interface Template {
  name: string;
  events: DrillEvent[];
  weight: number;
}

/** A few real drills, recorded through the engine; 40 steps each. */
export function templates(): { templates: Template[]; snapshot: Record<string, unknown> } {
  const f = historyFixture();
  const rb = runbook(Array.from({ length: 40 }, (_, i) => `Step ${i + 1}`), { file: HOT_RUNBOOK, rto: 3600 });
  rb.meta.extra = { drill_every: '90d' };
  const ms = (i: number) => 20_000 + ((i * 7919) % 40) * 2_500; // 20 s – 118 s per step
  const rec = (plan: (StepPlan | number)[], opts: Parameters<typeof f.drill>[2] = {}) => f.drills.events(f.drill(rb, plan, opts));
  const all = Array.from({ length: 40 }, (_, i) => ms(i));
  const out: Template[] = [
    { name: 'pass', weight: 70, events: rec(all) },
    { name: 'rto-missed', weight: 8, events: rec(all.map((m) => m * 1.9)) },
    { name: 'skips', weight: 10, events: rec(all.map((m, i) => (i % 9 === 4 ? { ms: 2_000, end: 'skip' as const } : m))) },
    { name: 'failed-step-aborted', weight: 8, events: rec([...all.slice(0, 22), { ms: 30_000, end: 'fail' }], { abort: true }) },
    { name: 'aborted-early', weight: 4, events: rec(all.slice(0, 6), { abort: true }) },
  ];
  const snap = f.drills.runbookOf(out[0]!.events[0]!.drillId) as unknown as Record<string, unknown>;
  f.close();
  return { templates: out, snapshot: snap };
}

export interface RunbookVariant {
  path: string;
  title: string;
  sha256: string;
  key: string;
  json: string;
  drillEverySec: number | null;
  snapshot: Record<string, unknown>;
}

const TAGS = [['postgres', 'restore-test'], ['mysql'], ['files', 'restic'], ['k8s'], []] as const;

/** 200 runbooks (the hot one with three versions over the year), each a real snapshot with its own path, title, tags. */
export function runbookVariants(snapshot: Record<string, unknown>): RunbookVariant[][] {
  const out: RunbookVariant[][] = [];
  for (let r = 0; r < RUNBOOKS; r++) {
    const versions = r === 0 ? 3 : 1;
    const list: RunbookVariant[] = [];
    for (let v = 0; v < versions; v++) {
      const path = r === 0 ? HOT_RUNBOOK : `/srv/runbooks/rb-${r}.md`;
      const title = r === 0 ? 'Orders database restore' : `Runbook ${r}`;
      const sha256 = createHash('sha256').update(`${path}@${v}`).digest('hex');
      const every = r % 2 === 0 ? '90d' : r % 3 === 0 ? '30d' : null;
      const meta = { ...(snapshot.meta as Record<string, unknown>), tags: [...TAGS[r % TAGS.length]!], extra: every ? { drill_every: every } : {} };
      const snap = { ...snapshot, file: path, title, sha256, meta };
      const json = canonicalJson(snap);
      list.push({ path, title, sha256, key: createHash('sha256').update(json).digest('hex'), json, drillEverySec: every ? (every === '90d' ? 90 : 30) * 86_400 : null, snapshot: snap });
    }
    out.push(list);
  }
  return out;
}

export interface Clone {
  id: string;
  events: DrillEvent[];
  runbook: RunbookVariant;
  operator: string;
}

/** Chain v2's commitment to an event's data (main/drill/chain.ts commitStrings): every string replaced by its HMAC commitment. */
function committed(value: unknown, pointer: string, salt: string): unknown {
  if (typeof value === 'string') return leafCommitment(leafSalt(salt, pointer), value);
  const child = (k: string | number) => `${pointer}/${String(k).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  if (Array.isArray(value)) return value.map((v, i) => committed(v, child(i), salt));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = committed(v, child(k), salt);
    return out;
  }
  return value;
}

/**
 * drill.started carries the whole step list, ~100 strings, two HMACs each:
 * half of a clone's hashing. Its committed data depends only on its salt and
 * data (template × mode × runbook), so it is computed once per combination
 * and checked against eventHash the first time; every other event is hashed
 * by eventHash itself.
 */
const startedCache = new Map<string, unknown>();
function hashOf(c: DrillEvent, cacheKey: string | null): string {
  if (cacheKey === null || c.salt === undefined) return eventHash(c);
  const { drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, prevHash } = c;
  const fast = (committedData: unknown) => createHash('sha256').update(canonicalJson({ drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, committedData, prevHash })).digest('hex');
  const hit = startedCache.get(cacheKey);
  if (hit !== undefined) return fast(hit);
  const data = committed(c.data, '', c.salt);
  const real = eventHash(c);
  if (fast(data) !== real) throw new Error('the bench computes chain v2 differently from main/drill/chain.ts');
  startedCache.set(cacheKey, data);
  return real;
}

/** One seeded drill: template `t` under a new id, operator, mode, runbook and start time, step times × factor, re-hashed. */
export function cloneDrill(t: readonly DrillEvent[], o: { id: string; operator: string; mode: string; runbook: RunbookVariant; startMs: number; factor: number }): DrillEvent[] {
  const w0 = t[0]!.wallMs;
  const m0 = t[0]!.monoMs;
  let prev = '';
  return t.map((e, i) => {
    const wallMs = o.startMs + Math.round((e.wallMs - w0) * o.factor);
    const data =
      i === 0
        ? { ...(e.data as Record<string, unknown>), mode: o.mode, runbook: { title: o.runbook.title, path: o.runbook.path, sha256: o.runbook.sha256 } }
        : e.data;
    const c = { ...e, drillId: o.id, operator: o.operator, wallMs, monoMs: m0 + Math.round((e.monoMs - m0) * o.factor), at: new Date(wallMs).toISOString(), data, prevHash: prev } as DrillEvent;
    c.hash = hashOf(c, i === 0 ? `${e.salt}|${o.mode}|${o.runbook.key}` : null);
    prev = c.hash;
    return c;
  });
}

/** COPY text format: backslash, tab, newline and carriage return escaped; null as \N. */
export function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : String(v);
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const row = (fields: unknown[]) => fields.map(copyField).join('\t') + '\n';
const pgArray = (xs: readonly (string | number | null)[]) => '{' + xs.map((x) => (x === null ? 'NULL' : typeof x === 'number' ? String(x) : `"${x.replace(/["\\]/g, '\\$&')}"`)).join(',') + '}';

/** Streams SQL (with inline COPY data) into one psql; resolves when psql exits cleanly. */
function psqlStream(conn: { port: number; password: string; database: string }) {
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(conn.port), '-U', 'postgres', '-d', conn.database, '-f', '-'], {
    env: { ...process.env, PGPASSWORD: conn.password },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()).length > 10_000 && (err = err.slice(-5_000)));
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${err.trim().split('\n').slice(-4).join(' | ')}`))));
  });
  let failed: Error | null = null;
  exited.catch((e: Error) => (failed = e));
  return {
    async write(text: string): Promise<void> {
      if (failed) throw failed;
      if (!child.stdin!.write(text)) await new Promise<void>((r) => child.stdin!.once('drain', r));
    },
    async end(): Promise<void> {
      child.stdin!.end();
      await exited;
    },
  };
}

export interface SeedReport {
  drills: number;
  events: number;
  bytes: number;
  seconds: number;
  generateSeconds: number;
  templates: string[];
}

/**
 * Seeds `total` drills into a migrated, empty team database. `users` maps
 * operator name to user id (the publishers). Returns what it wrote.
 */
export async function seedTeam(conn: { port: number; password: string; database: string }, total: number, users: Map<string, number>, log: (s: string) => void): Promise<SeedReport> {
  const t0 = performance.now();
  const { templates: tpl, snapshot } = templates();
  const variants = runbookVariants(snapshot);
  const rand = rng(16_0002);
  const weights = tpl.map((t) => t.weight);
  const wsum = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let x = rand() * wsum;
    for (let i = 0; i < tpl.length; i++) if ((x -= weights[i]!) < 0) return tpl[i]!;
    return tpl[0]!;
  };
  const now = Date.now();
  const yearAgo = now - 365 * DAY;
  const psql = psqlStream(conn);
  await psql.write('SET synchronous_commit = off;\n');
  await psql.write('COPY team_runbooks (key, path, sha256, title, drill_every_sec, json) FROM STDIN;\n');
  for (const list of variants) for (const v of list) await psql.write(row([v.key, v.path, v.sha256, v.title, v.drillEverySec, v.json]));
  await psql.write('\\.\n');
  let events = 0;
  let bytes = 0;
  let gen = 0;
  const CHUNK = 1_000;
  for (let from = 0; from < total; from += CHUNK) {
    const g0 = performance.now();
    let drills = '';
    let evs = '';
    let bundles = '';
    for (let n = from; n < Math.min(total, from + CHUNK); n++) {
      const t = pick();
      // Half the drills are the hot runbook's; the rest fall on the others, Zipf-like (1/rank).
      const r = rand() < 0.5 ? 0 : 1 + Math.min(RUNBOOKS - 2, Math.floor(Math.exp(rand() * Math.log(RUNBOOKS - 1))) - 1);
      const startMs = yearAgo + Math.floor(rand() * 365 * DAY);
      const list = variants[r]!;
      const v = list[Math.min(list.length - 1, Math.floor(((startMs - yearAgo) / (365 * DAY)) * list.length))]!;
      const op = `op${Math.min(OPERATORS - 1, Math.floor(rand() ** 2 * OPERATORS))}`;
      const m = rand();
      const mode = m < 0.7 ? 'rehearsal' : m < 0.9 ? 'automated' : 'live';
      const id = `seed-${n.toString(36).padStart(5, '0')}-${t.name.slice(0, 4)}`;
      const ev = cloneDrill(t.events, { id, operator: op, mode, runbook: v, startMs, factor: 0.6 + rand() });
      // Every 500th drill's chain is re-verified as the server does on arrival.
      if (n % 500 === 0) {
        const problem = verifyPublishedChain(ev);
        if (problem) throw new Error(`seeded drill ${id}: ${problem}`);
      }
      const s = summarise(ev);
      const publisher = users.get(op)!;
      drills += row([
        s.id, v.key, s.runbookPath, s.runbookTitle, s.runbookSha256, s.mode, s.operator, s.status, s.startedAt, s.endedAt, s.rtoTargetSec, s.rtoActualSec, s.rtoMet, s.netMs, s.passed,
        s.eventCount, s.chainHead, JSON.stringify(s.steps), pgArray(s.steps.map((st) => st.key)), pgArray(s.steps.map((st) => st.durationMs)), publisher,
        new Date(Date.parse(s.endedAt ?? s.startedAt) + 60_000).toISOString(),
      ]);
      for (const e of ev) {
        const body = JSON.stringify(e);
        bytes += body.length;
        evs += row([e.drillId, e.seq, e.type, e.hash, e.prevHash, body]);
      }
      events += ev.length;
      if (rand() < 0.03) {
        const zip = createHash('sha512').update(id).digest('hex').repeat(32); // 4 KiB of hex, as bytes
        bundles += row([id, createHash('sha256').update(zip).digest('hex'), zip.length, '\\x' + Buffer.from(zip).toString('hex'), s.chainHead, JSON.stringify({ ok: true, coverage: 'full', checked: ['manifest.json'], problems: [] }), publisher]);
      }
    }
    gen += performance.now() - g0;
    await psql.write('COPY team_drills (id, runbook_key, runbook_path, runbook_title, runbook_sha256, mode, operator, status, started_at, ended_at, rto_target_sec, rto_actual_sec, rto_met, net_ms, passed, event_count, chain_head, steps, step_keys, step_ms, publisher_id, published_at) FROM STDIN;\n' + drills + '\\.\n');
    await psql.write('COPY team_events (drill_id, seq, type, hash, prev_hash, body) FROM STDIN;\n' + evs + '\\.\n');
    if (bundles) await psql.write('COPY team_bundles (drill_id, sha256, size, bytes, chain_head, verification, uploaded_by) FROM STDIN;\n' + bundles + '\\.\n');
    if ((from / CHUNK) % 10 === 9) log(`  ${from + CHUNK} drills, ${events} events, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  // The per-runbook state a publish keeps up to date, rebuilt as migrations 2 and 3 do.
  await psql.write(`
INSERT INTO team_runbook_state (path, title, drill_every_sec, drills, passed, last_drill_at, last_pass_at, tags)
SELECT l.runbook_path, l.title, l.drill_every_sec, a.drills, a.passed, a.last_drill, a.last_pass,
       ARRAY(SELECT jsonb_array_elements_text(coalesce(l.json::jsonb -> 'meta' -> 'tags', '[]'::jsonb)))
FROM (SELECT DISTINCT ON (d.runbook_path) d.runbook_path, r.title, r.drill_every_sec, r.json
      FROM team_drills d JOIN team_runbooks r ON r.key = d.runbook_key ORDER BY d.runbook_path, d.started_at DESC) l
JOIN (SELECT runbook_path, count(*)::int AS drills, (count(*) FILTER (WHERE passed))::int AS passed, max(started_at) AS last_drill,
             max(coalesce(ended_at, started_at)) FILTER (WHERE passed) AS last_pass
      FROM team_drills GROUP BY runbook_path) a ON a.runbook_path = l.runbook_path;
VACUUM ANALYZE;
`);
  await psql.end();
  return { drills: total, events, bytes, seconds: (performance.now() - t0) / 1000, generateSeconds: gen / 1000, templates: tpl.map((t) => `${t.name} (${t.events.length} events, ${t.weight} %)`) };
}
