/**
 * The team server against a real PostgreSQL (Debian's, started on loopback
 * by the test) and the real CLI: migrations and append-only events in the
 * database itself, the role matrix over every API method, login limits,
 * publishing from two data folders with redaction, a tampered chain and a
 * conflicting history refused, the server killed mid-publish, and what the
 * team sees (filters, p50/p90, freshness).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { verifyBundle } from '../../../main/evidence/verify';
import { readZip, writeZip } from '../../../main/evidence/zip';
import { Core } from '../../../main/api/core';
import { bundleMaker } from '../../../main/team/client/bundle';
import path from 'node:path';
import { startTeam, teamPostgres } from '../../helpers/team';
import { freePort } from '../../helpers/sshd';
import { ROOT } from '../../helpers/server';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { TeamStore } from '../../../main/team/store';
import { MIGRATIONS } from '../../../main/team/schema';
import { TeamServer } from '../../../main/team/server';
import { API_METHODS, ROLES, allowed, type Role } from '../../../main/team/roles';
import { LoginLimiter } from '../../../main/team/auth';
import { eventHash } from '../../../main/drill/chain';
import { publish } from '../../../main/team/client/publish';
import { saveConfig } from '../../../main/team/client/config';
import { Redactor } from '../../../main/evidence/redact/engine';
import { openDatabase } from '../../../main/store/db';
import * as pty from 'node-pty';
import { cliArgs } from '../../helpers/cli';
import { DrillStore as DrillStoreReader } from '../../../main/drill/store';
import { cliPrefix } from '../../helpers/cli';

const team = teamPostgres('team server');
const skip = team.skip;

const freshDb = (): string => team.freshDb();

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function cli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliPrefix(), ...args], {
      cwd: ROOT,
      env: { ...process.env, DRILLBOOK_DATA: '', DRILLBOOK_TEAM_TOKEN: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** `drillbook server` as its own process; resolves once it prints where it listens. */
async function serverProcess(url: string, port: number): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, [...cliPrefix(), 'server', '--postgres', url, '--listen', `127.0.0.1:${port}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${log}`)), 60_000);
    const check = () => {
      if (/listening on/.test(log)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => reject(new Error(`server exited: ${log}`)));
  });
  return { child, log: () => log };
}

