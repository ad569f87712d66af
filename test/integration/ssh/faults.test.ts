/**
 * Faults a real sshd will not produce on demand, played by ssh2's own
 * Server (and a bare TCP listener): a peer that never speaks, a peer that
 * drops the connection mid-output, a peer that stops answering after the
 * session is up (keepalive), and password / keyboard-interactive (2FA)
 * authentication answered through the prompt API.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Server, type Connection, type ServerChannel } from 'ssh2';
import { makeKey } from '../../helpers/sshd';
import { tempDir } from '../../helpers/runbooks';
import { lastStatus, makeHarness, waitFor, type Harness } from './harness';
import { readTranscriptIndex } from '../../../main/terminal';

const tmp = tempDir('drillbook-faults-');
let hostKey: Buffer;
let knownHosts: string;

before(() => {
  hostKey = readFileSync(makeKey(tmp.dir, 'host', { type: 'ed25519' }));
  knownHosts = path.join(tmp.dir, 'known_hosts');
});
after(() => tmp.cleanup());

interface FakeServer {
  port: number;
  sockets: net.Socket[];
  close(): Promise<void>;
}

type Auth = 'password' | 'keyboard-interactive';

/**
 * An ssh2 server on a loopback port. `shell` handles the session's exec
 * channel (what Drillbook opens for a terminal) with the raw socket at hand.
 */
async function fakeServer(auth: Auth, shell: (stream: ServerChannel, socket: net.Socket) => void): Promise<FakeServer> {
  const sockets: net.Socket[] = [];
  const ssh = new Server({ hostKeys: [hostKey] }, (client: Connection) => {
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      if (auth === 'password' && ctx.method === 'password') {
        return ctx.password === 'correct horse' ? ctx.accept() : ctx.reject(['password']);
      }
      if (auth === 'keyboard-interactive' && ctx.method === 'keyboard-interactive') {
        return ctx.prompt(
          [
            { prompt: 'Password: ', echo: false },
            { prompt: 'Verification code: ', echo: true },
          ],
          'Two-factor login',
          'Enter your password and the 6-digit code.',
          (answers) => (answers[0] === 'pw' && answers[1] === '123456' ? ctx.accept() : ctx.reject(['keyboard-interactive'])),
        );
      }
      ctx.reject([auth]);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('window-change', (ok) => ok?.());
        session.on('exec', (ok) => shell(ok(), socketOf(client)));
        session.on('shell', (ok) => shell(ok(), socketOf(client)));
      });
    });
  });
  const socketFor = new WeakMap<Connection, net.Socket>();
  const socketOf = (c: Connection) => socketFor.get(c)!;
  const tcp = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    ssh.injectSocket(socket);
  });
  ssh.on('connection', (client: Connection) => {
    socketFor.set(client, sockets[sockets.length - 1]!);
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  const port = (tcp.address() as net.AddressInfo).port;
  return {
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        tcp.close(() => resolve());
      }),
  };
}

function harnessFor(extra: { keepaliveIntervalMs?: number; keepaliveCountMax?: number } = {}): Harness {
  return makeHarness({ ssh: { knownHostsFiles: [knownHosts], agentSocket: null, hostKeyPolicy: 'accept-new', timeoutMs: 2000, ...extra } });
}

const target = (port: number) => `tester@127.0.0.1:${port}`;

