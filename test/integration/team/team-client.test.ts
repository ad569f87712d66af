/**
 * The client half of team membership against a real team server on a real
 * PostgreSQL (started on loopback by the test): joining from the app's core
 * (main/team/client/membership.ts) with each kind of failure named in one
 * sentence, status, publish now and leave; the background publisher
 * retrying a bundle upload that failed for a reason other than the bundle
 * itself; and big bundles going in resumable chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { cliArgs } from '../../helpers/cli';
import { teamPostgres } from '../../helpers/team';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { TeamStore } from '../../../main/team/store';
import { TeamServer } from '../../../main/team/server';
import { Core } from '../../../main/api/core';
import { BackgroundPublisher } from '../../../main/team/client/background';
import { bundleMaker } from '../../../main/team/client/bundle';
import { publish } from '../../../main/team/client/publish';
import { UploadStaging } from '../../../main/team/staging';
import { Redactor } from '../../../main/evidence/redact/engine';
import { verifyBundle } from '../../../main/evidence/verify';
import { configFile, fileTokenStore, loadConfig, saveConfig } from '../../../main/team/client/config';
import type { TeamStatus } from '../../../main/api/contract';

const team = teamPostgres('team client', 'teamc');
const skip = team.skip;


/** A team server on a fresh database (closed by the file's `after` if a test fails first). */
const teamServer = () => team.start();

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

