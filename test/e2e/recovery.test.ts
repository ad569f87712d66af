/**
 * kill -9 mid-drill: the page says the connection is lost; the server is
 * restarted on the same data dir; the new URL offers to resume the
 * interrupted drill; resuming keeps every tick and completed step, shows
 * the gap, and the drill can be finished.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor, type Workspace } from './harness';
import { fetchSnapshot, giveReason, openApp, openRunbook, startDrill, stepItem, tickAll, tid, waitStepStatus } from './ui';

const TITLE = 'E2E orders database restore';

describe('crash recovery', { timeout: 180_000 }, () => {
  let ws: Workspace;
  let browser: Browser;

  before(async () => {
    ws = makeWorkspace(['e2e-restore.md']);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('SIGKILL mid-drill, restart, resume with the clock and ticks intact', async () => {
    const first = await startServer(ws);
    const { page, errors } = await newPage(browser);
    await openApp(page, first);
    await openRunbook(page, TITLE);
    const drillId = await startDrill(page, 'Grace Hopper', 'live');
    assert.equal(await tid(page, 'drill-mode').innerText(), 'LIVE');

    // Step 1 done, step 2 running with one item ticked, a pause taken and ended.
    await tid(page, 'step-start').click();
    await waitStepStatus(page, 0, 'running');
    await tickAll(page);
    await tid(page, 'step-complete').click();
    await waitStepStatus(page, 0, 'completed');
    await tid(page, 'pause').click();
    await giveReason(page, 'Bridge call');
    await tid(page, 'resume').click();
    await tid(page, 'paused-banner').waitFor({ state: 'detached' });
    await tid(page, 'step-start').click();
    await waitStepStatus(page, 1, 'running');
    await tid(page, 'check-item').first().click();
    await page.locator('[data-testid="check-item"][data-index="0"][data-checked="true"]').waitFor();
    const before = await fetchSnapshot(page, drillId);
    assert.equal(before.steps[1]!.checklist[0]!.checked, true);

    // kill -9: the page notices and says so.
    await first.kill9();
    const banner = tid(page, 'connection-banner');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Connection to Drillbook lost — reconnecting/);
    // Actions are withdrawn while disconnected.
    await waitFor(async () => (await tid(page, 'step-complete').count()) === 0, 'step actions to be hidden while offline');

    // Restart on the same data dir; open the new URL it printed.
    const second = await startServer(ws);
    assert.notEqual(second.token, first.token);
    await openApp(page, second);

    const offer = page.locator(`[data-testid="interrupted-banner"][data-drill-id="${drillId}"]`);
    await offer.waitFor();
    const offerText = await offer.innerText();
    assert.match(offerText, new RegExp(`A drill of ${TITLE} was interrupted at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(UTC\\)\\. Resume it\\?`));
    await offer.locator('[data-testid="recover-drill"]').click();

    // The drill view, with the gap shown and everything kept.
    await page.locator(`[data-testid="drill-view"][data-drill-id="${drillId}"]`).waitFor();
    await offer.waitFor({ state: 'detached' });
    const gap = tid(page, 'gap-notice');
    await gap.waitFor();
    assert.match(
      await gap.innerText(),
      /Drillbook was not running for (\d+(\.\d)?s|\d+m \d\ds) \(\d\d:\d\d:\d\d–\d\d:\d\d:\d\d UTC\); the clock kept running\./,
    );
    await waitStepStatus(page, 0, 'completed');
    await waitStepStatus(page, 1, 'running');
    await stepItem(page, 0).click();
    assert.equal(await page.locator('[data-testid="check-item"][data-checked="true"]').count(), 2, 'step 1 ticks kept');
    await stepItem(page, 1).click();
    assert.equal(await page.locator('[data-testid="check-item"][data-index="0"]').getAttribute('data-checked'), 'true', 'step 2 tick kept');

    const recovered = await fetchSnapshot(page, drillId);
    assert.equal(recovered.interrupted, false);
    assert.equal(recovered.gaps.length, 1);
    assert.ok(recovered.clock.netMs >= before.clock.netMs, 'the clock did not go backwards');
    assert.ok(recovered.clock.netMs >= before.clock.netMs + recovered.gaps[0]!.durationMs - 1000, 'the gap counts towards the clock');
    assert.equal(recovered.pauses.length, 1, 'the pause is kept');

    // And the drill can be finished.
    await tickAll(page);
    await tid(page, 'step-complete').click();
    await waitStepStatus(page, 1, 'completed');
    await stepItem(page, 2).click();
    await tid(page, 'step-start').click();
    await waitStepStatus(page, 2, 'running');
    await tickAll(page);
    await tid(page, 'step-complete').click();
    await waitStepStatus(page, 2, 'completed');
    await stepItem(page, 3).click();
    await tid(page, 'step-skip').click();
    await giveReason(page, 'Not needed after a real restore');
    await waitStepStatus(page, 3, 'skipped');
    await tid(page, 'finish').click();
    await tid(page, 'confirm-finish').click();
    await page.locator('[data-testid="drill-status"]', { hasText: 'Completed' }).waitFor();
    await tid(page, 'gap-notice').waitFor(); // still shown on the finished record

    const done = await fetchSnapshot(page, drillId);
    assert.equal(done.status, 'completed');
    assert.equal(done.gaps.length, 1);
    assert.ok(done.steps.slice(0, 3).every((s) => s.checklist.every((c) => c.checked)));

    await tid(page, 'nav-history').click();
    const row = page.locator(`[data-testid="history-row"][data-drill-id="${drillId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /LIVE/);
    assert.equal(await row.getAttribute('data-status'), 'completed');

    // Only the expected noise: the failed socket while the server was down.
    const unexpected = errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e));
    assert.deepEqual(unexpected, []);
    // One writer per data folder (issue 12): the next test starts its own server on this folder.
    await second.stop();
  });

  test('another server on the same port (another data folder, a new token): the page says to open the new URL', async () => {
    const first = await startServer(ws);
    const { page } = await newPage(browser);
    await openApp(page, first);
    await first.kill9();
    await tid(page, 'connection-banner').waitFor();
    // Same port, a server that never issued the page's token: the old cookie is refused. (A restart on the
    // same data folder accepts it: test/e2e/terminal-host.test.ts.)
    const second = await startServer(makeWorkspace(['e2e-restore.md']), { port: first.port });
    const refused = page.locator('[data-testid="connection-banner"][data-state="refused"]');
    await refused.waitFor({ timeout: 20_000 });
    assert.match(await refused.innerText(), /restarted/);
    assert.match(await refused.innerText(), /Open the new URL it printed/);
    await openApp(page, second);
    await tid(page, 'connection-banner').waitFor({ state: 'detached' });
  });
});