async function call(base: string, token: string | null, method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + p, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const inProcess = startTeam;

/** A data folder with `n` finished drills of a runbook, recorded through the real engine. */
function machine(opts: { n: number; operator?: string; file?: string; every?: string; tags?: string[]; secret?: string; fail?: boolean; startDay?: number }) {
  const f = historyFixture();
  f.clock.advance((opts.startDay ?? 0) * 86_400_000);
  const rb = runbook(['Declare', 'Restore', 'Verify'], { file: opts.file ?? '/srv/runbooks/db-restore.md', rto: 600 });
  if (opts.every) rb.meta.extra = { ...rb.meta.extra, drill_every: opts.every };
  if (opts.tags) rb.meta.tags = opts.tags;
  const ids: string[] = [];
  for (let i = 0; i < opts.n; i++) {
    f.clock.advance(86_400_000);
    const id = f.drills.start(rb, 'rehearsal', opts.operator ?? 'ana').id;
    for (let s = 0; s < 3; s++) {
      f.clock.advance(1_000);
      f.drills.stepStart(id, s);
      f.clock.advance(10_000 * (s + 1) + i * 1000);
      if (opts.secret && s === 1) f.drills.addNote(id, s, `ran: PGPASSWORD=${opts.secret} pg_restore -d orders`);
      if (opts.fail && s === 1) f.drills.stepFail(id, s, 'broke');
      else f.drills.stepComplete(id, s);
    }
    f.drills.finish(id);
    ids.push(id);
  }
  const events = ids.reduce((a, id) => a + f.drills.events(id).length, 0);
  f.db.close();
  return { dir: f.dir, ids, events };
}

test('migrations are versioned and repeatable; events and the audit log refuse UPDATE, DELETE and TRUNCATE in the database', { skip: !!skip }, async () => {
  const url = freshDb();
  const db = url.split('/').pop()!;
  const t = await inProcess(url);
  try {
    assert.deepEqual(await t.store.migrate(), [], 'a second migrate applies nothing');
    assert.equal(team.pg.sql(db, `SELECT string_agg(version::text, ',' ORDER BY version) FROM team_migrations`).trim(), MIGRATIONS.map((m) => m.version).join(','));
    const { token } = await t.server.createUser('ana', 'operator', null);
    const m = machine({ n: 1 });
    const seed = await cli(['team', 'join', t.base, '--data', m.dir], { input: token + '\n' });
    assert.equal(seed.code, 0, seed.err);
    const pub = await cli(['team', 'publish', '--data', m.dir]);
    assert.equal(pub.code, 0, pub.out + pub.err);
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_events').trim(), String(m.events));
    for (const q of [
      `UPDATE team_events SET body = '{}' WHERE seq = 1`,
      `DELETE FROM team_events WHERE seq = 1`,
      `TRUNCATE team_events CASCADE`,
      `UPDATE team_audit SET outcome = 'ok'`,
      `DELETE FROM team_audit`,
      `TRUNCATE team_audit`,
    ]) {
      assert.throws(() => team.pg.sql(db, q), /is refused: it is append-only/, q);
    }
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_events').trim(), String(m.events), 'nothing changed');
  } finally {
    await t.close();
  }
});

/** The live event stream's status (and error), without waiting for a stream that never ends. */
async function openStream(base: string, token: string | null): Promise<{ status: number; json: any }> {
  const ac = new AbortController();
  const res = await fetch(base + '/api/live/events', { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: ac.signal });
  const json = res.status === 200 ? null : await res.json();
  ac.abort();
  return { status: res.status, json };
}

/** psql as another role (password authentication over loopback TCP, as the server connects). */
function sqlAs(role: string, password: string, db: string, query: string): string {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-h', '127.0.0.1', '-p', String(team.pg.port), '-U', role, '-d', db, '-c', query], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`psql: ${(r.stderr || String(r.error)).trim()}`);
  return r.stdout;
}

test('the application role: migrations as the owner, then the server connects as a role the database itself refuses UPDATE/DELETE/TRUNCATE on events, sign-offs and audit log', { skip: !!skip, timeout: 240_000 }, async () => {
  const ownerUrl = freshDb();
  const db = ownerUrl.split('/').pop()!;
  const role = `drillbook_app_${process.pid}`;
  team.pg.sql('postgres', `CREATE ROLE ${role} LOGIN PASSWORD 'app-secret-42'`);
  const appUrl = `postgres://${role}:app-secret-42@127.0.0.1:${team.pg.port}/${db}`;
  // Before the grants the role cannot even read: the server refuses to start in one sentence, nothing half-done.
  const early = await cli(['server', '--postgres', appUrl, '--listen', '127.0.0.1:0']);
  assert.equal(early.code, 4, early.err);
  assert.match(early.err, /cannot use the database: .*(permission denied|may not apply)/);
  const grant = await cli(['server', '--postgres', ownerUrl, '--grant-app-role', role]);
  assert.equal(grant.code, 0, grant.err);
  assert.match(grant.err, /may not UPDATE, DELETE or TRUNCATE events/);
  assert.equal(team.pg.sql(db, `SELECT string_agg(version::text, ',' ORDER BY version) FROM team_migrations`).trim(), MIGRATIONS.map((m) => m.version).join(','));
  const admin = await cli(['server', '--postgres', appUrl, '--create-admin', 'root']);
  assert.equal(admin.code, 0, admin.err);
  const port = await freePort();
  const srv = await serverProcess(appUrl, port);
  try {
    assert.doesNotMatch(srv.log(), /warning/, 'a properly granted role draws no warning');
    const base = `http://127.0.0.1:${port}`;
    const ana = await call(base, admin.out.trim(), 'POST', '/api/users', { name: 'ana', role: 'operator' });
    assert.equal(ana.status, 201);
    const m = machine({ n: 2 });
    assert.equal((await cli(['team', 'join', base, '--data', m.dir], { input: ana.json.token + '\n' })).code, 0);
    const pub = await cli(['team', 'publish', '--data', m.dir]);
    assert.equal(pub.code, 0, pub.out + pub.err);
    const rev = await call(base, admin.out.trim(), 'POST', `/api/drills/${m.ids[0]}/signoff`, { verdict: 'approved', comment: 'ok' });
    assert.equal(rev.status, 201, JSON.stringify(rev.json));
    assert.equal(sqlAs(role, 'app-secret-42', db, 'SELECT count(*) FROM team_events').trim(), String(m.events));
    for (const q of [
      `UPDATE team_events SET body = '{}' WHERE seq = 1`,
      `DELETE FROM team_events WHERE seq = 1`,
      `TRUNCATE team_events CASCADE`,
      `UPDATE team_audit SET outcome = 'ok'`,
      `DELETE FROM team_audit`,
      `TRUNCATE team_audit`,
      `UPDATE team_signoffs SET verdict = 'rejected'`,
      `DELETE FROM team_signoffs`,
      `TRUNCATE team_signoffs`,
      `UPDATE team_bundles SET bytes = '\\x00'`,
      `DELETE FROM team_bundles`,
      `DELETE FROM team_drills`,
      `DELETE FROM team_users`,
      `ALTER TABLE team_events DISABLE TRIGGER team_events_append_only`,
      `DROP TRIGGER team_events_append_only ON team_events`,
    ]) {
      // Refused by the grants (permission denied / must be owner), not only by the triggers' "append-only".
      assert.throws(() => sqlAs(role, 'app-secret-42', db, q), /permission denied|must be owner/, q);
    }
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_events').trim(), String(m.events), 'nothing changed');
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_signoffs').trim(), '1');
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_bundles').trim(), '2', 'the app role stored both evidence bundles');
  } finally {
    srv.child.kill('SIGTERM');
    await new Promise((r) => srv.child.once('exit', r));
  }
  // The owner (here a superuser) still draws the warning: the grants are the point, not the triggers alone.
  const port2 = await freePort();
  const owner = await serverProcess(ownerUrl, port2);
  try {
    assert.match(owner.log(), /warning: this database role holds UPDATE on team_events/);
  } finally {
    owner.child.kill('SIGTERM');
    await new Promise((r) => owner.child.once('exit', r));
  }
});

test('migration 3 on a database with drills: each runbook\'s tags come from its newest drill\'s snapshot', { skip: !!skip }, async () => {
  const url = freshDb();
  const db = url.split('/').pop()!;
  team.pg.sql(db, `CREATE TABLE team_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const m of MIGRATIONS.slice(0, 2)) {
    team.pg.sql(db, m.sql);
    team.pg.sql(db, `INSERT INTO team_migrations (version, name) VALUES (${m.version}, 'v${m.version}')`);
  }
  team.pg.sql(db, `INSERT INTO team_users (name, role) VALUES ('a', 'admin')`);
  team.pg.sql(db, `INSERT INTO team_runbooks VALUES ('k1', '/r.md', 's', 'T', null, '{"meta":{"tags":["restore-test","pg"]}}'), ('k0', '/r.md', 's', 'T', null, '{"meta":{"tags":["old"]}}')`);
  team.pg.sql(
    db,
    `INSERT INTO team_drills (id, runbook_key, runbook_path, runbook_title, runbook_sha256, mode, operator, status, started_at, event_count, chain_head, steps, publisher_id)
     VALUES ('d1', 'k1', '/r.md', 'T', 's', 'rehearsal', 'a', 'completed', '2026-01-02', 1, 'h', '[]', 1), ('d0', 'k0', '/r.md', 'T', 's', 'rehearsal', 'a', 'completed', '2026-01-01', 1, 'h', '[]', 1)`,
  );
  team.pg.sql(db, `INSERT INTO team_runbook_state (path, title, drills, passed, last_drill_at) VALUES ('/r.md', 'T', 2, 0, '2026-01-02')`);
  const store = new TeamStore(url);
  try {
    assert.deepEqual(await store.migrate(), MIGRATIONS.slice(2).map((m) => m.version));
    assert.equal(team.pg.sql(db, `SELECT array_to_string(tags, ',') FROM team_runbook_state`).trim(), 'restore-test,pg');
  } finally {
    await store.close();
  }
});

test('role matrix: every API method answers 403 exactly for the roles the table leaves out, and 401 without a token', { skip: !!skip }, async () => {
  const t = await inProcess(freshDb());
  try {
    const tokens = {} as Record<Role, string>;
    for (const role of ROLES) tokens[role] = (await t.server.createUser(`u-${role}`, role, 'a long password 123')).token;
    const bodies: Record<string, unknown> = {
      login: { name: 'u-admin', password: 'a long password 123' },
      'password.set': { password: 'another long password' },
      'tokens.create': { label: 'matrix' },
      'users.create': { name: `made-${Date.now()}`, role: 'auditor' },
      'drills.publish': { drills: [] },
      'drills.signoff': { verdict: 'approved', comment: 'ok' },
      'policies.set': { tag: 'matrix', every: '30d' },
    };
    const seen: string[] = [];
    for (const m of API_METHODS) {
      for (const role of [...ROLES, null] as const) {
        // A fresh token for each call, so tokens.revoke and password.set never lock the next call out.
        const token = role === null ? null : (await call(t.base, tokens[role], 'POST', '/api/tokens', { label: 'm' })).json.token;
        let p = m.path.replace(':id', 'no-such-drill-1');
        if (m.name === 'tokens.revoke') p = m.path.replace(':id', '999999');
        const body = m.name === 'users.create' ? { ...(bodies[m.name] as object), name: `made-${role}-${seen.length}` } : bodies[m.name];
        const r = m.name === 'live.events' ? await openStream(t.base, token) : await call(t.base, token, m.method, p, m.method === 'POST' ? (body ?? {}) : undefined);
        const expect = role === null ? (m.roles === 'public' ? 'any' : 401) : allowed(m, role) ? 'allowed' : 403;
        if (expect === 'allowed' || expect === 'any') assert.ok(r.status !== 403 && r.status !== 401, `${m.name} as ${role}: ${r.status} ${JSON.stringify(r.json)}`);
        else assert.equal(r.status, expect, `${m.name} as ${role}: ${JSON.stringify(r.json)}`);
        if (r.status >= 400) assert.match(r.json.error, /^[^\n]+$/, 'one sentence, no stack');
        seen.push(`${m.name}/${role}`);
      }
    }
    assert.equal(seen.length, API_METHODS.length * (ROLES.length + 1));
    const audit = await call(t.base, tokens.auditor, 'GET', '/api/audit?limit=1000');
    assert.ok(audit.json.entries.some((e: any) => e.action === 'drills.publish' && e.outcome === 'refused 403' && e.actor === 'u-auditor'), 'refusals are audited');
    assert.ok(audit.json.entries.some((e: any) => e.action === 'users.create' && e.outcome === 'ok'), 'actions are audited');
  } finally {
    await t.close();
  }
});

test('login: a wrong password is refused, the sixth try is rate-limited, tokens are revocable', { skip: !!skip }, async () => {
  const t = await inProcess(freshDb(), { limiter: new LoginLimiter(Date.now, 5, 60_000) });
  try {
    await t.server.createUser('ana', 'operator', 'correct horse battery');
    const ok = await call(t.base, null, 'POST', '/api/login', { name: 'ana', password: 'correct horse battery' });
    assert.equal(ok.status, 200);
    const token = ok.json.token as string;
    assert.equal((await call(t.base, token, 'GET', '/api/me')).json.name, 'ana');
    for (let i = 0; i < 5; i++) assert.equal((await call(t.base, null, 'POST', '/api/login', { name: 'ana', password: 'wrong' })).status, 401);
    const limited = await call(t.base, null, 'POST', '/api/login', { name: 'ana', password: 'correct horse battery' });
    const failures = await t.store.pool.query(`SELECT target, outcome FROM team_audit WHERE action = 'login' AND outcome <> 'ok'`);
    assert.deepEqual(failures.rows.map((r) => `${r.target} ${r.outcome}`), [...Array(5).fill('ana refused 401'), 'ana refused 429'], 'every failed login is audited with the account tried');
    assert.equal(limited.status, 429);
    assert.match(limited.json.error, /too many failed logins/);
    assert.equal((await call(t.base, token, 'DELETE', `/api/tokens/${ok.json.tokenId}`)).status, 200);
    const gone = await call(t.base, token, 'GET', '/api/me');
    assert.equal(gone.status, 401);
    assert.equal(gone.json.error, 'this API token is unknown or revoked');
    const row = await t.store.pool.query('SELECT token_sha256 FROM team_tokens WHERE id = $1', [ok.json.tokenId]);
    assert.notEqual(row.rows[0].token_sha256, token, 'only the hash is stored');
    assert.doesNotMatch(JSON.stringify((await t.store.pool.query('SELECT * FROM team_tokens')).rows), new RegExp(token.slice(4)));
  } finally {
    await t.close();
  }
});

test('two data folders publish and merge without duplicates; secrets are masked before they leave; the CLI token file is 0600', { skip: !!skip }, async () => {
  const url = freshDb();
  const db = url.split('/').pop()!;
  const t = await inProcess(url);
  const secret = 'Sup3r-S3cret-' + Math.random().toString(36).slice(2, 10);
  try {
    const ana = (await t.server.createUser('ana', 'operator', null)).token;
    const bo = (await t.server.createUser('bo', 'operator', null)).token;
    const a = machine({ n: 3, operator: 'ana', secret });
    const b = machine({ n: 2, operator: 'bo', startDay: 10, fail: true });
    assert.equal((await cli(['team', 'join', t.base, '--data', a.dir], { input: ana + '\n' })).code, 0);
    assert.equal((await cli(['team', 'join', t.base, '--data', b.dir], { env: { DRILLBOOK_TEAM_TOKEN: bo } })).code, 0);
    assert.equal(statSync(path.join(a.dir, 'team.json')).mode & 0o777, 0o600);
    const st = await cli(['team', 'status', '--data', a.dir, '--json']);
    assert.equal(JSON.parse(st.out).pending, 3, st.err);

    const pa = await cli(['team', 'publish', '--data', a.dir]);
    assert.equal(pa.code, 0, pa.out + pa.err);
    assert.match(pa.out, /3 drills to publish: 3 published/);
    const pb = await cli(['team', 'publish', '--data', b.dir]);
    assert.match(pb.out, /2 drills to publish: 2 published/);
    const again = await cli(['team', 'publish', '--data', a.dir]);
    assert.match(again.out, /nothing to publish: the server has every finished drill/);

    // Forget what was acknowledged: everything goes again, and the server has it all already.
    await cli(['team', 'leave', '--data', a.dir]);
    assert.equal((await cli(['team', 'join', t.base, '--data', a.dir], { input: ana + '\n' })).code, 0);
    const resent = await cli(['team', 'publish', '--data', a.dir]);
    assert.match(resent.out, /3 drills to publish: 0 published, 0 extended, 3 already there/);

    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_drills').trim(), '5');
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_events').trim(), String(a.events + b.events));
    assert.equal(team.pg.sql(db, `SELECT count(*) FROM team_events WHERE body LIKE '%${secret}%'`).trim(), '0', 'the secret never reached the server');
    assert.ok(Number(team.pg.sql(db, `SELECT count(*) FROM team_events WHERE body LIKE '%REDACTED%' AND body LIKE '%disclosure%'`)) >= 3);

    const admin = (await t.server.createUser('root', 'admin', null)).token;
    const one = await call(t.base, admin, 'GET', `/api/drills/${a.ids[0]}`);
    assert.equal(one.json.verification.ok, true, 'a redacted drill still verifies on the server');
    const list = await call(t.base, admin, 'GET', '/api/drills?operator=bo');
    assert.deepEqual(list.json.drills.map((d: any) => d.id).sort(), [...b.ids].sort());
    assert.equal((await call(t.base, admin, 'GET', '/api/drills?result=fail')).json.drills.length, 2);
    assert.equal((await call(t.base, admin, 'GET', '/api/drills?result=pass&mode=rehearsal')).json.drills.length, 3);
    assert.equal((await call(t.base, admin, 'GET', '/api/drills?since=2026-01-09')).json.drills.length, 2);
    assert.equal((await call(t.base, admin, 'GET', '/api/drills?until=2026-01-04')).json.drills.length, 3);
    assert.equal((await call(t.base, admin, 'GET', '/api/drills?since=yesterday')).status, 400);
    const csv = await fetch(`${t.base}/api/drills?format=csv&operator=ana`, { headers: { authorization: `Bearer ${admin}` } });
    assert.match(csv.headers.get('content-type')!, /^text\/csv/);
    const csvLines = (await csv.text()).trim().split('\r\n');
    assert.equal(csvLines.length, 4, 'a header and three drills');
    assert.match(csvLines[0]!, /^id,runbook_title,runbook_path,mode,operator,status,result,/);
    assert.match(csvLines[1]!, /,rehearsal,ana,completed,pass,/);
    const rbs = (await call(t.base, admin, 'GET', '/api/runbooks')).json.runbooks;
    assert.deepEqual(rbs.map((r: any) => [r.runbookPath, r.drills, r.passed]), [['/srv/runbooks/db-restore.md', 5, 3]]);
    const stats = await call(t.base, admin, 'GET', '/api/runbooks/stats?path=/srv/runbooks/db-restore.md');
    const rb = stats.json;
    assert.equal(rb.drills, 5);
    assert.equal(rb.passed, 3);
    assert.equal(rb.operators, 2);
    // Ana's drills: Restore ran 20 s + i s (i = 0..2); Bo's two failed at Restore after 20 s + i s.
    assert.deepEqual(rb.steps.map((s: any) => [s.title, s.p50Ms]), [['Declare', 11_000], ['Restore', 21_000], ['Verify', 31_000]]);
    assert.equal(rb.basis.drills, 5);
    assert.ok(rb.netMs.p50 > 0 && rb.netMs.p90 >= rb.netMs.p50);
    assert.deepEqual(rb.trend.map((b: any) => [b.drills, b.rtoTargetSec]), [[1, 600], [1, 600], [1, 600], [1, 600], [1, 600]], 'few drills: one point each');
    assert.equal((await call(t.base, admin, 'GET', '/api/runbooks/stats')).status, 400);
  } finally {
    await t.close();
  }
});

test('RTO trend per runbook: downsampled on the server to at most 40 points of consecutive drills, oldest first', { skip: !!skip, timeout: 240_000 }, async () => {
  const t = await inProcess(freshDb());
  try {
    const token = (await t.server.createUser('ana', 'operator', null)).token;
    const m = machine({ n: 90 });
    const db = openDatabase(m.dir);
    try {
      const r = await publish(db, m.dir, { url: t.base, token } as never, new Redactor([], true), { batchSize: 50 });
      assert.equal(r.imported, 90);
    } finally {
      db.close();
    }
    const s = (await call(t.base, token, 'GET', '/api/runbooks/stats?path=/srv/runbooks/db-restore.md')).json;
    assert.equal(s.trend.length, 40);
    assert.equal(s.trend.reduce((a: number, b: any) => a + b.drills, 0), 90, 'every drill in exactly one point');
    for (let i = 1; i < s.trend.length; i++) assert.ok(s.trend[i].from >= s.trend[i - 1].to, 'consecutive, oldest first');
    // The fixture's drill i takes 3 s longer than drill i-1: the RTO rises along the trend, the target stays 600 s.
    assert.ok(s.trend[39].rtoP50Sec > s.trend[0].rtoP50Sec);
    assert.ok(s.trend.every((b: any) => b.rtoTargetSec === 600 && b.rtoWorstSec >= b.rtoP50Sec && b.missed === 0));
    const few = (await call(t.base, token, 'GET', '/api/runbooks/stats?path=/srv/runbooks/db-restore.md&last=10')).json;
    assert.equal(few.trend.length, 10, 'the trend covers the same newest drills as the percentiles');
  } finally {
    await t.close();
  }
});

test('a tampered chain and a conflicting history are refused with a clear report, and nothing is stored', { skip: !!skip }, async () => {
  const url = freshDb();
  const db = url.split('/').pop()!;
  const t = await inProcess(url);
  try {
    const token = (await t.server.createUser('ana', 'operator', null)).token;
    const f = historyFixture();
    const rb = runbook(['Declare', 'Restore']);
    const id = f.drill(rb, [1000, 2000]);
    const line = { id, runbook: f.drills.runbookOf(id), events: f.drills.events(id) };
    const tampered = JSON.parse(JSON.stringify(line));
    tampered.events[3].wallMs -= 60_000; // a step made to look a minute shorter
    const r = await call(t.base, token, 'POST', '/api/drills', { drills: [tampered] });
    assert.equal(r.json.outcomes[0].kind, 'rejected');
    assert.match(r.json.outcomes[0].reason, /hash chain broken: event 4 \(.+\) was altered/);
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_drills').trim(), '0');

    assert.equal((await call(t.base, token, 'POST', '/api/drills', { drills: [line] })).json.outcomes[0].kind, 'imported');
    // The same drill id with another, self-consistent history (a note rewritten and re-hashed).
    const forged = { ...line, events: line.events.slice(0, 2) };
    const e3 = { ...line.events[2]!, operator: 'mallory' };
    e3.hash = eventHash({ ...e3, hash: undefined } as never);
    forged.events.push(e3);
    const c = await call(t.base, token, 'POST', '/api/drills', { drills: [forged] });
    assert.equal(c.json.outcomes[0].kind, 'conflict');
    assert.match(c.json.outcomes[0].reason, /a different history of this drill is already on the server: the two logs part at event 3 .*nothing was changed/);
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_events').trim(), String(line.events.length));
    f.close();
  } finally {
    await t.close();
  }
});

test('the server killed -9 mid-publish and restarted: the client retries with backoff, nothing lost or duplicated', { skip: !!skip, timeout: 240_000 }, async () => {
  const url = freshDb();
  const db = url.split('/').pop()!;
  const port = await freePort();
  const boot = await cli(['server', '--postgres', url, '--create-admin', 'root']);
  assert.equal(boot.code, 0, boot.err);
  const adminToken = boot.out.trim();
  assert.match(adminToken, /^dbt_/);
  const m = machine({ n: 40 });
  let server = await serverProcess(url, port);
  const join = await cli(['team', 'join', `http://127.0.0.1:${port}`, '--data', m.dir], { input: adminToken + '\n' });
  assert.equal(join.code, 0, join.err);
  const publishing = cli(['team', 'publish', '--data', m.dir, '--batch', '2', '--retries', '20'], { timeoutMs: 200_000 });
  // Wait until some drills have landed, then kill the server without warning.
  const deadline = Date.now() + 120_000;
  while (Number(team.pg.sql(db, 'SELECT count(*) FROM team_drills')) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  server.child.kill('SIGKILL');
  await new Promise((r) => server.child.once('exit', r));
  const landed = Number(team.pg.sql(db, 'SELECT count(*) FROM team_drills'));
  assert.ok(landed >= 4 && landed < 40, `killed mid-publish (${landed} of 40 landed)`);
  await new Promise((r) => setTimeout(r, 1500));
  server = await serverProcess(url, port);
  try {
    const r = await publishing;
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.err, /cannot reach the team server .*retry 1 in/);
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_drills').trim(), '40');
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_events').trim(), String(m.events));
    const st = await cli(['team', 'status', '--data', m.dir, '--json']);
    assert.equal(JSON.parse(st.out).pending, 0);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
});

test('freshness: runbooks past their drill_every are overdue in a JSON endpoint a monitor can poll', { skip: !!skip }, async () => {
  const t = await inProcess(freshDb(), { now: () => new Date('2026-03-01T00:00:00Z') });
  try {
    const token = (await t.server.createUser('ana', 'operator', null)).token;
    for (const [file, every, fail] of [
      ['/rb/orders.md', '30d', false],
      ['/rb/billing.md', '90d', false],
      ['/rb/never-passed.md', '90d', true],
      ['/rb/no-policy.md', undefined, false],
    ] as const) {
      const m = machine({ n: 1, file, every, fail });
      assert.equal((await cli(['team', 'join', t.base, '--data', m.dir], { input: token + '\n' })).code, 0);
      const p = await cli(['team', 'publish', '--data', m.dir]);
      assert.equal(p.code, 0, p.out + p.err);
    }
    const f = await call(t.base, token, 'GET', '/api/freshness');
    assert.equal(f.status, 200);
    assert.deepEqual(f.json.overdue.sort(), ['/rb/never-passed.md', '/rb/orders.md']);
    const billing = f.json.runbooks.find((r: any) => r.runbookPath === '/rb/billing.md');
    assert.equal(billing.drillEverySec, 90 * 86400);
    assert.equal(billing.overdue, false);
    assert.equal(f.json.runbooks.find((r: any) => r.runbookPath === '/rb/no-policy.md').drillEverySec, null);
  } finally {
    await t.close();
  }
});

test('freshness per tag: a server policy (restore-test: 30d) besides drill_every; the stricter one applies, in the overdue list and the JSON endpoint', { skip: !!skip }, async () => {
  // The fixture's drills finish on day 1 (2026-01-02); "now" is 45 days later.
  const t = await inProcess(freshDb(), { now: () => new Date('2026-02-16T00:00:00Z') });
  try {
    const admin = (await t.server.createUser('root', 'admin', null)).token;
    const token = (await t.server.createUser('ana', 'operator', null)).token;
    for (const [file, every, tags] of [
      ['/rb/orders.md', '90d', ['restore-test', 'postgres']],
      ['/rb/billing.md', undefined, ['restore-test']],
      ['/rb/wiki.md', '90d', ['docs']],
      ['/rb/cache.md', '7d', ['restore-test']],
    ] as const) {
      const m = machine({ n: 1, file, every, tags: [...tags] });
      assert.equal((await cli(['team', 'join', t.base, '--data', m.dir], { input: token + '\n' })).code, 0);
      const p = await cli(['team', 'publish', '--data', m.dir]);
      assert.equal(p.code, 0, p.out + p.err);
    }
    const before = await call(t.base, token, 'GET', '/api/freshness');
    assert.deepEqual(before.json.overdue, ['/rb/cache.md'], 'front matter alone: only the 7-day runbook is overdue');
    // Only an admin sets policies; a bad interval is one sentence.
    assert.equal((await call(t.base, token, 'POST', '/api/policies', { tag: 'restore-test', every: '30d' })).status, 403);
    const bad = await call(t.base, admin, 'POST', '/api/policies', { tag: 'restore-test', every: 'soon' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /is not a duration/);
    assert.equal((await call(t.base, admin, 'POST', '/api/policies', { tag: 'restore-test', every: '30d' })).status, 200);
    const pol = await call(t.base, token, 'GET', '/api/policies');
    assert.deepEqual(pol.json.policies.map((p: any) => [p.tag, p.everySec, p.setBy]), [['restore-test', 30 * 86400, 'root']]);
    const f = await call(t.base, token, 'GET', '/api/freshness');
    assert.deepEqual(f.json.overdue, ['/rb/billing.md', '/rb/cache.md', '/rb/orders.md']);
    const row = (p: string) => f.json.runbooks.find((r: any) => r.runbookPath === p);
    assert.deepEqual([row('/rb/orders.md').drillEverySec, row('/rb/orders.md').policySource, row('/rb/orders.md').frontMatterEverySec], [30 * 86400, 'tag:restore-test', 90 * 86400]);
    assert.deepEqual(row('/rb/orders.md').tags, ['restore-test', 'postgres']);
    assert.equal(row('/rb/billing.md').policySource, 'tag:restore-test', 'a tag policy covers a runbook with no drill_every');
    assert.deepEqual([row('/rb/cache.md').drillEverySec, row('/rb/cache.md').policySource], [7 * 86400, 'drill_every'], 'the stricter front matter wins');
    assert.deepEqual([row('/rb/wiki.md').overdue, row('/rb/wiki.md').policySource], [false, 'drill_every']);
    // Withdrawn (null): back to the front matter; the change is in the audit log.
    assert.equal((await call(t.base, admin, 'POST', '/api/policies', { tag: 'restore-test', every: null })).status, 200);
    assert.deepEqual((await call(t.base, token, 'GET', '/api/freshness')).json.overdue, ['/rb/cache.md']);
    const audit = await call(t.base, admin, 'GET', '/api/audit');
    assert.equal(audit.json.entries.filter((e: any) => e.action === 'policies.set' && e.outcome === 'ok').length, 2);
  } finally {
    await t.close();
  }
});

test('evidence: each published drill\'s bundle is made and redacted on the client, verified by the server on arrival, downloadable by an auditor, never replaced; a tampered or mismatched upload is refused', { skip: !!skip, timeout: 240_000 }, async () => {
  const t = await inProcess(freshDb());
  try {
    const admin = (await t.server.createUser('root', 'admin', null)).token;
    const ana = (await t.server.createUser('ana', 'operator', null)).token;
    const auditor = (await t.server.createUser('audrey', 'auditor', null)).token;
    const secret = 'Sup3rS3cretPgPass!';
    const m = machine({ n: 2, secret });
    assert.equal((await cli(['team', 'join', t.base, '--data', m.dir], { input: ana + '\n' })).code, 0);
    const pub = await cli(['team', 'publish', '--data', m.dir]);
    assert.equal(pub.code, 0, pub.out + pub.err);
    assert.match(pub.out, /evidence bundles: 2 stored by the server, 0 already there, 0 still queued/);
    // The drill page says what the server found.
    const d = await call(t.base, auditor, 'GET', `/api/drills/${m.ids[0]}`);
    assert.equal(d.json.bundle.verification.ok, true, JSON.stringify(d.json.bundle));
    assert.equal(d.json.bundle.uploadedBy, 'ana');
    assert.match(d.json.bundle.verification.coverage, /./);
    // An auditor downloads it; it verifies offline, carries no secret, and matches the published chain head.
    const res = await fetch(`${t.base}/api/drills/${m.ids[0]}/bundle`, { headers: { authorization: `Bearer ${auditor}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.equal(res.headers.get('x-drillbook-verification'), 'ok');
    const zip = Buffer.from(await res.arrayBuffer());
    assert.equal(createHash('sha256').update(zip).digest('hex'), res.headers.get('x-drillbook-sha256'));
    const dir = mkdtempSync(path.join(tmpdir(), 'team-bundle-test-'));
    try {
      writeFileSync(path.join(dir, 'a.zip'), zip);
      const v = await verifyBundle(path.join(dir, 'a.zip'), { expectHead: d.json.summary.chainHead });
      assert.equal(v.ok, true, JSON.stringify(v.problems));
      const files = await readZip(path.join(dir, 'a.zip'));
      for (const [name, bytes] of files) assert.ok(!bytes.includes(secret), `${name} carries the secret`);
      // Publishing again sends nothing new; the bundles are not sent twice.
      const again = await cli(['team', 'publish', '--data', m.dir]);
      assert.equal(again.code, 0, again.out + again.err);
      assert.match(again.out, /nothing to publish/);
      assert.doesNotMatch(again.out, /evidence bundles/);
      // Nobody replaces a stored bundle: not its publisher, not an admin; an auditor may not upload at all.
      const upload = (token: string, id: string, body: Buffer) => fetch(`${t.base}/api/drills/${id}/bundle`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' }, body: new Uint8Array(body) });
      for (const token of [ana, admin]) {
        const r = await upload(token, m.ids[0]!, zip);
        assert.equal(r.status, 409);
        assert.match(((await r.json()) as any).error, /never replaced/);
      }
      assert.equal((await upload(auditor, m.ids[0]!, zip)).status, 403);
      // A drill without a bundle yet (published by a client that sent none): a tampered bundle and another drill's bundle are refused, nothing stored.
      const m2 = machine({ n: 1, file: '/rb/other.md' });
      const db2 = openDatabase(m2.dir);
      try {
        const r = await publish(db2, m2.dir, { url: t.base, token: ana } as never, new Redactor([], true));
        assert.equal(r.imported, 1);
      } finally {
        db2.close();
      }
      const mismatch = await upload(ana, m2.ids[0]!, zip);
      assert.equal(mismatch.status, 422, 'drill 1\'s bundle offered as drill 2\'s');
      assert.match(((await mismatch.json()) as any).error, /fails verification against the published drill/);
      const notZip = await upload(ana, m2.ids[0]!, Buffer.from('{"hello": 1}'));
      assert.equal(notZip.status, 400);
      // Drill 2's own bundle with one file altered after export: refused on the modified file.
      const core2 = new Core({ dataDir: m2.dir, runbookDirs: [], host: 'cli' });
      let own: Buffer;
      try {
        own = await bundleMaker({ drills: core2.drills, attachments: core2.evidence.attachments }, m2.dir)(m2.ids[0]!);
      } finally {
        core2.close();
      }
      writeFileSync(path.join(dir, 'own.zip'), own);
      const edited = await readZip(path.join(dir, 'own.zip'));
      const csvName = [...edited.keys()].find((k) => k.endsWith('.csv'))!;
      edited.set(csvName, Buffer.concat([edited.get(csvName)!, Buffer.from('x,y\n')]));
      await writeZip(edited, path.join(dir, 'tampered.zip'), new Date());
      const tampered = await upload(ana, m2.ids[0]!, readFileSync(path.join(dir, 'tampered.zip')));
      assert.equal(tampered.status, 422);
      assert.match(((await tampered.json()) as any).error, new RegExp(`fails verification.*${csvName.replace('.', '\\.')}`));
      assert.equal((await call(t.base, auditor, 'GET', `/api/drills/${m2.ids[0]}/bundle`)).status, 404, 'nothing stored');
      const refused = await call(t.base, admin, 'GET', '/api/audit?limit=50');
      assert.ok(refused.json.entries.some((e: any) => e.action === 'drills.bundle.upload' && e.outcome === 'refused 422' && e.target === m2.ids[0]));
      // The genuine one is stored.
      const good = await upload(ana, m2.ids[0]!, own);
      assert.equal(good.status, 201, await good.clone().text());
      assert.equal(((await good.json()) as any).verification.ok, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await t.close();
  }
});

/** Polls until `fn` holds (bounded: 60 s, generous for a loaded machine). */
async function waitFor(fn: () => boolean | Promise<boolean>, message: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) assert.fail(`timed out: ${message}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('publishing without a cron: a drill finished in a host while the server is down stays queued on disk, is retried with backoff, and arrives once when the server is back or at the next start', { skip: !!skip, timeout: 240_000 }, async () => {
  const url = freshDb();
  const store = new TeamStore(url);
  await store.migrate();
  let server = new TeamServer(store);
  const port = (await server.listen({ host: '127.0.0.1', port: 0, tls: null })).port;
  const base = `http://127.0.0.1:${port}`;
  const ana = (await server.createUser('ana', 'operator', null)).token;
  const m = machine({ n: 1 }); // one drill already finished before joining: published at the first start
  assert.equal((await cli(['team', 'join', base, '--data', m.dir], { input: ana + '\n' })).code, 0);
  await server.close(); // the server is down
  const count = async () => Number((await store.pool.query('SELECT count(*)::int AS n FROM team_drills')).rows[0].n);
  const rb = runbook(['Declare', 'Restore'], { file: '/srv/runbooks/host-drill.md', rto: 600 });
  const finishOne = (core: Core) => {
    const id = core.drills.start(rb, 'rehearsal', 'ana').id;
    for (const s of [0, 1]) {
      core.drills.stepStart(id, s);
      core.drills.stepComplete(id, s);
    }
    core.drills.finish(id);
    return id;
  };
  const retries: number[] = [];
  // 1. A web host: the server is down at start and when the drill finishes; it retries with backoff while it runs.
  let core = new Core({ dataDir: m.dir, runbookDirs: [], host: 'web', teamRetryMs: (n) => (retries.push(n), 300) });
  let first: string;
  try {
    first = finishOne(core);
    await waitFor(() => retries.length >= 2, 'retries while the server is down');
    assert.equal(core.team.last?.unreachable !== null, true);
    assert.equal(await count(), 0);
  } finally {
    core.close();
  }
  // 2. Closed with the drill still queued: nothing is lost, the queue is the history on disk.
  server = new TeamServer(store);
  await server.listen({ host: '127.0.0.1', port, tls: null });
  try {
    core = new Core({ dataDir: m.dir, runbookDirs: [], host: 'web' });
    try {
      await waitFor(async () => (await count()) === 2, 'the next start publishes both queued drills');
      await core.team.settle(30_000);
      assert.equal(core.team.last?.bundles.uploaded, 2, JSON.stringify(core.team.last));
      // 3. While the host runs, a drill that finishes goes at once.
      const second = finishOne(core);
      await waitFor(async () => (await count()) === 3, 'a finished drill is published in the background');
      await core.team.settle(30_000);
      assert.ok((await store.bundle(second, false))?.verification.ok, 'with its evidence bundle');
    } finally {
      core.close();
    }
    // 4. Another start: nothing sent twice.
    core = new Core({ dataDir: m.dir, runbookDirs: [], host: 'web' });
    try {
      await core.team.settle(30_000);
      assert.equal(core.team.last?.pending, 0);
    } finally {
      core.close();
    }
    assert.equal(await count(), 3, 'each drill arrives once');
    const events = Number((await store.pool.query('SELECT count(*)::int AS n FROM team_events WHERE drill_id = $1', [first])).rows[0].n);
    const local = openDatabase(m.dir);
    try {
      assert.equal(events, new DrillStoreReader(local).events(first).length, 'the whole log, once');
    } finally {
      local.close();
    }
  } finally {
    await server.close();
    await store.close();
  }
});

test('drillbook server refuses a public address without TLS, in one sentence', { skip: !!skip }, async () => {
  const r = await cli(['server', '--postgres', 'postgres://x@127.0.0.1:1/x', '--listen', '0.0.0.0:8443']);
  assert.equal(r.code, 3);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.match(r.err, /refusing to listen on 0\.0\.0\.0:8443 without TLS/);
});

test('live drills: a running drill streams to the server, any role watches it read-only, and it leaves the live list when it ends', { skip: !!skip }, async () => {
  const url = freshDb();
  const t = await inProcess(url);
  try {
    const op = (await t.server.createUser('ana', 'operator', null)).token;
    const auditor = (await t.server.createUser('audrey', 'auditor', null)).token;
    const f = historyFixture();
    const rb = runbook(['Declare', 'Restore', 'Verify']);
    const cfg = { url: t.base, token: op, user: 'ana', role: 'operator', joinedAt: new Date().toISOString() };
    saveConfig(f.dir, cfg);
    const red = new Redactor([], true);
    const id = f.drills.start(rb, 'live', 'ana').id;
    f.drills.stepStart(id, 0);
    f.clock.advance(5_000);
    f.drills.stepComplete(id, 0);
    const finishedOnly = await publish(f.db, f.dir, cfg, red);
    assert.equal(finishedOnly.pending, 0, 'without --live a running drill waits');
    const r1 = await publish(f.db, f.dir, cfg, red, { includeRunning: true });
    assert.equal(r1.imported, 1);
    let live = await call(t.base, auditor, 'GET', '/api/live');
    assert.equal(live.json.drills.length, 1);
    assert.deepEqual(live.json.drills[0].steps.map((s: any) => s.status), ['completed', 'pending', 'pending']);
    assert.equal(live.json.drills[0].operator, 'ana');
    assert.equal('commands' in live.json.drills[0], false, 'a live-list row is a card: no commands, so no terminal references');

    f.drills.stepStart(id, 1);
    f.clock.advance(7_000);
    f.drills.addNote(id, 1, 'restore running');
    const r2 = await publish(f.db, f.dir, cfg, red, { includeRunning: true });
    assert.equal(r2.extended, 1);
    const one = await call(t.base, auditor, 'GET', `/api/live/${id}`);
    assert.equal(one.json.drill.steps[1].status, 'running');
    assert.equal(one.json.drill.notes[0].text, 'restore running');
    assert.equal(one.json.drill.rto.open, true);

    f.drills.stepComplete(id, 1);
    f.drills.stepStart(id, 2);
    f.drills.stepComplete(id, 2);
    f.drills.finish(id);
    const r3 = await publish(f.db, f.dir, cfg, red, { includeRunning: true });
    assert.equal(r3.extended, 1);
    live = await call(t.base, auditor, 'GET', '/api/live');
    assert.equal(live.json.drills.length, 0);
    // A watched drill that ends shows its result where it was watched: stopped clock, final status.
    const ended = await call(t.base, auditor, 'GET', `/api/live/${id}`);
    assert.equal(ended.status, 200);
    assert.equal(ended.json.drill.status, 'completed');
    assert.equal(ended.json.drill.clock.ticking, false);
    assert.equal((await call(t.base, auditor, 'GET', '/api/live/no-such-drill')).status, 404);
    const done = await call(t.base, auditor, 'GET', `/api/drills/${id}`);
    assert.equal(done.json.summary.status, 'completed');
    assert.equal(done.json.verification.ok, true);
    assert.equal(done.json.events.length, f.drills.events(id).length);
    // Counted once though published three times; its pass counts once it has ended.
    const rbs = (await call(t.base, auditor, 'GET', '/api/runbooks')).json.runbooks;
    assert.deepEqual(rbs.map((r: any) => [r.drills, r.passed, r.lastPassAt !== null]), [[1, 1, true]]);
    f.close();
  } finally {
    await t.close();
  }
});

test('live updates for observers: the event stream names a drill as soon as new events of it are stored, through LISTEN/NOTIFY', { skip: !!skip, timeout: 120_000 }, async () => {
  const t = await inProcess(freshDb());
  // A second server on the same database: an observer on it hears what is published through the first.
  const other = new TeamServer(t.store);
  const otherBase = `http://127.0.0.1:${(await other.listen({ host: '127.0.0.1', port: 0, tls: null })).port}`;
  const ac = new AbortController();
  try {
    const ana = (await t.server.createUser('ana', 'operator', null)).token;
    const audrey = (await t.server.createUser('audrey', 'auditor', null)).token;
    const res = await fetch(otherBase + '/api/live/events', { headers: { authorization: `Bearer ${audrey}` }, signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const read = async (want: RegExp) => {
      const until = Date.now() + 30_000;
      while (!want.test(text)) {
        if (Date.now() > until) assert.fail(`no ${want} on the stream: ${text}`);
        const { value, done } = await reader.read();
        if (done) assert.fail('the stream ended');
        text += Buffer.from(value!).toString('utf8');
      }
    };
    await read(/: live drill updates/);
    const m = machine({ n: 1 });
    const db = openDatabase(m.dir);
    try {
      const r = await publish(db, m.dir, { url: t.base, token: ana } as never, new Redactor([], true));
      assert.equal(r.imported, 1);
    } finally {
      db.close();
    }
    await read(new RegExp(`event: drill\ndata: \\{"id":"${m.ids[0]}"\\}`));
    assert.equal((await openStream(otherBase, null)).status, 401);
  } finally {
    ac.abort();
    await other.close();
    await t.close();
  }
});

test('PostgreSQL restarted under a publish: the server answers 5xx, the client retries, nothing lost or duplicated', { skip: !!skip, timeout: 240_000 }, async () => {
  const url = freshDb();
  const db = url.split('/').pop()!;
  const t = await inProcess(url);
  try {
    const token = (await t.server.createUser('ana', 'operator', null)).token;
    const m = machine({ n: 30 });
    const f = { dir: m.dir };
    const local = openDatabase(f.dir);
    const cfg = { url: t.base, token, user: 'ana', role: 'operator', joinedAt: '' };
    const retries: string[] = [];
    // The restart starts from the client's own progress callback, so it always lands mid-publish.
    let restarting: Promise<void> | null = null;
    const report = await publish(local, f.dir, cfg, new Redactor([], true), {
      batchSize: 1,
      attempts: 60,
      backoffMs: () => 300,
      onRetry: (_n, _w, why) => retries.push(why),
      onProgress: (sent) => {
        if (sent === 3) restarting = team.pg.restart!();
      },
    });
    await restarting;
    local.close();
    assert.equal(report.unreachable, null);
    assert.ok(retries.some((w) => /answered 500/.test(w)), `the restart was seen: ${retries.join(' | ')}`);
    assert.equal(report.imported + report.duplicates, 30);
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_drills').trim(), '30');
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_events').trim(), String(m.events));
  } finally {
    await t.close();
  }
});

test('with --tls-cert/--tls-key the server speaks only HTTPS', { skip: !!skip }, async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const { execFileSync } = await import('node:child_process');
  const https = await import('node:https');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'team-tls-'));
  const store = new TeamStore(freshDb());
  const server = new TeamServer(store);
  try {
    await store.migrate();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const addr = await server.listen({ host: '127.0.0.1', port: 0, tls: { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') } });
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: addr.port, path: '/api/me', ca: readFileSync(path.join(dir, 'cert.pem')) }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        })
        .on('error', reject);
    });
    assert.equal(body.status, 401);
    assert.match(body.text, /needs an API token/);
    await assert.rejects(fetch(`http://127.0.0.1:${addr.port}/api/me`), 'plain HTTP is not answered');
  } finally {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a batch too large for the server is split until it fits; a drill too large alone is refused plainly', { skip: !!skip }, async () => {
  const url = freshDb();
  const db = url.split('/').pop()!;
  const m = machine({ n: 6 });
  const local = openDatabase(m.dir);
  const one = Buffer.byteLength(JSON.stringify({ drills: [{ events: new DrillStoreReader(local).events(m.ids[0]!) }] }));
  // Room for two drills a request, not three.
  const t = await inProcess(url, { maxBody: one * 2 + 4000 });
  try {
    const token = (await t.server.createUser('ana', 'operator', null)).token;
    const cfg = { url: t.base, token, user: 'ana', role: 'operator', joinedAt: '' };
    const report = await publish(local, m.dir, cfg, new Redactor([], true), { batchSize: 6 });
    assert.equal(report.imported, 6);
    assert.equal(team.pg.sql(db, 'SELECT count(*) FROM team_drills').trim(), '6');
    await t.close();
    const tiny = await inProcess(url, { maxBody: 1000 });
    const m2 = machine({ n: 1 });
    const local2 = openDatabase(m2.dir);
    await assert.rejects(publish(local2, m2.dir, { ...cfg, url: tiny.base }, new Redactor([], true)), /the request is larger than 1 KiB; send fewer drills at a time/);
    local2.close();
    await tiny.close();
  } finally {
    local.close();
    await t.close().catch(() => undefined);
  }
});

test('a connection dropped inside a transaction fails that transaction, and the process lives on', { skip: !!skip }, async () => {
  const store = new TeamStore(freshDb());
  const killer = new TeamStore(freshDb());
  try {
    const tx = (store as unknown as { tx: <T>(f: (c: import('pg').PoolClient) => Promise<T>) => Promise<T> }).tx.bind(store);
    await assert.rejects(
      tx(async (c) => {
        const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        await killer.pool.query('SELECT pg_terminate_backend($1)', [pid]);
        // Without a listener, the client's 'error' event during this wait was an uncaught exception.
        await new Promise((r) => setTimeout(r, 500));
        await c.query('SELECT 1');
      }),
      /terminat|Connection/i,
    );
    assert.equal((await store.pool.query('SELECT 1 AS one')).rows[0].one, 1, 'the pool gives a working connection afterwards');
  } finally {
    await store.close();
    await killer.close();
  }
});

test('sign-off: a reviewer signs off another account’s drill; nobody signs off their own', { skip: !!skip }, async () => {
  const t = await inProcess(freshDb());
  try {
    const op = (await t.server.createUser('ana', 'operator', null)).token;
    const rev = (await t.server.createUser('rita', 'reviewer', null)).token;
    const admin = (await t.server.createUser('root', 'admin', null)).token;
    const f = historyFixture();
    const id = f.drill(runbook(['Declare', 'Restore']), [1000, 2000]);
    const line = { id, runbook: f.drills.runbookOf(id), events: f.drills.events(id) };
    f.close();
    assert.equal((await call(t.base, admin, 'POST', '/api/drills', { drills: [line] })).json.outcomes[0].kind, 'imported');
    const own = await call(t.base, admin, 'POST', `/api/drills/${id}/signoff`, { verdict: 'approved', comment: 'mine' });
    assert.equal(own.status, 403);
    assert.match(own.json.error, /not their own/);
    assert.equal((await call(t.base, op, 'POST', `/api/drills/${id}/signoff`, { verdict: 'approved' })).status, 403);
    assert.equal((await call(t.base, rev, 'POST', `/api/drills/${id}/signoff`, { verdict: 'maybe' })).status, 400);
    assert.equal((await call(t.base, rev, 'POST', `/api/drills/${id}/signoff`, { verdict: 'approved', comment: 'RTO evidence checked' })).status, 201);
    const d = await call(t.base, op, 'GET', `/api/drills/${id}`);
    assert.deepEqual(d.json.signoffs.map((s: any) => [s.by, s.verdict, s.comment]), [['rita', 'approved', 'RTO evidence checked']]);
  } finally {
    await t.close();
  }
});

test('team join at a terminal reads the token without echoing it', { skip: !!skip, timeout: 120_000 }, async () => {
  const t = await inProcess(freshDb());
  try {
    const token = (await t.server.createUser('ana', 'operator', null)).token;
    const m = machine({ n: 1 });
    const out = await new Promise<{ code: number; text: string }>((resolve, reject) => {
      const p = pty.spawn(process.execPath, cliArgs(['team', 'join', t.base, '--data', m.dir]), {
        cols: 160,
        rows: 40,
        cwd: ROOT,
        env: { ...(process.env as Record<string, string>), DRILLBOOK_DATA: '', DRILLBOOK_TEAM_TOKEN: '', TERM: 'xterm-256color' },
      });
      let text = '';
      let sent = false;
      const timer = setTimeout(() => {
        p.kill();
        reject(new Error(`team join did not end: ${text}`));
      }, 90_000);
      p.onData((d) => {
        text += d;
        if (!sent && text.includes('input is not shown')) {
          sent = true;
          p.write(token + '\r');
        }
      });
      p.onExit(({ exitCode }) => {
        clearTimeout(timer);
        setTimeout(() => resolve({ code: exitCode, text }), 100);
      });
    });
    assert.equal(out.code, 0, out.text);
    assert.match(out.text, /joined .* as ana \(operator\)/);
    assert.ok(!out.text.includes(token.slice(4, 20)), 'the token is not echoed');
  } finally {
    await t.close();
  }
});
