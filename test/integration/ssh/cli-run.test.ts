/**
 * `drillbook run` with SSH targets against a real sshd: host keys are
 * checked before anything runs (unknown → refused unless
 * --accept-new-host-keys; changed → always refused), blocks run over exec
 * channels, and `show --json` lists each command and the transcripts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { startSshd, sshdUnavailable, type TestSshd } from '../../helpers/sshd';
import { tempDir } from '../../helpers/runbooks';
import { cliPrefix } from '../../helpers/cli';

const unavailable = sshdUnavailable();
if (unavailable) test('drillbook run over ssh', () => assert.fail(`cannot run: ${unavailable}`));

let sshd: TestSshd;
const tmp = tempDir('drillbook-cli-ssh-');
const data = path.join(tmp.dir, 'data');
const knownHosts = path.join(tmp.dir, 'known_hosts');
const marker = path.join(tmp.dir, 'ran-on-db');
const runbook = path.join(tmp.dir, 'restore.md');
const sshConfig = path.join(tmp.dir, 'ssh_config');

before(async () => {
  if (unavailable) return;
  sshd = await startSshd();
  writeFileSync(
    runbook,
    `---
title: Remote restore
targets:
  db: db.example.invalid
vars:
  DB_PASS: {secret: true}
---
# Remote restore

## Restore on the database host

\`\`\`sh {name=restore target=db auto=true expect="/^restored: 3 tables ✓$/m"}
touch ${marker}
echo "restored: $((1+2)) tables ✓"
\`\`\`

\`\`\`sh {name=check target=db auto=true expect=0}
test -f ${marker}
\`\`\`

\`\`\`sh {name=env target=db auto=true expect="/^secret has 11 chars, drill set$/m"}
echo "secret has \${#DB_PASS} chars, drill \${DRILLBOOK_DRILL_ID:+set}"
cat  # stdin is empty, as for local blocks: this must not hang
echo "leak? $DB_PASS"
\`\`\`

## Check locally

\`\`\`sh {name=local-check auto=true}
echo "local ok"
\`\`\`
`,
  );
  writeFileSync(sshConfig, `Host dbalias\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKey}\n`);
});

after(async () => {
  await sshd?.stop();
  tmp.cleanup();
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DRILLBOOK_DATA: '', DB_PASS: SECRET };
    delete env.SSH_AUTH_SOCK;
    const child = spawn(process.execPath, [...cliPrefix(), ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const SECRET = 's3cr3t-pass';
const target = () => `db=ssh://${sshd.user}@127.0.0.1:${sshd.port}`;
const common = () => ['--data', data, '--known-hosts', knownHosts, '--identity', sshd.clientKey];

test('an unknown host key fails the run before anything runs', { skip: !!unavailable, timeout: 60_000 }, async () => {
  writeFileSync(knownHosts, '');
  const r = await cli(['run', runbook, '--target', target(), ...common()]);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(r.stderr, /target db: .*is not in known_hosts.*SHA256:/);
  assert.match(r.stderr, /--accept-new-host-keys/);
  assert.match(r.stderr, /Nothing was run/);
  assert.equal(existsSync(marker), false);
  assert.equal(readFileSync(knownHosts, 'utf8'), '');
});

test('--accept-new-host-keys records the key, runs the blocks over ssh, and show --json reports commands and transcripts', { skip: !!unavailable, timeout: 60_000 }, async () => {
  writeFileSync(knownHosts, '');
  const r = await cli(['run', runbook, '--target', target(), '--accept-new-host-keys', ...common()]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /restored: 3 tables ✓/);
  assert.ok(existsSync(marker));
  assert.ok(readFileSync(knownHosts, 'utf8').includes(`[127.0.0.1]:${sshd.port} ssh-ed25519 ${sshd.hostKeyBase64}`));
  const id = /Drill (\S+):/.exec(r.stdout)![1]!;

  const show = await cli(['show', id, '--json', '--data', data]);
  assert.equal(show.code, 0, show.stderr);
  const drill = JSON.parse(show.stdout) as {
    status: string;
    commands: { name: string; text: string; target: string; exitCode: number; startedAt: string; endedAt: string; expectPassed: boolean; transcript: string }[];
    transcripts: { target: string; kind: string; out: string; index: string }[];
  };
  assert.equal(drill.status, 'completed');
  assert.deepEqual(
    drill.commands.map((c) => [c.name, c.target, c.exitCode, c.expectPassed]),
    [
      ['restore', 'db', 0, true],
      ['check', 'db', 0, true],
      ['env', 'db', 0, true],
      ['local-check', 'local', 0, true],
    ],
  );
  for (const c of drill.commands) {
    assert.ok(c.text.length > 0);
    assert.ok(Date.parse(c.startedAt) <= Date.parse(c.endedAt));
  }
  const byTarget = Object.fromEntries(drill.transcripts.map((t) => [t.target, t]));
  assert.deepEqual(Object.keys(byTarget).sort(), ['db', 'local']);
  assert.equal(byTarget.db!.kind, 'exec');
  assert.ok(readFileSync(byTarget.db!.out, 'utf8').includes('restored: 3 tables ✓'));
  assert.ok(readFileSync(byTarget.local!.out, 'utf8').includes('local ok'));
  assert.equal(drill.commands[0]!.transcript, byTarget.db!.out);
  const index = readFileSync(byTarget.db!.index, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: string; exitCode?: number });
  assert.deepEqual(index.map((x) => x.t), ['open', 'command', 'result', 'command', 'result', 'command', 'result']);
  // The secret reached the remote block (through stdin, not the command line) and was masked everywhere.
  for (const text of [r.stdout, show.stdout, readFileSync(byTarget.db!.out, 'utf8'), readFileSync(byTarget.db!.index, 'utf8')]) assert.ok(!text.includes(SECRET));
  assert.match(readFileSync(byTarget.db!.out, 'utf8'), /leak\? \S+/);
});

test('an ssh config alias works as a target (--ssh-config), with the key now known', { skip: !!unavailable, timeout: 60_000 }, async () => {
  rmSync(marker, { force: true });
  const r = await cli(['run', runbook, '--target', 'db=dbalias', '--ssh-config', sshConfig, '--data', data, '--known-hosts', knownHosts]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.ok(existsSync(marker));
});

test('a changed host key always fails before anything runs, even with --accept-new-host-keys', { skip: !!unavailable, timeout: 60_000 }, async () => {
  rmSync(marker, { force: true });
  const forged = Buffer.from(sshd.hostKeyBase64, 'base64');
  forged.writeUInt8(forged.readUInt8(forged.length - 1) ^ 1, forged.length - 1);
  writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${forged.toString('base64')}\n`);
  const r = await cli(['run', runbook, '--target', target(), '--accept-new-host-keys', ...common()]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HOST KEY CHANGED for db/);
  assert.match(r.stderr, /Nothing was run/);
  assert.equal(existsSync(marker), false);
});

test('bad --target values are usage errors', { skip: !!unavailable, timeout: 60_000 }, async () => {
  const r = await cli(['run', runbook, '--target', 'nosuch=ssh://a@b', '--data', data]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /the runbook has no target "nosuch"/);
});
