/**
 * The client half of team membership against a real team server on a real
 * PostgreSQL (started on loopback by the test): joining from the app's core
 * (main/team/client/membership.ts) with each kind of failure named in one
 * sentence, status, publish now and leave; the background publisher
 * retrying a bundle upload that failed for a reason other than the bundle
 * itself; and big bundles going in resumable chunks.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { postgresUnavailable, startPostgres, type DbServer } from '../../helpers/services';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { TeamStore } from '../../../main/team/store';
import { TeamServer } from '../../../main/team/server';
import { Core } from '../../../main/api/core';
import { BackgroundPublisher } from '../../../main/team/client/background';
import { saveConfig } from '../../../main/team/client/config';

const skip = postgresUnavailable();
if (skip) test('team client', () => assert.fail(`cannot run: ${skip}`));

let pg: DbServer;
let dbNo = 0;
before(async () => {
  if (!skip) pg = await startPostgres();
});
after(async () => {
  await pg?.stop();
});

function freshDb(): string {
  const name = `teamc_${process.pid}_${++dbNo}`;
  pg.sql('postgres', `CREATE DATABASE ${name}`);
  return `postgres://postgres:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/${name}`;
}

async function teamServer() {
  const store = new TeamStore(freshDb());
  await store.migrate();
  let server = new TeamServer(store);
  const port = (await server.listen({ host: '127.0.0.1', port: 0, tls: null })).port;
  return {
    store,
    base: `http://127.0.0.1:${port}`,
    user: (name: string, role: 'operator' | 'admin' | 'auditor' | 'reviewer' = 'operator') => server.createUser(name, role, null).then((u) => u.token),
    down: () => server.close(),
    up: async () => {
      server = new TeamServer(store);
      await server.listen({ host: '127.0.0.1', port, tls: null });
    },
    close: async () => {
      await server.close().catch(() => undefined);
      await store.close();
    },
  };
}

/** A data folder with `n` finished drills recorded through the real engine. */
function machine(n: number) {
  const f = historyFixture();
  const rb = runbook(['Declare', 'Restore'], { file: '/srv/runbooks/db-restore.md', rto: 600 });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    f.clock.advance(86_400_000);
    const id = f.drills.start(rb, 'rehearsal', 'ana').id;
    for (const s of [0, 1]) {
      f.clock.advance(1_000);
      f.drills.stepStart(id, s);
      f.clock.advance(5_000);
      f.drills.stepComplete(id, s);
    }
    f.drills.finish(id);
    ids.push(id);
  }
  f.db.close();
  return { dir: f.dir, ids };
}

/** Polls until `fn` holds (bounded: 60 s, generous for a loaded machine). */
async function waitFor(fn: () => boolean | Promise<boolean>, message: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) assert.fail(`timed out: ${message}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const bundleCount = async (store: TeamStore) => Number((await store.pool.query('SELECT count(*)::int AS n FROM team_bundles')).rows[0].n);

test('a bundle upload refused for a reason other than the bundle (a proxy 403, the server down) stays queued, is retried by the background publisher with backoff, and is stored once', { skip: !!skip, timeout: 240_000 }, async () => {
  const t = await teamServer();
  const m = machine(2);
  const core = new Core({ dataDir: m.dir, runbookDirs: [], host: 'cli' });
  try {
    const token = await t.user('ana');
    saveConfig(m.dir, { url: t.base, token, user: 'ana', role: 'operator', joinedAt: new Date().toISOString() });
    // A proxy in front of the server refuses bundle uploads for a while (a fault the real server does not make).
    let refuse = true;
    const bundlePosts: string[] = [];
    const fetchImpl: typeof fetch = async (input, init) => {
      const url = String(input);
      if (/\/bundle/.test(url) && init?.method === 'POST') {
        bundlePosts.push(url);
        if (refuse) return new Response(JSON.stringify({ error: 'forbidden by the proxy' }), { status: 403, headers: { 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    };
    const retries: number[] = [];
    const bg = new BackgroundPublisher({
      db: core.db,
      dataDir: m.dir,
      source: { drills: core.drills, attachments: core.evidence.attachments },
      retryMs: (n) => (retries.push(n), 200),
      fetchImpl,
    });
    try {
      bg.kick();
      await waitFor(() => retries.length >= 2, 'the refused uploads are retried with backoff');
      assert.equal(await bundleCount(t.store), 0);
      assert.ok(bundlePosts.length >= 4, 'each round offers both bundles again');
      assert.equal(bg.last?.bundles.queued, 2, JSON.stringify(bg.last));
      // The proxy lets them through, but the server is down now: still queued, still retried.
      await bg.settle(30_000);
      await t.down();
      refuse = false;
      const before = retries.length;
      await waitFor(() => retries.length >= before + 2, 'rounds while the server is down');
      assert.equal(bg.last?.unreachable !== null, true);
      await t.up();
      await waitFor(async () => (await bundleCount(t.store)) === 2, 'both bundles stored once the server is back');
      await bg.settle(30_000);
      // Another round: nothing is sent twice.
      const posts = bundlePosts.length;
      bg.kick();
      await bg.settle(30_000);
      assert.equal(bg.last?.bundles.queued, 0);
      assert.equal(bundlePosts.length, posts, 'no bundle is uploaded again once stored');
      for (const id of m.ids) assert.ok((await t.store.bundle(id, false))?.verification.ok, `${id}'s bundle verified`);
      assert.equal(await bundleCount(t.store), 2);
    } finally {
      bg.stop();
    }
  } finally {
    core.close();
    await t.close();
    rmSync(m.dir, { recursive: true, force: true });
  }
});
