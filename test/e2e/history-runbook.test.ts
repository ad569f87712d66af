/**
 * The runbook page in a real browser against the real web host: drills
 * recorded through the engine (two runbook versions, the last drill with
 * one step far over its median), then the history list's filters, the
 * runbook page's uPlot charts (canvas, drawn), flags, version marker, the
 * waterfall and the step-by-step comparison.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { cleanup, seededApp, newPage, type Server } from './harness';
import { openApp, tid } from './ui';
import path from 'node:path';
import { openDatabase } from '../../main/store/db';
import { DrillService } from '../../main/drill/service';
import { manualClock } from '../../main/drill/clock';
import { runbook } from '../helpers/history-fixture';
import { damageIndexPage } from '../helpers/runbooks';

declare const document: any;

const TITLE = 'Orders database restore';

function record(dataDir: string): string[] {
  const db = openDatabase(dataDir);
  const clock = manualClock(Date.UTC(2026, 0, 5, 9));
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'e2e-seed' });
  const v1 = runbook(['Declare', 'Restore', 'Verify'], { file: '/srv/runbooks/orders.md', sha: 'v1', rto: 1500, keys: ['declare', 'restore', 'verify'] });
  const v2 = runbook(['Declare the incident', 'Restore', 'Verify'], { file: '/srv/runbooks/orders.md', sha: 'v2', rto: 1500, keys: ['declare', 'restore', 'verify'] });
  for (const rb of [v1, v2]) rb.title = TITLE;
  const ids: string[] = [];
  const plans: [typeof v1, number[]][] = [
    [v1, [60_000, 600_000, 120_000]],
    [v1, [60_000, 620_000, 120_000]],
    [v1, [60_000, 590_000, 120_000]],
    [v2, [60_000, 610_000, 120_000]],
    [v2, [60_000, 1_500_000, 120_000]], // restore 2.5× its median; RTO missed
  ];
  for (const [rb, ms] of plans) {
    clock.advance(7 * 86_400_000);
    const id = drills.start(rb, 'rehearsal', 'ana').id;
    ms.forEach((d, i) => {
      drills.stepStart(id, i);
      clock.advance(d);
      drills.stepComplete(id, i);
    });
    drills.finish(id);
    ids.push(id);
  }
  db.close();
  return ids;
}

describe('history runbook page in the browser', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;
  let ids: string[];

  before(async () => {
    ({ server, browser, seeded: ids } = await seededApp((ws) => record(ws.dataDir)));
  });
  after(cleanup);

  test('list filters → runbook page with uPlot charts and flags → waterfall → compare', async () => {
    const { page, errors } = await newPage(browser, { colorScheme: 'dark' });
    await openApp(page, server);
    await tid(page, 'nav-history').click();
    await tid(page, 'history-row').first().waitFor();
    assert.equal(await tid(page, 'history-total').innerText(), '5');
    assert.equal(await tid(page, 'history-row').count(), 5);

    // Result filter: only the last drill failed (RTO missed).
    await tid(page, 'history-filter-result').selectOption('fail');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 1);
    assert.equal(await tid(page, 'history-row').getAttribute('data-drill-id'), ids[4]);
    assert.equal(await tid(page, 'history-total').innerText(), '1');
    await tid(page, 'history-filter-result').selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 5);
    // Date range: the first two weeks hold the first two drills (5 and 12 days after Jan 5 → Jan 12, Jan 19).
    await tid(page, 'history-filter-until').fill('2026-01-19');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 2);
    await tid(page, 'history-filter-until').fill('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 5);

    // The runbook page.
    await tid(page, 'history-runbook-link').first().click();
    const rb = tid(page, 'runbook-page');
    await rb.waitFor();
    assert.equal(await tid(page, 'rb-title').innerText(), TITLE);
    const rto = tid(page, 'rb-chart-rto');
    const steps = tid(page, 'rb-chart-steps');
    await rto.locator('canvas').waitFor();
    await steps.locator('canvas').waitFor();
    assert.equal(await rto.getAttribute('data-points'), '5');
    assert.equal(await rto.getAttribute('data-markers'), '1', 'one version change');
    assert.equal(await steps.getAttribute('data-steps'), '3');
    // The canvases hold a drawing, not just a blank element.
    const inked = await page.evaluate(() =>
      Array.from(document.querySelectorAll('[data-testid^="rb-chart-"] canvas')).map((c: any) => {
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n;
      }),
    );
    assert.equal(inked.length, 2);
    for (const n of inked) assert.ok(n > 500, `chart drawn (${n} painted pixels)`);

    assert.match(await tid(page, 'rb-pass-rate').innerText(), /80%\s*4\/5/);
    await tid(page, 'rb-last-unusual').waitFor();
    assert.match(await tid(page, 'rb-last-slow').innerText(), /Restore 25m 00s \(median 10m 10s\)/);
    const restore = page.locator('[data-testid="rb-step-row"][data-key="restore"]');
    assert.equal(await restore.getAttribute('data-slow'), 'true');
    assert.equal(await restore.locator('[data-testid="slow-flag"]').innerText(), '2.5×');
    assert.equal(await page.locator('[data-testid="rb-step-row"][data-slow="true"]').count(), 1, 'only the slow step is flagged');
    assert.match(await page.locator('[data-testid="rb-step-row"][data-key="declare"]').innerText(), /Declare the incident/);
    assert.match(await tid(page, 'rb-markers').innerText(), /v2 from 2026-02-02 .* renamed declare/);
    assert.equal(await tid(page, 'recent-slow-steps').count(), 1);

    // Slowest first: restore leads.
    await tid(page, 'rb-order-slowest').click();
    assert.equal(await page.locator('[data-testid="rb-step-row"]').first().getAttribute('data-key'), 'restore');

    // The last drill's waterfall.
    await tid(page, 'rb-last-open').click();
    await tid(page, 'waterfall').waitFor();
    assert.equal(await tid(page, 'waterfall-page').getAttribute('data-drill-id'), ids[4]);
    assert.equal(await tid(page, 'wf-step').count(), 3);
    assert.equal(await page.locator('[data-testid="wf-step"][data-key="restore"]').getAttribute('data-slow'), 'true');
    assert.equal(await tid(page, 'wf-slow-count').innerText(), '1');

    // Compared with the drill before it.
    await tid(page, 'wf-compare-previous').click();
    await tid(page, 'compare-page').waitFor();
    const row = page.locator('[data-testid="cmp-step"][data-key="restore"]');
    assert.match(await row.locator('[data-testid="cmp-delta"]').innerText(), /\+14m 50s \(2\.46×\)/);
    assert.equal(await row.locator('[data-testid="slow-flag"]').count(), 1, 'B flagged, A not');

    // Back returns to the waterfall; the History tab returns to the list.
    await page.goBack();
    await tid(page, 'waterfall-page').waitFor();
    await tid(page, 'nav-history').click();
    await tid(page, 'history-row').first().waitFor();
    assert.deepEqual(errors, []);
  });
});

describe('a damaged history in the browser', { timeout: 120_000 }, () => {
  let server: Server;
  let browser: Browser;

  before(async () => {
    ({ server, browser } = await seededApp((ws) => {
      record(ws.dataDir);
      // Garbage over one index page: the file still opens, integrity_check fails.
      damageIndexPage(path.join(ws.dataDir, 'drillbook.sqlite'), 'drill_steps_stats');
    }));
  });
  after(cleanup);

  test('the integrity check at start is reported to the user, with what to do', async () => {
    const { page } = await newPage(browser);
    await openApp(page, server);
    const banner = tid(page, 'db-health-banner');
    await banner.waitFor();
    const text = await banner.innerText();
    assert.match(text, /The drill history failed its integrity check/);
    assert.match(text, /automatic backups are paused/);
    assert.match(text, /drillbook db check/);
    assert.match(server.output(), /failed its integrity check/, 'and on the host terminal');
  });
});
