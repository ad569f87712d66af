/**
 * The runbook library: load errors are visible, the filter works, a folder
 * can be added by path, the list follows `library.changed`, and the theme
 * toggle sticks across reloads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { FIXTURES, cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor, type Server, type Workspace } from './harness';
import { openApp, tid } from './ui';

// page.evaluate callbacks run in the browser: its globals, untyped here.
declare const document: any, localStorage: any;

describe('library', { timeout: 120_000 }, () => {
  let ws: Workspace;
  let server: Server;
  let browser: Browser;

  before(async () => {
    ws = makeWorkspace(['e2e-restore.md', 'e2e-broken.md']);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('errors, filter, open folder, live refresh', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    const items = tid(page, 'library-item');
    await waitFor(async () => (await items.count()) === 2, 'two library entries');

    // A runbook that failed to load says why, in the list.
    const broken = page.locator('[data-testid="library-item"][data-path$="e2e-broken.md"]');
    const err = broken.locator('[data-testid="library-error"]');
    await err.waitFor();
    assert.match(await err.innerText(), /front matter/i);
    await broken.click();
    await tid(page, 'preview-error').waitFor();
    assert.equal(await tid(page, 'start-drill').count(), 0, 'no Start drill for a runbook that did not load');

    // Filter.
    await tid(page, 'library-filter').fill('orders restore');
    await waitFor(async () => (await items.count()) === 1, 'the filter to leave one entry');
    assert.equal(await items.first().getAttribute('data-title'), 'E2E orders database restore');
    await tid(page, 'library-filter').fill('');
    await waitFor(async () => (await items.count()) === 2, 'the filter to clear');

    // Open folder… by path.
    const extra = path.join(path.dirname(ws.runbooksDir), 'more-runbooks');
    mkdirSync(extra);
    writeFileSync(
      path.join(extra, 'dns-failover.md'),
      '---\ntitle: DNS failover to the standby region\nrto: 20m\n---\n\n## Lower the TTL\n\n- [ ] TTL is 60s\n\n## Flip the record\n\n- [ ] Record points at standby\n',
    );
    await tid(page, 'open-folder').click();
    await tid(page, 'open-folder-input').fill(extra);
    await tid(page, 'open-folder-submit').click();
    const dns = page.locator('[data-testid="library-item"][data-title="DNS failover to the standby region"]');
    await dns.waitFor();
    assert.match(await dns.innerText(), /RTO 20:00/);
    assert.match(await dns.innerText(), /2 steps/);

    // A folder that does not exist: the server's message, as a toast.
    await tid(page, 'open-folder').click();
    await tid(page, 'open-folder-input').fill(path.join(extra, 'nope'));
    await tid(page, 'open-folder-submit').click();
    await tid(page, 'toast').filter({ hasText: /no such folder/ }).waitFor();

    // A runbook dropped into a watched folder appears without a reload.
    copyFileSync(path.join(FIXTURES, 'e2e-hostile.md'), path.join(ws.runbooksDir, 'zz-new.md'));
    await page.locator('[data-testid="library-item"][data-path$="zz-new.md"]').waitFor({ timeout: 20_000 });

    assert.deepEqual(errors, []);
  });

  test('theme toggle is remembered across reloads', async () => {
    const { page } = await newPage(browser, { colorScheme: 'dark' });
    await openApp(page, server);
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme as string);
    assert.equal(await theme(), 'dark', 'follows the OS by default');
    await tid(page, 'theme-toggle').click(); // system → light
    assert.equal(await theme(), 'light');
    assert.equal(await page.evaluate(() => localStorage.getItem('drillbook.theme')), 'light');
    await page.reload();
    await page.locator('[data-testid="conn-state"][data-state="open"]').waitFor();
    assert.equal(await theme(), 'light');
    assert.equal(await tid(page, 'theme-toggle').getAttribute('data-pref'), 'light');
    await tid(page, 'theme-toggle').click(); // light → dark
    await tid(page, 'theme-toggle').click(); // dark → system
    assert.equal(await page.evaluate(() => localStorage.getItem('drillbook.theme')), null);
    assert.equal(await theme(), 'dark');
  });
});
