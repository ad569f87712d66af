/**
 * The team server's lite page (/lite) in Chromium, against a real PostgreSQL: sign in
 * with a password, the team's history with a filter, runbooks with the
 * overdue count and a runbook's per-step p50/p90, a live drill, the audit
 * log; a runbook title carrying HTML stays text. With DRILLBOOK_TEAM_SHOTS=DIR
 * it also writes screenshots at 1440x900 and 1024x700.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { publishSampleTeam, teamPostgres } from '../helpers/team';
import { cleanup, launchBrowser, newPage, waitFor } from './harness';
import { TeamServer } from '../../main/team/server';

declare const window: any;

const team = teamPostgres('team page');
const skip = team.skip;

let server: TeamServer;
let base = '';
const SHOTS = process.env.DRILLBOOK_TEAM_SHOTS;

before(async () => {
  if (skip) return;
  const t = await team.start({ now: () => new Date('2026-06-01T00:00:00Z') }, 'team_page');
  ({ server, base } = t);
  await t.user('maria', 'admin', 'maria long password');
  const op = await server.createUser('ana', 'operator', null);
  await publishSampleTeam(base, op.token, { tags: false });
});
after(async () => {
  await cleanup();
});

for (const size of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]) {
  test(`the team page at ${size.width}x${size.height}: sign in, history, runbooks, live, audit`, { skip: !!skip }, async () => {
    const browser = await launchBrowser();
    const { page, errors } = await newPage(browser, { ...size, colorScheme: 'light' });
    const shot = async (name: string) => {
      if (!SHOTS) return;
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, `team-lite-${name}-${size.width}.png`) });
    };
    const res = await page.goto(base + '/lite');
    assert.match(res!.headers()['content-security-policy']!, /script-src 'self'/);
    await page.fill('#login-name', 'maria');
    await page.fill('#login-password', 'wrong password here');
    await page.click('button[type=submit]');
    await waitFor(() => page.textContent('[role=alert]').then((t) => /wrong user name or password/.test(t ?? '')), 'a wrong password is said plainly');
    await page.fill('#login-password', 'maria long password');
    await page.click('button[type=submit]');
    await page.waitForSelector('#drills tbody tr');
    assert.equal(await page.locator('#drills tbody tr').count(), 12, '11 finished drills and the running one streamed live');
    assert.equal(await page.locator('#drills [data-bundle]').count(), 11, 'every finished drill has its verified bundle');
    assert.equal(await page.locator('#drills button:has-text("✓ verified")').count(), 11);
    await shot('history');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#drills [data-bundle]').first().click()]);
    assert.match(download.suggestedFilename(), /^drill-.+\.zip$/);
    await page.selectOption('select[name=result]', 'fail');
    await page.click('form.filters button[type=submit]');
    await waitFor(async () => (await page.locator('#drills tbody tr').count()) === 2, 'the filter shows the 2 failed drills');

    await page.click('[data-tab=runbooks]');
    await page.waitForSelector('#runbooks tbody tr');
    // Orders: last pass in January, 30 d policy → overdue on 1 June; billing 90 d → overdue too; wiki has no policy.
    assert.equal(await page.textContent('#overdue-count'), '2 runbooks overdue');
    assert.equal(await page.evaluate(() => window.pwned), undefined, 'a title carrying HTML never runs');
    assert.equal(await page.locator('#runbooks img').count(), 0);
    assert.ok((await page.textContent('#runbooks'))!.includes('Billing <img src=x onerror="window.pwned=1"> restore'));
    await page.click('text=Orders database: point-in-time restore');
    await page.waitForSelector('#steps tbody tr');
    assert.equal(await page.locator('#steps tbody tr').count(), 4);
    assert.equal(await page.locator('#trend rect.bar').count(), 6, 'one point per finished drill (few drills), the running one left out');
    assert.equal(await page.locator('#trend line.target').count(), 1);
    assert.match((await page.textContent('#trend figcaption'))!, /target line of 1h 00m\. 0 missed/);
    await shot('runbooks');

    await page.click('[data-tab=live]');
    await page.waitForSelector('#live .card');
    assert.equal(await page.locator('#live .card').count(), 1);
    await page.waitForSelector('#live[data-stream=open]'); // the push channel is open under the CSP (connect-src 'self')
    assert.ok((await page.textContent('#live'))!.includes('Restore the base backup — running'));
    await shot('live');

    await page.click('[data-tab=audit]');
    await page.waitForSelector('#audit tbody tr');
    assert.ok((await page.textContent('#audit'))!.includes('drills.publish'));
    assert.deepEqual(errors.filter((e) => !/401|Unauthorized/.test(e)), []);
  });
}
