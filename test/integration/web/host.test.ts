import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { ROOT, SocketClient, startServer, type RunningServer } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';

let server: RunningServer;
const tmp = tempDir();
const runbookDir = path.join(tmp.dir, 'runbooks');

before(async () => {
  mkdirSync(runbookDir);
  cpSync(path.join(ROOT, 'test/fixtures/three-steps.md'), path.join(runbookDir, 'three-steps.md'));
  server = await startServer(path.join(tmp.dir, 'data'), runbookDir);
});
after(async () => {
  await server.stop();
  tmp.cleanup();
});

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

function upgrade(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
    ws.once('error', () => undefined);
  });
}

test('listens on loopback only, and prints a tokenised URL', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
});

test('HTTP without a token is refused with 401, a wrong token with 403', async () => {
  assert.equal((await get('/')).status, 401);
  assert.equal((await get('/assets/x.js')).status, 401);
  assert.equal((await get('/?token=wrong')).status, 403);
  assert.equal((await get('/', { Cookie: `drillbook_token_${server.port}=wrong` })).status, 403);
});

test('a foreign Host header is refused even with the token (DNS rebinding)', async () => {
  const res = await get(`/?token=${server.token}`, { Host: `evil.example:${server.port}` });
  assert.equal(res.status, 403);
});

test('the URL token is traded for an HttpOnly cookie and dropped from the address bar', async () => {
  const res = await get(`/?token=${server.token}`);
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, '/');
  const cookie = String(res.headers['set-cookie']);
  assert.match(cookie, new RegExp(`^drillbook_token_${server.port}=`));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const page = await get('/', { Cookie: `drillbook_token_${server.port}=${server.token}` });
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.match(page.body, /<div id="root">/);
});

test('sockets without the token, with a wrong one, or from a foreign origin are refused', async () => {
  assert.equal(await upgrade({}), 401);
  assert.equal(await upgrade({ Cookie: `drillbook_token_${server.port}=nope` }), 403);
  assert.equal(await upgrade({ Cookie: `drillbook_token_${server.port}=${server.token}`, Origin: 'http://evil.example' }), 403);
  assert.equal(await upgrade({ Cookie: `drillbook_token_${server.port}=${server.token}`, Origin: server.origin }), 101);
});

test('junk on the socket gets a specific error and the connection stays usable', async () => {
  const c = await SocketClient.connect(server);
  try {
    assert.deepEqual(await c.raw('{not json'), { id: 0, error: { code: 'bad_request', message: 'message is not valid JSON' } });
    assert.deepEqual(await c.raw('[1,2,3]'), { id: 0, error: { code: 'bad_request', message: 'malformed request: expected {id, method, params}' } });
    assert.deepEqual(await c.raw(JSON.stringify({ id: 7, method: 'rm.rf', params: {} })), { id: 7, error: { code: 'bad_request', message: 'unknown method "rm.rf"' } });
    const bad = (await c.raw(JSON.stringify({ id: 8, method: 'step.skip', params: { drillId: 'abcdef', stepIndex: 0, reason: '   ' } }))) as { error: { message: string } };
    assert.match(bad.error.message, /^invalid step.skip request: reason: a reason is required$/);
    const extra = (await c.raw(JSON.stringify({ id: 9, method: 'drill.get', params: { drillId: 'abcdef', evil: 1 } }))) as { error: { code: string } };
    assert.equal(extra.error.code, 'bad_request');
    const missing = (await c.raw(JSON.stringify({ id: 10, method: 'drill.get', params: { drillId: 'abcdef' } }))) as { error: { code: string; message: string } };
    assert.deepEqual(missing.error, { code: 'not_found', message: 'no drill with id abcdef' });
    // Only runbooks inside the library can be read through the API.
    await assert.rejects(c.call('runbooks.get', { path: '/etc/passwd' }), /not a runbook in the library/);
    await assert.rejects(c.call('runbooks.get', { path: path.join(runbookDir, '../../../../etc/hostname') }), /no such runbook|not a runbook/);
    const list = await c.call('runbooks.list', {});
    assert.equal(list.length, 1);
    assert.equal(list[0]!.title, 'Fixture restore drill');
  } finally {
    c.close();
  }
});

test('every connected UI hears about every change', async () => {
  const a = await SocketClient.connect(server);
  const b = await SocketClient.connect(server);
  try {
    const [entry] = await a.call('runbooks.list', {});
    const drill = await a.call('drill.start', { runbookPath: entry!.path, mode: 'rehearsal', operator: 'ana' });
    await a.call('step.start', { drillId: drill.id, stepIndex: 0 });
    const deadline = Date.now() + 5000;
    while (b.events.filter((e) => e.type === 'drill.changed').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seen = b.events.filter((e): e is Extract<typeof e, { type: 'drill.changed' }> => e.type === 'drill.changed');
    assert.equal(seen.at(-1)!.drill.steps[0]!.status, 'running');
    await a.call('drill.abort', { drillId: drill.id, reason: 'test over' });
  } finally {
    a.close();
    b.close();
  }
});

test('a drill keeps the runbook it started with, even when the file changes mid-drill', async () => {
  const c = await SocketClient.connect(server);
  const file = path.join(runbookDir, 'three-steps.md');
  const original = readFileSync(file, 'utf8');
  try {
    const drill = await c.call('drill.start', { runbookPath: file, mode: 'rehearsal', operator: 'ana' });
    writeFileSync(file, original.replace('## Restore the backup', '## Restore the backup from tape'));
    const current = await c.call('runbooks.get', { path: file });
    assert.equal(current.steps[1]!.title, 'Restore the backup from tape');
    const asStarted = await c.call('drill.runbook', { drillId: drill.id });
    assert.equal(asStarted.steps[1]!.title, 'Restore the backup');
    assert.equal(asStarted.sha256, drill.runbook.sha256);
    assert.notEqual(current.sha256, drill.runbook.sha256);
    await assert.rejects(c.call('drill.runbook', { drillId: 'nosuchdrill' }), /no drill with id nosuchdrill/);
    await c.call('drill.abort', { drillId: drill.id, reason: 'test over' });
  } finally {
    writeFileSync(file, original);
    await c.close();
  }
});
