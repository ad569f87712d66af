/**
 * The transcript viewer opens a 50 MB transcript at its end (issue 9, item 9):
 * it used to replay the whole file from byte 0 through xterm.js before the
 * end could be seen. Now it loads only the last window (ranges of the file,
 * never the whole), and Start moves to the beginning.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor, type Server, type Workspace } from './harness';
import { giveReason, openApp, openRunbook, startDrill, tid } from './ui';

declare const document: any;

const TITLE = 'Transcript tail e2e';

async function screenText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const term = document.querySelector('[data-testid="transcript-view"]')?.drillbookTerminal;
    if (!term) return '';
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i).translateToString(true));
    return lines.join('\n');
  });
}

describe('a 50 MB transcript', { timeout: 240_000 }, () => {
  let ws: Workspace;
  let server: Server;
  let browser: Browser;

  before(async () => {
    ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'tail.md'), `---\ntitle: ${TITLE}\n---\n\n## Flood\n\n\`\`\`sh\necho hi\n\`\`\`\n`);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('opens at its end, loading a window of it, not the whole file', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, TITLE);
    const drillId = await startDrill(page, 'Ada Lovelace');
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    await page.locator('[data-testid="terminal-view"].is-active').click();
    await page.keyboard.type('echo FIRST-LINE-MARKER');
    await page.keyboard.press('Enter');
    await tid(page, 'abort').click();
    await giveReason(page, 'e2e done');
    await tid(page, 'transcripts').waitFor();

    // 50 MB of output, as a long `pg_restore -v` would leave, then a last line.
    const dir = path.join(ws.dataDir, 'transcripts', drillId);
    const out = readdirSync(dir).find((f) => f.endsWith('.out'))!;
    const line = `pg_restore: processing data for table "public.orders" ${'x'.repeat(60)}\r\n`;
    const chunk = line.repeat(Math.ceil((1 << 20) / line.length));
    for (let i = 0; i < 50; i++) appendFileSync(path.join(dir, out), chunk);
    appendFileSync(path.join(dir, out), 'LAST-LINE-MARKER\r\n');

    const t0 = Date.now();
    await page.reload();
    await page.locator('[data-testid="transcript-view"][data-loaded="true"]').waitFor({ timeout: 60_000 });
    const ms = Date.now() - t0;
    const text = await screenText(page);
    assert.match(text, /^LAST-LINE-MARKER$/m);
    assert.doesNotMatch(text, /FIRST-LINE-MARKER/, 'the window holds the end, not the whole transcript');
    const start = Number(await tid(page, 'transcript-view').getAttribute('data-window-start'));
    assert.ok(start > 40 * (1 << 20), `the window starts at byte ${start}`);
    // The end is in view (the viewport at the bottom of the buffer).
    const atBottom = await page.evaluate(() => {
      const b = document.querySelector('[data-testid="transcript-view"]').drillbookTerminal.buffer.active;
      return b.viewportY === b.baseY;
    });
    assert.equal(atBottom, true);
    console.log(`50 MB transcript: end shown ${ms} ms after reload`);

    // Start: the beginning of the transcript.
    await tid(page, 'transcript-start').click();
    await waitFor(async () => /FIRST-LINE-MARKER/.test(await screenText(page)), 'the start of the transcript');
    assert.equal(await tid(page, 'transcript-view').getAttribute('data-window-start'), '0');
    assert.deepEqual(errors, []);
  });
});