test('a peer that accepts TCP but never speaks SSH fails within the bound, with a clear error', { timeout: 60_000 }, async () => {
  const accepted: net.Socket[] = [];
  const silent = net.createServer((s) => {
    accepted.push(s); // never read, never answered
    s.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as net.AddressInfo).port;
  const h = harnessFor();
  try {
    const started = Date.now();
    const t = h.svc.open({ target: target(port), cols: 80, rows: 24 }, h.sink);
    const s = await waitFor('failure', () => (lastStatus(h, t.terminalId)?.status === 'failed' ? lastStatus(h, t.terminalId) : null), 6000);
    assert.match(s.message!, new RegExp(`no SSH answer from 127\\.0\\.0\\.1:${port} within 2s`));
    assert.ok(Date.now() - started < 4000);
  } finally {
    await h.close();
    for (const s of accepted) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test('password authentication: asked in the UI, a wrong answer asks again, never stored', { timeout: 60_000 }, async () => {
  writeFileSync(knownHosts, '');
  const srv = await fakeServer('password', (stream) => {
    stream.write('\x1b]633;A\x07$ ');
    stream.on('data', (d: Buffer) => stream.write(d));
  });
  const h = harnessFor();
  try {
    const asked: string[] = [];
    h.onPrompt = (p) => {
      asked.push(`${p.kind}: ${p.message}`);
      h.svc.answer(p.promptId, { values: [asked.length === 1 ? 'wrong' : 'correct horse'] });
    };
    const t = h.svc.open({ target: target(srv.port), cols: 80, rows: 24 }, h.sink);
    await waitFor('open', () => h.status(t.terminalId)?.status === 'open', 8000);
    assert.deepEqual(asked, [
      `password: Password for tester@127.0.0.1`,
      `password: Permission denied — password for tester@127.0.0.1 (2 of 3)`,
    ]);
    h.svc.input(t.terminalId, 'hello\r');
    await waitFor('echo', () => h.sink.bytes(t.terminalId).includes('hello\r'));
    await h.svc.close(t.terminalId);
    for (const f of [t.transcript.out, t.transcript.index, knownHosts]) assert.ok(!readFileSync(f, 'utf8').includes('correct horse'));
  } finally {
    await h.close();
    await srv.close();
  }
});

test('keyboard-interactive (2FA): the server\'s prompts reach the UI with their echo flags', { timeout: 60_000 }, async () => {
  writeFileSync(knownHosts, '');
  const srv = await fakeServer('keyboard-interactive', (stream) => stream.write('welcome\r\n'));
  const h = harnessFor();
  try {
    let seen: unknown = null;
    h.onPrompt = (p) => {
      seen = { kind: p.kind, name: p.name, instructions: p.instructions, prompts: p.prompts };
      assert.throws(() => h.svc.answer(p.promptId, { values: ['only one'] }), /expected 2 answers/);
      h.svc.answer(p.promptId, { values: ['pw', '123456'] });
    };
    const t = h.svc.open({ target: target(srv.port), cols: 80, rows: 24 }, h.sink);
    await waitFor('open', () => h.status(t.terminalId)?.status === 'open', 8000);
    assert.deepEqual(seen, {
      kind: 'keyboard-interactive',
      name: 'Two-factor login',
      instructions: 'Enter your password and the 6-digit code.',
      prompts: [
        { prompt: 'Password: ', echo: false },
        { prompt: 'Verification code: ', echo: true },
      ],
    });
    await waitFor('banner', () => h.sink.bytes(t.terminalId).includes('welcome'));
  } finally {
    await h.close();
    await srv.close();
  }
});

test('cancelling the password prompt stops the attempt with a clear message', { timeout: 60_000 }, async () => {
  writeFileSync(knownHosts, '');
  const srv = await fakeServer('password', () => {});
  const h = harnessFor();
  try {
    h.onPrompt = (p) => h.svc.answer(p.promptId, { cancel: true });
    const t = h.svc.open({ target: target(srv.port), cols: 80, rows: 24 }, h.sink);
    const s = await waitFor('failure', () => (lastStatus(h, t.terminalId)?.status === 'failed' ? lastStatus(h, t.terminalId) : null), 8000);
    assert.match(s.message!, /you cancelled the password prompt/);
  } finally {
    await h.close();
    await srv.close();
  }
});

test('a peer that drops the connection mid-output: the bytes so far are kept, the terminal says what happened', { timeout: 60_000 }, async () => {
  writeFileSync(knownHosts, '');
  const chunk = Buffer.from('x'.repeat(1023) + '\n');
  const srv = await fakeServer('password', (stream, socket) => {
    for (let i = 0; i < 64; i++) stream.write(chunk);
    stream.write(Buffer.from('PARTIAL-€', 'utf8').subarray(0, 10)); // cut inside a multi-byte character
    setTimeout(() => socket.destroy(), 100);
  });
  const h = harnessFor();
  try {
    h.onPrompt = (p) => h.svc.answer(p.promptId, { values: ['correct horse'] });
    const drill = h.drills.start(h.runbook(`---\ntargets:\n  flaky: ${target(srv.port)}\n---\n# D\n\n## One\n\ntext\n`), 'rehearsal', 'op');
    h.drills.stepStart(drill.id, 0);
    const t = h.svc.open({ drillId: drill.id, target: 'flaky', cols: 80, rows: 24 }, h.sink);
    h.svc.ack(t.terminalId, 1 << 30, h.sink);
    const s = await waitFor('disconnected', () => (h.status(t.terminalId)?.status === 'disconnected' ? h.status(t.terminalId) : null), 8000);
    assert.match(s.message!, /connection lost/);
    assert.match(h.sink.bytes(t.terminalId).toString(), /connection lost.*The drill goes on/);
    assert.equal(h.drills.get(drill.id).status, 'running');
    await h.svc.close(t.terminalId);
    const out = readFileSync(t.transcript.out);
    assert.deepEqual(out, Buffer.concat([Buffer.concat(Array(64).fill(chunk)), Buffer.from('PARTIAL-€', 'utf8').subarray(0, 10)]));
    const idx = await readTranscriptIndex(t.transcript.index);
    const lost = idx.records.find((r) => r.t === 'status' && (r as { status: string }).status === 'disconnected');
    assert.ok(lost && lost.offset === out.length);
  } finally {
    await h.close();
    await srv.close();
  }
});

test('a peer that stops answering after the session is up is detected by keepalive', { timeout: 60_000 }, async () => {
  writeFileSync(knownHosts, '');
  const srv = await fakeServer('password', (stream, socket) => {
    stream.write('ready\r\n');
    setTimeout(() => socket.pause(), 100); // stalls: reads nothing, answers nothing
  });
  const h = harnessFor({ keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
  try {
    h.onPrompt = (p) => h.svc.answer(p.promptId, { values: ['correct horse'] });
    const t = h.svc.open({ target: target(srv.port), cols: 80, rows: 24 }, h.sink);
    await waitFor('open', () => h.status(t.terminalId)?.status === 'open', 8000);
    const since = Date.now();
    const s = await waitFor('keepalive to notice', () => (h.status(t.terminalId)?.status === 'disconnected' ? h.status(t.terminalId) : null), 8000);
    assert.match(s.message!, /connection lost/);
    assert.ok(Date.now() - since < 5000);
  } finally {
    await h.close();
    await srv.close();
  }
});
