/**
 * Terminals that outlive the server, in real Chromium (issue 9 items 6, 6b
 * and 8; issue 12 item 11):
 *
 * - a drill's block runs a long `sleep`; the server is killed with SIGKILL
 *   mid-block and restarted without --port; it comes back on the port it
 *   remembered, the open tab reconnects by itself (its cookie still
 *   accepted), the drill is resumed, the block finishes in the same shell,
 *   its exit code and output are recorded, and the drill is finished;
 * - two tabs on one terminal both see its output and both can type;
 * - re-attaching a terminal whose scrollback holds terminal queries does
 *   not type the view's automatic answers into the shell.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, onCleanup, startServer, waitFor, type Workspace } from './harness';
import { startSshd, sshdUnavailable } from '../helpers/sshd';
import { fetchSnapshot, openApp, openRunbook, startDrill, stepItem, tid, waitStepStatus } from './ui';

declare const document: any;

const TITLE = 'Host survival e2e';
const RUNBOOK = `---
title: ${TITLE}
---
# ${TITLE}

## Restore the database

\`\`\`sh {name=restore expect="/finished-42/"}
echo "started-$((1+1))"; sleep 8; echo "finished-$((40+2))"
\`\`\`

## Check

\`\`\`sh {name=check expect=0}
echo "checked-$((3*3))"
\`\`\`
`;

async function screenText(page: Page, selector = '[data-testid="terminal-view"].is-active'): Promise<string> {
  return page.evaluate((sel: string) => {
    const term = document.querySelector(sel)?.drillbookTerminal;
    if (!term) return '';
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i).translateToString(true));
    return lines.join('\n');
  }, selector);
}

async function typeInto(page: Page, text: string): Promise<void> {
  await page.locator('[data-testid="terminal-view"].is-active').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/**
 * The drill of `title` (its first block a long sleep, its second a quick
 * check): kill -9 mid-block, restart on the remembered port,
 * the tab reconnects by itself, resume, the block finishes in the same
 * shell, its exit code and output are recorded, finish.
 */
