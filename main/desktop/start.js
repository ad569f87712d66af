#!/usr/bin/env node
// `npm start`: the desktop app where it can run, else the same app in the browser.
//
// The desktop window needs three things this script cannot always have: the
// Electron runtime (a separate download from Electron's release server), a
// display, and better-sqlite3 built for Electron's ABI (build/native.js, which
// needs Electron's headers from the network the first time). Where one is
// missing, `npm start` says why in one line and starts the browser host
// instead — same app, same data — so the README's main command does the main
// job on every machine. Arguments after `npm start --` go to the browser host
// (e.g. --no-open, --port N).
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..', '..');
const electronDir = path.join(root, 'node_modules', 'electron');

function electronBinary() {
  try {
    const rel = fs.readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim();
    const bin = path.join(electronDir, 'dist', rel);
    return fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** Why no desktop window can open on this machine before trying, or null. */
function noDisplay(env = process.env, platform = process.platform) {
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display: neither DISPLAY nor WAYLAND_DISPLAY is set';
  return null;
}

/** Fetches the Electron runtime once; returns the binary or the reason it is not there. */
function fetchElectron() {
  if (!fs.existsSync(electronDir)) return { reason: 'Electron is not installed (run npm install)' };
  let bin = electronBinary();
  if (bin) return { bin };
  console.error('Fetching the Electron runtime (one time)…');
  // The installer prints a stack trace when offline; keep it out of the user's face and say why in one line.
  const fetched = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { encoding: 'utf8', timeout: 120_000 });
  bin = fetched.status === 0 ? electronBinary() : null;
  if (bin) return { bin };
  const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|getaddrinfo/.test(`${fetched.stderr}${fetched.error ?? ''}`);
  return { reason: `the Electron runtime is not installed and ${offline ? "Electron's release server cannot be reached" : 'its download failed'}` };
}

function run(cmd, args) {
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' && cmd === 'npm' });
}

/** The browser host, in the foreground, with the reason the window is not available in one line first. */
function browserInstead(reason, extraArgs) {
  console.error(`drillbook: the desktop window is not available (${reason}); opening Drillbook in your browser instead.`);
  const ui = run(process.execPath, [path.join(root, 'build', 'renderer-current.js')]);
  if (ui.status !== 0) process.exit(ui.status ?? 1);
  const web = spawn(process.execPath, [path.join(root, 'bin', 'drillbook'), 'web', ...extraArgs], { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => web.kill(sig));
  web.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}

function main(argv) {
  const display = noDisplay();
  if (display) return browserInstead(display, argv);
  const electron = fetchElectron();
  if (!electron.bin) return browserInstead(electron.reason, argv);
  // The UI only when its sources changed (build/renderer-current.js); the main process every time (tsc, seconds).
  const ui = run(process.execPath, [path.join(root, 'build', 'renderer-current.js')]);
  if (ui.status !== 0) process.exit(ui.status ?? 1);
  const build = run('npm', ['run', 'build:main', '--silent']);
  if (build.status !== 0) process.exit(build.status ?? 1);
  // better-sqlite3 for Electron's ABI, in build/native/ (node_modules keeps Node's for the CLI and tests).
  const native = spawnSync(process.execPath, [path.join(root, 'build', 'native.js')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (native.status !== 0) {
    const why = (native.stderr.match(/drillbook: (.*)/) || [])[1] || 'the database module could not be built for Electron';
    return browserInstead(why, argv);
  }
  const child = spawn(electron.bin, [root], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}

module.exports = { noDisplay };
if (require.main === module) main(process.argv.slice(2));
