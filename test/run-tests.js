#!/usr/bin/env node
// Finds test files (Node 20's test runner has no glob support) and runs
// them with node's test runner through tsx. Usage: run-tests.js [DIR|FILE...]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const root = path.resolve(__dirname, '..');
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['test'];

function collect(p, out) {
  const stat = fs.statSync(p);
  if (stat.isFile()) {
    if (p.endsWith('.test.ts')) out.push(p);
    return out;
  }
  for (const name of fs.readdirSync(p).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    collect(path.join(p, name), out);
  }
  return out;
}

const files = targets.flatMap((t) => collect(path.resolve(root, t), []));
if (files.length === 0) {
  console.error('run-tests: no test files found in ' + targets.join(' '));
  process.exit(1);
}
// Bounded time, whatever a test does: a test gets 5 minutes, a file whose
// tests are done exits even if something left a handle open, and the whole
// run is killed (and fails, saying so) after 40 minutes.
const WHOLE_RUN_MS = 40 * 60 * 1000;
// Tests never depend on the machine's dotfiles: every shell a test opens (local terminals source ~/.bashrc) and
// every default under ~ (~/.ssh/config, the data folder) sees an empty home of the run's own. On a build machine
// whose ~/.bashrc ran `pyenv rehash`, a shell killed mid-start-up left pyenv's lock behind and every later shell
// waited 60 s for it: terminal tests timed out for a reason that had nothing to do with Drillbook.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'drillbook-test-home-'));
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-force-exit',
    '--test-timeout=300000',
    '--test-reporter=spec',
    ...files.map((f) => path.relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit', timeout: WHOLE_RUN_MS, killSignal: 'SIGKILL', env: { ...process.env, HOME: home } },
);
try {
  fs.rmSync(home, { recursive: true, force: true });
} catch {
  // a process a test left behind still holds a file there: the temp folder is cleaned by the system
}
if (result.error && result.error.code === 'ETIMEDOUT') {
  console.error(`run-tests: the test run exceeded ${WHOLE_RUN_MS / 60000} minutes and was stopped`);
  process.exit(1);
}
process.exit(result.status ?? 1);
