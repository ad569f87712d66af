/**
 * Evidence through the browser host (a real `drillbook web` process): the
 * export API, downloading the zip through the authenticated host, and
 * attachment uploads over HTTP.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/runbooks';
import { startServer, SocketClient, type RunningServer } from '../../helpers/server';
import { recordEvidenceDrill } from './fixture';
import { verifyBundle } from '../../../main/evidence';

let tmp: { dir: string; cleanup: () => void };
let server: RunningServer;
let client: SocketClient;
let sealedId: string;
let runbookFile: string;

before(async () => {
  tmp = tempDir('drillbook-web-evidence-');
  const fx = await recordEvidenceDrill(tmp.dir);
  sealedId = fx.drill.id;
  runbookFile = fx.runbookFile;
  fx.core.close();
  server = await startServer(fx.dataDir, path.dirname(fx.runbookFile));
  client = await SocketClient.connect(server);
});

after(async () => {
  client?.close();
  await server?.stop();
  tmp?.cleanup();
});

const cookie = () => ({ Cookie: `drillbook_token_${server.port}=${server.token}` });

test('evidence.export writes a bundle the browser downloads through the authenticated host', async () => {
  const r = await client.call('evidence.export', { drillId: sealedId });
  assert.equal(r.drillId, sealedId);
  assert.equal(r.redaction.applied, true);
  assert.match(r.downloadPath, /^\/evidence\/exports\/[A-Za-z0-9_-]+-\d{8}T\d{6}Z(-\d+)?\.zip$/);
  assert.ok(r.files.some((f) => f.path === 'report.pdf'));

  const res = await fetch(server.origin + r.downloadPath, { headers: cookie() });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/zip');
  assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="drillbook-evidence-.+\.zip"$/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const zip = path.join(tmp.dir, 'downloaded.zip');
  writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
  const v = await verifyBundle(zip, { expectHead: r.chainHead });
  assert.equal(v.ok, true, v.problems.map((p) => p.message).join('\n'));

  // The same URL without the cookie, with a wrong one, or for a path that is not an export.
  assert.equal((await fetch(server.origin + r.downloadPath)).status, 401);
  assert.equal((await fetch(server.origin + r.downloadPath, { headers: { Cookie: `drillbook_token_${server.port}=nope` } })).status, 403);
  for (const p of ['/evidence/exports/..%2F..%2Fdrillbook.sqlite.zip', '/evidence/exports/nosuchexport-20260101T000000Z.zip', '/evidence/other']) {
    assert.equal((await fetch(server.origin + p, { headers: cookie() })).status, 404, p);
  }
  // Unredacted only when asked for explicitly.
  const raw = await client.call('evidence.export', { drillId: sealedId, redact: false, pdf: false });
  assert.equal(raw.redaction.applied, false);
  assert.ok(!raw.files.some((f) => f.path === 'report.pdf'));
});

test('attachments upload over HTTP from the app page only, and over the socket as text', async () => {
  const drill = await client.call('drill.start', { runbookPath: runbookFile, mode: 'rehearsal', operator: 'ana' });
  const url = `${server.origin}/evidence/attachments?drillId=${drill.id}&stepIndex=1&itemIndex=0&name=${encodeURIComponent('restore log.txt')}&kind=file&note=${encodeURIComponent('from the DBA')}`;
  const body = Buffer.from('restore finished\n'.repeat(1000));
  const ok = await fetch(url, { method: 'POST', body, headers: { ...cookie(), Origin: server.origin, 'Content-Type': 'text/plain' } });
  assert.equal(ok.status, 200, await ok.clone().text());
  const snap = ((await ok.json()) as { result: { evidence: { attachments: { name: string; size: number; itemIndex?: number; note?: string; mediaType: string }[] } } }).result;
  assert.deepEqual(
    snap.evidence.attachments.map((a) => [a.name, a.size, a.itemIndex, a.note, a.mediaType]),
    [['restore log.txt', body.length, 0, 'from the DBA', 'text/plain']],
  );
  // Another site's page (or no page at all) cannot post into a drill.
  assert.equal((await fetch(url, { method: 'POST', body, headers: { ...cookie(), Origin: 'http://evil.example' } })).status, 403);
  assert.equal((await fetch(url, { method: 'POST', body, headers: cookie() })).status, 403);
  assert.equal((await fetch(url, { method: 'POST', body, headers: { Origin: server.origin } })).status, 401);
  // Too large, refused before it is stored.
  const big = await fetch(url, { method: 'POST', body: Buffer.alloc(20 * 1024 * 1024 + 1), headers: { ...cookie(), Origin: server.origin } });
  assert.equal(big.status, 413);
  // Bad parameters get the API's one-line errors.
  const bad = await fetch(url.replace('itemIndex=0', 'itemIndex=9'), { method: 'POST', body, headers: { ...cookie(), Origin: server.origin } });
  assert.equal(bad.status, 404);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /^step 2 has no checklist item 10$/);

  const viaSocket = await client.call('attachment.add', { drillId: drill.id, stepIndex: 2, name: 'screen.txt', kind: 'screen', text: 'PRAGMA integrity_check;\nok' });
  assert.equal(viaSocket.evidence.attachments.length, 2);
  assert.equal(viaSocket.evidence.attachments[1]!.kind, 'screen');
  // Every connected UI hears about it.
  assert.ok(client.events.some((e) => e.type === 'drill.changed' && e.drill.id === drill.id && e.drill.evidence.attachments.length === 1));
  await assert.rejects(client.call('signoff.add', { drillId: drill.id, role: 'operator', name: 'ana' }), /sign-off comes after the drill ends/);
});
