/**
 * `drillbook run` as a scheduler sees it: secrets reach the blocks (local
 * and over SSH) and nowhere else, even when a block prints them; exit codes
 * tell a failed restore (1) from a missed RTO (2) from a mistake in the
 * test itself (3, before anything runs).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DB_FILE } from '../../../main/store/backup';
import { assertNoSecret, cases, runDrill, startRig, unavailable, type Rig } from './harness';

const skip = unavailable();
if (skip) test('drillbook run as a restore-test runner', () => assert.fail(`cannot run: ${skip}`));

const SECRET = 'Hunter2-' + Math.random().toString(36).slice(2, 14);
const HASH = createHash('sha256').update(SECRET).digest('hex').slice(0, 16);
let rig: Rig;

function runbook(name: string, text: string): string {
  const file = path.join(rig.dir, name);
  writeFileSync(file, text);
  return file;
}

/** A block that prints the secret every way it can: whole, split across writes, on stderr, in its failure. */
const LEAKY = (target: string, name: string) => `\`\`\`sh {name=${name} target=${target} auto=true expect="hash ok"}
echo "the password is $PW"
printf '%s' "\${PW:0:5}"; sleep 0.2; printf '%s\\n' "\${PW:5}"
echo "stderr: $PW" >&2
test "$(printf %s "$PW" | sha256sum | cut -c1-16)" = "{{PW_HASH}}" && echo "hash ok"
\`\`\``;

before(async () => {
  if (skip) return;
  rig = await startRig('drillbook-restore-cli-');
});
after(async () => rig?.cleanup());

test('a secret reaches local and SSH blocks and appears nowhere: console, JUnit, drill log, transcripts, evidence bundle', { skip: !!skip }, async () => {
  const file = runbook(
    'leaky.md',
    `---
title: Secret handling
rto: 5m
targets:
  db: local
vars:
  PW: {secret: true, env: DRILL_PW}
  PW_HASH: {description: the first 16 hex digits of the secret's sha256}
---
# Secret handling

## Local {rto=start}

${LEAKY('local', 'local-leak')}

## Over SSH

${LEAKY('db', 'remote-leak')}

## A failure that quotes it {rto=end}

\`\`\`sh {name=fail target=db auto=true}
echo "psql: connection with password=$PW failed" >&2
exit 2
\`\`\`
`,
  );
  const exportDir = path.join(rig.dir, 'evidence');
  const r = await runDrill(rig, file, { target: 'db', vars: { PW_HASH: HASH }, env: { DRILL_PW: SECRET }, args: ['--export', exportDir] });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const cs = cases(r);
  assert.deepEqual(cs.map((c) => c.status), ['passed', 'passed', 'failed', 'skipped']);
  assert.match(r.stdout, /the password is \[secret\]/);
  assert.match(r.stdout, /stderr: \[secret\]/);
  assert.equal(r.stdout.match(/hash ok/g)?.length, 2, 'the value reached both blocks intact');
  assert.equal(cs[2]!.message, 'leaky.md:32: exited with code 2: psql: connection with password=[secret] failed');
  assert.match(r.drill!.notes[0]!.text, /PW=\(secret from \$DRILL_PW\)/);
  assert.ok(existsSync(path.join(exportDir, r.drill!.id, 'manifest.json')), 'a failed drill is evidence too');
  assert.ok(readdirSync(path.join(r.dataDir, 'transcripts', r.drill!.id)).length >= 2, 'transcripts were written (and scanned)');
  assertNoSecret(r, SECRET, [exportDir]);
  // The split write was masked, not just the whole lines.
  assert.doesNotMatch(r.stdout, new RegExp(SECRET.slice(0, 5) + '\\s*│?\\s*' + SECRET.slice(5)));
});

