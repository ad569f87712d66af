/**
 * Seeds a history database with synthetic but realistic drills, fast: whole
 * batches of drills per transaction and fsync off while seeding (the bench's
 * data is disposable). Each drill still gets a real hash-chained event log
 * and summary rows derived by the real reducer, so everything that reads the
 * history sees exactly what a recorded drill would leave behind.
 */
import type { Db } from '../../main/store/db';
import type { Runbook, Step } from '../../main/runbook/model';
import type { DrillEvent, DrillEventType, DrillMode } from '../../main/drill/model';
import { eventHash } from '../../main/drill/chain';
import { reduceDrill, type DrillStartedData } from '../../main/drill/reduce';
import { DrillStore } from '../../main/drill/store';
import { archiveDrillEvents } from '../../main/store/migrations';
import { rebuildQuantiles } from '../../main/store/quantiles';
import { mulberry32 as prng } from '../helpers/prng';

export interface SeedOptions {
  drills: number;
  stepsPerDrill: number;
  /** How many runbooks the drills are spread over. */
  runbooks: number;
  /** The first runbook's share of all drills (the "hot" runbook, the trend page's worst case). */
  hotShare: number;
  /** A new runbook version every this many drills of a runbook. */
  versionEvery: number;
  startWallMs?: number;
  seed?: number;
}

export interface SeededRunbook {
  path: string;
  title: string;
  drills: number;
}

function makeSeedRunbook(r: number, version: number, stepCount: number): Runbook {
  const file = `/srv/runbooks/service-${String(r).padStart(2, '0')}.md`;
  const steps: Step[] = [];
  for (let i = 0; i < stepCount; i++) {
    // Titles change between versions (wording edits); keys stay, as with {id=} attributes.
    const title = `Step ${i + 1}: ${['Declare', 'Stop writes', 'Snapshot', 'Restore', 'Replay WAL', 'Verify', 'Switch DNS', 'Smoke test'][i % 8]}${version % 3 === 2 ? ' (revised)' : ''}`;
    steps.push({
      index: i,
      title,
      key: `s${String(i + 1).padStart(2, '0')}-${['declare', 'stop-writes', 'snapshot', 'restore', 'replay-wal', 'verify', 'switch-dns', 'smoke'][i % 8]}`,
      line: 10 + i * 12,
      endLine: 21 + i * 12,
      body: `Run the command below on the primary and confirm the output. Escalate to the on-call DBA if it takes longer than expected.\n\n\`\`\`sh {name=cmd-${i}}\npg_ctl status -D /var/lib/postgresql/data && echo ok\n\`\`\`\n`,
      commands: [{ lang: 'sh', text: 'pg_ctl status -D /var/lib/postgresql/data && echo ok', line: 14 + i * 12, attrs: { name: `cmd-${i}` }, fenced: true }],
      checklist: [{ text: 'Output checked', line: 18 + i * 12, checked: false }],
      rtoStart: false,
      rtoEnd: false,
      always: false,
    });
  }
  return {
    file,
    sha256: (`${r.toString(16)}v${version.toString(16)}`.padEnd(64, '0')),
    title: `Service ${r} database restore`,
    rto: { text: '4h', seconds: 4 * 3600 },
    meta: { title: `Service ${r} database restore`, tags: ['db'], targets: [], extra: {} },
    intro: 'Restore the service database from the nightly snapshot.',
    steps,
    stepSource: 'h2',
    diagnostics: [],
  };
}

