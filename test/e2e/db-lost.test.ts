/**
 * The UI says so, at once and plainly, when the history file is moved or
 * deleted under a running drill (issue 12, item 1): the health banner shows
 * without anyone writing, and the next action is refused with the sentence.
 * Screenshots (1440x900 and 1024x700) go to $DRILLBOOK_SCREENSHOTS when set.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { cleanup, killTerminalHost, launchBrowser, makeWorkspace, newPage, startServer, onCleanup } from './harness';
import { openApp, openRunbook, startDrill, tid } from './ui';

after(cleanup);

test('a data folder moved mid-drill: the banner says nothing more is saved', { timeout: 120_000 }, async () => {
  const ws = makeWorkspace(['e2e-restore.md']);
  const server = await startServer(ws);
  const browser = await launchBrowser();
  onCleanup(() => browser.close());
  for (const [width, height] of [
    [1440, 900],
    [1024, 700],
  ] as const) {
    const { page } = await newPage(browser, { width, height });
    await openApp(page, server);
    if (width === 1440) {
      await openRunbook(page, 'E2E orders database restore');
      await startDrill(page, 'Dana Whitfield');
      renameSync(ws.dataDir, ws.dataDir + '-moved');
      // The drill's terminal host moved with the folder (its shell keeps running, by design): end it from there.
      onCleanup(() => killTerminalHost(ws.dataDir + '-moved'));
    }
    const banner = tid(page, 'db-health-banner');
    await banner.waitFor({ timeout: 20_000 });
    assert.match((await banner.textContent()) ?? '', /Drill history is not being saved\..*The history database was moved or deleted: .*drillbook\.sqlite.*nothing after \d\d:\d\d:\d\d UTC was saved/);
    if (process.env.DRILLBOOK_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.DRILLBOOK_SCREENSHOTS, `db-lost-${width}.png`) });
  }
});
