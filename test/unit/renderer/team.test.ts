/**
 * The team pages' client and pure helpers, without a browser. The client is
 * run against a real HTTP server on loopback (Node's fetch is the browser's
 * API): the server's one-sentence errors, 401 signing the tab out, and the
 * live stream read with the bearer header, split into events across chunk
 * boundaries, ended by an abort.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const load = async () => ({
  ...(await import('../../../renderer/team/client.js')),
  ...(await import('../../../renderer/team/route.js')),
  ...(await import('../../../renderer/team/view.js')),
});

let server: http.Server;
let base = '';
const seen: { path: string; auth: string | undefined; method: string }[] = [];
let streamRes: http.ServerResponse | null = null;

before(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url!, auth: req.headers.authorization, method: req.method! });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer good') return json(401, { error: 'this API token is unknown or revoked' });
    if (req.url === '/api/me') return json(200, { name: 'maria', role: 'admin', tokenId: 3 });
    if (req.url === '/api/audit') return json(403, { error: 'an operator may not call audit.list' });
    if (req.url === '/api/broken') {
      res.writeHead(502, { 'content-type': 'text/html' });
      return res.end('<html>bad gateway</html>');
    }
    if (req.url === '/api/live/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': live drill updates\n\n');
      // One event split across two writes, then two in one, with a comment between.
      res.write('event: drill\ndata: {"id":');
      setTimeout(() => {
        res.write('"a"}\n\n: ping\n\nevent: drill\ndata: {"id":"b"}\n\nevent: drill\r\ndata: {"id":"c"}\r\n\r\n');
        streamRes = res;
      }, 50);
      return;
    }
    return json(404, { error: `no such API method: GET ${req.url}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  streamRes?.end();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('team client', () => {
  test('sends the bearer token and returns the JSON answer', async () => {
    const { createTeamClient } = await load();
    const api = createTeamClient({ token: 'good', fetch: (p, i) => fetch(base + p, i) });
    assert.deepEqual(await api.getJson('/api/me'), { name: 'maria', role: 'admin', tokenId: 3 });
    assert.equal(seen.at(-1)!.auth, 'Bearer good');
    assert.equal(api.token, 'good');
  });

  test('a refusal is a TeamError with the server’s sentence and status; a non-JSON one gets a plain sentence', async () => {
    const { createTeamClient, TeamError } = await load();
    const api = createTeamClient({ token: 'good', fetch: (p, i) => fetch(base + p, i) });
    await assert.rejects(api.getJson('/api/audit'), (e: InstanceType<typeof TeamError>) => e instanceof TeamError && e.status === 403 && e.message === 'an operator may not call audit.list');
    await assert.rejects(api.getJson('/api/broken'), (e: Error) => e.message === 'the team server answered 502');
  });

  test('a 401 to a signed-in request signs out once; to a request without a token it does not', async () => {
    const { createTeamClient } = await load();
    let out = 0;
    const revoked = createTeamClient({ token: 'revoked', fetch: (p, i) => fetch(base + p, i), onUnauthorized: () => out++ });
    await assert.rejects(revoked.getJson('/api/me'), /unknown or revoked/);
    assert.equal(out, 1);
    const anon = createTeamClient({ token: null, fetch: (p, i) => fetch(base + p, i), onUnauthorized: () => out++ });
    await assert.rejects(anon.getJson('/api/me'));
    assert.equal(out, 1);
    assert.equal(seen.at(-1)!.auth, undefined, 'no header without a token');
  });

  test('an unreachable server is one sentence, not a TypeError', async () => {
    const { createTeamClient } = await load();
    const api = createTeamClient({ token: 'good', fetch: (p, i) => fetch('http://127.0.0.1:1' + p, i) });
    await assert.rejects(api.getJson('/api/me'), (e: Error) => e.message === 'the team server cannot be reached; check the connection and try again');
  });

  test('stream: the bearer header goes with it, events arrive whole across chunks, comments are skipped, abort ends it quietly', async () => {
    const { createTeamClient } = await load();
    const api = createTeamClient({ token: 'good', fetch: (p, i) => fetch(base + p, i) });
    const got: string[] = [];
    const ac = new AbortController();
    const done = api.stream('/api/live/events', (d) => {
      got.push(d);
      if (got.length === 3) ac.abort();
    }, ac.signal);
    await done;
    assert.deepEqual(got, ['{"id":"a"}', '{"id":"b"}', '{"id":"c"}']);
    assert.equal(seen.filter((s) => s.path === '/api/live/events').at(-1)!.auth, 'Bearer good');
  });

  test('stream: a refused stream rejects with the server’s sentence', async () => {
    const { createTeamClient } = await load();
    const api = createTeamClient({ token: 'bad', fetch: (p, i) => fetch(base + p, i) });
    await assert.rejects(api.stream('/api/live/events', () => undefined, new AbortController().signal), /unknown or revoked/);
  });

  test('parseSse keeps an unfinished event for the next chunk', async () => {
    const { parseSse } = await load();
    assert.deepEqual(parseSse('data: 1\n\ndata: 2'), { events: ['1'], rest: 'data: 2' });
    assert.deepEqual(parseSse('data: a\ndata: b\n\n'), { events: ['a\nb'], rest: '' });
    assert.deepEqual(parseSse(': ping\n\n'), { events: [], rest: '' });
  });
});

describe('team routes', () => {
  test('every route survives format → parse', async () => {
    const { parseRoute, routeHash, emptyFilter } = await load();
    const routes = [
      { name: 'history', filter: { ...emptyFilter(), runbook: '/srv/a b.md', result: 'fail', since: '2026-01-01' } },
      { name: 'history', filter: emptyFilter() },
      { name: 'runbooks' },
      { name: 'runbook', path: '/srv/runbooks/orders#1?.md', mode: 'live' },
      { name: 'runbook', path: '/x.md', mode: '' },
      { name: 'drill', id: 'a/b?c#d' },
      { name: 'live' },
      { name: 'liveDrill', id: '0mx-1' },
      { name: 'audit' },
      { name: 'policies' },
    ] as const;
    for (const r of routes) assert.deepEqual(parseRoute(routeHash(r as never)), r, routeHash(r as never));
  });

  test('unknown or malformed addresses land on the history, never throw', async () => {
    const { parseRoute } = await load();
    assert.equal(parseRoute('').name, 'history');
    assert.equal(parseRoute('#/nowhere').name, 'history');
    assert.equal(parseRoute('#/drill/%E0%A4%A').name, 'history', 'a broken %-escape');
    assert.equal(parseRoute('#/runbook').name, 'runbooks', 'a runbook page without its path');
  });

  test('filterQuery leaves empty filters out and the history page asks the server for exactly the set ones', async () => {
    const { filterQuery, emptyFilter } = await load();
    assert.equal(filterQuery(emptyFilter()), '');
    assert.equal(filterQuery({ ...emptyFilter(), operator: ' ana ', tag: 'db' }, { limit: '100' }), 'tag=db&operator=ana&limit=100');
  });
});

describe('team view helpers', () => {
  test('can() follows the server’s role table', async () => {
    const { can } = await load();
    assert.equal(can('auditor', 'audit.list'), true);
    assert.equal(can('operator', 'audit.list'), false);
    assert.equal(can('auditor', 'policies.set'), false);
    assert.equal(can('admin', 'policies.set'), true);
    assert.equal(can('reviewer', 'drills.signoff'), true);
    assert.equal(can('auditor', 'drills.signoff'), false);
  });

  test('freshness in words: never passed, overdue by days, due, no policy', async () => {
    const { freshnessState } = await load();
    const row = { runbookPath: '/a.md', title: 'A', tags: [], drillEverySec: 2_592_000, policySource: 'drill_every', frontMatterEverySec: 2_592_000, lastDrillAt: null, lastPassAt: null, dueAt: null, overdue: true, overdueBySec: null };
    assert.deepEqual(freshnessState(row), { kind: 'overdue', text: 'overdue: never passed' });
    assert.deepEqual(freshnessState({ ...row, lastPassAt: '2026-01-01T00:00:00Z', overdueBySec: 10 * 86_400 + 3600 }), { kind: 'overdue', text: 'overdue by 10 d' });
    assert.deepEqual(freshnessState({ ...row, overdue: false, lastPassAt: '2026-01-01T00:00:00Z', dueAt: '2026-01-31T00:00:00.000Z' }), { kind: 'due', text: 'due 2026-01-31' });
    assert.deepEqual(freshnessState({ ...row, drillEverySec: null }), { kind: 'none' });
    assert.deepEqual(freshnessState(undefined), { kind: 'none' });
  });

  test('policy text and the runbooks list: overdue first, then by title', async () => {
    const { everyText, policySourceText, runbookRows, allTags } = await load();
    assert.equal(everyText(30 * 86_400), '30 d');
    assert.equal(everyText(36 * 3600), '36h 00m 00s');
    assert.equal(everyText(null), '—');
    assert.equal(policySourceText('tag:database'), 'tag database');
    assert.equal(policySourceText('drill_every'), 'front matter');
    const rb = (p: string, title: string) => ({ runbookPath: p, title, drills: 1, passed: 1, lastDrillAt: null, lastPassAt: null, drillEverySec: null });
    const f = (p: string, overdue: boolean, tags: string[]) => ({ runbookPath: p, title: '', tags, drillEverySec: 1, policySource: null, frontMatterEverySec: null, lastDrillAt: null, lastPassAt: null, dueAt: null, overdue, overdueBySec: null });
    const rows = runbookRows([rb('/a', 'Alpha'), rb('/b', 'Beta'), rb('/c', 'Gamma')], [f('/a', false, ['x']), f('/c', true, ['y', 'x'])]);
    assert.deepEqual(rows.map((r) => r.runbook.title), ['Gamma', 'Alpha', 'Beta']);
    assert.deepEqual(allTags([f('/a', false, ['x']), f('/c', true, ['y', 'x'])]), ['x', 'y']);
  });

  test('an event line names the step it is about and keeps the text as text', async () => {
    const { eventLine } = await load();
    const title = (i: number) => ['Declare', 'Restore'][i] ?? null;
    assert.equal(eventLine({ seq: 2, type: 'step.completed', at: '', stepIndex: 1 }, title), 'Step completed: Restore');
    assert.equal(eventLine({ seq: 3, type: 'note.added', at: '', stepIndex: null, data: { text: '<b>slow</b> disk' } }, title), 'note.added: <b>slow</b> disk');
    assert.equal(eventLine({ seq: 4, type: 'command.run', at: '', stepIndex: 0, data: { text: 'pg_restore', target: 'db1', exitCode: 1, durationMs: 1500 } }, title), 'command.run: Declare · pg_restore · exit 1 · 1.5s');
  });
});

test('a kept "who am I" is read back only when it is one: name, a known role, an integer token id', async () => {
  const { meFrom } = await load();
  assert.deepEqual(meFrom('{"name":"ana","role":"operator","tokenId":7}'), { name: 'ana', role: 'operator', tokenId: 7 });
  assert.deepEqual(meFrom('{"name":"ana","role":"operator","tokenId":7,"extra":"<b>"}'), { name: 'ana', role: 'operator', tokenId: 7 }, 'nothing else is carried');
  for (const junk of [null, '', 'null', '[]', '{', '"ana"', '{"name":"ana","role":"root","tokenId":7}', '{"name":"","role":"admin","tokenId":1}', '{"name":"ana","role":"admin","tokenId":"1"}', '{"name":"ana","role":"admin","tokenId":1.5}', '{"role":"admin","tokenId":1}'])
    assert.equal(meFrom(junk), null, String(junk));
});
