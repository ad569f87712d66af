/**
 * A flood of terminal output in the drill view (real web host, real bash in
 * a pty, real Chromium): the output goes straight into xterm.js, so the drill
 * screen and the terminal components are not re-rendered per chunk (render
 * counts from renderer/app/renders.ts), and the big clock keeps ticking
 * while the page parses the flood.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor, type Server } from './harness';
import { openApp, openRunbook, startDrill, tid } from './ui';

// page.evaluate callbacks run in the browser (the root tsconfig has no DOM lib).
declare const document: any;
declare const window: any;

const TITLE = 'Terminal flood';
const RUNBOOK = `---
title: ${TITLE}
---
# ${TITLE}

## Flood

\`\`\`sh
seq 1 10
\`\`\`
`;

/** Components of the drill view whose renders are counted; the clock is counted apart (it ticks by design). */
const VIEW = ['DrillScreen', 'StepPanel', 'StepList', 'ActivityLog', 'TerminalPanel', 'TerminalView', 'TerminalWorkspace'];

async function sample(page: Page) {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid="terminal-view"].is-active');
    const clock = document.querySelector('[data-testid="clock-net"]');
    return {
      renders: { ...window.drillbookRenders } as Record<string, number>,
      chunks: (el?.drillbookChunks ?? 0) as number,
      bytes: Number(el?.dataset.bytes ?? 0),
      netMs: Number(clock?.dataset.ms ?? 0),
    };
  });
}

describe('a terminal flood in the drill view', { timeout: 240_000 }, () => {
  let server: Server;
  let browser: Browser;

  before(async () => {
    const ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'flood.md'), RUNBOOK);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('output chunks cause no re-render of the drill screen or the terminal, and the clock ticks on', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, TITLE);
    await startDrill(page, 'Flood Tester');
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    await tid(page, 'step-start').click();
    // Let the view settle (terminal fitted, prompt drawn) before counting.
    await page.locator('[data-testid="terminal-view"].is-active').click();
    await page.waitForTimeout(1000);

    const before = await sample(page);
    // About 5.7 MB of output in 300 writes 20 ms apart (longer than the core's 16 ms frame), so hundreds of frames
    // reach the page however fast the machine is: 60 back-to-back writes once came as only 84 frames on a quiet one.
    await page.keyboard.type('for i in $(seq 1 300); do seq 1 4000; sleep 0.02; done; echo flood-$((40+2))-done');
    await page.keyboard.press('Enter');
    await waitFor(
      async () => page.evaluate(() => {
        const term = document.querySelector('[data-testid="terminal-view"].is-active')?.drillbookTerminal;
        const buf = term?.buffer.active;
        if (!buf) return false;
        for (let i = Math.max(0, buf.length - 5); i < buf.length; i++) if (/^flood-42-done$/.test(buf.getLine(i).translateToString(true))) return true;
        return false;
      }),
      'the end of the flood in xterm.js',
      180_000,
    );
    const afterFlood = await sample(page);
    // DRILLBOOK_SCREENSHOTS=DIR keeps a picture of the drill view right after the flood, to look at.
    if (process.env.DRILLBOOK_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.DRILLBOOK_SCREENSHOTS, 'drill-flood-1440.png') });

    const chunks = afterFlood.chunks - before.chunks;
    const bytes = afterFlood.bytes - before.bytes;
    assert.ok(bytes > 5_000_000, `the flood reached xterm.js (${bytes} bytes)`);
    assert.ok(chunks >= 100, `the flood came in many chunks (${chunks})`);
    const delta = (name: string) => (afterFlood.renders[name] ?? 0) - (before.renders[name] ?? 0);
    const viewRenders = Object.fromEntries(VIEW.map((n) => [n, delta(n)]));
    const total = VIEW.reduce((a, n) => a + delta(n), 0);
    // The typed command is recorded (a drill event, a terminal status or two): a handful of renders, never one per chunk.
    assert.ok(total <= 40, `drill view renders during ${chunks} chunks: ${JSON.stringify(viewRenders)}`);
    assert.ok(total < chunks / 5, `renders (${total}) stay far below the chunk count (${chunks})`);
    // The clock kept ticking through the flood: its own renders, and the net time moved on.
    assert.ok(delta('DrillClock') >= 2, `the clock re-rendered during the flood (${delta('DrillClock')})`);
    assert.ok(afterFlood.netMs > before.netMs, `net time moved on (${before.netMs} → ${afterFlood.netMs} ms)`);
    console.log(`  flood: ${(bytes / 1e6).toFixed(1)} MB in ${chunks} chunks; drill view renders ${JSON.stringify(viewRenders)}; clock renders ${delta('DrillClock')}`);
    assert.deepEqual(errors, []);
  });
});