async function surviveKill9(browser: Browser, ws: Workspace, title: string): Promise<void> {
  const first = await startServer(ws, { port: 'remembered' });
  const { page, errors } = await newPage(browser);
  await openApp(page, first);
  await openRunbook(page, title);
  const drillId = await startDrill(page, 'Grace Hopper');
  await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor({ timeout: 30_000 });
  await tid(page, 'step-start').click();
  await waitStepStatus(page, 0, 'running');
  await tid(page, 'run-code').first().click();
  await waitFor(async () => /^started-2$/m.test(await screenText(page)), 'the block to start');
  const started = await fetchSnapshot(page, drillId);
  const runId = started.commands[0]!.runId!;
  const terminalId = started.commands[0]!.terminalId!;

  await first.kill9();
  await tid(page, 'connection-banner').waitFor();

  const second = await startServer(ws, { port: 'remembered' });
  assert.equal(second.port, first.port, 'the restarted server keeps its port');
  assert.notEqual(second.token, first.token);
  // No new URL opened: the tab reconnects with the cookie it has.
  await page.locator('[data-testid="conn-state"][data-state="open"]').waitFor({ timeout: 30_000 });
  const offer = page.locator(`[data-testid="interrupted-banner"][data-drill-id="${drillId}"]`);
  await offer.waitFor();
  await offer.locator('[data-testid="recover-drill"]').click();
  await page.locator(`[data-testid="drill-view"][data-drill-id="${drillId}"]`).waitFor();

  // The same shell: the block's end arrives (live, or replayed if it ended during the gap).
  await waitFor(async () => /^finished-42$/m.test(await screenText(page)), 'the block to finish in the surviving shell', 30_000);
  const done = await waitFor(async () => {
    const s = await fetchSnapshot(page, drillId);
    const c = s.commands.find((x) => x.runId === runId);
    return c && c.exitCode !== null ? c : null;
  }, 'the run result', 30_000);
  assert.equal(done.exitCode, 0);
  assert.equal(done.expectPassed, true);
  assert.equal(done.terminalId, terminalId);
  const outFile = path.join(ws.dataDir, 'transcripts', drillId, `${terminalId}.out`);
  const transcript = readFileSync(outFile, 'utf8');
  assert.match(transcript, /started-2[\s\S]*finished-42/);
  // The Run's own output range (the block ran as a script: its output follows the dimmed block text).
  assert.ok(done.outputFrom !== null && done.outputTo !== null);
  assert.match(readFileSync(outFile).subarray(done.outputFrom!, done.outputTo!).toString('utf8'), /started-2[\s\S]*finished-42/);

  // Typing still reaches the same shell, and what is typed there is on the record.
  await typeInto(page, 'echo "again-$((5+5))"');
  await waitFor(async () => /^again-10$/m.test(await screenText(page)), 'typed output after the restart');
  const typed = await waitFor(async () => (await fetchSnapshot(page, drillId)).commands.find((c) => c.origin === 'typed' && c.text === 'echo "again-$((5+5))"') ?? null, 'the typed command on the record');
  assert.equal(typed.exitCode, 0);
  assert.equal(typed.terminalId, terminalId);
  assert.match(readFileSync(outFile).subarray(typed.outputFrom!, typed.outputTo!).toString('utf8'), /again-10/);

  await tid(page, 'step-complete').click();
  await waitStepStatus(page, 0, 'completed');
  await stepItem(page, 1).click();
  await tid(page, 'step-start').click();
  await waitStepStatus(page, 1, 'running');
  await tid(page, 'run-code').first().click();
  await waitFor(async () => /^checked-9$/m.test(await screenText(page)), 'the second block');
  await page.locator('[data-testid="run-result"][data-passed="true"]').first().waitFor();
  await tid(page, 'step-complete').click();
  await waitStepStatus(page, 1, 'completed');
  const final = await fetchSnapshot(page, drillId);
  // Runs and the command typed after the reattach (issue 9 item 4 records typed commands too), in order.
  assert.deepEqual(final.commands.map((c) => [c.origin, c.name ?? c.text, c.exitCode]), [['run', 'restore', 0], ['typed', 'echo "again-$((5+5))"', 0], ['run', 'check', 0]]);
  assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)), []);
  await second.stop();
}

