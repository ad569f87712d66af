/**
 * Terminals in the browser UI against the real web host: a step's terminal
 * opens beside it, Run types a block into the local terminal, its output
 * shows in xterm.js and the run is recorded as a drill event; typing works;
 * a live drill confirms before sending; after the drill the transcript can
 * be viewed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor, type Server } from './harness';
import { fetchSnapshot, giveReason, openApp, openRunbook, startDrill, tid } from './ui';

// page.evaluate callbacks run in the browser (the root tsconfig has no DOM lib).
declare const document: any;

const TITLE = 'Terminal e2e';
const RUNBOOK = `---
title: ${TITLE}
---
# ${TITLE}

## Look around

\`\`\`sh {name=greet expect="/^hello 42$/m"}
echo "hello $((6*7))"
\`\`\`

\`\`\`sh {name=count expect=0}
echo "räksmörgås ✓"; ls "$DRILLBOOK_WORKDIR" >/dev/null
\`\`\`
`;

/** The text on a terminal's screen (its xterm.js buffer), joined by lines. */
async function screenText(page: Page, selector = '[data-testid="terminal-view"].is-active'): Promise<string> {
  return page.evaluate((sel: string) => {
    const el = document.querySelector(sel);
    const term = el?.drillbookTerminal;
    if (!term) return '';
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i).translateToString(true));
    return lines.join('\n');
  }, selector);
}

describe('terminals in the browser', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;

  before(async () => {
    const ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'terminal.md'), RUNBOOK);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('Run types a block into the local terminal; its output appears and the run is recorded', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, TITLE);
    const drillId = await startDrill(page, 'Grace Hopper');

    // The step's target terminal opens beside it.
    const tab = page.locator('[data-testid="terminal-tab"][data-target="local"]');
    await tab.waitFor();
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();

    await tid(page, 'step-start').click();
    await tid(page, 'run-code').first().click();
    // The computed output (not the echo of the command, which reads $((6*7))).
    await waitFor(async () => /^hello 42$/m.test(await screenText(page)), 'the block output in xterm');
    await page.locator('[data-testid="run-result"][data-passed="true"]').first().waitFor();

    const snap = await fetchSnapshot(page, drillId);
    assert.equal(snap.commands.length, 1);
    const c = snap.commands[0]!;
    assert.equal(c.text, 'echo "hello $((6*7))"');
    assert.equal(c.target, 'local');
    assert.equal(c.name, 'greet');
    assert.equal(c.exitCode, 0);
    assert.equal(c.expectPassed, true);
    assert.equal(c.stepIndex, 0);
    assert.ok(c.endedAt && c.startedAt <= c.endedAt);
    // The activity log's source: the event itself is in the drill's log.
    const events = snap.eventCount;
    assert.ok(events >= 4);

    // The operator types into the terminal directly, multi-byte text included.
    await page.locator('[data-testid="terminal-view"].is-active').click();
    await page.keyboard.type('echo "typed-$((2+3)) ✓"');
    await page.keyboard.press('Enter');
    await waitFor(async () => /^typed-5 ✓$/m.test(await screenText(page)), 'typed command output');

    // A reload takes the terminal over again, its scrollback replayed from the transcript.
    await page.reload();
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    await waitFor(async () => /^typed-5 ✓$/m.test(await screenText(page)), 'the scrollback after a reload');
    await page.locator('[data-testid="terminal-view"].is-active').click();
    await page.keyboard.type('echo "after-$((1+1))"');
    await page.keyboard.press('Enter');
    await waitFor(async () => /^after-2$/m.test(await screenText(page)), 'live output after the reload');

    // Finish the drill, then the transcript is viewable beside the (read-only) step.
    await tid(page, 'run-code').nth(1).click();
    await page.locator('[data-testid="run-result"][data-passed="true"]').nth(1).waitFor();
    await tid(page, 'abort').click();
    await giveReason(page, 'e2e done');
    await tid(page, 'transcripts').waitFor();
    await page.locator('[data-testid="transcript-view"][data-loaded="true"]').waitFor();
    const transcript = await screenText(page, '[data-testid="transcript-view"]');
    assert.match(transcript, /^hello 42$/m);
    assert.match(transcript, /^räksmörgås ✓$/m);
    assert.match(await tid(page, 'transcript-index').innerText(), /\$ echo "hello \$\(\(6\*7\)\)"/);
    assert.deepEqual(errors, []);
  });

  test('a live drill shows the exact command and sends it only once confirmed', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, TITLE);
    const drillId = await startDrill(page, 'Grace Hopper', 'live');
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    await tid(page, 'run-code').first().click();
    await tid(page, 'run-confirm').waitFor();
    assert.equal(await tid(page, 'run-confirm-text').innerText(), 'echo "hello $((6*7))"');
    assert.equal((await fetchSnapshot(page, drillId)).commands.length, 0); // nothing sent yet
    await tid(page, 'run-confirm-send').click();
    await waitFor(async () => /^hello 42$/m.test(await screenText(page)), 'the confirmed command output');
    await waitFor(async () => (await fetchSnapshot(page, drillId)).commands[0]?.expectPassed === true, 'the recorded run');
    await tid(page, 'abort').click();
    await giveReason(page, 'e2e done');
    assert.deepEqual(errors, []);
  });
});
