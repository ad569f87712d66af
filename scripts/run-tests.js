#!/usr/bin/env node
// Finds test files (Node 20's test runner has no glob support) and runs
// them with node's test runner through tsx. Usage: run-tests.js [DIR|FILE...]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

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
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files.map((f) => path.relative(root, f))],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
