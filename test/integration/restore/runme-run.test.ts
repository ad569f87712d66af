/**
 * `drillbook run` with Runme semantics (issue 10), through the real CLI, real
 * bash and python3, a real SQLite history: prompts stripped, python run by
 * python3, data blocks shown and not run, a background block started while
 * the drill moves on (and stopped at the end), ignore, excludeFromRunAll
 * under --all, cwd relative to the runbook's folder, and --tag.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../../../main/api/core';
import type { DrillSnapshot } from '../../../main/drill/model';

const ROOT = path.resolve(__dirname, '../../..');
let dir: string;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-runme-'));
  mkdirSync(path.join(dir, 'books', 'sub', 'inner'), { recursive: true });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const RUNBOOK = `---
title: Runme semantics
cwd: sub
---
# Runme semantics

## Prompted

\`\`\`sh {name=prompted}
$ echo stripped > prompted.txt
\`\`\`

## Console

\`\`\`console
$ echo from-console >> console.txt
from-console
\`\`\`

## Python

\`\`\`python {name=py cwd=inner}
import os
print("py-cwd", os.path.basename(os.getcwd()))
\`\`\`

## Data

\`\`\`json
{"not": "run"}
\`\`\`

## Background

\`\`\`sh {background=true name=server}
echo $$ > server.pid; exec sleep 60
\`\`\`

## Ignored

\`\`\`sh {ignore=true}
exit 7
\`\`\`

## Excluded

\`\`\`sh {excludeFromRunAll=true}
exit 9
\`\`\`

## Tagged

\`\`\`sh {tag=db}
echo tagged > tagged.txt
\`\`\`
`;
import { cliPrefix } from '../../helpers/cli';

function run(args: string[], dataDir: string): Promise<{ code: number; stdout: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliPrefix(), 'run', ...args, '--data', dataDir], {
      cwd: ROOT,
      env: { ...process.env, DRILLBOOK_CHROMIUM: '/nonexistent/chromium' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, ms: Date.now() - started });
    });
  });
}

function drillOf(stdout: string, dataDir: string): DrillSnapshot {
  const id = /Drill (\S+):/.exec(stdout)?.[1];
  assert.ok(id, stdout);
  const core = new Core({ dataDir, runbookDirs: [], host: 'cli' });
  try {
    return core.drills.get(id);
  } finally {
    core.close();
  }
}

const stepOf = (d: DrillSnapshot, title: string) => d.steps.find((s) => s.title === title);

test('run --all: each block runs as Runme runs it', async () => {
  const file = path.join(dir, 'books', 'runme.md');
  writeFileSync(file, RUNBOOK);
  const dataDir = path.join(dir, 'data-all');
  const r = await run([file, '--all'], dataDir);
  assert.equal(r.code, 0, r.stdout);
  const sub = path.join(dir, 'books', 'sub');
  assert.equal(readFileSync(path.join(sub, 'prompted.txt'), 'utf8'), 'stripped\n', 'the $ prompt was stripped, cwd from the front matter');
  assert.equal(readFileSync(path.join(sub, 'console.txt'), 'utf8'), 'from-console\n', 'pasted output was not run');
  assert.match(r.stdout, /py-cwd inner/, 'python3 ran, cwd relative to the front matter cwd');
  const drill = drillOf(r.stdout, dataDir);
  assert.equal(stepOf(drill, 'Data')?.status, 'skipped');
  assert.match(stepOf(drill, 'Data')?.reason ?? '', /json block is shown, not run/);
  assert.match(stepOf(drill, 'Ignored')?.reason ?? '', /ignore=true/);
  assert.match(stepOf(drill, 'Excluded')?.reason ?? '', /excludeFromRunAll, so --all leaves it to a person/);
  assert.equal(stepOf(drill, 'Background')?.status, 'completed');
  assert.match(r.stdout, /started in the background/);
  assert.match(r.stdout, /background block .*stopped/);
  assert.ok(r.ms < 55_000, `the drill did not wait for the 60 s background block (${r.ms} ms)`);
  // the background process is gone
  const pid = Number(readFileSync(path.join(sub, 'server.pid'), 'utf8').trim());
  assert.ok(pid > 0);
  assert.throws(() => process.kill(pid, 0), 'the background block was stopped with the drill');
  assert.equal(readFileSync(path.join(sub, 'tagged.txt'), 'utf8'), 'tagged\n');
});

test('run --all --tag db: only the tagged block runs; the rest say why', async () => {
  const file = path.join(dir, 'books', 'tags.md');
  writeFileSync(file, RUNBOOK.replace('tagged > tagged.txt', 'tagged-only > tagged2.txt'));
  rmSync(path.join(dir, 'books', 'sub', 'prompted.txt'), { force: true });
  const dataDir = path.join(dir, 'data-tag');
  const r = await run([file, '--all', '--tag', 'db'], dataDir);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /Only blocks tagged db run \(--tag\)/);
  assert.ok(existsSync(path.join(dir, 'books', 'sub', 'tagged2.txt')));
  assert.ok(!existsSync(path.join(dir, 'books', 'sub', 'prompted.txt')));
  const drill = drillOf(r.stdout, dataDir);
  assert.match(stepOf(drill, 'Prompted')?.reason ?? '', /no block of this step has the tag db/);
  assert.equal(stepOf(drill, 'Tagged')?.status, 'completed');
});
