/**
 * The runbooks shipped in runbooks/ are the first thing users see: they must
 * be clean (no diagnostics), complete, and the default demo must really run.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRunbookFile, parseRunbook, scanRunbookDirs, type CommandBlock, type Runbook } from '../../../main/runbook';

const dir = path.resolve(__dirname, '../../../runbooks');
const SAMPLES = ['full-site-loss.md', 'postgres-pg-dump-restore.md', 'restic-file-restore.md', 'sqlite-backup-restore.md'];
/** The restore-test samples; test/unit/runner/restore-samples.test.ts checks them. */
const RESTORE_SAMPLES = [
  'aws-rds-ebs-snapshot-restore.md',
  'backup-freshness-check.md',
  'cloudnativepg-restore.md',
  'kubernetes-velero-restore.md',
  'mariadb-mysqldump-restore.md',
  'postgres-partial-restore.md',
  'rsync-snapshot-restore.md',
];
const load = (name: string) => loadRunbookFile(path.join(dir, name));
const commands = (rb: Runbook): CommandBlock[] => rb.steps.flatMap((s) => s.commands);

test('the library lists the samples and not FORMAT.md', () => {
  const entries = scanRunbookDirs([dir]);
  assert.deepEqual(entries.map((e) => path.basename(e.path)), [...SAMPLES, ...RESTORE_SAMPLES].sort());
  for (const e of entries) {
    assert.equal(e.error, undefined);
    assert.equal(e.warnings, 0);
  }
});

for (const name of SAMPLES) {
  test(`sample ${name}: clean and complete`, () => {
    const rb = load(name);
    assert.deepEqual(rb.diagnostics, []);
    assert.equal(rb.stepSource, 'h2');
    assert.ok(rb.rto && rb.rpo && rb.meta.owner && rb.meta.tags.length > 0, 'front matter has rto, rpo, owner and tags');
    assert.ok(rb.intro.length > 100, 'says what it is for');
    assert.equal(rb.steps.filter((s) => s.rtoStart).length, 1);
    assert.equal(rb.steps.filter((s) => s.rtoEnd).length, 1);
    assert.ok(rb.steps.findIndex((s) => s.rtoStart) < rb.steps.findIndex((s) => s.rtoEnd));
    assert.ok(rb.steps.some((s) => s.checklist.length > 0), 'has a checklist');
    for (const c of commands(rb)) {
      assert.equal(c.lang, 'sh');
      assert.ok(c.attrs.name, `block at line ${c.line} has a name`);
    }
    const names = commands(rb).map((c) => c.attrs.name);
    assert.equal(new Set(names).size, names.length, 'block names are unique');
  });
}

test('sqlite demo: every block is auto, checks have expect, no sqlite3 CLI needed', () => {
  const rb = load('sqlite-backup-restore.md');
  assert.deepEqual(rb.rto, { text: '5m', seconds: 300 });
  for (const c of commands(rb)) {
    assert.equal(c.attrs.auto, true, `${c.attrs.name} is auto`);
    assert.doesNotMatch(c.text, /(^|[\s;|])sqlite3\b/, `${c.attrs.name} does not need the sqlite3 CLI`);
  }
  const verify = commands(rb).filter((c) => /^(verify|check)-/.test(c.attrs.name ?? ''));
  assert.ok(verify.length >= 4);
  for (const c of verify) assert.notEqual(c.attrs.expect, undefined, `${c.attrs.name} has expect`);
  assert.deepEqual(rb.steps.map((s) => s.title), [
    'Create the production database',
    'Take an online backup',
    'Verify the backup',
    'Simulate the disaster',
    'Restore from the backup',
    'Verify the restored database',
    'Sign off',
  ]);
});

test('full site loss: several targets, manual blocks, RTO on declare and verify', () => {
  const rb = load('full-site-loss.md');
  assert.deepEqual(rb.meta.targets.map((t) => t.name), ['local', 'dr-db', 'dr-app', 'dr-bastion']);
  assert.ok(commands(rb).every((c) => c.attrs.auto !== true), 'nothing in a real failover runs unattended');
  assert.deepEqual(new Set(commands(rb).map((c) => c.attrs.target)), new Set(['local', 'dr-db', 'dr-app', 'dr-bastion']));
  assert.equal(rb.steps.find((s) => s.rtoStart)?.title, 'Declare the incident');
  assert.equal(rb.steps.find((s) => s.rtoEnd)?.title, 'Verify the service end to end');
  assert.ok(rb.steps.flatMap((s) => s.checklist).length >= 15);
});

test('FORMAT.md: its complete example is a clean runbook', () => {
  const guide = fs.readFileSync(path.join(dir, 'FORMAT.md'), 'utf8');
  const example = /## A complete example\n\n````markdown\n([\s\S]*?)\n````/.exec(guide)?.[1];
  assert.ok(example, 'FORMAT.md has its complete example');
  const rb = parseRunbook(example, 'example.md');
  assert.deepEqual(rb.diagnostics, []);
  assert.deepEqual(rb.steps.map((s) => s.key), ['prepare', 'dump-listed', 'restore', 'count', 'drop']);
  assert.deepEqual(rb.steps.map((s) => [s.rtoStart, s.rtoEnd]), [[false, false], [false, false], [true, false], [false, true], [false, false]]);
  assert.deepEqual(rb.meta.targets.map((t) => t.name), ['local', 'db']);
  // and the short example at the top
  const glance = /````markdown\n([\s\S]*?)\n````/.exec(guide)?.[1] ?? '';
  assert.deepEqual(parseRunbook(glance, 'glance.md').diagnostics, []);
});

// ---------------------------------------------------------------------------
// Running the default demo

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'drillbook-sample-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

function passes(c: CommandBlock, status: number | null, stdout: string): boolean {
  if (typeof c.attrs.expect === 'number') return status === c.attrs.expect;
  if (status !== 0) return false;
  if (typeof c.attrs.expect !== 'string') return true;
  const re = /^\/([\s\S]*)\/([a-z]*)$/.exec(c.attrs.expect);
  return re ? new RegExp(re[1] ?? '', re[2]).test(stdout) : stdout.includes(c.attrs.expect);
}

test('sqlite demo runs end to end with the real drillbook CLI: fresh bash -e -o pipefail per block, in the work folder', { skip: process.platform === 'win32' ? 'needs bash' : false }, () => {
  // Drillbook puts `drillbook` on the PATH of every block: the repo's bin/ here.
  const binDir = path.resolve(__dirname, '../../../bin');
  assert.ok(fs.existsSync(path.join(binDir, 'drillbook')), 'bin/drillbook exists');
  const drillDir = path.join(work, 'drill');
  fs.mkdirSync(drillDir);
  const rb = load('sqlite-backup-restore.md');
  for (const c of commands(rb)) {
    const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', c.text], {
      cwd: drillDir,
      encoding: 'utf8',
      env: { ...process.env, DRILLBOOK_WORKDIR: drillDir, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` },
      timeout: 60_000,
    });
    assert.ok(passes(c, run.status, run.stdout), `${c.attrs.name} (line ${c.line}) failed: exit ${run.status}\n${run.stdout}${run.stderr}`);
  }
  assert.equal(fs.readFileSync(path.join(drillDir, 'fingerprint-before.txt'), 'utf8'), fs.readFileSync(path.join(drillDir, 'fingerprint-after.txt'), 'utf8'));
});