describe('terminals outlive the server', { timeout: 240_000 }, () => {
  let ws: Workspace;
  let browser: Browser;

  before(async () => {
    ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'host.md'), RUNBOOK);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('kill -9 mid-block: the tab reconnects by itself, the drill resumes, the block finishes in the same shell', async () => {
    await surviveKill9(browser, ws, TITLE);
  });

  test('the same over SSH (real sshd): the connection lives in the terminal host, so the remote block survives too', { skip: sshdUnavailable() ?? false }, async () => {
    const sshd = await startSshd();
    onCleanup(() => sshd.stop());
    const sshConfig = path.join(ws.dataDir, '..', 'ssh_config');
    const knownHosts = path.join(ws.dataDir, '..', 'known_hosts');
    writeFileSync(sshConfig, `Host db\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKey}\n  IdentitiesOnly yes\n`);
    writeFileSync(knownHosts, sshd.knownHostsLine + '\n');
    const saved = { config: process.env.DRILLBOOK_SSH_CONFIG, known: process.env.DRILLBOOK_KNOWN_HOSTS, agent: process.env.SSH_AUTH_SOCK };
    process.env.DRILLBOOK_SSH_CONFIG = sshConfig;
    process.env.DRILLBOOK_KNOWN_HOSTS = knownHosts;
    delete process.env.SSH_AUTH_SOCK;
    onCleanup(() => {
      for (const [k, v] of [['DRILLBOOK_SSH_CONFIG', saved.config], ['DRILLBOOK_KNOWN_HOSTS', saved.known], ['SSH_AUTH_SOCK', saved.agent]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    const title = 'Host survival over SSH';
    writeFileSync(
      path.join(ws.runbooksDir, 'host-ssh.md'),
      RUNBOOK.replaceAll(TITLE, title).replace(`title: ${title}`, `title: ${title}\ntargets:\n  db: db`).replaceAll('```sh {name=', '```sh {target=db name='),
    );
    await surviveKill9(browser, ws, title);
  });

  test('two tabs on one terminal: both see the output and both can type; a re-attach never answers old queries into the shell', async () => {
    const server = await startServer(ws);
    const a = await newPage(browser);
    await openApp(a.page, server);
    await openRunbook(a.page, TITLE);
    const drillId = await startDrill(a.page, 'Ada');
    await a.page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();

    // A second tab (same browser profile, so the same cookie) on the same drill.
    const b = { page: await a.context.newPage() };
    await b.page.goto(`${server.origin}/#/drill/${drillId}`);
    await b.page.locator(`[data-testid="drill-view"][data-drill-id="${drillId}"]`).waitFor();
    await b.page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();

    await typeInto(a.page, 'echo "from-a-$((1+1))"');
    await waitFor(async () => /^from-a-2$/m.test(await screenText(b.page)), 'tab B to mirror what tab A ran');
    await typeInto(b.page, 'echo "from-b-$((2+2))"');
    await waitFor(async () => /^from-b-4$/m.test(await screenText(a.page)), 'tab A to mirror what tab B ran');
    await waitFor(async () => /^from-b-4$/m.test(await screenText(b.page)), 'tab B its own output');

    const terminalId0 = await a.page.locator('[data-testid="terminal-view"].is-active').getAttribute('data-terminal-id');
    const index0 = path.join(ws.dataDir, 'transcripts', drillId, `${terminalId0}.jsonl`);
    const inputRecords = () => readFileSync(index0, 'utf8').split('\n').filter((l) => l.includes('"t":"input"')).map((l) => JSON.parse(l) as { bytes: number; keys?: string[] });
    await new Promise((r) => setTimeout(r, 1500)); // input records are flushed within 1 s
    const typedBefore = inputRecords().length;
    // Terminal queries in the scrollback (DECRQSS for SGR, DA1, DSR): answered live once, consumed by `read`.
    await typeInto(a.page, `printf '\\033P$qm\\033\\\\\\033[c\\033[6n'; read -rs -t 1 -d R junk; echo "queried-$((7*6))"`);
    await waitFor(async () => /^queried-42$/m.test(await screenText(a.page)), 'the query command');
    await new Promise((r) => setTimeout(r, 1500));
    // Both tabs' terminals saw the queries; one answered (the answers are ~23 bytes; two sets would be twice that).
    const answers = inputRecords().slice(typedBefore).filter((r) => (r.keys ?? []).includes('Esc'));
    assert.ok(answers.reduce((n, r) => n + r.bytes, 0) < 40, `one view answered: ${JSON.stringify(answers)}`);
    const snap = await fetchSnapshot(a.page, drillId);
    const terminalId = await a.page.locator('[data-testid="terminal-view"].is-active').getAttribute('data-terminal-id');
    assert.ok(terminalId);
    const index = path.join(ws.dataDir, 'transcripts', snap.id, `${terminalId}.jsonl`);
    const inputsBefore = readFileSync(index, 'utf8').split('\n').filter((l) => l.includes('"t":"input"')).length;

    // Both tabs reload: each replays the scrollback, queries included.
    await a.page.reload();
    await b.page.reload();
    for (const p of [a.page, b.page]) {
      await p.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
      await waitFor(async () => /^queried-42$/m.test(await screenText(p)), 'the replayed scrollback');
    }
    await new Promise((r) => setTimeout(r, 1500)); // any stray answer would have been sent by now
    const inputs = readFileSync(index, 'utf8').split('\n').filter((l) => l.includes('"t":"input"'));
    assert.equal(inputs.length, inputsBefore, `the replays typed nothing into the shell: ${inputs.slice(inputsBefore).join('\n')}`);
    await typeInto(b.page, 'echo "clean-$((1+2))"');
    await waitFor(async () => /^clean-3$/m.test(await screenText(a.page)), 'the prompt clean after the replays');
    assert.doesNotMatch(await screenText(a.page), /\$r0m|\[\?\d+;\d+c|\d+;\d+R/, 'no answers echoed at the prompt');
    await server.stop();
  });
});