test('clean-up steps (always=true) run after a failure; the run keeps its first failure', { skip: !!skip }, async () => {
  const mess = path.join(rig.dir, 'mess');
  const file = runbook(
    'cleanup.md',
    `# Clean-up after a failure

## Make a scratch copy

\`\`\`sh {auto=true}
mkdir -p ${mess} && echo made
\`\`\`

## Restore

\`\`\`sh {auto=true}
echo "restore broke" >&2; exit 4
\`\`\`

## Verify

\`\`\`sh {auto=true}
touch ${rig.dir}/verify-ran
\`\`\`

## Drop the scratch copy {always=true}

\`\`\`sh {auto=true}
rm -rf ${mess} && echo cleaned
\`\`\`

## Unmount

\`\`\`sh {auto=true always=true}
echo "umount: target is busy" >&2; exit 32
\`\`\`
`,
  );
  const r = await runDrill(rig, file, { target: null });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const cs = cases(r);
  assert.deepEqual(
    cs.map((c) => [c.name, c.status]),
    [
      ['1. Make a scratch copy', 'passed'],
      ['2. Restore', 'failed'],
      ['3. Verify', 'skipped'],
      ['4. Drop the scratch copy', 'passed'],
      ['5. Unmount', 'failed'],
    ],
  );
  assert.match(cs[2]!.message, /^not run: an earlier step failed \(cleanup\.md:\d+: exited with code 4\)$/);
  assert.match(cs[4]!.message, /exited with code 32: umount: target is busy$/, 'a failing clean-up is recorded on its own step');
  assert.equal(existsSync(mess), false, 'the clean-up ran');
  assert.equal(existsSync(path.join(rig.dir, 'verify-ran')), false, 'the step after the failure did not');
  assert.match(r.stdout, /\[4\/5\] Drop the scratch copy — clean-up, runs after the failure\n/);
  assert.match(r.stdout + r.stderr, /restore broke/);
  assert.equal(r.drill!.status, 'failed');
  assert.deepEqual(r.drill!.steps.map((s) => s.status), ['completed', 'failed', 'skipped', 'completed', 'failed']);
});

test('exit codes: 3 for a mistake in the test (nothing runs, nothing is recorded), 2 for a missed RTO', { skip: !!skip }, async () => {
  const undeclared = runbook('undeclared.md', `---\nvars:\n  DB: app\n---\n# U\n\n## One\n\n\`\`\`sh {auto=true}\ntouch ${rig.dir}/ran\necho {{DB}} {{TABLE}}\n\`\`\`\n`);
  let r = await runDrill(rig, undeclared, { target: null });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^drillbook run: .*undeclared\.md:11: \{\{TABLE\}\} is not a declared variable: declare it under vars: in the front matter \(declared: DB\)\nNothing was run\.\n$/);
  assert.equal(existsSync(path.join(rig.dir, 'ran')), false, 'nothing ran');
  assert.equal(existsSync(path.join(r.dataDir, DB_FILE)), false, 'no drill recorded (no history database even)');
  assert.equal(r.junitText, '', 'no report for a test that never ran');

  const secret = runbook('secret.md', `---\nvars:\n  TOKEN: {secret: true}\n---\n# S\n\n## One\n\n\`\`\`sh {auto=true}\necho "$TOKEN"\n\`\`\`\n`);
  r = await runDrill(rig, secret, { target: null });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /secret\.md:3: secret TOKEN is not set: export TOKEN in the environment that runs drillbook/);
  r = await runDrill(rig, secret, { target: null, vars: { TOKEN: SECRET }, env: { TOKEN: SECRET } });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /--var TOKEN: TOKEN is secret, so it is read only from the environment variable TOKEN/);
  assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET), 'the error does not echo it');

  const manual = runbook('manual.md', `# M\n\n## Restore\n\n\`\`\`sh {auto=true}\ntrue\n\`\`\`\n\n## Check the dashboards\n\n- [ ] graphs look normal\n`);
  r = await runDrill(rig, manual, { target: null, args: ['--strict'] });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /--strict: 1 step cannot run unattended:\n  .*manual\.md:9: step 2 "Check the dashboards": it has no command to run\n/);
  r = await runDrill(rig, manual, { target: null });
  assert.equal(r.code, 0, 'without --strict the manual step is recorded as skipped');
  assert.ok(existsSync(path.join(r.dataDir, DB_FILE)), 'a run that starts is recorded');
  assert.deepEqual(cases(r).map((c) => [c.status, c.message]), [['passed', ''], ['skipped', 'manual step: it has no command to run']]);

  r = await runDrill(rig, manual, { target: null, args: ['--junit', path.join(rig.dir, 'no-such-dir', 'r.xml')] });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /--junit .*r\.xml: the folder .*no-such-dir does not exist/);

  const slow = runbook('slow.md', `---\nrto: 1s\n---\n# Slow\n\n## Restore\n\n\`\`\`sh {auto=true timeout=10s}\nsleep 1.3\n\`\`\`\n`);
  r = await runDrill(rig, slow, { target: null, args: ['--mode', 'rehearsal'] });
  assert.equal(r.code, 2, r.stdout);
  assert.equal(r.drill?.mode, 'rehearsal', '--mode wins over the automatic choice');
  const rto = cases(r).at(-1)!;
  assert.equal(rto.status, 'failed');
  assert.match(rto.message, /^RTO missed: \d+(\.\d)?s against a target of 1s$/);
});
