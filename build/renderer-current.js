#!/usr/bin/env node
// `npm run web` builds the UI only when it is out of date: when a file under
// renderer/ or main/ (the renderer imports models and contract types from
// main/), package-lock.json or this script is newer than dist/renderer/index.html.
// An unchanged tree starts at once instead of spending ~7 s in Vite.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const SKIP = new Set(['node_modules', 'dist', '.git']);

/** Newest mtime (ms) of the files under p (a file or a folder). */
function newest(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    max = Math.max(max, newest(path.join(p, e.name)));
  }
  return max;
}

/** Whether dist/renderer was built after every input changed. */
function rendererIsCurrent(root) {
  let built;
  try {
    built = fs.statSync(path.join(root, 'dist', 'renderer', 'index.html')).mtimeMs;
  } catch {
    return false;
  }
  const inputs = ['renderer', 'main', 'package-lock.json', path.join('build', 'renderer-current.js')];
  return inputs.every((rel) => newest(path.join(root, rel)) <= built);
}

module.exports = { rendererIsCurrent };

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  if (!rendererIsCurrent(root)) {
    const r = spawnSync('npm', ['run', 'build:renderer', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    process.exit(r.status ?? 1);
  }
}
