/**
 * The terminal host in this process (main/terminal/host/host.ts) with real
 * shells: who may attach (0700 folder, 0600 socket and token, the token
 * checked), what a malformed frame costs (the connection, not the shells),
 * flow control end to end (a server that does not acknowledge pauses the
 * shell; nobody attached: the shell runs, bytes go to disk only), the idle
 * exit, and the short socket path for a deep data folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { TerminalHost } from '../../../main/terminal/host/host';
import { TerminalHostClient } from '../../../main/terminal/host/client';
import { hostPaths, MAX_SOCKET_PATH } from '../../../main/terminal/host/paths';
import { FrameReader, encodeJson, HOST_PROTOCOL_VERSION } from '../../../main/terminal/host/protocol';
import { tempDir } from '../../helpers/runbooks';

const META = { drillId: null, target: 'local', kind: 'local' as const, endpoint: 'local shell', openedAt: new Date().toISOString(), integrated: false };

async function waitFor<T>(fn: () => T, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function withHost(fn: (host: TerminalHost, dataDir: string) => Promise<void>, graceMs = 60_000, adhocOrphanMs = 3_600_000): Promise<void> {
  const tmp = tempDir();
  const dataDir = path.join(tmp.dir, 'data');
  mkdirSync(dataDir);
  const host = new TerminalHost({ dataDir, graceMs, adhocOrphanMs, log: (l) => process.env.HOST_LOG && console.log(l) });
  assert.equal(await host.listen(), true);
  try {
    await fn(host, dataDir);
  } finally {
    host.stop('test over');
    tmp.cleanup();
  }
}

function spawnParams(dataDir: string, id: string, file: string, args: string[]) {
  return { id, file, args, cwd: dataDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm' }, cols: 80, rows: 24, out: path.join(dataDir, 'transcripts', 'adhoc', `${id}.out`), meta: META };
}

/** Sends raw bytes to the socket and reports whether the host closed the connection. */
function closedAfter(sock: string, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(sock, () => c.write(bytes));
    c.resume(); // read (and discard) replies, so the end of the connection is seen
    const t = setTimeout(() => {
      c.destroy();
      resolve(false);
    }, 3000);
    c.on('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    c.on('error', () => undefined);
  });
}

test('only a client with the token attaches; the folder, socket and token are private', async () => {
  await withHost(async (_host, dataDir) => {
    const p = hostPaths(dataDir);
    assert.equal(statSync(p.dir).mode & 0o777, 0o700);
    assert.equal(statSync(p.token).mode & 0o777, 0o600);
    assert.equal(statSync(p.socket).mode & 0o777, 0o600);
    const wrong = encodeJson({ t: 'hello', reqId: 1, token: 'f'.repeat(64), version: HOST_PROTOCOL_VERSION });
    assert.equal(await closedAfter(p.socket, wrong), true, 'a wrong token is dropped');
    const skip = encodeJson({ t: 'list', reqId: 1 });
    assert.equal(await closedAfter(p.socket, skip), true, 'a request before hello is dropped');
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0x7fffffff, 0);
    assert.equal(await closedAfter(p.socket, huge), true, 'an oversized frame is dropped');
    const c = await TerminalHostClient.connect(dataDir, { start: false });
    assert.deepEqual(await c.list(), []);
    await c.close();
  });
});

test('a malformed message costs the connection, never the shells', async () => {
  await withHost(async (_host, dataDir) => {
    const c = await TerminalHostClient.connect(dataDir, { start: false });
    await c.spawn(spawnParams(dataDir, 't0000000000a1', '/bin/sh', []));
    await c.close();
    const token = readFileSync(hostPaths(dataDir).token, 'utf8').trim();
    const bad = Buffer.concat([encodeJson({ t: 'hello', reqId: 1, token, version: HOST_PROTOCOL_VERSION }), encodeJson({ t: 'spawn', reqId: 2 } as never)]);
    assert.equal(await closedAfter(hostPaths(dataDir).socket, bad), true);
    const again = await TerminalHostClient.connect(dataDir, { start: false });
    const list = await again.list();
    assert.deepEqual(list.map((s) => [s.id, s.exited]), [['t0000000000a1', null]]);
    await again.close();
  });
});

