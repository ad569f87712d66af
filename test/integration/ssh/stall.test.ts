/**
 * Bounded exit after an SSH connect failure (issue 12, item 2): a peer that
 * accepts TCP and then keeps its side half-open — silent, or speaking
 * garbage — must not keep the attempt's socket (and with it the process)
 * alive. Played by bare TCP listeners on 127.0.0.1 with allowHalfOpen, as
 * a stalled host behaves; a real sshd cannot be made to do this.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectSsh, type SshEndpoint } from '../../../main/ssh';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { cliPrefix } from '../../helpers/cli';

const tmp = tempDir('drillbook-stall-');
after(() => tmp.cleanup());

interface Stall {
  port: number;
  /** The peer's own sockets (they live in this process too). */
  open(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A host that accepts and keeps the connection half-open forever: silent, or writing junk.
 * (Its own side stays open by its choice; what must not stay open is ours.)
 */
async function stallServer(kind: 'silent' | 'garbage' | 'bad-banner'): Promise<Stall> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.on('end', () => undefined); // the client's FIN: a stalled host does not answer it
    s.resume();
    if (kind === 'garbage') {
      const t = setInterval(() => s.writable && s.write('not ssh at all\r\n'), 100);
      timers.add(t);
      s.on('close', () => clearInterval(t));
    }
    if (kind === 'bad-banner') s.write('SSH-2.0-stall\r\n' + 'x'.repeat(64) + '\0\0\0\x10garbage-packet!!');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    open: () => new Promise((r) => srv.getConnections((_e, n) => r(n))),
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

async function until(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

for (const kind of ['silent', 'garbage', 'bad-banner'] as const) {
  test(`a ${kind} peer: the failed attempt leaves no socket of ours open`, { timeout: 60_000 }, async () => {
    const srv = await stallServer(kind);
    const before = tcpHandles();
    try {
      const endpoint: SshEndpoint = { host: '127.0.0.1', port: srv.port, user: 'x', label: 'stall', identityFiles: [], identitiesOnly: false, hashKnownHosts: false, jumps: [] };
      const started = Date.now();
      await assert.rejects(
        connectSsh({ endpoint, hostKeyPolicy: 'strict', knownHostsFiles: [path.join(tmp.dir, 'kh')], agentSocket: null, timeoutMs: 1000 }),
        (err: Error) => err.message.includes(`127.0.0.1:${srv.port}`),
      );
      assert.ok(Date.now() - started < 10_000, 'fails within the bound');
      await until('no TCP handle of ours left (only the peer\'s own)', async () => tcpHandles() - (await srv.open()) <= before, 5000);
    } finally {
      await srv.close();
    }
  });
}

test('drillbook run exits, in bounded time, after a stalled host fails to connect', { timeout: 90_000 }, async () => {
  const srv = await stallServer('silent');
  try {
    const runbook = path.join(tmp.dir, 'remote.md');
    writeFileSync(runbook, '---\ntitle: Remote\ntargets:\n  db: db.example.invalid\n---\n# Remote\n\n## On the host\n\n```sh {target=db auto=true}\necho hi\n```\n');
    const sshConfig = path.join(tmp.dir, 'ssh_config');
    writeFileSync(sshConfig, 'Host *\n  ConnectTimeout 1\n');
    const args = ['run', runbook, '--data', path.join(tmp.dir, 'data'), '--target', `db=ssh://x@127.0.0.1:${srv.port}`, '--ssh-config', sshConfig, '--known-hosts', path.join(tmp.dir, 'kh')];
    const env: NodeJS.ProcessEnv = { ...process.env, DRILLBOOK_DATA: '' };
    delete env.SSH_AUTH_SOCK;
    const child = spawn(process.execPath, [...cliPrefix(), ...args], { cwd: ROOT, env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 45_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    assert.notEqual(code, null, `drillbook run hung after the connect failure (killed after ${Math.round((Date.now() - started) / 1000)}s); stderr: ${stderr}`);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /no SSH answer from 127\.0\.0\.1:\d+ within 1s[\s\S]*Nothing was run/);
  } finally {
    await srv.close();
  }
});
