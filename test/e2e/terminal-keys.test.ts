/**
 * Copy, paste and Find in the drill's terminal (issue 9, item 9). Ctrl+V used
 * to send ^V to the shell as well, so the next Enter typed a literal ^M.
 * Now: Ctrl+V and Ctrl+Shift+V paste (once, through xterm.js, so bash's
 * bracketed paste applies) and never send ^V; Ctrl+Shift+C copies the
 * selection; Find says how many matches there are.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor, type Server } from './harness';
import { openApp, openRunbook, startDrill, tid } from './ui';

declare const document: any, navigator: any;

const TITLE = 'Keys e2e';

async function screenText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const term = document.querySelector('[data-testid="terminal-view"].is-active')?.drillbookTerminal;
    if (!term) return '';
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i).translateToString(true));
    return lines.join('\n');
  });
}

describe('terminal keys', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;

  before(async () => {
    const ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'keys.md'), `---\ntitle: ${TITLE}\n---\n\n## Type\n\n\`\`\`sh\necho hi\n\`\`\`\n`);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('Ctrl+V and Ctrl+Shift+V paste without ^V; Ctrl+Shift+C copies; Find counts matches', async () => {
    const { page, context, errors } = await newPage(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    await openApp(page, server);
    await openRunbook(page, TITLE);
    await startDrill(page, 'Ada Lovelace');
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    const view = page.locator('[data-testid="terminal-view"].is-active');
    await view.click();

    // Ctrl+V: the pasted command, then Enter, runs (a ^V before it would make Enter a literal ^M).
    await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((3+4))'));
    await page.keyboard.press('Control+V');
    await page.keyboard.press('Enter');
    await waitFor(async () => /^pasted-7$/m.test(await screenText(page)), 'the Ctrl+V-pasted command to run');

    await page.evaluate(() => navigator.clipboard.writeText('echo shifted-$((5+5))'));
    await page.keyboard.press('Control+Shift+V');
    await page.keyboard.press('Enter');
    await waitFor(async () => /^shifted-10$/m.test(await screenText(page)), 'the Ctrl+Shift+V-pasted command to run');
    assert.doesNotMatch(await screenText(page), /\^V|\^M/);

    // A multi-line paste arrives as one bracketed paste: bash holds it until Enter instead of running line one.
    await page.evaluate(() => navigator.clipboard.writeText('echo multi-$((1+1))\necho multi-$((2+1))'));
    await page.keyboard.press('Control+V');
    await page.waitForTimeout(800);
    assert.doesNotMatch(await screenText(page), /^multi-2$/m, 'the first line ran before Enter: not a bracketed paste');
    await page.keyboard.press('Enter');
    await waitFor(async () => /^multi-2$/m.test(await screenText(page)) && /^multi-3$/m.test(await screenText(page)), 'both pasted lines to run');

    // Right-click with nothing selected pastes.
    await page.evaluate(() => navigator.clipboard.writeText('echo right-$((4*4))'));
    await view.click({ button: 'right' });
    // The paste follows the clipboard read (a promise): an operator sees the line appear, then presses Enter.
    await waitFor(async () => (await screenText(page)).includes('echo right-$((4*4))'), 'the right-click paste to reach the prompt');
    await page.keyboard.press('Enter');
    await waitFor(async () => /^right-16$/m.test(await screenText(page)), 'the right-click-pasted command to run');

    // Ctrl+Shift+C copies the selection (and does not interrupt or type anything).
    await page.evaluate(() => {
      const term = document.querySelector('[data-testid="terminal-view"].is-active').drillbookTerminal;
      const buf = term.buffer.active;
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf.getLine(i).translateToString(true) === 'shifted-10') return term.selectLines(i, i);
      }
    });
    await page.keyboard.press('Control+Shift+C');
    await waitFor(async () => /shifted-10/.test(await page.evaluate(() => navigator.clipboard.readText())), 'the selection on the clipboard');

    // Find: the count of matches.
    for (let i = 0; i < 3; i++) {
      await page.keyboard.type(`echo needle-${i}`);
      await page.keyboard.press('Enter');
    }
    await waitFor(async () => /^needle-2$/m.test(await screenText(page)), 'the needles');
    await page.keyboard.press('Control+Shift+F');
    await waitFor(async () => page.evaluate(() => document.activeElement?.dataset?.testid === 'terminal-find'), 'focus in Find');
    await page.keyboard.type('needle-');
    const count = tid(page, 'terminal-find-count');
    await count.waitFor();
    // Each needle is on screen twice: the typed command and its output.
    await waitFor(async () => (await count.getAttribute('data-count')) === '6', 'six matches');
    assert.match(await count.innerText(), /of 6/);
    await page.keyboard.press('Escape');
    await waitFor(async () => page.evaluate(() => !!document.activeElement?.closest('.xterm')), 'Esc back into the terminal');
    assert.deepEqual(errors, []);
  });
});
