/**
 * The web token stays out of every argv, and two instances keep their own
 * cookies (issue 12, items 6 and 7). Real `drillbook web` processes, a
 * stand-in `xdg-open` that records what it was given, and Debian's Chromium.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assertRendererBuilt, cleanup, launchBrowser, makeWorkspace, onCleanup, startServer, waitFor, ROOT } from './harness';
import { cliPrefix } from '../helpers/cli';

after(cleanup);

test('drillbook web opens the browser on a 0600 launcher file; the token is in no argv', { timeout: 120_000 }, async () => {
  assertRendererBuilt();
  const ws = makeWorkspace(['e2e-restore.md']);
  const bin = path.join(ws.dataDir, '..', 'bin');
  mkdirSync(bin);
  const record = path.join(bin, 'argv.txt');
  // Records its arguments and its own command line as `ps` shows it.
  writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\ntr '\\0' ' ' < /proc/$$/cmdline > ${record}.tmp; printf '\\n%s\\n' "$*" >> ${record}.tmp; mv ${record}.tmp ${record}\n`);
  chmodSync(path.join(bin, 'xdg-open'), 0o755);
  const child = spawn(process.execPath, [...cliPrefix(), 'web', '--port', '0', '--data', ws.dataDir, '--runbooks', ws.runbooksDir], {
    cwd: ROOT,
    env: { ...process.env, DRILLBOOK_DATA: '', PATH: `${bin}:${process.env.PATH}` },
  });
  onCleanup(() => {
    child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const url = await waitFor(() => /running at (http:\/\/\S+)/.exec(out)?.[1], 'the server to start', 60_000);
  const token = new URL(url).searchParams.get('token')!;
  assert.ok(token.length >= 20);
  const argv = await waitFor(() => (existsSync(record) ? readFileSync(record, 'utf8') : null), 'xdg-open to be run', 30_000);
  assert.ok(!argv.includes(token), `the token is on xdg-open's command line: ${argv}`);
  const launcher = argv.trim().split('\n').at(-1)!.trim();
  assert.match(launcher, /web-\d+\.html$/);
  assert.equal(statSync(launcher).mode & 0o777, 0o600, 'only this user can read the launcher');
  assert.ok(readFileSync(launcher, 'utf8').includes(token));

  // Opening that file signs the browser in.
  const browser = await launchBrowser();
  onCleanup(() => browser.close());
  const page = await browser.newPage();
  await page.goto('file://' + launcher);
  const origin = new URL(url).origin;
  await waitFor(() => page.url() === origin + '/', 'the launcher to reach the app without the token in the address bar', 15_000);
  await page.waitForSelector('#root *', { timeout: 15_000 });
  assert.doesNotMatch(await page.content(), /needs the token/);
});

test('two instances on one host keep their own cookies: the second does not sign the first out', { timeout: 120_000 }, async () => {
  assertRendererBuilt();
  const a = await startServer(makeWorkspace(['e2e-restore.md']));
  const b = await startServer(makeWorkspace(['e2e-restore.md']));
  const browser = await launchBrowser();
  onCleanup(() => browser.close());
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(a.url);
  await page.goto(b.url);
  const cookies = await context.cookies('http://127.0.0.1/');
  assert.deepEqual(cookies.map((c) => c.name).sort(), [`drillbook_token_${a.port}`, `drillbook_token_${b.port}`].sort());
  for (const c of cookies) {
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');
  }
  // Back to the first: still signed in.
  const res = await page.goto(a.origin + '/');
  assert.equal(res?.status(), 200);
  assert.doesNotMatch(await page.content(), /wrong token|needs the token/);
});
