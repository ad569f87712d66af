/**
 * History with mixed modes in the browser (issue 9, item 11): cron runs of a
 * runbook take seconds, rehearsals take minutes. The waterfall and the
 * comparison flagged every rehearsal step "slow" against a median of both;
 * now each drill is measured against its own mode, and the axes read UTC
 * 24-hour clock times on round ticks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT, cleanup, seededApp, newPage, type Server } from './harness';
import { openApp, tid } from './ui';
import { openDatabase } from '../../main/store/db';
import { DrillService } from '../../main/drill/service';
import { manualClock } from '../../main/drill/clock';
import { runbook } from '../helpers/history-fixture';
import type { DrillMode } from '../../main/drill/model';

declare const location: any;

function record(dataDir: string): { auto: string[]; rehearsals: string[] } {
  const db = openDatabase(dataDir);
  // 13:07 UTC: a 12-hour clock or the browser's zone would show in the labels.
  const clock = manualClock(Date.UTC(2026, 0, 5, 13, 7, 10));
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'e2e-seed' });
  const rb = runbook(['Declare', 'Restore', 'Verify'], { file: '/srv/runbooks/orders.md', rto: 3600, keys: ['declare', 'restore', 'verify'] });
  rb.title = 'Orders restore';
  const run = (mode: DrillMode, ms: number[]) => {
    clock.advance(86_400_000);
    const id = drills.start(rb, mode, 'ana').id;
    ms.forEach((d, i) => {
      drills.stepStart(id, i);
      clock.advance(d);
      drills.stepComplete(id, i);
    });
    drills.finish(id);
    return id;
  };
  const auto = [0, 1, 2, 3, 4, 5].map((i) => run('automated', [500, 20_000 + i * 100, 3_000]));
  const rehearsals = [0, 1, 2].map((i) => run('rehearsal', [120_000, 900_000 + i * 10_000, 300_000]));
  db.close();
  return { auto, rehearsals };
}

async function waitForMode(page: import('playwright-core').Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as any).document.querySelector('[data-testid="rb-filter-mode"]')?.value === 'rehearsal');
  await page.locator('[data-testid="rb-mode-row"]').first().waitFor({ state: 'detached' });
}

describe('history with mixed modes', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;
  let ids: { auto: string[]; rehearsals: string[] };

  before(async () => {
    ({ server, browser, seeded: ids } = await seededApp((ws) => record(ws.dataDir)));
  });
  after(cleanup);

  test('a rehearsal is not flagged slow against cron runs; axes are UTC 24-hour on round ticks', async () => {
    const { page, errors } = await newPage(browser, { colorScheme: 'dark' });
    await page.emulateMedia({ colorScheme: 'dark' });
    await openApp(page, server);
    const last = ids.rehearsals[2]!;
    await tid(page, 'nav-history').click();
    await tid(page, 'history-row').first().waitFor();
    const go = (hash: string) => page.evaluate((h) => (location.hash = h), hash);
    await go(`#/history/drill/${encodeURIComponent(last)}`);
    await tid(page, 'waterfall').waitFor();
    assert.equal(await tid(page, 'wf-mode').innerText(), 'rehearsal');
    assert.equal(await tid(page, 'slow-flag').count(), 0, 'no step of a steady rehearsal is slow');
    assert.equal(await tid(page, 'wf-slow-count').innerText(), '0');
    const ticks = await tid(page, 'wf-tick').allInnerTexts();
    assert.ok(ticks.length >= 3, ticks.join(' '));
    for (const t of ticks) assert.match(t, /^(\d{1,2} [A-Z][a-z]{2} )?\d{2}:\d{2}$/, `tick "${t}"`);
    // A 22-minute drill in the afternoon (UTC): ticks on the 5 minutes, 24-hour.
    const minutes = ticks.map((t) => {
      const [h, m] = t.slice(-5).split(':').map(Number);
      return h! * 60 + m!;
    });
    assert.ok(minutes.every((m) => m % 5 === 0), ticks.join(' '));
    assert.ok(minutes.every((m, i) => i === 0 || m - minutes[i - 1]! === 5), ticks.join(' '));
    assert.ok(minutes[0]! >= 13 * 60, `afternoon reads 24-hour: ${ticks.join(' ')}`);
    await page.screenshot({ path: path.join(ROOT, 'build', 'screenshots', 'history-waterfall-modes.png') }).catch(() => {});

    // Compare a cron run with the rehearsal: neither side is slow against its own mode.
    await go(`#/history/compare/${encodeURIComponent(ids.auto[5]!)}/${encodeURIComponent(last)}`);
    await tid(page, 'compare-page').waitFor();
    assert.equal(await tid(page, 'slow-flag').count(), 0);
    assert.match(await tid(page, 'compare-modes').innerText(), /automated vs rehearsal/);

    // The runbook page with no mode filter: recent rehearsals carry no slow flag either.
    await go(`#/history/runbook/${encodeURIComponent('/srv/runbooks/orders.md')}`);
    await tid(page, 'rb-chart-rto').waitFor();
    assert.equal(await tid(page, 'slow-flag').count(), 0);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ROOT, 'build', 'screenshots', 'history-runbook-modes.png'), fullPage: true }).catch(() => {});
    await tid(page, 'rb-chart-steps').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ROOT, 'build', 'screenshots', 'history-runbook-steps.png') }).catch(() => {});
    // And the figures per mode beside the overall ones.
    assert.deepEqual(await page.locator('[data-testid="rb-mode-row"]').evaluateAll((rows: any[]) => rows.map((r) => r.dataset.mode)), ['automated', 'rehearsal']);
    // The step figures say they mix modes, and one click shows one mode.
    await tid(page, 'rb-steps-one-mode').click();
    await waitForMode(page);
    assert.equal(await tid(page, 'rb-steps-mixed').count(), 0);
    assert.deepEqual(errors, []);
  });
});