/** Seeds `opts.drills` finished drills; returns the runbooks with their drill counts, hottest first. */
export function seedHistory(db: Db, opts: SeedOptions): SeededRunbook[] {
  const rand = prng(opts.seed ?? 42);
  const store = new DrillStore(db);
  const insertEvent = db.prepare(
    `INSERT INTO events (drill_id, seq, type, at, wall_ms, mono_ms, clock, operator, step_index, data, prev_hash, hash)
     VALUES (@drillId, @seq, @type, @at, @wallMs, @monoMs, @clock, @operator, @stepIndex, @data, @prevHash, @hash)`,
  );
  const counts = Array.from({ length: opts.runbooks }, () => 0);
  // Per runbook and step: a typical duration and how much it wobbles.
  const base = Array.from({ length: opts.runbooks }, () =>
    Array.from({ length: opts.stepsPerDrill }, () => ({ ms: 20_000 + rand() * 400_000, spread: 0.05 + rand() * 0.6 })),
  );
  const startWall = opts.startWallMs ?? Date.UTC(2020, 0, 1);
  // Spread the drills over ~6 years, in start order.
  const gapMs = (6 * 365 * 86_400_000) / opts.drills;
  const modes: DrillMode[] = ['rehearsal', 'rehearsal', 'automated', 'automated', 'live'];
  const operators = ['ana', 'bo', 'chen', 'dee', 'eli'];
  const old = db.pragma('synchronous', { simple: true });
  db.pragma('synchronous = OFF');
  const batch = db.transaction((from: number, to: number) => {
    for (let n = from; n < to; n++) {
      const runbookIndex = opts.runbooks === 1 || rand() < opts.hotShare ? 0 : 1 + Math.floor(rand() * (opts.runbooks - 1));
      const k = counts[runbookIndex]!++;
      const rb = makeSeedRunbook(runbookIndex, Math.floor(k / opts.versionEvery), opts.stepsPerDrill);
      seedOneDrill(db, store, insertEvent, rb, rand, base[runbookIndex]!, {
        id: `seed${String(n).padStart(6, '0')}-${runbookIndex}`,
        wallMs: startWall + n * gapMs,
        mode: modes[n % modes.length]!,
        operator: operators[n % operators.length]!,
      });
    }
  });
  try {
    const size = 250;
    for (let from = 0; from < opts.drills; from += size) batch(from, Math.min(opts.drills, from + size));
  } finally {
    db.pragma(`synchronous = ${String(old)}`);
  }
  return counts
    .map((c, r) => ({ path: makeSeedRunbook(r, 0, 1).file, title: `Service ${r} database restore`, drills: c }))
    .sort((a, b) => b.drills - a.drills);
}

function seedOneDrill(
  db: Db,
  store: DrillStore,
  insertEvent: { run: (p: Record<string, unknown>) => unknown },
  rb: Runbook,
  rand: () => number,
  base: { ms: number; spread: number }[],
  d: { id: string; wallMs: number; mode: DrillMode; operator: string },
): void {
  const events: DrillEvent[] = [];
  let wall = d.wallMs;
  let mono = 10_000_000 + (d.wallMs % 1e9);
  const push = (type: DrillEventType, stepIndex: number | null, data: Record<string, unknown>) => {
    const prev = events[events.length - 1];
    const body = {
      drillId: d.id,
      seq: events.length + 1,
      type,
      at: new Date(wall).toISOString(),
      wallMs: wall,
      monoMs: mono,
      clock: 'seed-boot',
      operator: d.operator,
      stepIndex,
      data,
      prevHash: prev ? prev.hash : '',
    };
    events.push({ ...body, hash: eventHash(body) } as DrillEvent);
  };
  const advance = (ms: number) => {
    const whole = Math.round(ms);
    wall += whole;
    mono += whole;
  };
  const started: DrillStartedData = {
    runbook: { title: rb.title, path: rb.file, sha256: rb.sha256 },
    mode: d.mode,
    rtoTargetSec: rb.rto?.seconds ?? null,
    steps: rb.steps.map((s) => ({ key: s.key, title: s.title, rtoStart: s.rtoStart, rtoEnd: s.rtoEnd, checklist: s.checklist.map((c) => ({ ...c })) })),
  };
  push('drill.started', null, started as unknown as Record<string, unknown>);
  const abortAt = rand() < 0.02 ? Math.floor(rand() * rb.steps.length) : -1;
  for (let i = 0; i < rb.steps.length; i++) {
    if (i === abortAt) {
      push('drill.aborted', null, { reason: 'restore target unavailable' });
      break;
    }
    const b = base[i]!;
    if (rand() < 0.01) {
      push('step.skipped', i, { reason: 'not applicable this time' });
      continue;
    }
    advance(2_000 + rand() * 8_000);
    push('step.started', i, {});
    // Roughly log-normal, with the occasional very slow run (the flags' reason to exist).
    const slow = rand() < 0.03 ? 2 + rand() * 2 : 1;
    advance(b.ms * Math.exp((rand() - 0.5) * 2 * b.spread) * slow);
    const failed = rand() < 0.001;
    push(failed ? 'step.failed' : 'step.completed', i, failed ? { reason: 'checksum mismatch' } : {});
  }
  if (events[events.length - 1]!.type !== 'drill.aborted') {
    advance(1_000);
    push('drill.finished', null, {});
  }
  const first = events[0]!;
  store.createDrill(first, rb, { pid: 0, session: 'seed' });
  for (let i = 1; i < events.length; i++) {
    const e = events[i]!;
    insertEvent.run({ ...e, data: JSON.stringify(e.data) });
  }
  const last = events[events.length - 1]!;
  const snap = reduceDrill(events, { wallMs: last.wallMs, monoMs: last.monoMs, clock: last.clock });
  store.writeSummary(snap);
  // What a drill that ended leaves behind: its log as one compact row (main/store/archive.ts).
  if (snap.status !== 'running') archiveDrillEvents(db, d.id);
}

