/**
 * Terminals against a real OpenSSH sshd on a random loopback port:
 * known_hosts (first use, refusal, mismatch), runs with expect, a
 * byte-exact transcript with multi-byte UTF-8, resize, flow control,
 * reconnect after the connection is killed, ProxyJump, passphrase keys and
 * clear errors for refused / DNS / auth failures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Terminal } from '@xterm/headless';
import { fingerprintSha256 } from '../../../main/ssh';
import { readTranscriptIndex } from '../../../main/terminal';
import { FLOW_HIGH_WATERMARK } from '../../../main/terminal/flow';
import { freePort, makeKey, startSshd, sshdUnavailable, type TestSshd } from '../../helpers/sshd';
import { tempDir } from '../../helpers/runbooks';
import { lastStatus, makeHarness, waitFor, type Harness } from './harness';

const unavailable = sshdUnavailable();
if (unavailable) {
  // Loud, not silent: CI installs openssh-server and runs as root.
  test('sshd integration tests', () => assert.fail(`cannot run: ${unavailable}`));
}

let sshd: TestSshd;
const files = tempDir('drillbook-sshcfg-');
const sshConfig = path.join(files.dir, 'ssh_config');
const knownHosts = path.join(files.dir, 'known_hosts');
let passKey = '';

before(async () => {
  if (unavailable) return;
  sshd = await startSshd();
  passKey = makeKey(files.dir, 'pass_key', { passphrase: 'open sesame' });
  appendFileSync(path.join(sshd.dir, 'authorized_keys'), readFileSync(passKey + '.pub'));
  const deadPort = await freePort();
  writeFileSync(
    sshConfig,
    [
      `Host db`,
      `  HostName 127.0.0.1`,
      `  Port ${sshd.port}`,
      `  User ${sshd.user}`,
      `  IdentityFile ${sshd.clientKey}`,
      `Host jumped`,
      `  HostName 127.0.0.1`,
      `  Port ${sshd.port}`,
      `  User ${sshd.user}`,
      `  IdentityFile ${sshd.clientKey}`,
      `  ProxyJump db`,
      `Host locked`,
      `  HostName 127.0.0.1`,
      `  Port ${sshd.port}`,
      `  User ${sshd.user}`,
      `  IdentityFile ${passKey}`,
      `Host dead`,
      `  HostName 127.0.0.1`,
      `  Port ${deadPort}`,
      `Host nowhere`,
      `  HostName no-such-host.invalid`,
      `Host stranger`,
      `  HostName 127.0.0.1`,
      `  Port ${sshd.port}`,
      `  User ${sshd.user}`,
      `  IdentityFile ${makeKey(files.dir, 'unauthorised')}`,
      '',
    ].join('\n'),
  );
});

after(async () => {
  await sshd?.stop();
  files.cleanup();
});

function harness(): Harness {
  return makeHarness({ ssh: { configFile: sshConfig, knownHostsFiles: [knownHosts], agentSocket: null, timeoutMs: 8000 } });
}

function trustServer(): void {
  writeFileSync(knownHosts, sshd.knownHostsLine + '\n');
}

const RUNBOOK = `---
title: SSH drill
targets:
  db: db
---
# SSH drill

## Check the database host

\`\`\`sh {name=count target=db expect="/^5000$/m"}
echo "counting…"; echo 5000
\`\`\`

\`\`\`sh {name=exit3 target=db expect=3}
echo about to fail
(exit 3)
\`\`\`

\`\`\`sh {name=wrong target=db expect="all good"}
echo "something else"
\`\`\`

\`\`\`sh {name=size target=db}
stty size
\`\`\`
`;

test('first use: the unknown key is shown with its SHA256 fingerprint; refusing it does not connect or record it', { skip: !!unavailable, timeout: 60_000 }, async () => {
  writeFileSync(knownHosts, '');
  const h = harness();
  try {
    const prompts: string[] = [];
    h.onPrompt = (p) => {
      prompts.push(`${p.kind} ${p.fingerprint}`);
      h.svc.answer(p.promptId, { accept: false });
    };
    const t = h.svc.open({ target: 'db', cols: 80, rows: 24 }, h.sink);
    const s = await waitFor('failed status', () => (lastStatus(h, t.terminalId)?.status === 'failed' ? lastStatus(h, t.terminalId) : null));
    const fp = fingerprintSha256(Buffer.from(sshd.hostKeyBase64, 'base64'));
    assert.deepEqual(prompts, [`hostkey ${fp}`]);
    assert.match(s.message!, /did not accept the host key/);
    assert.equal(readFileSync(knownHosts, 'utf8'), '');
  } finally {
    await h.close();
  }
});

test('first use accepted: the key is appended to known_hosts and the next connection asks nothing', { skip: !!unavailable, timeout: 60_000 }, async () => {
  writeFileSync(knownHosts, '# mine\n');
  const h = harness();
  try {
    let asked = 0;
    h.onPrompt = (p) => {
      asked++;
      h.svc.answer(p.promptId, { accept: true });
    };
    const t1 = h.svc.open({ target: 'db', cols: 80, rows: 24 }, h.sink);
    await waitFor('open', () => h.status(t1.terminalId)?.status === 'open');
    assert.equal(asked, 1);
    const kh = readFileSync(knownHosts, 'utf8');
    assert.ok(kh.startsWith('# mine\n'));
    assert.ok(kh.includes(`[127.0.0.1]:${sshd.port} ssh-ed25519 ${sshd.hostKeyBase64}`), kh);
    const t2 = h.svc.open({ target: 'db', cols: 80, rows: 24, reuse: false }, h.sink);
    await waitFor('second open', () => h.status(t2.terminalId)?.status === 'open');
    assert.equal(asked, 1);
  } finally {
    await h.close();
  }
});

test('a changed host key is a hard failure with an explanation, and nobody is asked', { skip: !!unavailable, timeout: 60_000 }, async () => {
  const other = Buffer.alloc(51);
  Buffer.from(sshd.hostKeyBase64, 'base64').copy(other);
  other.writeUInt8(other.readUInt8(other.length - 1) ^ 0xff, other.length - 1); // same type, different key
  writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${other.toString('base64')}\n`);
  const h = harness();
  try {
    h.onPrompt = (p) => assert.fail(`must not ask (${p.kind})`);
    const t = h.svc.open({ target: 'db', cols: 80, rows: 24 }, h.sink);
    const s = await waitFor('failed', () => (lastStatus(h, t.terminalId)?.status === 'failed' ? lastStatus(h, t.terminalId) : null));
    assert.match(s.message!, /HOST KEY CHANGED/);
    assert.match(s.message!, /man-in-the-middle/);
    assert.match(s.message!, /will not connect/);
    assert.match(s.message!, /ssh-keygen -R/);
    assert.match(h.sink.bytes(t.terminalId).toString(), /HOST KEY CHANGED/); // the terminal says it too
  } finally {
    await h.close();
  }
});

test('Run types a block into the target terminal; exit codes and output are checked and recorded', { skip: !!unavailable, timeout: 60_000 }, async () => {
  trustServer();
  const h = harness();
  try {
    const drill = h.drills.start(h.runbook(RUNBOOK), 'rehearsal', 'op');
    h.drills.stepStart(drill.id, 0);
    for (const i of [0, 1, 2]) {
      await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: i, cols: 90, rows: 25 }, h.sink);
      await waitFor(`result of block ${i}`, () => h.drills.get(drill.id).commands[i]?.endedAt, 10_000);
    }
    const cmds = h.drills.get(drill.id).commands;
    assert.deepEqual(
      cmds.map((c) => [c.name, c.target, c.exitCode, c.expectPassed]),
      [
        ['count', 'db', 0, true],
        ['exit3', 'db', 3, true],
        ['wrong', 'db', 0, false],
      ],
    );
    assert.match(cmds[2]!.note!, /did not contain "all good"/);
    assert.ok(cmds.every((c) => c.startedAt <= c.endedAt! && c.transcript && existsSync(c.transcript)));
    // One drill event when typed, one when finished: 6 command events, folded into 3 records.
    assert.equal(h.drills.events(drill.id).filter((e) => e.type === 'command.run').length, 6);
    // The expect check ran on the output, not on the echo of the command (which contains "5000" too).
    const idx = await readTranscriptIndex(cmds[0]!.transcript!.replace(/\.out$/, '.jsonl'));
    assert.deepEqual(
      idx.records.filter((r) => r.t === 'command').map((r) => (r as { name: string }).name),
      ['count', 'exit3', 'wrong'],
    );
  } finally {
    await h.close();
  }
});

test('transcript is byte-exact (multi-byte UTF-8 across chunk boundaries) and xterm renders it intact', { skip: !!unavailable, timeout: 60_000 }, async () => {
  trustServer();
  const h = harness();
  const tmp = tempDir();
  try {
    // No newlines: the pty passes these bytes through untouched (onlcr only rewrites \n).
    const unit = 'é€😀中ж';
    const text = 'BEGIN' + unit.repeat(20_000) + 'END';
    const file = path.join(tmp.dir, 'utf8.txt');
    writeFileSync(file, text);
    const t = h.svc.open({ target: 'db', cols: 120, rows: 30 }, h.sink);
    await waitFor('open', () => h.status(t.terminalId)?.status === 'open' && h.status(t.terminalId)?.shellIntegration);
    const acker = setInterval(() => h.svc.ack(t.terminalId, 1 << 20, h.sink), 5);
    try {
      h.svc.input(t.terminalId, `cat ${file}; echo\r`);
      await waitFor('the whole file', () => h.sink.bytes(t.terminalId).includes(Buffer.from('END')), 15_000);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      clearInterval(acker);
    }
    const info = h.status(t.terminalId)!;
    await h.svc.close(t.terminalId);
    const out = readFileSync(info.transcript.out);
    const expected = Buffer.from(text, 'utf8');
    assert.ok(out.includes(expected), 'the transcript holds the file bytes exactly');
    // Everything the viewer got from the host is in the transcript, in order (the viewer also gets Drillbook's notices).
    const viewed = h.sink.bytes(t.terminalId);
    assert.ok(viewed.includes(expected));
    // And xterm.js decodes it without a single replacement character.
    const term = new Terminal({ cols: 120, rows: 30, scrollback: 100_000, allowProposedApi: true });
    await new Promise<void>((r) => term.write(out, r));
    let screen = '';
    const buf = term.buffer.active;
    for (let i = 0; i < buf.length; i++) screen += buf.getLine(i)!.translateToString(true) + (buf.getLine(i + 1)?.isWrapped ? '' : '\n');
    assert.ok(!screen.includes('\ufffd'));
    assert.ok(screen.replace(/\n/g, '').includes(unit.repeat(100)));
    term.dispose();
  } finally {
    await h.close();
    tmp.cleanup();
  }
});

test('resize reaches the remote pty', { skip: !!unavailable, timeout: 60_000 }, async () => {
  trustServer();
  const h = harness();
  try {
    const drill = h.drills.start(h.runbook(RUNBOOK), 'rehearsal', 'op');
    const t = h.svc.open({ drillId: drill.id, target: 'db', cols: 80, rows: 24 }, h.sink);
    await waitFor('open', () => h.status(t.terminalId)?.status === 'open');
    h.svc.resize(t.terminalId, 133, 41);
    await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 3, terminalId: t.terminalId }, h.sink);
    await waitFor('stty output', () => /41 133\r\n/.test(h.sink.bytes(t.terminalId).toString()));
    const idx = await readTranscriptIndex(t.transcript.index);
    assert.ok(idx.records.some((r) => r.t === 'resize' && r.cols === 133 && r.rows === 41));
  } finally {
    await h.close();
  }
});

test('flow control: an unacknowledging viewer pauses the channel; acks let it finish; memory stays bounded', { skip: !!unavailable, timeout: 60_000 }, async () => {
  trustServer();
  const h = harness();
  const tmp = tempDir();
  try {
    const file = path.join(tmp.dir, 'big.txt');
    writeFileSync(file, ('0123456789abcdef'.repeat(6) + '\n').repeat(60_000)); // ~5.8 MB
    const t = h.svc.open({ target: 'db', cols: 100, rows: 30 }, h.sink);
    await waitFor('prompt', () => h.status(t.terminalId)?.shellIntegration);
    const before = h.sink.count(t.terminalId);
    h.svc.ack(t.terminalId, 1 << 30, h.sink);
    h.svc.input(t.terminalId, `cat ${file}; echo FLOOD-$((6*7))-DONE\r`);
    await waitFor('paused', () => h.svc.debugState(t.terminalId).paused);
    await new Promise((r) => setTimeout(r, 500));
    const stalled = h.sink.count(t.terminalId) - before;
    assert.ok(stalled < FLOW_HIGH_WATERMARK + 1_500_000, `sent ${stalled} bytes without acks`); // the window plus at most one frame
    assert.equal(h.svc.debugState(t.terminalId).paused, true);
    // Now a viewer that acknowledges what it gets.
    let acked = before;
    const acker = setInterval(() => {
      const n = h.sink.count(t.terminalId);
      h.svc.ack(t.terminalId, n - acked, h.sink);
      acked = n;
    }, 2);
    try {
      await waitFor('the flood to finish', () => h.sink.bytes(t.terminalId).subarray(-4096).includes('FLOOD-42-DONE'), 30_000);
    } finally {
      clearInterval(acker);
    }
    assert.ok(h.sink.count(t.terminalId) - before > 5_880_000);
  } finally {
    await h.close();
    tmp.cleanup();
  }
});

test('connection killed mid-step: the drill goes on, the terminal says so, Enter reconnects', { skip: !!unavailable, timeout: 60_000 }, async () => {
  trustServer();
  const h = harness();
  try {
    const drill = h.drills.start(h.runbook(RUNBOOK), 'rehearsal', 'op');
    h.drills.stepStart(drill.id, 0);
    const t = h.svc.open({ drillId: drill.id, target: 'db', cols: 80, rows: 24 }, h.sink);
    await waitFor('open', () => h.status(t.terminalId)?.status === 'open' && h.status(t.terminalId)?.shellIntegration);
    h.svc.input(t.terminalId, 'sleep 30\r');
    await waitFor('busy', () => h.status(t.terminalId)?.busy);
    assert.ok(sshd.killSessions() >= 1);
    const s = await waitFor('disconnected', () => (h.status(t.terminalId)?.status === 'disconnected' ? h.status(t.terminalId) : null), 10_000);
    assert.match(s.message!, /connection lost/);
    assert.match(h.sink.bytes(t.terminalId).toString(), /The drill goes on\. Press Enter or Reconnect/);
    assert.equal(h.drills.get(drill.id).status, 'running');
    assert.equal(h.drills.get(drill.id).steps[0]!.status, 'running');
    h.svc.input(t.terminalId, '\r'); // the one action
    await waitFor('reconnected', () => h.status(t.terminalId)?.status === 'open' && h.status(t.terminalId)?.shellIntegration && !h.status(t.terminalId)?.busy);
    await h.svc.run({ drillId: drill.id, stepIndex: 0, commandIndex: 0, terminalId: t.terminalId }, h.sink);
    await waitFor('run after reconnect', () => h.drills.get(drill.id).commands[0]?.expectPassed === true);
    const idx = await readTranscriptIndex(t.transcript.index);
    const statuses = idx.records.filter((r) => r.t === 'status').map((r) => (r as { status: string }).status);
    assert.deepEqual(statuses.slice(-3), ['disconnected', 'connecting', 'open']);
  } finally {
    await h.close();
  }
});

test('ProxyJump: a connection hopped through another sshd connection', { skip: !!unavailable, timeout: 60_000 }, async () => {
  trustServer();
  const h = harness();
  try {
    const t = h.svc.open({ target: 'jumped', cols: 80, rows: 24 }, h.sink);
    assert.match(t.endpoint, /via 127\.0\.0\.1/);
    await waitFor('open through the jump', () => h.status(t.terminalId)?.status === 'open' && h.status(t.terminalId)?.shellIntegration);
    h.svc.input(t.terminalId, 'echo "hop-$((20+22))"\r');
    await waitFor('output', () => h.sink.bytes(t.terminalId).includes('hop-42'));
  } finally {
    await h.close();
  }
});

test('a passphrase-protected key asks for its passphrase (wrong, then right)', { skip: !!unavailable, timeout: 60_000 }, async () => {
  trustServer();
  const h = harness();
  try {
    const asked: string[] = [];
    h.onPrompt = (p) => {
      asked.push(`${p.kind}: ${p.message}`);
      h.svc.answer(p.promptId, { values: [asked.length === 1 ? 'wrong' : 'open sesame'] });
    };
    const t = h.svc.open({ target: 'locked', cols: 80, rows: 24 }, h.sink);
    await waitFor('open', () => h.status(t.terminalId)?.status === 'open', 15_000);
    assert.equal(asked.length, 2);
    assert.match(asked[0]!, /^passphrase: Passphrase for key .*pass_key/);
    assert.match(asked[1]!, /Wrong passphrase/);
    // The secret never reaches the disk.
    for (const f of [h.status(t.terminalId)!.transcript.index, h.status(t.terminalId)!.transcript.out, knownHosts]) {
      assert.ok(!readFileSync(f, 'utf8').includes('open sesame'));
    }
  } finally {
    await h.close();
  }
});

test('clear, bounded errors: refused port, DNS failure, refused authentication', { skip: !!unavailable, timeout: 60_000 }, async () => {
  trustServer();
  const h = harness();
  try {
    const cases: [string, RegExp][] = [
      ['dead', /refused the connection/],
      ['nowhere', /cannot find host no-such-host\.invalid: the DNS lookup failed/],
      ['stranger', /refused authentication as \w+ \(tried publickey\)/],
    ];
    for (const [target, re] of cases) {
      const started = Date.now();
      const t = h.svc.open({ target, cols: 80, rows: 24 }, h.sink);
      const s = await waitFor(`${target} to fail`, () => (lastStatus(h, t.terminalId)?.status === 'failed' ? lastStatus(h, t.terminalId) : null), 10_000);
      assert.match(s.message!, re);
      assert.ok(Date.now() - started < 9000);
    }
  } finally {
    await h.close();
  }
});
