/**
 * A restarted `drillbook web` keeps its port and still accepts the cookie
 * the open tab holds (issue 9 item 6b): the port is remembered in the data
 * folder; the tokens by their SHA-256 only. A port another program holds is
 * said so, and another one is taken (and remembered).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { tokenHash } from '../../../main/web/state';
import { cookieName } from '../../../main/web/server';
import { cliPrefix } from '../../helpers/cli';

interface Started {
  child: ChildProcess;
  port: number;
  token: string;
  stderr: () => string;
}

async function startWeb(dataDir: string, runbooks: string, extra: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [...cliPrefix(), 'web', '--no-open', '--data', dataDir, '--runbooks', runbooks, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DRILLBOOK_DATA: '', DRILLBOOK_HOST_GRACE_MS: '1000' },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL in 30 s: ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${err}`));
    });
  });
  const u = new URL(url);
  return { child, port: Number(u.port), token: u.searchParams.get('token')!, stderr: () => err };
}

function kill9(s: Started): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
    s.child.once('exit', () => resolve());
    s.child.kill('SIGKILL');
  });
}

async function status(port: number, cookieToken: string): Promise<number> {
  // The cookie is named per port (main/web/server.ts, cookieName): what the open tab holds for this instance.
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { Cookie: `${cookieName(port)}=${cookieToken}` }, redirect: 'manual' });
  return res.status;
}

test('a restart keeps the port and accepts the open tab’s cookie; only token hashes are on disk', { timeout: 90_000 }, async () => {
  const tmp = tempDir();
  const dataDir = path.join(tmp.dir, 'data');
  const runbooks = path.join(tmp.dir, 'runbooks');
  mkdirSync(runbooks);
  // The default port may be taken on a shared machine: start from a free one, remembered like any other.
  const free = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const first = await startWeb(dataDir, runbooks, ['--port', String(free)]);
  let second: Started | null = null;
  let third: Started | null = null;
  let blocker: net.Server | null = null;
  try {
    assert.equal(first.port, free);
    const state = readFileSync(path.join(dataDir, 'web.json'), 'utf8');
    assert.equal(statSync(path.join(dataDir, 'web.json')).mode & 0o777, 0o600);
    assert.ok(!state.includes(first.token), 'the token itself is not written');
    assert.ok(state.includes(tokenHash(first.token)));
    await kill9(first);

    second = await startWeb(dataDir, runbooks); // no --port: the remembered one
    assert.equal(second.port, first.port, 'the same port after a restart');
    assert.notEqual(second.token, first.token);
    assert.equal(await status(second.port, first.token), 200, 'the old tab’s cookie still works');
    assert.equal(await status(second.port, 'x'.repeat(32)), 403, 'a made-up token does not');
    await kill9(second);

    // Another program takes the port meanwhile: say so, take another, remember it.
    blocker = net.createServer().listen(first.port, '127.0.0.1');
    await new Promise((r) => blocker!.once('listening', r));
    third = await startWeb(dataDir, runbooks);
    assert.notEqual(third.port, first.port);
    assert.match(third.stderr(), new RegExp(`Port ${first.port} is taken by another program; using a free one instead`));
    assert.equal(JSON.parse(readFileSync(path.join(dataDir, 'web.json'), 'utf8')).port, third.port);
  } finally {
    blocker?.close();
    for (const s of [first, second, third]) if (s) await kill9(s);
    tmp.cleanup();
  }
});
