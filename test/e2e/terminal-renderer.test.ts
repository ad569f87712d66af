/**
 * Which xterm.js renderer the drill view's terminal uses (renderer/terminal/xterm.ts), in real Chromium: by default
 * WebGL only on a GPU, so on this software-only Chromium (SwiftShader WebGL2, measured 5× dearer per MiB than the DOM
 * renderer) it is the DOM one; `drillbook.terminal.renderer` in localStorage forces either, which is how the terminal
 * bench measures both renderers on one machine.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer, type Server } from './harness';
import { openApp, openRunbook, startDrill } from './ui';

const TITLE = 'Renderer choice';
const RUNBOOK = `---\ntitle: ${TITLE}\n---\n# ${TITLE}\n\n## One\n\n\`\`\`sh\necho one\n\`\`\`\n`;

describe('the terminal renderer', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;

  before(async () => {
    const ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'renderer.md'), RUNBOOK);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  for (const [forced, expected] of [[null, 'dom'], ['webgl', 'webgl'], ['dom', 'dom']] as const) {
    test(`${forced ? `forced to ${forced}` : 'by default, with only software WebGL'}: ${expected}`, async () => {
      const { page, errors } = await newPage(browser);
      if (forced) await page.addInitScript((v: string) => (globalThis as any).localStorage.setItem('drillbook.terminal.renderer', v), forced);
      await openApp(page, server);
      await openRunbook(page, TITLE);
      await startDrill(page, `Renderer ${forced ?? 'auto'}`);
      const view = page.locator('[data-testid="terminal-view"].is-active');
      await view.waitFor();
      assert.equal(await view.getAttribute('data-renderer'), expected);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});