function cli(args: string[], opts: { input?: string } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cliArgs(args), {
      cwd: ROOT,
      env: { ...process.env, DRILLBOOK_DATA: '', DRILLBOOK_TEAM_TOKEN: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(opts.input ?? '');
  });
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

test('joining from the app\'s core: each failure is one sentence naming what is wrong, nothing is saved; then join, status, publish now and leave through the API, and the token never comes back', { skip: !!skip, timeout: 240_000 }, async () => {
  const t = await teamServer();
  const m = machine(2);
  const tmp = mkdtempSync(path.join(tmpdir(), 'team-join-'));
  // Something on a port that is not a Drillbook server, and a Drillbook server behind a certificate nobody here trusts.
  const other = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<h1>Not Found</h1>');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  const otherPort = (other.address() as { port: number }).port;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(tmp, 'key.pem'), '-out', path.join(tmp, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const tlsServer = new TeamServer(t.store);
  const tlsPort = (await tlsServer.listen({ host: '127.0.0.1', port: 0, tls: { cert: path.join(tmp, 'cert.pem'), key: path.join(tmp, 'key.pem') } })).port;
  const core = new Core({ dataDir: m.dir, runbookDirs: [], host: 'web' });
  try {
    const token = await t.user('ana');
    const closedPort = (() => {
      const s = createServer();
      return new Promise<number>((r) => s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }));
    })();
    const cases: [string, { url: string; token: string }, RegExp][] = [
      ['a URL that is not one', { url: 'drillbook dot example', token }, /is not a URL/],
      ['plain http beyond this machine', { url: 'http://drillbook.example.org', token }, /must be reached over https/],
      ['nothing listening', { url: `http://127.0.0.1:${await closedPort}`, token }, /cannot reach the team server .*nothing is listening there/],
      ['a certificate nobody trusts', { url: `https://127.0.0.1:${tlsPort}`, token }, /cannot make a secure connection .*not trusted here/],
      ['https to a port that speaks plain http', { url: `https://127.0.0.1:${otherPort}`, token }, /cannot make a secure connection .*does not speak HTTPS/],
      ['a token the server does not know', { url: t.base, token: 'x'.repeat(43) }, /refused this token \(this API token is unknown or revoked\)/],
      ['not a Drillbook server', { url: `http://127.0.0.1:${otherPort}`, token }, /answered, but not as a Drillbook team server/],
      ['a token with a line break inside', { url: t.base, token: `${token.slice(0, 10)}\n${token.slice(10)}` }, /spaces or line breaks/],
    ];
    for (const [what, params, want] of cases) {
      const r = await core.dispatch({ id: 1, method: 'team.join', params });
      assert.ok('error' in r, `${what}: refused`);
      assert.equal(r.error.code, 'bad_request', what);
      assert.match(r.error.message, want, what);
      assert.equal(r.error.message.split('\n').length, 1, `${what}: one line`);
      assert.ok(!r.error.message.includes(token), `${what}: the token is not echoed`);
      assert.equal(existsSync(configFile(m.dir)), false, `${what}: nothing saved`);
    }
    // Junk parameters are refused by the contract before anything runs.
    for (const params of [{}, { url: t.base }, { url: t.base, token, extra: 1 }, { url: 42, token }, { url: t.base, token: '' }, { url: t.base, token: 'x'.repeat(1001) }]) {
      const r = await core.dispatch({ id: 2, method: 'team.join', params });
      assert.ok('error' in r && r.error.code === 'bad_request', JSON.stringify(params));
    }
    for (const method of ['team.status', 'team.leave', 'team.publishNow']) {
      const r = await core.dispatch({ id: 3, method, params: { token } });
      assert.ok('error' in r && r.error.code === 'bad_request', method);
    }
    const notJoined = await core.call('team.status', {});
    assert.equal(notJoined.joined, false);
    const refused = await core.dispatch({ id: 4, method: 'team.publishNow', params: {} });
    assert.ok('error' in refused && /has not joined a team server/.test(refused.error.message));

    // Join: checked, saved 0600, what was queued goes in the background.
    const joined = await core.dispatch({ id: 5, method: 'team.join', params: { url: ` ${t.base}/ `, token: ` ${token}\n` } });
    assert.ok('result' in joined, JSON.stringify(joined));
    assert.ok(!JSON.stringify(joined).includes(token), 'the token never comes back');
    const st = joined.result as TeamStatus;
    assert.deepEqual([st.joined, st.url, st.user, st.role, st.tokenIn, st.reachable], [true, t.base, 'ana', 'operator', 'file', true]);
    assert.equal(statSync(configFile(m.dir)).mode & 0o777, 0o600);
    assert.equal(loadConfig(m.dir, fileTokenStore)?.token, token);
    await waitFor(async () => (await bundleCount(t.store)) === 2, 'the background publisher sends what was queued');
    await core.team.settle(30_000);
    const after = await core.call('team.status', {});
    assert.deepEqual(after.queued, { drills: 0, bundles: 0 });
    assert.equal(after.reachable, true);
    assert.ok(after.lastPublishAt && Date.parse(after.lastPublishAt) > Date.now() - 120_000, JSON.stringify(after));
    assert.equal(after.lastError, null);

    // The server down: status says so in one sentence, in bounded time; publish now leaves everything queued.
    await t.down();
    const t0 = Date.now();
    const down = await core.call('team.status', {});
    assert.ok(Date.now() - t0 < 10_000, 'status answers within its probe bound');
    assert.equal(down.reachable, false);
    assert.match(down.lastError ?? '', /cannot reach the team server/);
    const now = await core.call('team.publishNow', {});
    assert.equal(now.reachable, false);
    await t.up();
    const back = await core.call('team.publishNow', {});
    assert.equal(back.reachable, true);
    assert.equal(back.lastError, null, JSON.stringify(back));

    // Leave: the membership and its token are gone from disk.
    const left = await core.call('team.leave', {});
    assert.equal(left.joined, false);
    assert.equal(existsSync(configFile(m.dir)), false);
    assert.ok(!readFileSync(path.join(m.dir, 'drillbook.sqlite')).includes(token), 'the token is not in the history');
  } finally {
    core.close();
    await tlsServer.close();
    await new Promise((r) => other.close(r));
    await t.close();
    rmSync(m.dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('drillbook team join/status/leave go through the same core: the same sentences, and status shows the last publish', { skip: !!skip, timeout: 240_000 }, async () => {
  const t = await teamServer();
  const m = machine(1);
  try {
    const token = await t.user('bo');
    const bad = await cli(['team', 'join', t.base, '--data', m.dir], { input: 'wrong-token\n' });
    assert.equal(bad.code, 3);
    assert.match(bad.err, /cannot join: the team server refused this token/);
    const ok = await cli(['team', 'join', t.base, '--data', m.dir], { input: token + '\n' });
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /joined .* as bo \(operator\)/);
    const pub = await cli(['team', 'publish', '--data', m.dir]);
    assert.equal(pub.code, 0, pub.out + pub.err);
    // A run in a joined folder publishes its drill and then ends by itself: nothing of the publisher keeps it open
    // (its settle() left a 30 s timer behind, so every such run waited for the 10 s exit guard and said so).
    const run = await cli(['run', path.join(ROOT, 'test/fixtures/three-steps.md'), '--all', '--data', m.dir]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.doesNotMatch(run.err, /kept the process open/);
    const st = await cli(['team', 'status', '--data', m.dir]);
    assert.match(st.out, /reachable; 0 finished drills not yet published/);
    assert.match(st.out, /last publish: \d{4}-\d\d-\d\dT/);
    const left = await cli(['team', 'leave', '--data', m.dir]);
    assert.match(left.out, /left the team server/);
    assert.equal(existsSync(configFile(m.dir)), false);
  } finally {
    await t.close();
    rmSync(m.dir, { recursive: true, force: true });
  }
});

test('two operators with the runbook repository checked out in different folders publish one team runbook, named by its path in the repository', { skip: !!skip, timeout: 240_000 }, async () => {
  const t = await teamServer();
  const root = mkdtempSync(path.join(tmpdir(), 'team-checkouts-'));
  try {
    const ops: { data: string; file: string }[] = [];
    for (const [who, checkout] of [['ana', 'home/ana/src/ops'], ['bo', 'srv/bo/work/ops-runbooks']] as const) {
      const repo = path.join(root, checkout);
      execFileSync('git', ['init', '-q', repo]);
      mkdirSync(path.join(repo, 'runbooks'), { recursive: true });
      const file = path.join(repo, 'runbooks', 'three-steps.md');
      writeFileSync(file, readFileSync(path.join(ROOT, 'test/fixtures/three-steps.md')));
      const data = path.join(root, `${who}-data`);
      const joined = await cli(['team', 'join', t.base, '--data', data], { input: (await t.user(who)) + '\n' });
      assert.equal(joined.code, 0, joined.err);
      ops.push({ data, file });
    }
    for (const o of ops) {
      const run = await cli(['run', o.file, '--all', '--data', o.data]);
      assert.equal(run.code, 0, run.out + run.err);
    }
    const list = (await (await fetch(`${t.base}/api/runbooks`, { headers: { authorization: `Bearer ${await t.user('audrey', 'auditor')}` } })).json()) as { runbooks: { runbookPath: string; drills: number }[] };
    assert.deepEqual(list.runbooks.map((r) => [r.runbookPath, r.drills]), [['runbooks/three-steps.md', 2]], 'one runbook, both drills; no operator\'s home folder');
  } finally {
    await t.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a bundle over the 32 MiB request limit goes in resumable chunks: an answer lost, a connection killed and a chunk altered in transit cost nothing; the server verifies the whole and stores it once', { skip: !!skip, timeout: 300_000 }, async () => {
  const stagingDir = mkdtempSync(path.join(tmpdir(), 'team-staging-'));
  const staging = new UploadStaging(stagingDir);
  const t = await team.start({ staging });
  const { store, server, base } = t;
  const f = historyFixture();
  f.db.close();
  const core = new Core({ dataDir: f.dir, runbookDirs: [], host: 'cli' });
  try {
    const token = (await server.createUser('ana', 'operator', null)).token;
    const cfg = { url: base, token, user: 'ana', role: 'operator', joinedAt: '' };
    // A drill whose evidence is three 15 MiB files that hardly compress (random bytes, all outside ASCII, so no
    // credential pattern can match and the outbound redaction keeps them): the bundle is over 32 MiB.
    const rb = runbook(['Restore', 'Verify'], { file: '/srv/runbooks/big.md', rto: 600 });
    const id = core.drills.start(rb, 'rehearsal', 'ana').id;
    core.drills.stepStart(id, 0);
    for (const n of [1, 2, 3]) {
      const bytes = randomBytes(15 * 1024 * 1024);
      for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! | 0x80;
      core.evidence.addAttachment(id, { stepIndex: 0, name: `dump-${n}.bin`, kind: 'file', mediaType: 'application/octet-stream', bytes });
    }
    core.drills.stepComplete(id, 0);
    core.drills.stepStart(id, 1);
    core.drills.stepComplete(id, 1);
    core.drills.finish(id);
    const make = bundleMaker({ drills: core.drills, attachments: core.evidence.attachments }, f.dir);

    const chunkPosts: { offset: number; sha256: string }[] = [];
    const faults: Record<number, 'lose-answer' | 'kill' | 'tamper'> = { 2: 'lose-answer', 3: 'kill', 4: 'tamper' };
    let faulty = true;
    const killed = () => new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    const fetchImpl: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (url.pathname.endsWith('/bundle/chunks') && init?.method === 'POST') {
        chunkPosts.push({ offset: Number(url.searchParams.get('offset')), sha256: url.searchParams.get('sha256')! });
        const fault = faulty ? faults[chunkPosts.length] : undefined;
        if (fault === 'kill') throw killed();
        if (fault === 'lose-answer') {
          await fetch(input, init);
          throw killed();
        }
        if (fault === 'tamper') {
          const body = Buffer.from(init.body as Uint8Array);
          body[100] = body[100]! ^ 0xff;
          return fetch(input, { ...init, body: new Uint8Array(body) });
        }
      }
      return fetch(input, init);
    };
    const red = new Redactor([], true);
    const db = core.db;
    const first = await publish(db, f.dir, cfg, red, { bundle: make, fetchImpl, attempts: 8, backoffMs: () => 10 });
    assert.equal(first.imported, 1);
    assert.equal(first.bundles.uploaded, 0, JSON.stringify(first));
    assert.match(first.retry ?? '', /refused a chunk/);
    assert.match(first.problems.map((p) => p.reason).join(' '), /not what was sent/);
    assert.equal(await store.bundle(id, false), null, 'nothing stored from a damaged chunk');
    const audit = await store.pool.query(`SELECT outcome FROM team_audit WHERE action = 'drills.bundle.chunk' AND outcome = 'refused 422'`);
    assert.equal(audit.rows.length, 1, 'the altered chunk was refused and audited');
    const declared = chunkPosts[0]!.sha256;
    const upload = declared.slice(0, 32);
    const staged = staging.status(id, upload).received;
    assert.ok(staged >= 8 * 1024 * 1024, `chunks before the altered one stay staged (${staged})`);

    // The next round sends the same bytes from where the server stands.
    faulty = false;
    const before = chunkPosts.length;
    const second = await publish(db, f.dir, cfg, red, { bundle: make, fetchImpl, attempts: 8, backoffMs: () => 10 });
    assert.equal(second.bundles.uploaded, 1, JSON.stringify(second));
    assert.equal(chunkPosts[before]!.offset, staged, 'resumed, not started over');
    assert.ok(chunkPosts.slice(before).every((c) => c.sha256 === declared), 'the very same bundle');
    const stored = await store.bundle(id, true);
    assert.ok(stored?.verification.ok, JSON.stringify(stored?.verification));
    assert.equal(stored!.sha256, declared, 'what the server assembled is what the client made, byte for byte');
    assert.ok(stored!.bytes!.length > 32 * 1024 * 1024, `over the request limit (${stored!.bytes!.length})`);
    const dl = mkdtempSync(path.join(tmpdir(), 'team-big-'));
    try {
      writeFileSync(path.join(dl, 'b.zip'), stored!.bytes!);
      const v = await verifyBundle(path.join(dl, 'b.zip'), { expectHead: core.drills.get(id).chainHead });
      assert.equal(v.ok, true, JSON.stringify(v.problems));
    } finally {
      rmSync(dl, { recursive: true, force: true });
    }
    assert.deepEqual(readdirSync(stagingDir), [], 'staging is emptied once stored');
    assert.deepEqual(readdirSync(path.join(f.dir, 'team-outbox')), [], 'the outbox too');
    // Again: nothing is sent twice; a stored bundle is never replaced.
    const posts = chunkPosts.length;
    const third = await publish(db, f.dir, cfg, red, { bundle: make, fetchImpl, attempts: 1 });
    assert.equal(third.bundles.queued, 0);
    assert.equal(chunkPosts.length, posts);
    const again = await fetch(`${base}/api/drills/${id}/bundle/chunks?upload=${upload}&total=10&sha256=${declared}&offset=0&chunk=${createHash('sha256').update('PK\x03\x04').digest('hex')}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: 'PK\x03\x04' });
    assert.equal(again.status, 409);
  } finally {
    core.close();
    await t.close();
    rmSync(f.dir, { recursive: true, force: true });
    rmSync(stagingDir, { recursive: true, force: true });
  }
});

test('a running drill in a joined host streams to the server while it runs (observers see each step within seconds), and finishing it makes one drill, not two', { skip: !!skip, timeout: 180_000 }, async () => {
  const t = await teamServer();
  const m = machine(0);
  const token = await t.user('ana');
  saveConfig(m.dir, { url: t.base, token, user: 'ana', role: 'operator', joinedAt: new Date().toISOString() });
  const core = new Core({ dataDir: m.dir, runbookDirs: [], host: 'web' });
  const onServer = async (id: string) => (await t.store.liveHeads(id))[0] ?? null;
  try {
    const rb = runbook(['Declare', 'Restore', 'Verify'], { file: '/srv/runbooks/live-drill.md', rto: 600 });
    const id = core.drills.start(rb, 'rehearsal', 'ana').id;
    core.drills.stepStart(id, 0);
    // Nobody ran `team publish --live`: the host itself streams the running drill.
    await waitFor(async () => (await onServer(id))?.eventCount === core.drills.events(id).length, 'the running drill reaches the server');
    assert.equal((await onServer(id))!.status, 'running');
    core.drills.stepComplete(id, 0);
    core.drills.addNote(id, 1, 'restore started on db-replica-2');
    await waitFor(async () => (await onServer(id))?.eventCount === core.drills.events(id).length, 'each new event follows within the live interval');
    assert.equal((await onServer(id))!.chainHead, core.drills.get(id).chainHead);
    for (const step of [1, 2]) {
      core.drills.stepStart(id, step);
      core.drills.stepComplete(id, step);
    }
    core.drills.finish(id);
    await waitFor(async () => (await onServer(id))?.status === 'completed', 'the finished drill');
    await core.team.settle(30_000);
    const rows = (await t.store.pool.query('SELECT count(*)::int AS n FROM team_drills')).rows[0].n;
    assert.equal(rows, 1, 'one drill on the server, extended as it grew');
    assert.equal((await onServer(id))!.chainHead, core.drills.get(id).chainHead);
  } finally {
    core.close();
    await t.close();
  }
});
