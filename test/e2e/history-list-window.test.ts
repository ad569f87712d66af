/**
 * The history list renders only the rows on screen (renderer/history/rowWindow.ts):
 * 150 drills recorded through the engine, the newest 100 on the first page,
 * about 30 of them in the DOM; scrolling to the bottom brings the oldest of
 * the page in, and "Show more" the rest.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { cleanup, seededApp, newPage, type Server } from './harness';
import { openApp, tid } from './ui';
import { openDatabase } from '../../main/store/db';
import { DrillService } from '../../main/drill/service';
import { manualClock } from '../../main/drill/clock';
import { runbook } from '../helpers/history-fixture';

declare const document: any;

function record(dataDir: string, count: number): string[] {
  const db = openDatabase(dataDir);
  const clock = manualClock(Date.UTC(2026, 0, 5, 9));
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'e2e-seed' });
  const rb = runbook(['Restore'], { file: '/srv/runbooks/orders.md', rto: 1500 });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    clock.advance(3_600_000);
    const id = drills.start(rb, 'rehearsal', 'ana').id;
    drills.stepStart(id, 0);
    clock.advance(60_000 + i * 1_000);
    drills.stepComplete(id, 0);
    drills.finish(id);
    ids.push(id);
  }
  db.close();
  return ids.reverse(); // newest first, as the list shows them
}

const rendered = (page: import('playwright-core').Page) =>
  page.evaluate(() => Array.from(document.querySelectorAll('[data-testid="history-row"]')).map((r: any) => r.getAttribute('data-drill-id') as string));

describe('history list window in the browser', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;
  let ids: string[];

  before(async () => {
    ({ server, browser, seeded: ids } = await seededApp((ws) => record(ws.dataDir, 150)));
  });
  after(cleanup);

  test('a page of 100 drills puts only the rows on screen in the DOM; scrolling and "Show more" bring the rest', async () => {
    const { page, errors } = await newPage(browser, { width: 1440, height: 900 });
    await openApp(page, server);
    await tid(page, 'nav-history').click();
    await tid(page, 'history-row').first().waitFor();
    assert.equal(await tid(page, 'history-total').innerText(), '150');
    let rows = await rendered(page);
    assert.equal(rows[0], ids[0], 'the newest drill first');
    assert.ok(rows.length >= 15 && rows.length <= 45, `rows in the DOM for a 900 px window: ${rows.length} (the page holds 100)`);
    assert.ok(await tid(page, 'history-more').isVisible(), 'the "Show more" button below the (spaced) rows');

    // Scroll to the bottom: the 100th drill (the oldest of the page) is drawn, the newest is not.
    await page.evaluate(() => {
      const el = document.querySelector('.history .table-wrap');
      el.scrollTop = el.scrollHeight;
    });
    await page.waitForFunction((id) => document.querySelector(`[data-testid="history-row"][data-drill-id="${id}"]`) !== null, ids[99]);
    rows = await rendered(page);
    assert.ok(!rows.includes(ids[0]!), 'the newest row left the DOM');
    assert.ok(rows.length <= 45, `still a window: ${rows.length}`);

    await tid(page, 'history-more').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="history-more"]') === null);
    await page.evaluate(() => {
      const el = document.querySelector('.history .table-wrap');
      el.scrollTop = el.scrollHeight;
    });
    await page.waitForFunction((id) => document.querySelector(`[data-testid="history-row"][data-drill-id="${id}"]`) !== null, ids[149]);
    // Back to the top: the newest again, opened by a click.
    await page.evaluate(() => {
      document.querySelector('.history .table-wrap').scrollTop = 0;
    });
    await page.waitForFunction((id) => document.querySelector(`[data-testid="history-row"][data-drill-id="${id}"]`) !== null, ids[0]);
    assert.deepEqual(errors, []);
  });
});
