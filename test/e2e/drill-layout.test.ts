/**
 * The drill view's room for the terminal (issue 9, item 7): at 1440x900 the
 * terminal had 46 columns beside the step and the activity pane. Now: at
 * least 100 columns by default, a draggable splitter, a collapsible activity
 * pane and a terminal-wide layout on a key; and no keyboard trap in the
 * terminal (Ctrl+Shift+E moves focus out). Reads xterm's own `cols`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { cleanup, seededApp, newPage, waitFor, type Server } from './harness';
import { blur, openApp, openRunbook, startDrill, tid } from './ui';

declare const document: any;

const TITLE = 'Layout e2e';
const RUNBOOK = `---\ntitle: ${TITLE}\nrto: 30m\n---\n\n## Look around\n\n\`\`\`sh {name=greet}\necho hello\n\`\`\`\n\n- [ ] Seen\n`;

async function termSize(page: Page): Promise<{ cols: number; rows: number }> {
  return page.evaluate(() => {
    const term = document.querySelector('[data-testid="terminal-view"].is-active')?.drillbookTerminal;
    return term ? { cols: term.cols, rows: term.rows } : { cols: 0, rows: 0 };
  });
}

describe('drill layout', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;

  before(async () => {
    ({ server, browser } = await seededApp((ws) => writeFileSync(path.join(ws.runbooksDir, 'layout.md'), RUNBOOK)));
  });
  after(cleanup);

  test('at 1440x900 the terminal has at least 100 columns; splitter, activity pane and wide layout work', async () => {
    const { page, errors } = await newPage(browser, { width: 1440, height: 900 });
    await openApp(page, server);
    await openRunbook(page, TITLE);
    await startDrill(page, 'Ada Lovelace');
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    // Settle: the fit follows layout by a frame.
    const size = await waitFor(async () => {
      const s = await termSize(page);
      return s.cols >= 100 ? s : null;
    }, 'a terminal of at least 100 columns at 1440x900', 5_000).catch(async () => termSize(page));
    assert.ok(size.cols >= 100, `terminal is ${size.cols} columns wide at 1440x900`);
    assert.ok(size.rows >= 20, `terminal has ${size.rows} rows at 1440x900`);

    // The step panel is still there beside it, wide enough to read.
    const stepBox = await tid(page, 'step-panel-pane').boundingBox();
    assert.ok(stepBox && stepBox.width >= 300, `step pane is ${stepBox?.width} px`);

    // Dragging the splitter to the left widens the terminal.
    const split = tid(page, 'term-splitter');
    const box = (await split.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x - 60, box.y + 200, { steps: 5 });
    await page.mouse.up();
    const wider = await waitFor(async () => {
      const s = await termSize(page);
      return s.cols > size.cols + 4 ? s : null;
    }, 'a wider terminal after dragging the splitter');
    assert.ok(wider.cols > size.cols);

    // The activity pane folds away and comes back (a button and the `a` key).
    await tid(page, 'activity-toggle').click();
    await waitFor(async () => (await tid(page, 'drill-grid').getAttribute('data-activity')) === 'open', 'the activity pane opened');
    await tid(page, 'activity-log').waitFor();
    await blur(page);
    await page.keyboard.press('a');
    await waitFor(async () => (await tid(page, 'drill-grid').getAttribute('data-activity')) === 'closed', 'the activity pane folded by key');

    // Terminal-wide layout on a key: the terminal takes the step's room too.
    await blur(page);
    await page.keyboard.press('w');
    const wide = await waitFor(async () => {
      const s = await termSize(page);
      return s.cols >= 140 ? s : null;
    }, 'a terminal-wide layout');
    assert.ok(wide.cols >= 140, `terminal-wide layout gives ${wide.cols} columns`);
    await blur(page);
    await page.keyboard.press('w');
    await waitFor(async () => (await termSize(page)).cols < wide.cols, 'back to the split layout');

    // No keyboard trap: focus into the terminal, Ctrl+Shift+E moves it out and the shortcut keys work again.
    await page.locator('[data-testid="terminal-view"].is-active').click();
    assert.equal(await page.evaluate(() => !!document.activeElement?.closest('.xterm')), true);
    await page.keyboard.press('Control+Shift+E');
    await waitFor(async () => page.evaluate(() => !document.activeElement?.closest('.xterm')), 'focus out of the terminal');
    await page.keyboard.press('?');
    await tid(page, 'shortcuts-overlay').waitFor();
    await page.keyboard.press('Escape');
    await tid(page, 'shortcuts-overlay').waitFor({ state: 'detached' });
    // Opened from the footer's button: Esc closes it, and Enter does not bring it back.
    await tid(page, 'show-shortcuts').click();
    await tid(page, 'shortcuts-overlay').waitFor();
    await page.keyboard.press('Escape');
    await tid(page, 'shortcuts-overlay').waitFor({ state: 'detached' });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    assert.equal(await tid(page, 'shortcuts-overlay').count(), 0, 'Enter after Esc reopened the shortcut sheet');
    assert.deepEqual(errors, []);
  });
});
