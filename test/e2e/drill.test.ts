/**
 * A whole drill through the browser UI against the real web host: open a
 * runbook, start a drill, run every step (mouse and keyboard), skip one
 * with a reason, pause and resume, finish, then find it in History with
 * the RTO and step times the server recorded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor, type Server } from './harness';
import { blur, fetchSnapshot, giveReason, openApp, openRunbook, startDrill, stepItem, tickAll, tid, waitStepStatus } from './ui';

// page.evaluate callbacks run in the browser: its globals, untyped here (the
// root tsconfig is Node-only, without the DOM lib).
declare const document: any, location: any, localStorage: any;

const TITLE = 'E2E orders database restore';

describe('drill in the browser', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;

  before(async () => {
    const ws = makeWorkspace(['e2e-restore.md']);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('runbook → drill → every step → pause/resume → finish → history', async () => {
    const { page, errors } = await newPage(browser, { colorScheme: 'dark' });
    await openApp(page, server);

    // Library: the entry shows title, RTO and step count.
    const item = page.locator(`[data-testid="library-item"][data-title="${TITLE}"]`);
    await item.waitFor();
    const itemText = await item.innerText();
    assert.match(itemText, /RTO 10:00/);
    assert.match(itemText, /4 steps/);

    // Preview: metadata and every step rendered.
    await openRunbook(page, TITLE);
    assert.equal(await tid(page, 'preview-rto').innerText(), '10:00');
    assert.equal(await tid(page, 'preview-step').count(), 4);
    // Only the last step is a clean-up step (always=true on its heading), and its title is clean.
    assert.equal(await tid(page, 'preview-cleanup').count(), 1);
    assert.match(await tid(page, 'preview-step').nth(3).innerText(), /^4\s*Optional clean-up\s*clean-up/);
    assert.match(await page.locator('.preview').innerText(), /pg_restore --clean/);

    // Start: the operator name is remembered for next time.
    const drillId = await startDrill(page, 'Ada Lovelace');
    assert.equal(await tid(page, 'drill-operator').innerText(), 'Ada Lovelace');
    assert.equal(await page.evaluate(() => localStorage.getItem('drillbook.operator')), 'Ada Lovelace');
    assert.equal(await tid(page, 'clock-rto').innerText(), '10:00');

    // The clock ticks client-side.
    const netAt = async () => Number(await tid(page, 'clock-net').getAttribute('data-ms'));
    const t0 = await netAt();
    await waitFor(async () => (await netAt()) > t0 + 300, 'the net clock to tick');

    // Step 1 with the mouse: start, tick every item, complete.
    await tid(page, 'step-start').click();
    await waitStepStatus(page, 0, 'running');
    assert.equal(await tickAll(page), 2);
    await tid(page, 'step-complete').click();
    await waitStepStatus(page, 0, 'completed');

    // Shortcut overlay.
    await blur(page);
    await page.keyboard.press('?');
    await tid(page, 'shortcuts-overlay').waitFor();
    await page.keyboard.press('Escape');
    await tid(page, 'shortcuts-overlay').waitFor({ state: 'detached' });

    // Pause with a reason (p): the net clock stops, the reason is shown.
    await blur(page);
    await page.keyboard.press('p');
    await tid(page, 'reason-dialog').waitFor();
    await tid(page, 'confirm-reason').click(); // a reason is required
    assert.match(await tid(page, 'reason-dialog').innerText(), /A reason is required/);
    await giveReason(page, 'Waiting for the storage team');
    await tid(page, 'paused-banner').waitFor();
    assert.match(await tid(page, 'paused-banner').innerText(), /PAUSED — Waiting for the storage team/);
    assert.equal(await page.locator('[data-testid="drill-clock"]').getAttribute('data-state'), 'paused');
    const p0 = await netAt();
    // Give the clock a chance to (wrongly) move: compare across ~3 ticks.
    await page.waitForTimeout(700);
    assert.ok(Math.abs((await netAt()) - p0) < 50, 'net clock must not advance while paused');
    // Step actions wait for the resume.
    assert.equal(await tid(page, 'step-start').isDisabled(), true);
    await blur(page);
    await page.keyboard.press('p'); // resume
    await tid(page, 'paused-banner').waitFor({ state: 'detached' });
    const r0 = await netAt();
    await waitFor(async () => (await netAt()) > r0 + 300, 'the net clock to tick again after resume');

    // Step 2 with the keyboard: the selection moved to it; Enter starts,
    // x ticks each item, n writes a note, Enter completes.
    await page.locator('[data-testid="step-item"][data-index="1"][aria-selected="true"]').waitFor();
    await blur(page); // Enter on a focused button would press that button instead
    await page.keyboard.press('Enter');
    await waitStepStatus(page, 1, 'running');
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('x');
      await page.locator(`[data-testid="check-item"][data-index="${i}"][data-checked="true"]`).waitFor();
    }
    await page.keyboard.press('n');
    await waitFor(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'note-input'), 'n to focus the note box');
    await page.keyboard.type('Restored from the 02:00 UTC dump');
    await page.keyboard.press('Control+Enter');
    await tid(page, 'note-item').filter({ hasText: 'Restored from the 02:00 UTC dump' }).waitFor();
    await blur(page);
    await page.keyboard.press('Enter');
    await waitStepStatus(page, 1, 'completed');

    // Step 3: mouse again.
    await stepItem(page, 2).click();
    await tid(page, 'step-start').click();
    await waitStepStatus(page, 2, 'running');
    assert.equal(await tid(page, 'step-cleanup').count(), 0, 'step 3 is not a clean-up step');
    assert.equal(await tickAll(page), 1);
    await tid(page, 'step-complete').click();
    await waitStepStatus(page, 2, 'completed');

    // Step 4: skipped with a reason (the reason is required). It is the clean-up step.
    await stepItem(page, 3).click();
    await tid(page, 'step-cleanup').waitFor();
    await tid(page, 'step-skip').click();
    await tid(page, 'confirm-reason').click();
    assert.match(await tid(page, 'reason-dialog').innerText(), /A reason is required/);
    await giveReason(page, 'Scratch instance kept for the post-mortem');
    await waitStepStatus(page, 3, 'skipped');
    assert.match(await tid(page, 'step-reason').innerText(), /Scratch instance kept/);

    // Finish.
    await tid(page, 'finish').click();
    await tid(page, 'confirm-finish').click();
    await page.locator('[data-testid="drill-status"]', { hasText: 'Completed' }).waitFor();
    await tid(page, 'rto-result').waitFor();
    assert.equal(await tid(page, 'pause').count(), 0, 'a finished drill has no controls');

    // What the server recorded, and what the UI shows, agree.
    const snap = await fetchSnapshot(page, drillId);
    assert.equal(snap.status, 'completed');
    assert.equal(snap.operator, 'Ada Lovelace');
    assert.deepEqual(
      snap.steps.map((s) => s.status),
      ['completed', 'completed', 'completed', 'skipped'],
    );
    assert.equal(snap.steps[3]!.reason, 'Scratch instance kept for the post-mortem');
    for (const s of snap.steps.slice(0, 3)) assert.ok(s.checklist.every((c) => c.checked), `step ${s.index + 1} fully ticked`);
    assert.equal(snap.pauses.length, 1);
    assert.equal(snap.pauses[0]!.reason, 'Waiting for the storage team');
    assert.ok(snap.notes.some((n) => n.text === 'Restored from the 02:00 UTC dump' && n.stepIndex === 1));
    assert.equal(snap.rto.targetSec, 600);
    assert.equal(snap.rto.met, true);
    assert.equal(await tid(page, 'rto-result').getAttribute('data-met'), 'true');
    assert.equal(Number(await tid(page, 'clock-net').getAttribute('data-ms')), Math.floor(snap.clock.netMs));
    for (const s of snap.steps) {
      const shown = await stepItem(page, s.index).locator('[data-testid="step-time"]').getAttribute('data-ms');
      assert.equal(shown, s.durationMs == null ? '' : String(s.durationMs), `step ${s.index + 1} time`);
    }

    // History: newest first, with the RTO actual vs target and the met badge.
    await tid(page, 'nav-history').click();
    const row = page.locator(`[data-testid="history-row"][data-drill-id="${drillId}"]`);
    await row.waitFor();
    const rowText = await row.innerText();
    assert.match(rowText, new RegExp(TITLE));
    assert.match(rowText, /Ada Lovelace/);
    assert.match(rowText, /rehearsal/);
    assert.match(rowText, /completed/);
    assert.equal(await row.getAttribute('data-status'), 'completed');
    assert.equal(Number(await row.locator('[data-testid="rto-target"]').getAttribute('data-sec')), 600);
    assert.equal(Number(await row.locator('[data-testid="rto-actual"]').getAttribute('data-sec')), snap.rto.actualSec);
    assert.equal(await row.locator('[data-testid="rto-badge"]').innerText(), 'met');
    assert.equal(Number(await row.locator('[data-testid="history-net"]').getAttribute('data-ms')), snap.clock.netMs);

    // Filters narrow the list.
    await tid(page, 'history-filter-mode').selectOption('live');
    await waitFor(async () => (await tid(page, 'history-row').count()) === 0, 'the live filter to hide the rehearsal');
    await tid(page, 'history-filter-mode').selectOption('');
    await row.waitFor();

    // Opening it shows the read-only drill with the same step times.
    await row.click();
    await page.locator(`[data-testid="drill-view"][data-drill-id="${drillId}"]`).waitFor();
    await tid(page, 'ended-notice').waitFor();
    assert.equal(await tid(page, 'step-start').count(), 0);
    assert.equal(await tid(page, 'finish').count(), 0);
    for (const s of snap.steps) {
      const shown = await stepItem(page, s.index).locator('[data-testid="step-time"]').getAttribute('data-ms');
      assert.equal(shown, s.durationMs == null ? '' : String(s.durationMs));
    }

    assert.deepEqual(errors, [], 'no errors in the page');
  });

  test('API errors appear as a dismissible toast with the server message', async () => {
    const { page } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, TITLE);
    const drillId = await startDrill(page, 'Ada Lovelace');
    // Finishing with steps open is refused by the server: the UI explains
    // why first; going around it through the API shows the server's message.
    await tid(page, 'finish').click();
    await tid(page, 'finish-dialog').waitFor();
    assert.match(await tid(page, 'finish-dialog').innerText(), /Still open/);
    await page.keyboard.press('Escape');
    await page.evaluate(async (id) => {
      // Another client pauses the drill behind this page's back.
      const ws = new WebSocket(`ws://${location.host}/api`);
      await new Promise((r) => (ws.onopen = r));
      ws.send(JSON.stringify({ id: 1, method: 'drill.pause', params: { drillId: id, reason: 'test' } }));
      await new Promise((r) => (ws.onmessage = r));
      ws.close();
    }, drillId);
    await tid(page, 'paused-banner').waitFor(); // the event reached this page too
    await tid(page, 'step-item').first().click();
    await blur(page);
    await page.keyboard.press('s');
    await tid(page, 'reason-input').fill('not needed');
    await tid(page, 'confirm-reason').click();
    const toast = tid(page, 'toast');
    await toast.waitFor();
    assert.match(await toast.innerText(), /paused/i);
    assert.doesNotMatch(await toast.innerText(), /at .*\.ts:\d+/, 'no stack trace');
    await tid(page, 'toast-dismiss').click();
    await toast.waitFor({ state: 'detached' });
    // The dialog stays open with the reason kept, so it can be retried.
    assert.equal(await tid(page, 'reason-input').inputValue(), 'not needed');
    await tid(page, 'cancel-reason').click();
    await tid(page, 'reason-dialog').waitFor({ state: 'detached' });
  });
});
