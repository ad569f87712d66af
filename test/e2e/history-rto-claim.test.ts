/**
 * The history list in the browser. Its RTO badge never says "met" for a drill that failed or was aborted (issue 15): the drill view's
 * clock already refused to, and the list row (renderer/history/HistoryScreen.tsx RtoCell) now reads the same rule
 * (main/drill/headline.ts rtoMetClaim). Each drill below closed its RTO window well inside the target. And its
 * first page is fetched while the app is idle (renderer/history/store.ts prefetchHistory), so the first opening of
 * the tab has it in hand.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { cleanup, seededApp, newPage, waitFor, type Server } from './harness';
import { openApp, tid } from './ui';
import { openDatabase } from '../../main/store/db';
import { DrillService } from '../../main/drill/service';
import { manualClock } from '../../main/drill/clock';
import { runbook } from '../helpers/history-fixture';

function record(dataDir: string) {
  const db = openDatabase(dataDir);
  const clock = manualClock(Date.UTC(2026, 0, 5, 9));
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'e2e-seed' });
  const rb = runbook(['Declare', 'Restore'], { file: '/srv/runbooks/orders.md', rto: 1500 });
  const one = (end: 'pass' | 'fail' | 'abort' | 'miss') => {
    clock.advance(3_600_000);
    const id = drills.start(rb, 'rehearsal', 'ana').id;
    drills.stepStart(id, 0);
    clock.advance(10_000);
    drills.stepComplete(id, 0);
    drills.stepStart(id, 1);
    clock.advance(end === 'miss' ? 2_000_000 : 20_000);
    if (end === 'fail') drills.stepFail(id, 1, 'the dump was empty');
    else drills.stepComplete(id, 1);
    if (end === 'abort') drills.abort(id, 'storage gone');
    else drills.finish(id);
    return id;
  };
  const ids = { pass: one('pass'), fail: one('fail'), abort: one('abort'), miss: one('miss') };
  db.close();
  return ids;
}

describe('history list in the browser: RTO badge, idle prefetch', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;
  let ids: ReturnType<typeof record>;

  before(async () => {
    ({ server, browser, seeded: ids } = await seededApp((ws) => record(ws.dataDir)));
  });
  after(cleanup);

  test('a failed or aborted drill reads "no result", never "met"; a passed drill "met", a late one "missed"', async () => {
    const { page, errors } = await newPage(browser, { width: 1440, height: 900 });
    await openApp(page, server);
    await tid(page, 'nav-history').click();
    await tid(page, 'history-row').first().waitFor();
    const badge = (id: string) => page.locator(`[data-testid="history-row"][data-drill-id="${id}"] [data-testid="rto-badge"]`).innerText();
    assert.equal(await badge(ids.pass), 'met');
    assert.equal(await badge(ids.miss), 'missed');
    assert.equal(await badge(ids.fail), 'no result', 'a failed drill');
    assert.equal(await badge(ids.abort), 'no result', 'an aborted drill');
    assert.deepEqual(errors, []);
  });

  test('the list is prefetched while the app is idle, shown at once when the tab opens, and checked again quietly', async () => {
    const { page, errors } = await newPage(browser, { width: 1440, height: 900 });
    const sent: { at: number; method: string }[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        const m = typeof f.payload === 'string' ? /"method":"(history\.[a-zA-Z]+)"/.exec(f.payload) : null;
        if (m) sent.push({ at: Date.now(), method: m[1]! });
      }),
    );
    await openApp(page, server);
    // Nobody asked for the history yet: the idle prefetch fetches its first page (bounded: idle or 2 s).
    await waitFor(() => sent.some((s) => s.method === 'history.list'), 'the idle prefetch of the history list');
    const before = sent.filter((s) => s.method === 'history.list').length;
    assert.equal(before, 1, 'one page prefetched');
    await tid(page, 'nav-history').click();
    await tid(page, 'history-row').first().waitFor();
    assert.equal(await tid(page, 'history-total').innerText(), '4');
    // The prefetched rows are on screen; the tab still asks once more, without a loading state, for drills another process may have added.
    await waitFor(() => sent.filter((s) => s.method === 'history.list').length === before + 1, 'the quiet check after opening');
    assert.equal(await tid(page, 'history-row').count(), 4);
    assert.deepEqual(errors, []);
  });
});
