/**
 * `npm start` where no desktop window can open (here: no display) falls back
 * by itself to the browser host, saying why in one line, and serves the app;
 * stopping `npm start` stops the host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';

test('npm start without a display starts the browser host instead, with the reason in one line', { timeout: 300_000 }, async () => {
  const tmp = tempDir();
  const env: NodeJS.ProcessEnv = { ...process.env, DRILLBOOK_DATA: tmp.dir };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, [path.join(ROOT, 'main', 'desktop', 'start.js'), '--no-open', '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 240_000;
    while (!/running at (http:\/\/\S+)/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no browser host: ${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = /running at (http:\/\/\S+)/.exec(out)![1]!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const reason = err.split('\n').filter((l) => l.startsWith('drillbook:'));
    assert.deepEqual(reason, ['drillbook: the desktop window is not available (no display: neither DISPLAY nor WAYLAND_DISPLAY is set); opening Drillbook in your browser instead.']);
    assert.match(out, new RegExp(`History: ${tmp.dir.replace(/[/\\^$.*+?()[\]{}|]/g, '\\$&')}`), 'the same data folder as the CLI');
    // The token is traded for a cookie (main/web): the host answers it, not a 401.
    const page = await fetch(url, { redirect: 'manual' });
    assert.ok([200, 302, 303].includes(page.status), `status ${page.status}`);
    if (page.status !== 200) assert.match(page.headers.get('set-cookie') ?? '', /HttpOnly/i);
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    assert.notEqual(code, null);
    tmp.cleanup();
  }
});
