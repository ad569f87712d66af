/**
 * The smaller things in issue 9 (item 12, and the confirm of item 5), each
 * as a person meets it in the drill view: a failed expectation says what
 * failed (not "✗ exit 0"); completing a step whose last block failed asks
 * first; the activity feed shows command runs and evidence; "1 check";
 * error toasts go by themselves and cover no control; the library says it
 * is loading instead of "Runbooks 0".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor, type Server } from './harness';
import { blur, fetchSnapshot, openApp, openRunbook, startDrill, tid } from './ui';

declare const document: any, location: any, WebSocket: any;

const TITLE = 'Polish e2e';
const RUNBOOK = `---\ntitle: ${TITLE}\nrto: 30m\n---\n\n## Check the restore\n\n\`\`\`sh {name=verify expect="restored"}\necho "nothing here"\n\`\`\`\n\n- [ ] Looked at it\n\n## Write up\n\n- [ ] Notes sent\n- [ ] Ticket closed\n`;

/** One API call through the page's origin, as another client would make it. */
async function call(page: Page, method: string, params: Record<string, unknown>): Promise<unknown> {
  return page.evaluate(
    async ([m, p]) => {
      const ws = new WebSocket(`ws://${location.host}/api`);
      await new Promise((r) => (ws.onopen = r));
      const reply = await new Promise<any>((r) => {
        ws.onmessage = (ev: any) => {
          const msg = JSON.parse(String(ev.data));
          if (msg.id === 777) r(msg);
        };
        ws.send(JSON.stringify({ id: 777, method: m, params: p }));
      });
      ws.close();
      if (reply.error) throw new Error(reply.error.message);
      return reply.result;
    },
    [method, params] as const,
  );
}

