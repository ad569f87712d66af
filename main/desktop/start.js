#!/usr/bin/env node
// `npm start`: build, then launch the desktop app. The Electron runtime is a
// separate download from Electron's release server; where it cannot be had
// (offline build machines), say so plainly and point to the browser host.
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

function noElectron(detail) {
  console.error(
    [
      '',
      'Drillbook cannot start its desktop window: the Electron runtime is not installed' + (detail ? ` (${detail})` : '') + '.',
      'Electron downloads its runtime from its release server, which this machine cannot reach.',
      '',
      'Run Drillbook in your browser instead — same app, same data:',
      '    npm run web',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

if (!fs.existsSync(electronDir)) noElectron('run npm install first');
let bin = electronBinary();
if (!bin) {
  console.log('Fetching the Electron runtime (one time)…');
  // The installer prints a stack trace when offline; keep it out of the user's face and say why in one line.
  const fetched = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { encoding: 'utf8', timeout: 300_000 });
  bin = fetched.status === 0 ? electronBinary() : null;
  if (!bin) {
    const why = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo/.exec(fetched.stderr || '') ? 'no network access to the release server' : 'the download failed';
    noElectron(why);
  }
}
if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && process.platform === 'linux') {
  console.error('No display found (DISPLAY is not set). Use `npm run web` to run Drillbook in a browser.');
  process.exit(1);
}
const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (build.status !== 0) process.exit(build.status ?? 1);
const child = spawn(bin, [root], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
