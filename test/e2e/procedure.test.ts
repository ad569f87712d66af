/**
 * The runbook preview shows what a drill will time (issue 10): how many
 * steps and where they come from, which sections are context, what lint did
 * not take; choosing the procedure section changes the steps, is remembered
 * across a reload (in the data folder, not the file), and the drill starts
 * with it. Real Chromium, real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT, cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor, type Server, type Workspace } from './harness';
import { openApp, openRunbook, startDrill, tid } from './ui';

describe('procedure in the preview', { timeout: 120_000 }, () => {
  let ws: Workspace;
  let server: Server;
  let browser: Browser;

  before(async () => {
    ws = makeWorkspace(['e2e-phases.md', path.join(ROOT, 'test', 'corpus', '11-prom-KubePersistentVolumeFillingUp.md')]);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('a detected procedure: sub-headings of Mitigation are the steps, Meaning and Impact are context', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, 'Kube Persistent Volume Filling Up');
    assert.equal(await tid(page, 'procedure-count').innerText(), '9 timed steps');
    assert.match(await tid(page, 'procedure-source').innerText(), /from the sub-headings in “Mitigation”/);
    assert.match(await tid(page, 'procedure-context').innerText(), /Meaning\s*Impact/);
    assert.equal(await tid(page, 'preview-step').count(), 9);
    assert.equal(await page.locator('.context-section').count(), 2);
    assert.deepEqual(errors, []);
  });

  test('choose the section that holds the procedure: remembered, used by the drill, the file untouched', async () => {
    const file = ws.runbook('e2e-phases.md');
    const before = readFileSync(file, 'utf8');
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, 'Fail over the queue');
    // two phases, each with a numbered list: Drillbook keeps them as two steps
    assert.equal(await tid(page, 'procedure-count').innerText(), '2 timed steps');
    assert.match(await tid(page, 'procedure-context').innerText(), /Overview\s*References/);
    // the commented-out block is named, not taken
    assert.match(await tid(page, 'procedure-not-taken').innerText(), /^1 block or item was not taken as a step, command or checklist item \(line 31\)/);

    await tid(page, 'procedure-choice').selectOption('Fail over');
    await waitFor(async () => (await tid(page, 'procedure-count').innerText()) === '3 timed steps', 'the chosen procedure');
    assert.match(await tid(page, 'procedure-source').innerText(), /the numbered list in “Fail over” \(your choice\)/);
    const titles = await tid(page, 'preview-step').locator('h2').allInnerTexts();
    assert.deepEqual(titles, ['Promote the standby', 'Point clients at it', 'Check the lag']);
    // the list counts the steps the drill will have
    const entry = page.locator('[data-testid="library-item"][data-title="Fail over the queue"]');
    await waitFor(async () => /3 steps/.test(await entry.innerText()), 'the library entry to count 3 steps');

    await page.reload();
    await page.locator('[data-testid="conn-state"][data-state="open"]').waitFor();
    await openRunbook(page, 'Fail over the queue');
    await waitFor(async () => (await tid(page, 'procedure-count').innerText()) === '3 timed steps', 'the choice to survive a reload');
    assert.equal(await tid(page, 'procedure-choice').inputValue(), 'Fail over');

    await startDrill(page, 'Dana Whitfield');
    await waitFor(async () => (await tid(page, 'step-item').count()) === 3, 'a drill with the chosen steps');
    assert.equal(readFileSync(file, 'utf8'), before, 'the runbook file is not edited');
    const settings = JSON.parse(readFileSync(path.join(ws.dataDir, 'settings.json'), 'utf8')) as { stepsChoice: Record<string, string> };
    assert.deepEqual(Object.values(settings.stepsChoice), ['Fail over']);
    assert.deepEqual(errors, []);
  });
});