/**
 * Grows a seeded history `copies` times over in bulk SQL, so the 100,000-drill
 * bench does not take an hour of reducer time on 2 shared cores (seeding runs
 * ~100-250 drills/s there). Copy k of every drill gets the id `<id>~k` and
 * starts k whole spans earlier (span: the seeded drills' first to last start,
 * plus one gap), so the seeded drills stay the newest and every copy lands
 * in the past; its summary row, step rows and compact event log are the
 * original's. What is exact: every row the history list, its counts and the
 * trend and step statistics read (step_stats is recomputed at the end). What
 * is not: a copy's event log still carries the original's hash chain, so
 * `db check` would flag the copies; the bench opens only seeded drills.
 * The step-row triggers are dropped for the bulk insert (the copied rows
 * carry their denormalized columns already) and put back as they were.
 */
export function cloneHistory(db: Db, copies: number): { drills: number; ms: number } {
  const t0 = performance.now();
  const span = db.prepare('SELECT julianday(MAX(started_at)) - julianday(MIN(started_at)) AS days, COUNT(*) AS n FROM drills').get() as { days: number; n: number };
  const stepDays = (span.days * (span.n + 1)) / Math.max(1, span.n);
  const cols = (table: string) => (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]);
  const shift = (col: string) => `CASE WHEN ${col} IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', julianday(${col}) - @days) END`;
  const select = (table: string, overrides: Record<string, string>) => {
    const c = cols(table);
    return { list: c.join(', '), exprs: c.map((name) => overrides[name] ?? name).join(', ') };
  };
  const drills = select('drills', { id: `id || '~' || @k`, started_at: shift('started_at'), ended_at: shift('ended_at') });
  const steps = select('drill_steps', { drill_id: `drill_id || '~' || @k`, started_at: shift('started_at'), ended_at: shift('ended_at'), drill_started_at: shift('drill_started_at') });
  const logs = select('event_logs', { drill_id: `drill_id || '~' || @k` });
  const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'drill_steps'").all() as { name: string; sql: string }[];
  const old = db.pragma('synchronous', { simple: true });
  db.pragma('synchronous = OFF');
  try {
    db.transaction(() => {
      for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`);
      const origin = "id NOT LIKE '%~%'";
      const copyDrills = db.prepare(`INSERT INTO drills (${drills.list}) SELECT ${drills.exprs} FROM drills WHERE ${origin}`);
      const copySteps = db.prepare(`INSERT INTO drill_steps (${steps.list}) SELECT ${steps.exprs} FROM drill_steps WHERE drill_id NOT LIKE '%~%'`);
      const copyLogs = db.prepare(`INSERT INTO event_logs (${logs.list}) SELECT ${logs.exprs} FROM event_logs WHERE drill_id NOT LIKE '%~%'`);
      for (let k = 1; k < copies; k++) {
        const args = { k: String(k), days: k * stepDays };
        copyDrills.run(args);
        copySteps.run(args);
        copyLogs.run(args);
      }
      db.exec(`DELETE FROM step_stats;
        INSERT INTO step_stats (runbook_path, stat_key, n, sum_ms, sum_sq)
          SELECT runbook_path, stat_key, COUNT(*), SUM(duration_ms), SUM(duration_ms * duration_ms) FROM drill_steps
          WHERE status = 'completed' AND duration_ms IS NOT NULL AND runbook_path IS NOT NULL GROUP BY runbook_path, stat_key;`);
      for (const t of triggers) db.exec(t.sql);
      // The copies bypassed the triggers: count and place the quantile anchors afresh (migration 5).
      rebuildQuantiles(db);
    })();
  } finally {
    db.pragma(`synchronous = ${String(old)}`);
  }
  const n = db.prepare('SELECT COUNT(*) FROM drills').pluck().get() as number;
  return { drills: n, ms: performance.now() - t0 };
}
