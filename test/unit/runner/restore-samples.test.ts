/**
 * The restore-test samples in runbooks/: clean, runnable unattended in full
 * (--strict), one SSH-redirectable target, variables that all resolve, and
 * verification steps that decide with `expect`. The documented-only ones
 * run nothing unattended. (test/integration/restore runs the runnable ones
 * against real servers.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadRunbookFile, type Runbook } from '../../../main/runbook';
import { blocksToRun } from '../../../main/runner/headless';
import { prepareVars, readVarSpecs } from '../../../main/runbook/vars';
import { manualSteps, strictProblem } from '../../../main/runner/unattended';

const dir = path.resolve(__dirname, '../../../runbooks');
const RUNNABLE: Record<string, string> = {
  'postgres-pg-dump-restore.md': 'db',
  'postgres-partial-restore.md': 'db',
  'mariadb-mysqldump-restore.md': 'db',
  'restic-file-restore.md': 'host',
  'rsync-snapshot-restore.md': 'backup',
  'backup-freshness-check.md': 'backup',
};
const DOCUMENTED = ['kubernetes-velero-restore.md', 'cloudnativepg-restore.md', 'aws-rds-ebs-snapshot-restore.md'];
const load = (name: string): { rb: Runbook; source: string } => {
  const file = path.join(dir, name);
  return { rb: loadRunbookFile(file), source: readFileSync(file, 'utf8') };
};
/** Values a runbook needs beyond its defaults (the required ones), for the resolve check. */
const REQUIRED: Record<string, Record<string, string>> = { 'postgres-partial-restore.md': { TENANT_ID: '42' } };

for (const [name, target] of Object.entries(RUNNABLE)) {
  test(`${name}: every step runs unattended on the "${target}" target, and every variable resolves`, () => {
    const { rb } = load(name);
    assert.deepEqual(rb.diagnostics, []);
    assert.equal(rb.stepSource, 'h2');
    assert.ok(rb.rpo && rb.meta.owner && rb.meta.tags.includes('restore-test'), 'rpo, owner, tag restore-test');
    assert.ok(rb.intro.length > 300, 'explains what it proves and what the backup job must write');
    // One target besides local, declared local so the runbook runs on the machine that has cron, and `--target NAME=ssh://…` moves it.
    assert.deepEqual(rb.meta.targets, [{ name: 'local', kind: 'local' }, { name: target, kind: 'local' }]);
    const blocks = rb.steps.flatMap((s) => s.commands);
    for (const b of blocks) {
      assert.equal(b.attrs.auto, true, `line ${b.line} is auto`);
      assert.equal(b.attrs.target, target, `line ${b.line} runs on ${target}`);
      assert.ok(b.attrs.name, `line ${b.line} has a name`);
    }
    assert.equal(new Set(blocks.map((b) => b.attrs.name)).size, blocks.length, 'block names are unique');
    assert.equal(strictProblem(name, manualSteps(rb, false)), null, 'passes --strict');
    if (name !== 'backup-freshness-check.md') {
      assert.ok(rb.rto, 'has an RTO');
      assert.equal(rb.steps.filter((s) => s.rtoStart).length, 1);
      assert.equal(rb.steps.filter((s) => s.rtoEnd).length, 1);
      const restore = blocks.filter((b) => /restore/.test(b.attrs.name ?? ''));
      assert.ok(restore.length > 0 && restore.every((b) => b.attrs.timeout), 'restore blocks have a timeout');
    }
    // The steps that decide pass/fail say what success looks like.
    const deciding = blocks.filter((b) => /verify|compare|checksum|complete|fresh|empty|size|versioned|current|older|read-write/.test(b.attrs.name ?? ''));
    assert.ok(deciding.length >= 2, 'has verification blocks');
    for (const b of deciding) assert.notEqual(b.attrs.expect, undefined, `${b.attrs.name} has expect`);
    assert.ok(blocks.filter((b) => b.attrs.expect !== undefined).length >= 4, 'pass/fail decided by expect, not only exit codes');
    // Every {{NAME}} is declared, the secrets resolve from the environment, and none is written into text.
    const secrets = readVarSpecs(rb).specs.filter((s) => s.secret);
    const env = Object.fromEntries(secrets.map((s) => [s.env!, 'a-long-secret-value']));
    const prepared = prepareVars(rb, { given: REQUIRED[name] ?? {}, env, secrets: 'require', blocks: blocks });
    const texts = prepared.runbook.steps.flatMap((s) => s.commands.map((c) => c.text)).join('\n');
    assert.doesNotMatch(texts, /\{\{\s*[A-Za-z_]\w*\s*\}\}/, 'no placeholder left');
    assert.doesNotMatch(JSON.stringify(prepared.runbook), /a-long-secret-value/);
    for (const s of readVarSpecs(rb).specs) assert.ok(s.description || s.default !== undefined || s.secret, `${s.name} is explained or has a default`);
  });
}

for (const name of DOCUMENTED) {
  test(`${name}: documented only, nothing runs unattended, every step explained`, () => {
    const { rb } = load(name);
    assert.deepEqual(rb.diagnostics, []);
    assert.ok(rb.rto && rb.rpo && rb.meta.tags.includes('documented'));
    const blocks = rb.steps.flatMap((s) => s.commands);
    assert.ok(blocks.length >= 5);
    assert.deepEqual(rb.steps.flatMap((s) => blocksToRun(s.commands, false)), [], 'no auto block');
    assert.equal(manualSteps(rb, false).length, rb.steps.length);
    assert.match(strictProblem(name, manualSteps(rb, false)) ?? '', /cannot run unattended/);
    assert.equal(rb.steps.filter((s) => s.rtoStart).length, 1);
    assert.equal(rb.steps.filter((s) => s.rtoEnd).length, 1);
    prepareVars(rb, { given: {}, env: {}, secrets: 'require', blocks });
  });
}
