/**
 * One setup for every team test (integration and e2e): a real PostgreSQL
 * started on loopback for the file, a fresh database per server, migrated,
 * a TeamServer listening on 127.0.0.1, users made through the server (so
 * their tokens are the real ones). Why: eleven test files each repeated the
 * same 15–25 lines (the before-stop duplicate scan, D3/D26–D29/D34).
 * The file's `after` closes every server it started before PostgreSQL
 * stops, so a test that fails half-way leaves no connection behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresUnavailable, startPostgres, type DbServer } from './services';
import { TeamStore } from '../../main/team/store';
import { TeamServer } from '../../main/team/server';
import type { Role } from '../../main/team/roles';
import type { Page } from 'playwright-core';
import { historyFixture, runbook } from './history-fixture';
import { publish } from '../../main/team/client/publish';
import { Redactor } from '../../main/evidence/redact/engine';
import { AttachmentStore } from '../../main/evidence/attachments';
import { bundleMaker } from '../../main/team/client/bundle';

export type TeamServerOptions = NonNullable<ConstructorParameters<typeof TeamServer>[1]>;

/** A team server on its own database: the store, the listening server and its address. */
export interface RunningTeam {
  readonly store: TeamStore;
  /** The current server (a new one after `up()`). */
  readonly server: TeamServer;
  readonly port: number;
  readonly base: string;
  /** Makes a user through the server; returns its API token. */
  user(name: string, role?: Role, password?: string | null): Promise<string>;
  /** Stops the server (the database stays). */
  down(): Promise<void>;
  /** A new server on the same store and port, as after a restart. */
  up(): Promise<void>;
  /** Closes the server and the store; twice is harmless. */
  close(): Promise<void>;
}

/** Migrates the database at `url` and starts a TeamServer for it on a loopback port. */
export async function startTeam(url: string, opts: TeamServerOptions = {}): Promise<RunningTeam> {
  const store = new TeamStore(url);
  await store.migrate();
  let server = new TeamServer(store, opts);
  const port = (await server.listen({ host: '127.0.0.1', port: 0, tls: null })).port;
  let closed = false;
  return {
    store,
    get server() {
      return server;
    },
    port,
    base: `http://127.0.0.1:${port}`,
    user: async (name, role = 'operator', password = null) => (await server.createUser(name, role, password)).token,
    down: () => server.close(),
    up: async () => {
      server = new TeamServer(store, opts);
      await server.listen({ host: '127.0.0.1', port, tls: null });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await server.close().catch(() => undefined);
      await store.close();
    },
  };
}

export interface TeamPostgres {
  /** Why PostgreSQL cannot run here, or null. */
  readonly skip: string | null;
  readonly pg: DbServer;
  /** Creates a database (named `name`, or numbered) and returns its URL. */
  freshDb(name?: string): string;
  /** startTeam on a fresh database; closed by the file's `after` if the test did not. */
  start(opts?: TeamServerOptions, dbName?: string): Promise<RunningTeam>;
}

/**
 * Registers the file's PostgreSQL: started in `before`, every team started
 * through it closed and then PostgreSQL stopped in `after`. Without
 * PostgreSQL, a test named `what` fails saying why, and `skip` is set.
 */
export function teamPostgres(what: string, prefix = 'team'): TeamPostgres {
  const skip = postgresUnavailable();
  if (skip) test(what, () => assert.fail(`cannot run: ${skip}`));
  let pg: DbServer | undefined;
  let starting: Promise<DbServer> | undefined;
  let n = 0;
  const started: RunningTeam[] = [];
  // Started once, by whichever asks first: Node 20 runs a file's top-level `before` hooks without waiting for each
  // other, so the file's own `before` may call start() while this one is still starting PostgreSQL.
  const ready = (): Promise<DbServer> => (starting ??= startPostgres().then((s) => (pg = s)));
  before(async () => {
    if (!skip) await ready();
  });
  after(async () => {
    for (const t of started) await t.close().catch(() => undefined);
    if (starting) await (await starting.catch(() => undefined))?.stop();
  });
  const self: TeamPostgres = {
    skip,
    get pg() {
      if (!pg) throw new Error('PostgreSQL is not started (used outside a test, or unavailable)');
      return pg;
    },
    freshDb(name = `${prefix}_${process.pid}_${++n}`) {
      self.pg.sql('postgres', `CREATE DATABASE ${name}`);
      return `postgres://postgres:${encodeURIComponent(self.pg.password)}@127.0.0.1:${self.pg.port}/${name}`;
    },
    async start(opts = {}, dbName) {
      await ready();
      const t = await startTeam(self.freshDb(dbName), opts);
      started.push(t);
      return t;
    },
  };
  return self;
}

/**
 * The team e2e tests' sample team: three runbooks (one with HTML in its
 * title, one with no drill policy), finished drills with some failed, a
 * running drill by `bo` for each (steps under way only for orders, the one
 * published as live), each published with its bundle by `ana` through the
 * real client. `tags: false` leaves the runbooks untagged.
 */
export async function publishSampleTeam(base: string, operatorToken: string, opts: { tags?: boolean } = {}): Promise<void> {
  const cfg = { url: base, token: operatorToken, user: 'ana', role: 'operator', joinedAt: '' };
  const red = new Redactor([], true);
  for (const [file, title, every, tags, n, failEvery] of [
    ['/srv/runbooks/orders-db.md', 'Orders database: point-in-time restore', '30d', ['database'], 6, 3],
    ['/srv/runbooks/billing.md', 'Billing <img src=x onerror="window.pwned=1"> restore', '90d', ['database', 'billing'], 3, 0],
    ['/srv/runbooks/wiki.md', 'Wiki files from restic', undefined, ['files'], 2, 0],
  ] as const) {
    const f = historyFixture();
    const rb = runbook(['Declare the incident', 'Restore the base backup', 'Replay WAL to the target time', 'Verify row counts'], { file, rto: 3600 });
    rb.title = title;
    if (opts.tags !== false) rb.meta.tags = [...tags];
    if (every) rb.meta.extra = { drill_every: every };
    for (let i = 0; i < n; i++) f.drill(rb, [60_000, { ms: 900_000 + i * 60_000, end: failEvery && i % failEvery === 2 ? 'fail' : 'complete' }, 300_000, 120_000], { mode: i % 2 ? 'live' : 'rehearsal' });
    const started = f.drills.start(rb, 'live', 'bo').id;
    if (file.includes('orders')) {
      f.drills.stepStart(started, 0);
      f.clock.advance(30_000);
      f.drills.stepComplete(started, 0);
      f.drills.stepStart(started, 1);
    }
    await publish(f.db, f.dir, cfg, red, { includeRunning: file.includes('orders'), bundle: bundleMaker({ drills: f.drills, attachments: new AttachmentStore(f.dir) }, f.dir) });
    f.close();
  }
}

/** Signs in to the team app the server serves at / by pasting an API token (a GET of /api/me: the token form records nothing). */
export async function signInWithToken(page: Page, base: string, token: string): Promise<void> {
  await page.goto(base + '/');
  await page.fill('#team-token', token);
  await page.click('[data-testid=team-signin-submit]');
  await page.waitForSelector('[data-testid=team-who]');
}
