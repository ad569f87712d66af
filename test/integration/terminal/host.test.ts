/**
 * Terminals outlive the server (issue 9 item 6): a real `drillbook web`
 * child is killed with SIGKILL while a block runs in a drill's local
 * terminal. The terminal host keeps the shell and keeps writing the
 * transcript; the restarted server reattaches, and resuming the drill
 * records the block's exit code from the output written during the gap.
 * When the host itself is gone (a reboot), the resume says which terminal
 * was lost and when it was last seen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SocketClient, killTerminalHost, startServer, terminalHostPid, type RunningServer } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { startSshd, sshdUnavailable } from '../../helpers/sshd';

const RUNBOOK = `---
title: Host survival
---
# Host survival

## Restore

\`\`\`sh {name=long expect=0}
echo "started-$((1+1))"; sleep 4; echo "finished-$((40+2))"
\`\`\`
`;

async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function outFile(dataDir: string, drillId: string, terminalId: string): string {
  return path.join(dataDir, 'transcripts', drillId, `${terminalId}.out`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('kill -9 of the server mid-block: the shell survives, the gap output is in the transcript, the resumed drill records the exit code', { timeout: 120_000 }, async () => {
  const tmp = tempDir();
  const runbookDir = path.join(tmp.dir, 'runbooks');
  const dataDir = path.join(tmp.dir, 'data');
  mkdirSync(runbookDir);
  writeFileSync(path.join(runbookDir, 'host.md'), RUNBOOK);
  let server: RunningServer | null = await startServer(dataDir, runbookDir);
  try {
    let c = await SocketClient.connect(server);
    const [entry] = await c.call('runbooks.list', {});
    const drill = await c.call('drill.start', { runbookPath: entry!.path, mode: 'rehearsal', operator: 'ana' });
    await c.call('step.start', { drillId: drill.id, stepIndex: 0 });
    const run = await c.call('terminal.run', { drillId: drill.id, stepIndex: 0, commandIndex: 0 });
    assert.equal(run.tracked, true, run.note ?? '');
    const out = outFile(dataDir, drill.id, run.terminalId);
    await waitFor(() => readFileSync(out, 'utf8').includes('started-2'), 'the block to start');
    const hostPid = terminalHostPid(dataDir);
    assert.ok(hostPid, 'a terminal host serves the data folder');
    await c.close();

    await server.stop('SIGKILL');
    server = null;
    assert.ok(alive(hostPid), 'the terminal host survives the kill -9 of the server');
    // The block ends while no server is running: only the host can write its output.
    await waitFor(() => readFileSync(out, 'utf8').includes('finished-42'), 'the block output written during the gap', 20_000);

    server = await startServer(dataDir, runbookDir);
    c = await SocketClient.connect(server);
    const [active] = await c.call('drill.active', {});
    assert.equal(active!.interrupted, true);
    const { terminals } = await c.call('terminal.list', { drillId: drill.id });
    assert.deepEqual(terminals.map((t) => [t.terminalId, t.status]), [[run.terminalId, 'open']], 'the server reattached to the surviving shell');

    await c.call('drill.recover', { drillId: drill.id });
    const snap = await waitFor(async () => {
      const s = await c.call('drill.get', { drillId: drill.id });
      return s.commands.find((x) => x.runId === run.runId && x.exitCode !== null) ? s : null;
    }, 'the run result after the resume');
    const cmd = snap.commands.find((x) => x.runId === run.runId)!;
    assert.equal(cmd.exitCode, 0);
    assert.equal(cmd.expectPassed, true);
    assert.match(cmd.note ?? '', /while Drillbook was down/, 'the record says how its end was seen');

    // The same shell, still taking input; its scrollback replays to a re-attaching view.
    await c.call('terminal.attach', { terminalId: run.terminalId, replay: true });
    await waitFor(() => c.text(run.terminalId).includes('finished-42'), 'the replayed scrollback');
    await c.call('terminal.input', { terminalId: run.terminalId, data: 'echo "alive-$((2*3))"\r' });
    await waitFor(() => c.text(run.terminalId).includes('alive-6'), 'the surviving shell answering');
    await c.call('step.complete', { drillId: drill.id, stepIndex: 0 });
    const done = await c.call('drill.finish', { drillId: drill.id });
    assert.equal(done.status, 'completed');
    await c.close();
  } finally {
    await server?.stop();
    killTerminalHost(dataDir);
    tmp.cleanup();
  }
});

test('a terminal lost with its host (as after a reboot) is named on resume, with when it was last seen', { timeout: 120_000 }, async () => {
  const tmp = tempDir();
  const runbookDir = path.join(tmp.dir, 'runbooks');
  const dataDir = path.join(tmp.dir, 'data');
  mkdirSync(runbookDir);
  writeFileSync(path.join(runbookDir, 'host.md'), RUNBOOK.replace('sleep 4', 'sleep 60'));
  let server: RunningServer | null = await startServer(dataDir, runbookDir);
  try {
    let c = await SocketClient.connect(server);
    const [entry] = await c.call('runbooks.list', {});
    const drill = await c.call('drill.start', { runbookPath: entry!.path, mode: 'rehearsal', operator: 'ana' });
    await c.call('step.start', { drillId: drill.id, stepIndex: 0 });
    const run = await c.call('terminal.run', { drillId: drill.id, stepIndex: 0, commandIndex: 0 });
    await waitFor(() => readFileSync(outFile(dataDir, drill.id, run.terminalId), 'utf8').includes('started-2'), 'the block to start');
    await c.close();
    const hostPid = terminalHostPid(dataDir)!;
    await server.stop('SIGKILL');
    server = null;
    process.kill(hostPid, 'SIGKILL');
    await waitFor(() => !alive(hostPid), 'the host to die');

    server = await startServer(dataDir, runbookDir);
    c = await SocketClient.connect(server);
    const { terminals } = await c.call('terminal.list', { drillId: drill.id });
    assert.equal(terminals.length, 0);
    const snap = await c.call('drill.recover', { drillId: drill.id });
    const note = snap.notes.find((n) => n.text.includes(run.terminalId));
    assert.ok(note, `a note names the lost terminal: ${JSON.stringify(snap.notes)}`);
    assert.match(note.text, /did not survive.*last seen \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\./);
    const cmd = snap.commands.find((x) => x.runId === run.runId)!;
    assert.equal(cmd.exitCode, null);
    assert.match(cmd.note ?? '', /terminal was lost before the command finished/);
    assert.ok(cmd.endedAt, 'the run is closed, not left running forever');
    // Reported once: a second resume-free restart does not report it again.
    await c.close();
    await server.stop('SIGKILL');
    server = await startServer(dataDir, runbookDir);
    c = await SocketClient.connect(server);
    const again = await c.call('drill.recover', { drillId: drill.id });
    assert.equal(again.notes.filter((n) => n.text.includes(run.terminalId)).length, 1, readFileSync(outFile(dataDir, drill.id, run.terminalId).replace(/out$/, "jsonl"), "utf8") + JSON.stringify(again.notes));
    await c.close();
  } finally {
    await server?.stop();
    killTerminalHost(dataDir);
    tmp.cleanup();
  }
});

const sshSkip = sshdUnavailable();

test('over SSH: the host holds the connection (its host-key question answered through the server); kill -9 mid-block loses nothing', { skip: sshSkip ?? false, timeout: 150_000 }, async () => {
  const tmp = tempDir();
  const sshd = await startSshd();
  const runbookDir = path.join(tmp.dir, 'runbooks');
  const dataDir = path.join(tmp.dir, 'data');
  mkdirSync(runbookDir);
  const sshConfig = path.join(tmp.dir, 'ssh_config');
  const knownHosts = path.join(tmp.dir, 'known_hosts');
  writeFileSync(sshConfig, `Host db\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKey}\n  IdentitiesOnly yes\n`);
  writeFileSync(knownHosts, ''); // unknown: the operator is asked
  writeFileSync(path.join(runbookDir, 'ssh.md'), RUNBOOK.replace('title: Host survival', 'title: Host survival\ntargets:\n  db: db').replace('```sh {name=long expect=0}', '```sh {name=long target=db expect=0}'));
  const saved = { config: process.env.DRILLBOOK_SSH_CONFIG, known: process.env.DRILLBOOK_KNOWN_HOSTS };
  process.env.DRILLBOOK_SSH_CONFIG = sshConfig;
  process.env.DRILLBOOK_KNOWN_HOSTS = knownHosts;
  let server: RunningServer | null = null;
  try {
    server = await startServer(dataDir, runbookDir);
    let c = await SocketClient.connect(server);
    const [entry] = await c.call('runbooks.list', {});
    const drill = await c.call('drill.start', { runbookPath: entry!.path, mode: 'rehearsal', operator: 'ana' });
    await c.call('step.start', { drillId: drill.id, stepIndex: 0 });
    const opened = await c.call('terminal.open', { drillId: drill.id, target: 'db', cols: 100, rows: 30 });
    const prompt = await waitFor(() => {
      for (const e of c.events) if (e.type === 'terminal.prompt' && e.state === 'open' && e.prompt.kind === 'hostkey') return e.prompt;
      return null;
    }, 'the host-key question, asked by the host through the server');
    await c.call('terminal.answer', { promptId: prompt.promptId, answer: { accept: true } });
    await waitFor(async () => (await c.call('terminal.list', { drillId: drill.id })).terminals.some((t) => t.terminalId === opened.terminalId && t.status === 'open' && t.shellIntegration), 'the SSH shell');
    assert.match(readFileSync(knownHosts, 'utf8'), /ssh-ed25519/, 'the accepted key was recorded');
    const run = await c.call('terminal.run', { drillId: drill.id, stepIndex: 0, commandIndex: 0, terminalId: opened.terminalId });
    assert.equal(run.tracked, true, run.note ?? '');
    const out = outFile(dataDir, drill.id, run.terminalId);
    await waitFor(() => readFileSync(out, 'utf8').includes('started-2'), 'the block to start on the SSH host');
    await c.close();

    await server.stop('SIGKILL');
    server = null;
    await waitFor(() => readFileSync(out, 'utf8').includes('finished-42'), 'the remote output written during the gap', 20_000);

    server = await startServer(dataDir, runbookDir);
    c = await SocketClient.connect(server);
    const { terminals } = await c.call('terminal.list', { drillId: drill.id });
    assert.deepEqual(terminals.map((t) => [t.terminalId, t.kind, t.status]), [[run.terminalId, 'ssh', 'open']]);
    await c.call('drill.recover', { drillId: drill.id });
    const cmd = await waitFor(async () => {
      const s = await c.call('drill.get', { drillId: drill.id });
      return s.commands.find((x) => x.runId === run.runId && x.exitCode !== null);
    }, 'the SSH run result after the resume');
    assert.equal(cmd.exitCode, 0);
    await c.call('terminal.attach', { terminalId: run.terminalId, replay: true });
    await c.call('terminal.input', { terminalId: run.terminalId, data: 'echo "remote-$((3+4))"\r' });
    await waitFor(() => c.text(run.terminalId).includes('remote-7'), 'the surviving SSH shell answering');
    await c.call('drill.abort', { drillId: drill.id, reason: 'test over' });
    await c.close();
  } finally {
    process.env.DRILLBOOK_SSH_CONFIG = saved.config ?? '';
    process.env.DRILLBOOK_KNOWN_HOSTS = saved.known ?? '';
    if (!saved.config) delete process.env.DRILLBOOK_SSH_CONFIG;
    if (!saved.known) delete process.env.DRILLBOOK_KNOWN_HOSTS;
    await server?.stop();
    killTerminalHost(dataDir);
    await sshd.stop();
    tmp.cleanup();
  }
});

test('Ctrl+C to the server’s process group stops the server, not the shells; the next server finishes the record', { timeout: 120_000 }, async () => {
  const tmp = tempDir();
  const runbookDir = path.join(tmp.dir, 'runbooks');
  const dataDir = path.join(tmp.dir, 'data');
  mkdirSync(runbookDir);
  writeFileSync(path.join(runbookDir, 'host.md'), RUNBOOK);
  let server: RunningServer | null = await startServer(dataDir, runbookDir, 20_000, { detached: true });
  try {
    let c = await SocketClient.connect(server);
    const [entry] = await c.call('runbooks.list', {});
    const drill = await c.call('drill.start', { runbookPath: entry!.path, mode: 'rehearsal', operator: 'ana' });
    await c.call('step.start', { drillId: drill.id, stepIndex: 0 });
    const run = await c.call('terminal.run', { drillId: drill.id, stepIndex: 0, commandIndex: 0 });
    const out = outFile(dataDir, drill.id, run.terminalId);
    await waitFor(() => readFileSync(out, 'utf8').includes('started-2'), 'the block to start');
    await c.close();
    const exited = new Promise<void>((resolve) => server!.child.once('exit', () => resolve()));
    process.kill(-server.child.pid!, 'SIGINT'); // what Ctrl+C in the server's terminal sends: the whole group
    await exited;
    server = null;
    await waitFor(() => readFileSync(out, 'utf8').includes('finished-42'), 'the block to finish with the server stopped', 20_000);

    server = await startServer(dataDir, runbookDir);
    c = await SocketClient.connect(server);
    await c.call('drill.recover', { drillId: drill.id });
    const cmd = await waitFor(async () => (await c.call('drill.get', { drillId: drill.id })).commands.find((x) => x.runId === run.runId && x.exitCode !== null), 'the result');
    assert.equal(cmd.exitCode, 0);
    await c.call('drill.abort', { drillId: drill.id, reason: 'test over' });
    await c.close();
  } finally {
    await server?.stop();
    killTerminalHost(dataDir);
    tmp.cleanup();
  }
});

const QUEUE_RUNBOOK = `---
title: Host survival with a queue
---
# Host survival with a queue

## Restore

\`\`\`sh {name=long expect=0}
echo "started-$((1+1))"; sleep 5; echo "finished-$((40+2))"
\`\`\`

\`\`\`sh {name=second expect=0}
echo "second-$((3+4))"
\`\`\`
`;

function slice(file: string, from: number | null, to: number | null): string {
  assert.ok(from !== null && to !== null && to >= from, `an output range (${from}, ${to})`);
  return readFileSync(file).subarray(from, to).toString('utf8');
}

test('kill -9 with a Run in flight and one queued: the running one gets its exit code and output, the queued one is closed with the reason, typed commands after the reattach are recorded', { timeout: 150_000 }, async () => {
  const tmp = tempDir();
  const runbookDir = path.join(tmp.dir, 'runbooks');
  const dataDir = path.join(tmp.dir, 'data');
  mkdirSync(runbookDir);
  writeFileSync(path.join(runbookDir, 'queue.md'), QUEUE_RUNBOOK);
  let server: RunningServer | null = await startServer(dataDir, runbookDir);
  try {
    let c = await SocketClient.connect(server);
    const [entry] = await c.call('runbooks.list', {});
    const drill = await c.call('drill.start', { runbookPath: entry!.path, mode: 'rehearsal', operator: 'ana' });
    await c.call('step.start', { drillId: drill.id, stepIndex: 0 });
    const first = await c.call('terminal.run', { drillId: drill.id, stepIndex: 0, commandIndex: 0 });
    const out = outFile(dataDir, drill.id, first.terminalId);
    await waitFor(() => readFileSync(out, 'utf8').includes('started-2'), 'the block to start');
    const second = await c.call('terminal.run', { drillId: drill.id, stepIndex: 0, commandIndex: 1, terminalId: first.terminalId });
    assert.equal(second.queued, 1, 'the second run waits for the first');
    await c.close();

    await server.stop('SIGKILL');
    server = null;
    await waitFor(() => readFileSync(out, 'utf8').includes('finished-42'), 'the block output written during the gap', 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!readFileSync(out, 'utf8').includes('second-7'), 'nothing types the queued run while no server runs');

    server = await startServer(dataDir, runbookDir);
    c = await SocketClient.connect(server);
    const { terminals } = await c.call('terminal.list', { drillId: drill.id });
    assert.deepEqual(terminals.map((t) => [t.terminalId, t.status, t.shellIntegration]), [[first.terminalId, 'open', true]]);
    // Typed before the drill is resumed: recorded on resume, with its own times.
    await c.call('terminal.attach', { terminalId: first.terminalId, replay: true });
    await c.call('terminal.input', { terminalId: first.terminalId, data: 'echo "typed-$((5*5))"\r' });
    await waitFor(() => readFileSync(out, 'utf8').includes('typed-25'), 'the typed command to run');
    await new Promise((r) => setTimeout(r, 500));

    const resumeAt = new Date().toISOString();
    await c.call('drill.recover', { drillId: drill.id });
    const snap = await waitFor(async () => {
      const s = await c.call('drill.get', { drillId: drill.id });
      const done = s.commands.find((x) => x.runId === first.runId && x.exitCode !== null);
      const typed = s.commands.find((x) => x.origin === 'typed' && x.text.includes('typed-'));
      return done && typed ? s : null;
    }, 'the run result and the typed command after the resume');
    const ran = snap.commands.find((x) => x.runId === first.runId)!;
    assert.equal(ran.exitCode, 0);
    assert.equal(ran.expectPassed, true);
    assert.match(slice(out, ran.outputFrom, ran.outputTo), /started-2[\s\S]*finished-42/, 'its output range holds the block output');
    assert.match(ran.note ?? '', /while Drillbook was down/);
    const queued = snap.commands.find((x) => x.runId === second.runId)!;
    assert.equal(queued.exitCode, null);
    assert.equal(queued.expectPassed, false);
    assert.match(queued.note ?? '', /Drillbook stopped while this run was queued, before its turn came/);
    assert.ok(queued.endedAt, 'the queued run is closed, not left queued forever');
    const typed = snap.commands.find((x) => x.origin === 'typed' && x.text.includes('typed-'))!;
    assert.equal(typed.text, 'echo "typed-$((5*5))"');
    assert.equal(typed.exitCode, 0);
    assert.match(slice(out, typed.outputFrom, typed.outputTo), /typed-25/);
    assert.ok(typed.endedAt && typed.endedAt < resumeAt, `the typed command keeps its own end time (${typed.endedAt}), before the resume (${resumeAt})`);
    assert.deepEqual(snap.untrackedTerminals, [], 'the reattached shell is not reported as lacking the integration');

    // Run again: the reattached shell takes the next Run as usual.
    const again = await c.call('terminal.run', { drillId: drill.id, stepIndex: 0, commandIndex: 1, terminalId: first.terminalId });
    const after = await waitFor(async () => {
      const s = await c.call('drill.get', { drillId: drill.id });
      return s.commands.find((x) => x.runId === again.runId && x.exitCode !== null) ?? null;
    }, 'the run after the reattach');
    assert.equal(after.exitCode, 0);
    assert.match(slice(out, after.outputFrom, after.outputTo), /second-7/);
    await c.close();
  } finally {
    await server?.stop();
    killTerminalHost(dataDir);
    tmp.cleanup();
  }
});

test('kill -9 while a typed command runs: after the reattach the shell is known (no Enter needed), the command is recorded with its exit code, output and start time', { timeout: 150_000 }, async () => {
  const tmp = tempDir();
  const runbookDir = path.join(tmp.dir, 'runbooks');
  const dataDir = path.join(tmp.dir, 'data');
  mkdirSync(runbookDir);
  writeFileSync(path.join(runbookDir, 'queue.md'), QUEUE_RUNBOOK);
  let server: RunningServer | null = await startServer(dataDir, runbookDir);
  try {
    let c = await SocketClient.connect(server);
    const [entry] = await c.call('runbooks.list', {});
    const drill = await c.call('drill.start', { runbookPath: entry!.path, mode: 'rehearsal', operator: 'ana' });
    await c.call('step.start', { drillId: drill.id, stepIndex: 0 });
    const opened = await c.call('terminal.open', { drillId: drill.id, target: 'local', cols: 100, rows: 30 });
    await waitFor(async () => (await c.call('terminal.list', { drillId: drill.id })).terminals.some((t) => t.shellIntegration), 'the shell');
    const out = outFile(dataDir, drill.id, opened.terminalId);
    const typedAt = new Date().toISOString();
    await c.call('terminal.input', { terminalId: opened.terminalId, data: 'echo "begin-$((2+2))"; sleep 4; echo "typed-done-$((6*7))"\r' });
    await waitFor(() => readFileSync(out, 'utf8').includes('begin-4'), 'the typed command to start');
    await c.close();
    await server.stop('SIGKILL');
    server = null;
    await waitFor(() => readFileSync(out, 'utf8').includes('typed-done-42'), 'its end, during the gap', 20_000);

    const restartedAt = new Date().toISOString();
    server = await startServer(dataDir, runbookDir);
    c = await SocketClient.connect(server);
    const { terminals } = await c.call('terminal.list', { drillId: drill.id });
    assert.deepEqual(terminals.map((t) => [t.terminalId, t.shellIntegration]), [[opened.terminalId, true]], 'integrated from the start, before anything is typed');
    await c.call('drill.recover', { drillId: drill.id });
    const typed = await waitFor(async () => {
      const s = await c.call('drill.get', { drillId: drill.id });
      return s.commands.find((x) => x.origin === 'typed' && x.text.includes('typed-done')) ?? null;
    }, 'the typed command recorded after the resume');
    assert.equal(typed.exitCode, 0);
    assert.match(slice(out, typed.outputFrom, typed.outputTo), /begin-4[\s\S]*typed-done-42/);
    assert.ok(typed.startedAt >= typedAt.slice(0, 19) && typed.startedAt < restartedAt, `started when Enter was pressed (${typed.startedAt}), not at the reattach`);

    // A Run right away (no keystroke since the reattach) is typed and followed as usual.
    const run = await c.call('terminal.run', { drillId: drill.id, stepIndex: 0, commandIndex: 1, terminalId: opened.terminalId });
    assert.equal(run.queued, 0);
    const ran = await waitFor(async () => {
      const s = await c.call('drill.get', { drillId: drill.id });
      return s.commands.find((x) => x.runId === run.runId && x.exitCode !== null) ?? null;
    }, 'the Run after the reattach');
    assert.equal(ran.exitCode, 0);
    assert.match(slice(out, ran.outputFrom, ran.outputTo), /second-7/);
    await new Promise((r) => setTimeout(r, 5500));
    const s = await c.call('drill.get', { drillId: drill.id });
    assert.deepEqual(s.untrackedTerminals, [], 'no false "no integration" record for the reattached shell');
    await c.close();
  } finally {
    await server?.stop();
    killTerminalHost(dataDir);
    tmp.cleanup();
  }
});
