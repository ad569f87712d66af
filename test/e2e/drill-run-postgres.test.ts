/**
 * The PostgreSQL sample (runbooks/postgres-pg-dump-restore.md: variables,
 * an SSH target, a real PostgreSQL) run entirely through the browser UI:
 * variables given in the start dialog, the password read into the SSH
 * terminal at a no-echo prompt, Run on every block, one command typed by
 * hand, the server killed with SIGKILL in the middle of the restore block
 * (a `sleep` there) and restarted: the tab reconnects, the drill is
 * resumed, the block's exit code and output are recorded from the shell
 * the terminal host kept; a command typed after that is recorded; finish. Then the exported evidence lists every command (typed and
 * Run) with its output and exit code, never the password, and the UI's step
 * results equal `drillbook run`'s on the same runbook.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, onCleanup, ROOT, startServer, waitFor, type Server, type Workspace } from './harness';
import { fetchSnapshot, openApp, openRunbook, stepItem, tid } from './ui';
import { postgresUnavailable, startPostgres, type DbServer } from '../helpers/services';
import { RUNBOOKS, runDrill, startRig, unavailable, type Rig } from '../integration/restore/harness';
import { resultsOf, sshConfigFor } from '../integration/restore/ui-driver';
import { cliPrefix } from '../helpers/cli';

declare const document: any;

/** The text on the active terminal's screen (its xterm.js buffer). */
async function screenText(page: import('playwright-core').Page): Promise<string> {
  return page.evaluate(() => {
    const term = document.querySelector('[data-testid="terminal-view"].is-active')?.drillbookTerminal;
    if (!term) return '';
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i).translateToString(true));
    return lines.join('\n');
  });
}

const skip = unavailable(postgresUnavailable());
if (skip) test('PostgreSQL sample through the UI', () => assert.fail(`cannot run: ${skip}`));

const SECRET = 'E2e-Pg-S3cret-' + Math.random().toString(36).slice(2, 12);
const ALIAS = 'drillbook-e2e-db';
const TITLE = 'PostgreSQL restore test from the nightly pg_dump';