test('flow control: unacknowledged output pauses the shell; with no server attached it runs on and goes to disk only', async () => {
  await withHost(async (host, dataDir) => {
    const c = await TerminalHostClient.connect(dataDir, { start: false });
    // A raw client that never acknowledges: speak the protocol by hand.
    await c.close();
    const token = readFileSync(hostPaths(dataDir).token, 'utf8').trim();
    const raw = net.connect(hostPaths(dataDir).socket);
    const reader = new FrameReader();
    let received = 0;
    raw.on('data', (d) => {
      for (const f of reader.push(d)) if (f.kind === 'bytes') received += f.payload.length;
    });
    await new Promise((r) => raw.once('connect', r));
    const params = spawnParams(dataDir, 't0000000000b2', '/bin/sh', ['-c', 'head -c 50000000 /dev/zero | tr "\\0" x; sleep 30']);
    raw.write(encodeJson({ t: 'hello', reqId: 1, token, version: HOST_PROTOCOL_VERSION }));
    raw.write(encodeJson({ t: 'spawn', reqId: 2, ...params }));
    await waitFor(() => host.state('t0000000000b2')?.paused, 'the host to pause the shell');
    const atPause = received;
    await new Promise((r) => setTimeout(r, 500));
    const held = host.state('t0000000000b2')!;
    assert.ok(held.unacked <= 4_000_000 + 1024 * 1024, `in flight stays bounded: ${held.unacked}`);
    assert.ok(received - atPause <= 1024 * 1024, 'nothing more flows while paused');
    // The server goes away: the shell is released and runs to the end of its output, to disk.
    raw.destroy();
    await waitFor(() => statSync(params.out).size >= 50_000_000, 'all 50 MB on disk with no server attached', 30_000);
    assert.equal(host.state('t0000000000b2')!.paused, false);
  });
});

test('it exits by itself once no shell is left and no server has been attached for the grace period', async () => {
  let exited = false;
  await withHost(async (host, dataDir) => {
    host.onExit = () => (exited = true);
    const c = await TerminalHostClient.connect(dataDir, { start: false });
    await c.spawn(spawnParams(dataDir, 't0000000000c3', '/bin/sh', ['-c', 'exit 3']));
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(exited, false, 'not while a server is attached');
    await c.close();
    await waitFor(() => exited, 'the idle exit', 10_000);
  }, 800);
});

test('unattended, a terminal outside any drill is ended after a while; a drill’s runs on', async () => {
  await withHost(async (host, dataDir) => {
    const c = await TerminalHostClient.connect(dataDir, { start: false });
    await c.spawn(spawnParams(dataDir, 't0000000000d4', '/bin/sh', ['-c', 'sleep 60']));
    await c.spawn({ ...spawnParams(dataDir, 't0000000000e5', '/bin/sh', ['-c', 'sleep 60']), meta: { ...META, drillId: 'd1234567' } });
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal((await c.list()).filter((s) => s.exited).length, 0, 'nothing ends while a server is attached');
    await c.close();
    const again = async () => {
      const c2 = await TerminalHostClient.connect(dataDir, { start: false });
      const list = await c2.list();
      await c2.close();
      return list;
    };
    await new Promise((r) => setTimeout(r, 2000));
    const list = await again();
    assert.deepEqual(list.map((s) => [s.id, s.exited !== null]).sort(), [['t0000000000d4', true], ['t0000000000e5', false]]);
    assert.ok(host.state('t0000000000e5'));
  }, 60_000, 800);
});

test('a data folder too deep for a unix socket gets a short private socket path', () => {
  const deep = path.join('/tmp', 'x'.repeat(120), 'data');
  const p = hostPaths(deep);
  assert.ok(p.socket.length <= MAX_SOCKET_PATH, p.socket);
  assert.ok(p.token.startsWith(deep), 'the token stays in the data folder');
  assert.equal(hostPaths('/tmp/short').socket, '/tmp/short/terminal-host/host.sock');
});