describe('drill view polish', { timeout: 240_000 }, () => {
  let server: Server;
  let browser: Browser;

  before(async () => {
    const ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'polish.md'), RUNBOOK);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('the library says it is loading, never "Runbooks 0" while it loads', async () => {
    const { page } = await newPage(browser);
    // Hold the server's replies for a moment, as a slow first scan would.
    await page.routeWebSocket(/\/api$/, (ws) => {
      const srv = ws.connectToServer();
      srv.onMessage((m) => void new Promise((r) => setTimeout(r, 1500)).then(() => ws.send(m)));
    });
    await page.goto(server.url);
    await tid(page, 'library-loading').waitFor();
    assert.equal(await tid(page, 'library-count').innerText(), '…');
    await tid(page, 'library-item').first().waitFor({ timeout: 20_000 });
    assert.equal(await tid(page, 'library-count').innerText(), '1');
    assert.equal(await tid(page, 'library-loading').count(), 0);
  });

  test('failed check: the badge says what failed, Complete asks first, the activity feed lists the run and evidence', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, TITLE);
    const drillId = await startDrill(page, 'Ada Lovelace');
    // "1 check", not "1 checks".
    assert.match(await page.locator('[data-testid="step-item"][data-index="0"]').innerText(), /0\/1 check\b/);
    assert.match(await page.locator('[data-testid="step-item"][data-index="1"]').innerText(), /0\/2 checks\b/);

    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    // Before the RTO window opens the clock says when it will; then the headline is the RTO clock.
    assert.equal(await tid(page, 'clock-headline').getAttribute('data-kind'), 'waiting');
    assert.match(await tid(page, 'rto-starts-at').innerText(), /RTO clock starts at step 1: Check the restore/);
    await tid(page, 'step-start').click();
    await page.locator('[data-testid="clock-headline"][data-kind="rto"]').waitFor();
    await tid(page, 'run-code').first().click();
    const badge = page.locator('[data-testid="run-result"][data-passed="false"]').first();
    await badge.waitFor({ timeout: 20_000 });
    const label = await badge.innerText();
    assert.match(label, /expected "restored" not found/);
    assert.doesNotMatch(label, /^✗ exit 0$/);

    // Completing the step whose last block failed asks first; Cancel keeps it running.
    await tid(page, 'step-complete').click();
    await tid(page, 'complete-failed-dialog').waitFor();
    assert.match(await tid(page, 'complete-failed-dialog').innerText(), /verify/);
    await page.keyboard.press('Escape');
    await tid(page, 'complete-failed-dialog').waitFor({ state: 'detached' });
    assert.equal((await fetchSnapshot(page, drillId)).steps[0]!.status, 'running');
    // The clock will not claim the RTO was met while that check stands.

    // Evidence recorded by someone else shows in the feed, as does the run.
    await call(page, 'finding.add', { drillId, text: 'Backup catalogue was stale', severity: 'medium', stepIndex: 0 });
    await tid(page, 'activity-toggle').click();
    const feed = tid(page, 'activity-log');
    await waitFor(async () => /Finding F1/.test(await feed.innerText()), 'the finding in the activity feed');
    const text = await feed.innerText();
    assert.match(text, /\$ echo "nothing here"/);
    assert.match(text, /expected "restored"|did not contain/);

    // Confirm: the step completes.
    await blur(page);
    await tid(page, 'step-complete').click();
    await tid(page, 'confirm-complete').click();
    await page.locator('[data-testid="step-item"][data-index="0"][data-status="completed"]').waitFor();

    // Finish within the RTO: the reducer says met, but the clock will not say "RTO met" over a failed check.
    await tid(page, 'step-item').nth(1).click();
    await blur(page);
    await tid(page, 'step-start').click();
    await tid(page, 'step-complete').click();
    await page.locator('[data-testid="step-item"][data-index="1"][data-status="completed"]').waitFor();
    await tid(page, 'finish').click();
    await tid(page, 'confirm-finish').click();
    const verdict = tid(page, 'rto-result');
    await verdict.waitFor();
    assert.equal((await fetchSnapshot(page, drillId)).rto.met, true);
    assert.equal(await verdict.getAttribute('data-verdict'), 'unverified');
    assert.doesNotMatch(await verdict.innerText(), /RTO met/);
    assert.match(await verdict.innerText(), /last check failed: verify/);
    await page.screenshot({ path: path.join(ROOT, 'build', 'screenshots', 'drill-clock-unverified.png'), clip: { x: 0, y: 0, width: 1440, height: 220 } }).catch(() => {});
    assert.deepEqual(errors, []);
  });

  test('an error toast covers no control and goes by itself', async () => {
    const { page } = await newPage(browser, { width: 1440, height: 900 });
    await openApp(page, server);
    await openRunbook(page, TITLE);
    const drillId = await startDrill(page, 'Ada Lovelace');
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    // Another client pauses the drill; this page then asks for something the server refuses.
    await call(page, 'drill.pause', { drillId, reason: 'test' });
    await tid(page, 'paused-banner').waitFor();
    await blur(page);
    await page.keyboard.press('s');
    await tid(page, 'reason-input').fill('not needed');
    await tid(page, 'confirm-reason').click();
    const toast = tid(page, 'toast');
    await toast.waitFor();
    await tid(page, 'cancel-reason').click();
    await tid(page, 'reason-dialog').waitFor({ state: 'detached' });
    const covered = await page.evaluate(() => {
      const t = document.querySelector('[data-testid="toast"]').getBoundingClientRect();
      const hits: string[] = [];
      for (const el of document.querySelectorAll('button, input, select, textarea, a[href], [role="tab"], [role="separator"]')) {
        if (el.closest('[data-testid="toast"]')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.left < t.right && r.right > t.left && r.top < t.bottom && r.bottom > t.top) hits.push(`${el.tagName} ${el.dataset.testid ?? el.textContent.trim().slice(0, 20)}`);
      }
      return hits;
    });
    assert.deepEqual(covered, [], 'the toast covers these controls');
    await toast.waitFor({ state: 'detached', timeout: 20_000 });
  });
});
