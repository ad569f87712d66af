/**
 * The team server's pure rules: where it may listen, the login limiter,
 * routing through the role table, freshness, and chain re-verification of
 * published (possibly redacted) drills.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planListen, parseListen } from '../../../main/team/listen';
import { LoginLimiter, hashPassword, verifyPassword, tokenHash, newToken } from '../../../main/team/auth';
import { API_METHODS, allowed, route } from '../../../main/team/roles';
import { effectivePolicy, freshnessRow } from '../../../main/team/store';
import { parsePublished, rowOf, summarise, verifyPublishedChain, type PublishedDrill } from '../../../main/team/ingest';
import { repoRelativePath, teamPathProblem } from '../../../main/team/runbook-path';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { Redactor } from '../../../main/evidence/redact/engine';
import { redactEvents } from '../../../main/evidence/redact/outbound';
import { loadRedactionPatterns } from '../../../main/evidence/config';

test('the server refuses to listen beyond loopback without TLS or --behind-proxy, in one sentence', () => {
  assert.deepEqual(planListen({}), { host: '127.0.0.1', port: 8470, tls: null, behindProxy: false });
  assert.equal(planListen({ listen: '[::1]:9000' }).host, '::1');
  assert.throws(() => planListen({ listen: '0.0.0.0:8443' }), /^Error: refusing to listen on 0\.0\.0\.0:8443 without TLS: .*--tls-cert and --tls-key, or --behind-proxy/);
  assert.throws(() => planListen({ listen: '10.1.2.3:8443', tlsCert: 'c.pem' }), /--tls-cert and --tls-key go together/);
  assert.equal(planListen({ listen: '0.0.0.0:8443', behindProxy: true }).behindProxy, true);
  assert.deepEqual(planListen({ listen: '0.0.0.0:8443', tlsCert: 'c', tlsKey: 'k' }).tls, { cert: 'c', key: 'k' });
  assert.throws(() => parseListen('example.org:80'), /needs an IP address or localhost/);
  assert.throws(() => parseListen('8470'), /must be ADDRESS:PORT/);
});

test('login failures are limited per key within a window, and a success clears them', () => {
  let now = 0;
  const l = new LoginLimiter(() => now, 3, 60_000);
  const k = ['user:ana', 'addr:127.0.0.1'];
  for (let i = 0; i < 3; i++) {
    assert.equal(l.retryAfter(k), 0);
    l.fail(k);
  }
  assert.equal(l.retryAfter(k), 60_000);
  assert.equal(l.retryAfter(['user:bo', 'addr:127.0.0.1']) > 0, true, 'the address is limited too');
  now = 60_001;
  assert.equal(l.retryAfter(k), 0, 'the window passes');
  l.fail(k);
  l.succeed(k);
  assert.equal(l.retryAfter(k), 0);
});

test('passwords are argon2id and tokens are stored as their SHA-256 only', async () => {
  const h = await hashPassword('correct horse battery');
  assert.match(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await verifyPassword('correct horse battery', h), true);
  assert.equal(await verifyPassword('wrong horse battery!', h), false);
  assert.equal(await verifyPassword('x', null), false);
  const t = newToken();
  assert.match(t, /^dbt_[A-Za-z0-9_-]{43}$/);
  assert.match(tokenHash(t), /^[0-9a-f]{64}$/);
});

test('every API method routes, and only the roles in the table are allowed', () => {
  for (const m of API_METHODS) {
    const r = route(m.method, m.path.replace(/:id/g, 'abc123'));
    assert.equal(r?.api.name, m.name);
  }
  assert.equal(route('GET', '/api/drills/abc123')?.params.id, 'abc123');
  assert.equal(route('PUT', '/api/drills'), null);
  assert.equal(route('GET', '/api/drills/%E0%A4%A'), null, 'a malformed escape matches nothing (it threw before)');
  const publish = API_METHODS.find((m) => m.name === 'drills.publish')!;
  assert.equal(allowed(publish, 'operator'), true);
  assert.equal(allowed(publish, 'auditor'), false);
  assert.equal(allowed(publish, null), false);
});

test('freshness: a runbook with a policy and no passing drill, or one past its due date, is overdue', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const base = { runbook_path: '/r.md', title: 'R', last_drill: '2026-05-01T00:00:00Z' };
  assert.equal(freshnessRow({ ...base, drill_every_sec: null, last_pass: null }, now).overdue, false);
  assert.equal(freshnessRow({ ...base, drill_every_sec: 90 * 86400, last_pass: null }, now).overdue, true);
  const fresh = freshnessRow({ ...base, drill_every_sec: 90 * 86400, last_pass: '2026-04-01T00:00:00Z' }, now);
  assert.equal(fresh.overdue, false);
  assert.equal(fresh.dueAt, '2026-06-30T00:00:00.000Z');
  const late = freshnessRow({ ...base, drill_every_sec: 30 * 86400, last_pass: '2026-04-01T00:00:00Z' }, now);
  assert.equal(late.overdue, true);
  assert.equal(late.overdueBySec, 31 * 86400, "due 1 May, 31 days before 1 June");
});

test('a published drill verifies as recorded and redacted; an altered or re-linked one is refused with the event named', () => {
  const f = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore']);
    const id = f.drill(rb, [1000, 2000], { finish: false });
    f.drills.addNote(id, 1, 'ran: PGPASSWORD=Tr0ub4dor-and-3-more psql -h db1');
    f.drills.finish(id);
    const events = f.drills.events(id);
    const line = { id, runbook: f.drills.runbookOf(id), events };
    assert.deepEqual(parsePublished(JSON.parse(JSON.stringify(line))).ok, true);

    const red = new Redactor(loadRedactionPatterns(f.dir), true);
    const masked = redactEvents(events, red);
    assert.ok(masked.redactedEvents.length > 0, 'the note is masked');
    assert.doesNotMatch(JSON.stringify(masked.events), /Tr0ub4dor/);
    assert.equal(verifyPublishedChain(masked.events), null, 'a redacted v2 chain still verifies');
    // The event shape is the JSONL line's (main/history/transfer.ts) plus a disclosure: masked events pass it, extra fields do not.
    assert.equal(parsePublished(JSON.parse(JSON.stringify({ ...line, events: masked.events }))).ok, true);
    const extra = JSON.parse(JSON.stringify(line));
    extra.events[1].evil = 1;
    assert.equal(parsePublished(extra).ok, false, 'an event with a field Drillbook does not write is refused');

    const tampered = JSON.parse(JSON.stringify(line));
    tampered.events[2].monoMs += 1;
    const t = parsePublished(tampered);
    assert.equal(t.ok, false);
    assert.match((t as { reason: string }).reason, /hash chain broken: event 3 \(step\.completed\) was altered/);

    const dropped = JSON.parse(JSON.stringify(line));
    dropped.events.splice(1, 1);
    assert.match((parsePublished(dropped) as { reason: string }).reason, /event 2 is missing or out of order/);
  } finally {
    f.close();
  }
});

test('effectivePolicy: the stricter of drill_every and a tag policy, saying which', () => {

  assert.equal(effectivePolicy(null, null), null);
  assert.deepEqual(effectivePolicy(90, null), { everySec: 90, source: 'drill_every' });
  assert.deepEqual(effectivePolicy(null, { tag: 'restore-test', everySec: 30 }), { everySec: 30, source: 'tag:restore-test' });
  assert.deepEqual(effectivePolicy(90, { tag: 'restore-test', everySec: 30 }), { everySec: 30, source: 'tag:restore-test' });
  assert.deepEqual(effectivePolicy(7, { tag: 'restore-test', everySec: 30 }), { everySec: 7, source: 'drill_every' });
});

test('a published drill that failed or was aborted never claims "RTO met" in the team\'s summary row, however fast it was', () => {
  const f = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore', 'Verify'], { rto: 3600 });
    const passed = f.drill(rb, [1000, 2000, 1000]);
    const failed = f.drill(rb, [1000, { ms: 2000, end: 'fail' }, 1000]);
    const aborted = f.drill(rb, [1000, 2000], { abort: true });
    assert.equal(summarise(f.drills.events(passed)).rtoMet, true, 'a passing drill within its RTO is met');
    for (const id of [failed, aborted]) {
      const row = summarise(f.drills.events(id));
      assert.notEqual(row.status, 'completed');
      assert.equal(row.rtoMet, null, `${row.status}: no RTO result`);
      assert.equal(row.passed, false);
    }
  } finally {
    f.close();
  }
});

test('the team files a runbook under its path inside its git repository, whoever\'s checkout it ran from; a team path that is not the end of the signed path is refused', () => {
  const repos = new Set(['/home/ana/src/ops', '/srv/bo/checkouts/ops']);
  const inRepo = (d: string) => repos.has(d);
  assert.equal(repoRelativePath('/home/ana/src/ops/runbooks/orders-db.md', inRepo), 'runbooks/orders-db.md');
  assert.equal(repoRelativePath('/srv/bo/checkouts/ops/runbooks/orders-db.md', inRepo), 'runbooks/orders-db.md', 'the same name from another checkout');
  assert.equal(repoRelativePath('/tmp/loose/orders-db.md', inRepo), null, 'outside any repository: no team path (the full path is kept)');

  assert.equal(teamPathProblem('runbooks/orders-db.md', '/home/ana/src/ops/runbooks/orders-db.md'), null);
  assert.equal(teamPathProblem('runbooks/orders-db.md', 'C:\\Users\\ana\\ops\\runbooks\\orders-db.md'), null, 'a Windows path');
  for (const [bad, why] of [
    ['runbooks/billing.md', /not the end of the path/],
    ['../orders-db.md', /relative path of plain segments/],
    ['/home/ana/src/ops/runbooks/orders-db.md', /relative path of plain segments/],
    ['runbooks//orders-db.md', /relative path of plain segments/],
    ['runbooks\\orders-db.md', /backslash/],
    ['x'.repeat(1025), /longer than 1024/],
  ] as const)
    assert.match(teamPathProblem(bad, '/home/ana/src/ops/runbooks/orders-db.md') ?? '', why, bad.slice(0, 40));

  const f = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore'], { file: '/home/ana/src/ops/runbooks/orders-db.md' });
    const id = f.drill(rb, [1000, 2000]);
    const line = JSON.parse(JSON.stringify({ id, runbook: f.drills.runbookOf(id), events: f.drills.events(id) }));
    const ok = parsePublished({ ...line, teamPath: 'runbooks/orders-db.md' });
    assert.equal(ok.ok, true);
    assert.equal(rowOf((ok as { drill: PublishedDrill }).drill).runbookPath, 'runbooks/orders-db.md');
    assert.equal(rowOf((parsePublished(line) as { drill: PublishedDrill }).drill).runbookPath, '/home/ana/src/ops/runbooks/orders-db.md', 'without one: the full path, as before');
    const claimed = parsePublished({ ...line, teamPath: 'runbooks/billing.md' });
    assert.equal(claimed.ok, false);
    assert.match((claimed as { reason: string }).reason, /not the end of the path its drill log records/);
  } finally {
    f.close();
  }
});
