/**
 * Joining a team server from the app, in Chromium through the web host
 * (`drillbook web`, a child process), against a real team server on a real
 * PostgreSQL: a refused token is said under the form; the right one joins,
 * the queued drills go in the background, the status shows who, reachable,
 * nothing queued and the last publish; publish now; the server down is
 * said in one sentence; leave asks first and removes the token file. The
 * token never appears in the page after joining.
 * With DRILLBOOK_TEAM_SHOTS=DIR it writes team-join-*.png at 1440x900 and 1024x700.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { teamPostgres, type RunningTeam } from '../helpers/team';
import { cleanup, launchBrowser, newPage, onCleanup, startServer, waitFor, type Workspace } from './harness';
import { openApp, tid } from './ui';
import { historyFixture, runbook } from '../helpers/history-fixture';
import { TeamStore } from '../../main/team/store';
import { TeamServer } from '../../main/team/server';

const team = teamPostgres('team join in the app', 'team_join');
const skip = team.skip;

const SHOTS = process.env.DRILLBOOK_TEAM_SHOTS;
let t: RunningTeam | undefined;
let store: TeamStore;
let server: TeamServer;
let base = '';

after(async () => {
  await cleanup();
});

/** A new team server on a fresh database, the previous one closed. */
async function teamServer(): Promise<void> {
  await t?.close();
  t = await team.start();
  ({ store, server, base } = t);
}

/** A data folder with two finished drills, as the web host's workspace. */
function workspace(): Workspace {
  const f = historyFixture();
  const rb = runbook(['Declare the incident', 'Restore the base backup'], { file: '/srv/runbooks/orders-db.md', rto: 1800 });
  for (let i = 0; i < 2; i++) f.drill(rb, [60_000, 600_000]);
  f.db.close();
  const runbooksDir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-e2e-team-rb-'));
  onCleanup(() => {
    rmSync(runbooksDir, { recursive: true, force: true });
    rmSync(f.dir, { recursive: true, force: true });
  });
  return { dataDir: f.dir, runbooksDir, runbook: (n) => path.join(runbooksDir, n) };
}

for (const size of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
].filter((s) => !process.env.TEAM_JOIN_WIDTH || String(s.width) === process.env.TEAM_JOIN_WIDTH)) {
  test(`joining a team server from the app at ${size.width}x${size.height}: refused token, join, status, publish now, server down, leave`, { skip: !!skip, timeout: 240_000 }, async () => {
    await teamServer();
    const token = (await server.createUser('ana', 'operator', null)).token;
    const ws = workspace();
    const web = await startServer(ws);
    const browser = await launchBrowser();
    const { page, errors } = await newPage(browser, { ...size, colorScheme: size.width === 1440 ? 'dark' : 'light' });
    const shot = async (name: string) => {
      if (!SHOTS) return;
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, `team-join-${name}-${size.width}.png`) });
    };
    await openApp(page, web);
    await tid(page, 'nav-team').click();
    await tid(page, 'team-join-form').waitFor();
    assert.equal(await tid(page, 'team-token').getAttribute('type'), 'password');
    await shot('form');

    // A mistyped token: said under the form, nothing saved.
    await tid(page, 'team-url').fill(base);
    await tid(page, 'team-token').fill('not-the-token');
    await tid(page, 'team-join').click();
    await tid(page, 'team-join-error').filter({ hasText: /refused this token/ }).waitFor();
    assert.equal(existsSync(path.join(ws.dataDir, 'team.json')), false);
    await shot('refused');

    // A pasted token with a trailing line break joins.
    await tid(page, 'team-token').fill('');
    await tid(page, 'team-token').focus();
    await page.keyboard.insertText(`${token}\n`);
    await tid(page, 'team-join').click();
    await tid(page, 'team-status').waitFor();
    assert.match(await tid(page, 'team-user').innerText(), /ana\s+\(operator\)/);
    await tid(page, 'team-reachable').and(page.locator('[data-state="ok"]')).waitFor();
    assert.ok(existsSync(path.join(ws.dataDir, 'team.json')));
    // The two finished drills go in the background; "Check again" shows nothing queued.
    await waitFor(async () => Number((await store.pool.query('SELECT count(*)::int AS n FROM team_bundles')).rows[0].n) === 2, 'both drills and their bundles published', 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; the web host said: ${web.output().slice(-1500)}`);
    });
    await tid(page, 'team-publish').click();
    await tid(page, 'team-queued').and(page.locator('[data-count="0"]')).waitFor({ timeout: 60_000 });
    assert.match(await tid(page, 'team-last-publish').innerText(), /\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    assert.equal(await page.locator(`text=${token}`).count(), 0, 'the token is not on the page');
    assert.ok(!(await page.content()).includes(token), 'nor anywhere in the DOM');
    await shot('joined');

    // The server goes down: "Check again" says so in one sentence.
    await t!.down();
    await tid(page, 'team-refresh').click();
    await tid(page, 'team-reachable').and(page.locator('[data-state="down"]')).waitFor({ timeout: 30_000 });
    assert.match(await tid(page, 'team-last-error').innerText(), /cannot reach the team server/);
    await shot('down');
    await t!.up();
    server = t!.server;

    // Leave asks first; "Stay" keeps the membership, "Leave" removes it.
    await tid(page, 'team-leave').click();
    await tid(page, 'team-leave-dialog').waitFor();
    await shot('leave');
    await page.keyboard.press('Escape');
    assert.ok(existsSync(path.join(ws.dataDir, 'team.json')));
    await tid(page, 'team-leave').click();
    await tid(page, 'team-leave-confirm').click();
    await tid(page, 'team-join-form').waitFor();
    assert.equal(existsSync(path.join(ws.dataDir, 'team.json')), false, 'the token file is gone');
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  });
}