describe('the PostgreSQL sample, entirely through the UI', { skip: !!skip, timeout: 600_000 }, () => {
  let rig: Rig;
  let pg: DbServer;
  let ws: Workspace;
  let server: Server;
  let browser: Browser;
  let vars: Record<string, string>;

  before(async () => {
    rig = await startRig('drillbook-e2e-pg-');
    onCleanup(() => rig.cleanup());
    pg = await startPostgres({ password: SECRET });
    onCleanup(() => pg.stop());
    pg.sql('postgres', 'CREATE DATABASE app');
    pg.sql('app', `CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
       CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), amount_cents int NOT NULL);
       INSERT INTO customers (name) SELECT 'customer-' || g FROM generate_series(1, 50) g;
       INSERT INTO orders (customer_id, amount_cents) SELECT (g % 50) + 1, g FROM generate_series(1, 1000) g;`);
    const backups = path.join(rig.dir, 'backups');
    mkdirSync(backups);
    execFileSync('pg_dump', ['-Fc', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'app', '-f', path.join(backups, 'app-2026-03-01T0200Z.dump')], {
      env: { ...process.env, PGPASSWORD: SECRET },
    });
    execFileSync('bash', ['-c', 'sha256sum app-2026-03-01T0200Z.dump > app-2026-03-01T0200Z.dump.sha256'], { cwd: backups });
    vars = { BACKUP_DIR: backups, PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGUSER: 'postgres', SCRATCH_DIR: path.join(rig.dir, 'scratch') };

    // The library's copy targets the rig's sshd through an ~/.ssh/config alias, as an operator's would.
    ws = makeWorkspace([]);
    // The restore block sleeps first (as a long pg_restore would take time): the server is killed in the middle of it.
    const text = readFileSync(path.join(RUNBOOKS, 'postgres-pg-dump-restore.md'), 'utf8')
      .replace(/^(\s+db:) local\s*$/m, `$1 ${ALIAS}`)
      .replace(/(```sh \{name=restore [^\n]*\n)/, '$1echo "restore-begins"; sleep 8\n');
    assert.match(text, /restore-begins"; sleep 8/);
    writeFileSync(path.join(ws.runbooksDir, 'postgres-pg-dump-restore.md'), text);
    server = await start();
    browser = await launchBrowser();
  });
  after(cleanup);

  /** The web host on its remembered port, with the rig's ssh config and no agent or password in its environment. */
  async function start(): Promise<Server> {
    const saved = { cfg: process.env.DRILLBOOK_SSH_CONFIG, kh: process.env.DRILLBOOK_KNOWN_HOSTS, agent: process.env.SSH_AUTH_SOCK, pw: process.env.PGPASSWORD };
    process.env.DRILLBOOK_SSH_CONFIG = sshConfigFor(rig, ALIAS);
    process.env.DRILLBOOK_KNOWN_HOSTS = rig.knownHosts;
    delete process.env.SSH_AUTH_SOCK;
    delete process.env.PGPASSWORD;
    try {
      return await startServer(ws, { port: 'remembered' });
    } finally {
      for (const [k, v] of [['DRILLBOOK_SSH_CONFIG', saved.cfg], ['DRILLBOOK_KNOWN_HOSTS', saved.kh], ['SSH_AUTH_SOCK', saved.agent], ['PGPASSWORD', saved.pw]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  test('Run every block over SSH, type a command, finish: the evidence has every command, and the results equal drillbook run', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, TITLE);
    await tid(page, 'start-drill').click();
    await tid(page, 'drill-vars').waitFor();
    await tid(page, 'operator-input').fill('Ana');
    await tid(page, 'vars-defaults').locator('summary').click();
    for (const [k, v] of Object.entries(vars)) await tid(page, `var-input-${k}`).fill(v);
    await tid(page, 'confirm-start').click();
    const view = tid(page, 'drill-view');
    await view.waitFor();
    const drillId = (await view.getAttribute('data-drill-id'))!;

    // The db terminal (ssh) opens beside the step; the password is read at a no-echo prompt, typed by hand.
    await page.locator('[data-testid="terminal-tab"][data-target="db"]').waitFor();
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor({ timeout: 30_000 });
    const term = page.locator('[data-testid="terminal-view"].is-active');
    await term.click();
    await page.keyboard.type("read -rsp 'Password: ' PGPASSWORD && export PGPASSWORD");
    await page.keyboard.press('Enter');
    // As an operator would: the password is typed once the prompt shows (echo is off from then on).
    await waitFor(async () => /^Password: $/m.test(await screenText(page)), 'the password prompt');
    await page.keyboard.type(SECRET);
    await page.keyboard.press('Enter');
    await waitFor(async () => (await fetchSnapshot(page, drillId)).commands.some((c) => c.origin === 'typed'), 'the read recorded as a typed command');

    // Every step: start, Run its block, wait for its result, complete.
    const titles = (await fetchSnapshot(page, drillId)).steps.map((x) => x.title);
    const steps = titles.length;
    let crashed = false;
    for (let i = 0; i < steps; i++) {
      await stepItem(page, i).click();
      const panel = page.locator(`[data-testid="step-panel"][data-index="${i}"]`);
      await panel.waitFor();
      await panel.locator('[data-testid="step-start"]').click();
      await panel.locator('[data-testid="step-status"]').filter({ hasText: /running/i }).waitFor();
      await panel.locator('[data-testid="run-code"]').click();
      if (titles[i] === 'Restore the dump') {
        // kill -9 of the server mid-block; the shell (and its exported PGPASSWORD) lives on in the terminal host.
        await waitFor(async () => /^restore-begins$/m.test(await screenText(page)), 'the restore block to start');
        const before = server;
        await before.kill9();
        await tid(page, 'connection-banner').waitFor();
        server = await start();
        assert.equal(server.port, before.port, 'the restarted server keeps its port, so the tab reconnects by itself');
        await page.locator('[data-testid="conn-state"][data-state="open"]').waitFor({ timeout: 30_000 });
        const offer = page.locator(`[data-testid="interrupted-banner"][data-drill-id="${drillId}"]`);
        await offer.waitFor();
        await offer.locator('[data-testid="recover-drill"]').click();
        await page.locator(`[data-testid="drill-view"][data-drill-id="${drillId}"]`).waitFor();
        crashed = true;
      }
      await panel.locator('[data-testid="run-result"][data-state="done"]').waitFor({ timeout: 120_000 });
      assert.equal(await panel.locator('[data-testid="run-result"]').getAttribute('data-passed'), 'true', `step ${i + 1}: ${await panel.locator('[data-testid="run-result"]').innerText()}`);
      if (titles[i] === 'Restore the dump') {
        // Typed by hand in the reattached shell: on the record like any other.
        await term.click();
        await page.keyboard.type('echo after-the-crash $((6*7))');
        await page.keyboard.press('Enter');
        await waitFor(async () => (await fetchSnapshot(page, drillId)).commands.filter((c) => c.origin === 'typed').length === 3, 'the command typed after the reattach recorded');
      }
      if (i === 3) {
        // One command typed by hand, mid-drill.
        await term.click();
        await page.keyboard.type('echo typed-by-hand $((6*7))');
        await page.keyboard.press('Enter');
        await waitFor(async () => (await fetchSnapshot(page, drillId)).commands.filter((c) => c.origin === 'typed').length === 2, 'the typed command recorded');
      }
      await panel.locator('[data-testid="step-complete"]').click();
      await page.locator(`[data-testid="step-item"][data-index="${i}"][data-status="completed"]`).waitFor();
    }
    await tid(page, 'finish').click();
    await tid(page, 'confirm-finish').click();
    await waitFor(async () => (await fetchSnapshot(page, drillId)).status === 'completed', 'the drill finished');
    const ui = await fetchSnapshot(page, drillId);
    assert.ok(crashed, 'the server was killed mid-block');
    // The browser logs the refused connections while the server was down; nothing else.
    assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)), []);

    // The exported evidence (the CLI, on the same data folder).
    const out = path.join(rig.dir, 'evidence');
    const exp = spawnSync(process.execPath, [...cliPrefix(), 'export', drillId, '--out', out, '--no-pdf', '--data', ws.dataDir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(exp.status, 0, exp.stderr);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    const json = JSON.parse(readFileSync(path.join(out, 'drill.json'), 'utf8'));
    const commands = json.drill.commands as { origin: string; name: string | null; text: string; exitCode: number | null; expectPassed: boolean | null }[];
    assert.deepEqual(
      commands.filter((c) => c.origin === 'typed').map((c) => [c.text, c.exitCode]),
      [
        ["read -rsp 'Password: ' PGPASSWORD && export PGPASSWORD", 0],
        ['echo typed-by-hand $((6*7))', 0],
        ['echo after-the-crash $((6*7))', 0],
      ],
    );
    const runs = commands.filter((c) => c.origin === 'run');
    assert.equal(runs.length, steps);
    assert.ok(runs.every((c) => c.exitCode === 0 && c.expectPassed === true), JSON.stringify(runs.map((c) => [c.name, c.exitCode])));
    const outputOf = (name: string) => String(json.events.find((e: { type: string; data: Record<string, unknown> }) => e.type === 'command.run' && e.data.resultOf && e.data.name === name)?.data.outputTail ?? '');
    assert.match(outputOf('find-dump'), /^dump ok: /m);
    // The block the server died in: its exit code and output, from the shell that outlived the server.
    assert.match(outputOf('restore'), /^restore-begins$[\s\S]*^restored into /m);
    assert.match(outputOf('verify-schema'), /^schema ok: 2 tables$/m);
    assert.match(outputOf('verify-counts'), /^row counts match/m);
    assert.match(outputOf('verify-read-write'), /^read-write ok$/m);
    const typedEvent = json.events.find((e: { type: string; data: Record<string, unknown> }) => e.type === 'command.typed' && String(e.data.text).startsWith('echo typed-by-hand'));
    assert.match(String(typedEvent.data.outputTail), /^typed-by-hand 42\s*$/);
    assert.match(html, /The log records 10 runbook block runs and 3 commands typed by hand/);
    assert.match(html, /echo after-the-crash \$\(\(6\*7\)\)/);
    assert.match(html, /echo typed-by-hand \$\(\(6\*7\)\)/);
    assert.match(html, /read-write ok/);
    assert.doesNotMatch(html, /Every command run is in the runbook/);
    const txt = readFileSync(path.join(out, json.transcripts.find((t: { title: string }) => t.title.startsWith('ssh db')).path), 'utf8');
    assert.match(txt, /^typed-by-hand 42$/m);
    const everything = spawnSync('grep', ['-rl', SECRET, out, ws.dataDir], { encoding: 'utf8' }).stdout;
    assert.equal(everything, '', 'the password is nowhere in the evidence or the data folder');

    // The same runbook, headless: the same step results.
    const headless = await runDrill(rig, 'postgres-pg-dump-restore.md', { target: 'db', vars, env: { PGPASSWORD: SECRET }, timeoutMs: 180_000 });
    assert.ok(headless.drill, headless.stdout + headless.stderr);
    assert.deepEqual(resultsOf(ui), resultsOf(headless.drill));
  });
});
