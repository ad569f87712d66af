/**
 * The React app in team mode (renderer/team/), served by a real team server
 * on a real PostgreSQL, in Chromium: sign in (a wrong password said
 * plainly), the history with each filter and both exports, runbooks with
 * freshness (overdue in red, the policy and its source), a runbook's team
 * p50/p90 and RTO trend, a drill with its verified bundle downloaded as the
 * stored bytes, policies set by an admin, the audit log, live drills, sign
 * out revoking the tab's token; a runbook title carrying HTML stays text;
 * an auditor sees no admin or reviewer controls, an operator no audit log.
 * Every page is photographed at 1440x900 and 1024x700 into
 * build/screenshots/team-*.png. Console errors fail the test, so a CSP
 * violation (an inline script or style the strict policy refuses) does too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { publishSampleTeam, signInWithToken, teamPostgres } from '../helpers/team';
import { ROOT, assertRendererBuilt, cleanup, launchBrowser, newPage, waitFor } from './harness';
import { TeamStore } from '../../main/team/store';
import { TeamServer } from '../../main/team/server';

declare const window: any;

const team = teamPostgres('team app');
const skip = team.skip;

const SHOTS = path.join(ROOT, 'build', 'screenshots');
let store: TeamStore;
let server: TeamServer;
let base = '';
let adminToken = '';
let auditorToken = '';
let operatorToken = '';

before(async () => {
  if (skip) return;
  assertRendererBuilt();
  const t = await team.start({ now: () => new Date('2026-06-01T00:00:00Z'), rendererDir: path.join(ROOT, 'dist', 'renderer') }, 'team_app');
  ({ store, server, base } = t);
  adminToken = await t.user('maria', 'admin', 'maria long password');
  auditorToken = await t.user('audrey', 'auditor');
  const op = await server.createUser('ana', 'operator', null);
  operatorToken = op.token;
  await publishSampleTeam(base, op.token);
});
after(async () => {
  await cleanup();
});

const rows = (page: Page, testId: string) => page.locator(`[data-testid=${testId}] tbody tr`);
const shot = async (page: Page, name: string, width: number) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `team-${name}-${width}.png`) });
};
const noErrors = (errors: string[]) => errors.filter((e) => !/status of 40[013]/.test(e));

test('the team server serves the built React app at / with the team-mode tag under its strict CSP, and the lite page at /lite', { skip: !!skip }, async () => {
  const res = await fetch(base + '/');
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy')!;
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, /style-src 'self';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = await res.text();
  assert.match(html, /<meta name="drillbook-mode" content="team" \/>/);
  assert.doesNotMatch(readFileSync(path.join(ROOT, 'dist/renderer/index.html'), 'utf8'), /drillbook-mode/, 'the local app’s page carries no team tag');
  const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1]!;
  const js = await fetch(`${base}/${script}`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type')!, /javascript/);
  assert.equal((await fetch(`${base}/assets/..%2f..%2fpackage.json`)).status, 404, 'nothing outside dist/renderer/assets');
  assert.equal((await fetch(`${base}/assets/nothing.js`)).status, 404);
  const lite = await fetch(base + '/lite');
  assert.equal(lite.status, 200);
  assert.match(await lite.text(), /\/lite\/team\.js/);
  assert.equal((await fetch(base + '/lite/team.js')).status, 200);

  // A server whose renderer is not built says so in one sentence; the lite page still works.
  const empty = mkdtempSync(path.join(os.tmpdir(), 'drillbook-no-renderer-'));
  const bare = new TeamServer(store, { rendererDir: empty });
  try {
    const at = `http://127.0.0.1:${(await bare.listen({ host: '127.0.0.1', port: 0, tls: null })).port}`;
    const r = await fetch(at + '/');
    assert.equal(r.status, 503);
    assert.match(await r.text(), /^The Drillbook UI is not built on this server: run `npm run build:renderer`, or open \/lite for the small page\.\n$/);
    assert.equal((await fetch(at + '/lite')).status, 200);
  } finally {
    await bare.close();
    rmSync(empty, { recursive: true, force: true });
  }
});

test('team app at 1440x900: sign in, history filters and exports, runbooks, runbook, drill and its bundle, policies, audit, live, sign out', { skip: !!skip }, async () => {
  const W = 1440;
  const browser = await launchBrowser();
  const { page, errors } = await newPage(browser, { width: W, height: 900, colorScheme: 'light' });
  await page.goto(base + '/');
  await page.waitForSelector('[data-testid=team-signin]');
  await shot(page, 'signin', W);
  await page.fill('#team-name', 'maria');
  await page.fill('#team-password', 'wrong password here');
  await page.click('[data-testid=team-signin-submit]');
  await waitFor(() => page.textContent('[role=alert]').then((t) => /wrong user name or password/.test(t ?? '')), 'a wrong password is said plainly');
  await page.fill('#team-password', 'maria long password');
  await page.click('[data-testid=team-signin-submit]');
  await page.waitForSelector('[data-testid=team-drills] tbody tr');
  assert.match((await page.textContent('[data-testid=team-who]'))!, /maria\s*admin/);
  const loginToken = await page.evaluate(() => window.sessionStorage.getItem('drillbook-team-token'));
  assert.ok(loginToken && loginToken !== adminToken, 'the password form got a token of its own, kept in sessionStorage');

  // History: every published drill, 11 finished with their verified bundles and the running one.
  assert.equal(await rows(page, 'team-drills').count(), 12);
  assert.equal(await page.locator('[data-testid=team-drills] :text("✓ verified")').count(), 11);
  assert.equal(await page.locator('[data-testid=team-drills] img').count(), 0);
  assert.ok((await page.textContent('[data-testid=team-drills]'))!.includes('Billing <img src=x onerror="window.pwned=1"> restore'));
  await shot(page, 'history', W);
  // Render timing marks for the bench (renderer/history/perf.ts convention).
  await waitFor(() => page.evaluate(() => window.document.documentElement.dataset.paintedTeamHistory), 'the history marks its paint');

  // Filters: each one narrows the list, and the address keeps it.
  const expectRows = async (n: number, what: string) => waitFor(async () => (await rows(page, 'team-drills').count()) === n || (n === 0 && (await page.locator('[data-testid=team-history-empty]').count()) === 1), what);
  await page.selectOption('select[name=result]', 'fail');
  await expectRows(2, 'result=fail shows the 2 failed drills');
  assert.match(await page.evaluate(() => window.location.hash), /result=fail/);
  await page.selectOption('select[name=result]', '');
  await page.selectOption('select[name=tag]', 'files');
  await expectRows(2, 'tag files shows the wiki’s 2 drills');
  await page.selectOption('select[name=tag]', 'database');
  await expectRows(10, 'tag database: orders 6 + running 1 + billing 3');
  await page.selectOption('select[name=tag]', '');
  await page.selectOption('select[name=runbook]', '/srv/runbooks/billing.md');
  await expectRows(3, 'runbook billing shows its 3 drills');
  await page.selectOption('select[name=runbook]', '');
  await page.selectOption('select[name=mode]', 'live');
  await expectRows(6, 'mode live: the 5 odd-numbered finished drills and the running one');
  await page.selectOption('select[name=mode]', '');
  await page.fill('input[name=operator]', 'bo');
  await page.click('[data-testid=team-filter-apply]');
  await expectRows(1, 'operator bo ran only the running drill');
  await page.fill('input[name=operator]', '');
  await page.fill('input[name=since]', '2030-01-01');
  await page.click('[data-testid=team-filter-apply]');
  await expectRows(0, 'no drill since 2030');
  await page.click('[data-testid=team-filter-clear]');
  await expectRows(12, 'clearing the filters shows every drill again');

  // Exports: CSV from the server, JSON of the same selection.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=team-export-csv]')]);
  assert.equal(csv.suggestedFilename(), 'team-drills.csv');
  const csvText = readFileSync((await csv.path())!, 'utf8');
  assert.match(csvText, /^id,runbook_title,/);
  assert.equal(csvText.trim().split('\r\n').length, 13);
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=team-export-json]')]);
  assert.equal(json.suggestedFilename(), 'team-drills.json');
  assert.equal((JSON.parse(readFileSync((await json.path())!, 'utf8')) as { drills: unknown[] }).drills.length, 12);

  // Runbooks and freshness: orders (30 d, last pass in January) and billing (90 d) are overdue on 1 June; wiki has no policy.
  await page.click('[data-testid=team-nav-runbooks]');
  await page.waitForSelector('[data-testid=team-runbook-table] tbody tr');
  assert.match((await page.textContent('[data-testid=team-overdue-count]'))!, /^2 runbooks overdue/);
  assert.equal(await page.evaluate(() => window.pwned), undefined, 'a title carrying HTML never runs');
  assert.equal(await page.locator('[data-testid=team-runbook-table] img').count(), 0);
  const overdueCell = page.locator('[data-runbook="/srv/runbooks/orders-db.md"] [data-testid=team-freshness]');
  assert.match((await overdueCell.textContent())!, /^overdue by \d+ d$/);
  assert.match((await overdueCell.getAttribute('class'))!, /danger-text/, 'overdue is red');
  assert.match((await page.textContent('[data-runbook="/srv/runbooks/orders-db.md"] [data-testid=team-policy]'))!, /30 d \(front matter\)/);
  assert.equal(await page.textContent('[data-runbook="/srv/runbooks/wiki.md"] [data-testid=team-freshness]'), '—');
  // Overdue first.
  assert.match((await rows(page, 'team-runbook-table').first().getAttribute('class'))!, /is-overdue/);
  await shot(page, 'runbooks', W);

  // One runbook: tiles, the RTO trend drawn on canvas, per-step p50/p90.
  await page.click('[data-runbook="/srv/runbooks/orders-db.md"]');
  await page.waitForSelector('[data-testid=team-step-table] tbody tr');
  assert.equal(await rows(page, 'team-step-table').count(), 4);
  assert.match((await page.textContent('[data-testid=team-tile-drills]'))!, /6 \(4 passed\)/);
  await page.waitForSelector('[data-testid=team-rto-chart] canvas');
  assert.match((await page.textContent('[data-testid=team-runbook-freshness]'))!, /Drill every 30 d \(front matter\): overdue/);
  await shot(page, 'runbook', W);

  // A drill: chain verified by the server, the bundle downloaded is the stored bytes.
  await page.locator('[data-testid=team-runbook-drills] tbody tr:not(:has-text("running"))').first().click();
  await page.waitForSelector('[data-testid=team-bundle-link]');
  const drillId = decodeURIComponent((await page.evaluate(() => window.location.hash)).replace('#/drill/', ''));
  assert.match((await page.textContent('[data-testid=team-chain]'))!, /✓ The server re-verified the hash chain/);
  assert.match((await page.textContent('[data-testid=team-bundle-link]'))!, /^✓ verified/);
  assert.equal(await rows(page, 'team-drill-steps').count(), 4);
  assert.ok((await page.locator('[data-testid=team-timeline] li').count()) >= 9);
  await page.waitForSelector('[data-testid=team-signoff-form]');
  await shot(page, 'drill', W);
  const [bundle] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=team-bundle-link]')]);
  assert.equal(bundle.suggestedFilename(), `drill-${drillId.replace(/[^A-Za-z0-9_-]/g, '_')}.zip`);
  const stored = await store.bundle(drillId, true);
  assert.ok(stored?.bytes);
  assert.ok(readFileSync((await bundle.path())!).equals(stored.bytes), 'the download is the stored bundle, byte for byte');
  // The admin signs off ana's drill.
  await page.fill('[data-testid=team-signoff-form] textarea', 'Restore checked against the ticket');
  await page.click('[data-testid=team-signoff-form] button[type=submit]');
  await waitFor(() => page.textContent('[data-testid=team-signoffs]').then((t) => /approved\s*maria/.test(t ?? '')), 'the sign-off is listed');

  // Policies: the admin puts the database tag on a 7-day policy; the runbooks page says where the policy comes from.
  await page.click('[data-testid=team-nav-policies]');
  await page.waitForSelector('[data-testid=team-policy-form]');
  await page.fill('[data-testid=team-policy-form] input >> nth=1', 'weekly');
  await page.fill('[data-testid=team-policy-form] input >> nth=0', 'database');
  await page.click('[data-testid=team-policy-save]');
  await waitFor(() => page.textContent('[data-testid=team-policy-form] [role=alert]').catch(() => null).then((t) => /not a duration/.test(t ?? '')), 'a bad duration is one sentence from the server');
  await page.fill('[data-testid=team-policy-form] input >> nth=1', '7d');
  await page.click('[data-testid=team-policy-save]');
  await page.waitForSelector('[data-testid=team-policy-table] tbody tr');
  assert.match((await page.textContent('[data-testid=team-policy-table]'))!, /database\s*7 d\s*2\s*maria/);
  await shot(page, 'policies', W);
  await page.click('[data-testid=team-nav-runbooks]');
  await waitFor(() => page.textContent('[data-runbook="/srv/runbooks/billing.md"] [data-testid=team-policy]').then((t) => /7 d \(tag database\)/.test(t ?? '')), 'billing is now on the tag’s stricter 7 d');

  // Audit log.
  await page.click('[data-testid=team-nav-audit]');
  await page.waitForSelector('[data-testid=team-audit-table] tbody tr');
  const audit = (await page.textContent('[data-testid=team-audit-table]'))!;
  assert.ok(audit.includes('drills.publish') && audit.includes('policies.set') && audit.includes('drills.signoff'));
  await page.check('[data-testid=team-audit-changes]');
  await waitFor(async () => !(await page.textContent('[data-testid=team-audit-table]'))!.includes('runbooks.list'), 'reads are hidden');
  const changes = (await page.textContent('[data-testid=team-audit-table]'))!;
  assert.ok(changes.includes('policies.set') && /refused 400/.test(changes), 'changes and refusals stay');
  await shot(page, 'audit', W);

  // Live drills: the running one, and its page.
  await page.click('[data-testid=team-nav-live]');
  await page.waitForSelector('[data-testid=team-live-row]');
  assert.equal(await page.locator('[data-testid=team-live-row]').count(), 1);
  assert.match((await page.textContent('[data-testid=team-live-row]'))!, /step 2 of 4: Restore the base backup/);
  assert.match((await page.textContent('[data-testid=team-live-row-stale]'))!, /^last event /, 'how old the last event is, against the server clock');
  await shot(page, 'livelist', W);
  const liveId = (await page.getAttribute('[data-testid=team-live-row]', 'data-drill-id'))!;
  await page.click('[data-testid=team-live-row]');
  await waitFor(() => page.evaluate(() => window.location.hash).then((h: string) => h === `#/live/${encodeURIComponent(liveId)}`), 'the row opens #/live/ID');
  await page.waitForSelector('[data-testid=team-live][data-status=running]');

  // A reload keeps the session (sessionStorage); sign out revokes the password form's token.
  await page.reload();
  await page.waitForSelector('[data-testid=team-who]');
  await page.click('[data-testid=team-signout]');
  await page.waitForSelector('[data-testid=team-signin]');
  assert.equal(await page.evaluate(() => window.sessionStorage.getItem('drillbook-team-token')), null);
  await waitFor(async () => (await fetch(base + '/api/me', { headers: { authorization: `Bearer ${loginToken}` } })).status === 401, 'the signed-out token is revoked on the server');
  assert.deepEqual(noErrors(errors), []);
});

test('an auditor sees no admin or reviewer controls; an operator no audit log; a revoked token signs the tab out', { skip: !!skip }, async () => {
  const browser = await launchBrowser();
  const { page, errors } = await newPage(browser, { width: 1440, height: 900 });
  await signInWithToken(page, base, auditorToken);
  assert.match((await page.textContent('[data-testid=team-who]'))!, /audrey\s*auditor/);
  assert.equal(await page.locator('[data-testid=team-nav-audit]').count(), 1, 'auditors read the audit log');
  await page.click('[data-testid=team-nav-policies]');
  await page.waitForSelector('[data-testid=team-policies]');
  await waitFor(async () => (await page.locator('[data-testid=team-policies] .muted, [data-testid=team-policy-table]').count()) > 0, 'the policies page has loaded');
  assert.equal(await page.locator('[data-testid=team-policy-form]').count(), 0, 'no policy form');
  assert.equal(await page.locator('[data-testid^=team-policy-withdraw]').count(), 0, 'no withdraw buttons');
  await page.click('[data-testid=team-nav-history]');
  await page.locator('[data-testid=team-drills] tbody tr:not(:has-text("running"))').first().click();
  await page.waitForSelector('[data-testid=team-signoffs]');
  assert.equal(await page.locator('[data-testid=team-signoff-form]').count(), 0, 'no sign-off form for an auditor');
  await page.waitForSelector('[data-testid=team-bundle-link]');
  // A pasted token is the user's own: signing out forgets it here, never revokes it.
  await page.click('[data-testid=team-signout]');
  await page.waitForSelector('[data-testid=team-signin]');
  assert.equal((await fetch(base + '/api/me', { headers: { authorization: `Bearer ${auditorToken}` } })).status, 200);

  await signInWithToken(page, base, operatorToken);
  assert.equal(await page.locator('[data-testid=team-nav-audit]').count(), 0, 'operators do not see the audit log');
  await page.goto(base + '/#/audit');
  await page.waitForSelector('[data-testid=team-who]');
  assert.match((await page.textContent('.team-main'))!, /may not read the audit log/);

  // The token revoked elsewhere: the next request signs the tab out with a sentence.
  const me = (await (await fetch(base + '/api/me', { headers: { authorization: `Bearer ${operatorToken}` } })).json()) as { tokenId: number };
  assert.equal((await fetch(`${base}/api/tokens/${me.tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } })).status, 200);
  await page.click('[data-testid=team-nav-runbooks]');
  await page.waitForSelector('[data-testid=team-signin]');
  assert.match((await page.textContent('[data-testid=team-signin]'))!, /session ended/);
  assert.deepEqual(noErrors(errors), []);
});

test('a reloaded tab asks for its page’s data alongside /api/me, not after it; a role changed meanwhile is redrawn; a revoked token still signs it out', { skip: !!skip }, async () => {
  const browser = await launchBrowser();
  const { page, errors } = await newPage(browser, { width: 1440, height: 900 });
  const olga = await server.createUser('olga', 'auditor', null);
  await signInWithToken(page, base, olga.token);
  await page.click('[data-testid=team-nav-history]');
  await page.waitForSelector('[data-testid=team-drills] tbody tr');
  // Hold /api/me until the history rows are on screen (20 s at most): a page that waits for it never shows them.
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const cap = setTimeout(release, 20_000);
  let meAnswered = false;
  await page.route('**/api/me', async (route) => {
    await held;
    const res = await route.fetch();
    const body = (await res.json()) as { name: string; role: string; tokenId: number };
    // Meanwhile an admin made the auditor a reviewer: the answer carries the new role.
    await route.fulfill({ response: res, json: { ...body, role: 'reviewer' } });
    meAnswered = true;
  });
  await page.reload();
  await page.waitForSelector('[data-testid=team-drills] tbody tr', { timeout: 25_000 });
  const rowsBeforeMe = !meAnswered;
  release();
  clearTimeout(cap);
  assert.ok(rowsBeforeMe, 'the history rows were drawn while /api/me was still unanswered');
  assert.match((await page.textContent('[data-testid=team-who]'))!, /olga\s*auditor/, 'drawn with the role the tab knew');
  await waitFor(() => page.textContent('[data-testid=team-who]').then((t) => /olga\s*reviewer/.test(t ?? '')), 'redrawn with the role /api/me answered');
  await page.unroute('**/api/me');

  // Revoked meanwhile: a reload that still knows who it was is signed out by the first answer, with a sentence.
  const me = (await (await fetch(base + '/api/me', { headers: { authorization: `Bearer ${olga.token}` } })).json()) as { tokenId: number };
  assert.equal((await fetch(`${base}/api/tokens/${me.tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } })).status, 200);
  await page.reload();
  await page.waitForSelector('[data-testid=team-signin]');
  assert.match((await page.textContent('[data-testid=team-signin]'))!, /session ended/);
  assert.equal(await page.evaluate(() => window.sessionStorage.getItem('drillbook-team-me')), null, 'who it was is forgotten with the token');
  assert.deepEqual(noErrors(errors), []);
});

test('team app at 1024x700: every page fits and is photographed', { skip: !!skip }, async () => {
  const W = 1024;
  // The 1440 test sets this policy through the form; this one stands alone.
  await fetch(base + '/api/policies', { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ tag: 'database', every: '7d' }) });
  const browser = await launchBrowser();
  const { page, errors } = await newPage(browser, { width: W, height: 700 });
  await page.goto(base + '/');
  await page.waitForSelector('[data-testid=team-signin]');
  await shot(page, 'signin', W);
  await signInWithToken(page, base, adminToken);
  await page.waitForSelector('[data-testid=team-drills] tbody tr');
  await shot(page, 'history', W);
  // The pages are laid out by the history pages' stylesheet: without it (it loads with the local app's History
  // chunk) the heading and the table sat flush against the window's left edge.
  const headingX = await page.locator('h1').first().evaluate((el) => el.getBoundingClientRect().left);
  assert.ok(headingX >= 12, `the page's heading starts ${headingX} px from the window's edge`);
  for (const [nav, ready, name] of [
    ['runbooks', 'team-runbook-table', 'runbooks'],
    ['policies', 'team-policy-table', 'policies'],
    ['audit', 'team-audit-table', 'audit'],
  ] as const) {
    await page.click(`[data-testid=team-nav-${nav}]`);
    await page.waitForSelector(`[data-testid=${ready}] tbody tr`);
    await shot(page, name, W);
  }
  await page.goto(base + '/#/runbook?path=' + encodeURIComponent('/srv/runbooks/orders-db.md'));
  await page.waitForSelector('[data-testid=team-rto-chart] canvas');
  await shot(page, 'runbook', W);
  await page.locator('[data-testid=team-runbook-drills] tbody tr:not(:has-text("running"))').first().click();
  await page.waitForSelector('[data-testid=team-bundle-link]');
  await shot(page, 'drill', W);
  await page.click('[data-testid=team-nav-live]');
  await page.waitForSelector('[data-testid=team-live-row]');
  await shot(page, 'livelist', W);
  // Nothing wider than the window: the top bar and the pages scroll inside, not the whole page sideways.
  assert.ok((await page.evaluate(() => window.document.documentElement.scrollWidth)) <= W, 'no horizontal scroll of the whole page');
  assert.deepEqual(noErrors(errors), []);
});
