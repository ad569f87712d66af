/**
 * Run clicked while a block is still running, in the browser: the second
 * block shows "queued", then each block gets its own exit code and output,
 * in the drill log and in the exported report.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, ROOT, startServer, type Server, type Workspace } from './harness';
import { fetchSnapshot, openApp, openRunbook, startDrill, tid } from './ui';
import { cliPrefix } from '../helpers/cli';

const TITLE = 'Queue e2e';
const RUNBOOK = `---
title: ${TITLE}
---
# ${TITLE}

## Restore

\`\`\`sh {name=slow}
sleep 2
echo "slow-$((1+1))"
exit 3
\`\`\`

\`\`\`sh {name=fast}
echo "fast-$((2+2))"
exit 4
\`\`\`
`;

describe('Run while a block runs', { timeout: 180_000 }, () => {
  let ws: Workspace;
  let server: Server;
  let browser: Browser;
  before(async () => {
    ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'queue.md'), RUNBOOK);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('the second Run is queued, then each has its own exit code and output, in the log and the report', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, TITLE);
    const drillId = await startDrill(page, 'Ana');
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    await tid(page, 'step-start').click();
    const blocks = tid(page, 'code-block');
    await blocks.nth(0).locator('[data-testid="run-code"]').click();
    await blocks.nth(0).locator('[data-testid="run-result"][data-state="running"]').waitFor();
    await blocks.nth(1).locator('[data-testid="run-code"]').click();
    await blocks.nth(1).locator('[data-testid="run-result"][data-state="queued"]').waitFor();
    assert.equal(await blocks.nth(1).locator('[data-testid="run-result"]').innerText(), 'queued');
    await blocks.nth(1).locator('[data-testid="run-result"][data-state="done"]').waitFor({ timeout: 30_000 });
    assert.match(await blocks.nth(0).locator('[data-testid="run-result"]').innerText(), /exit 3/);
    assert.match(await blocks.nth(1).locator('[data-testid="run-result"]').innerText(), /exit 4/);

    const snap = await fetchSnapshot(page, drillId);
    const [slow, fast] = snap.commands;
    assert.deepEqual([slow!.name, slow!.exitCode, fast!.name, fast!.exitCode], ['slow', 3, 'fast', 4]);
    assert.ok(fast!.startedAt >= slow!.endedAt!, 'the queued run started when the first ended');

    // Queued again, and taken back before it starts.
    await blocks.nth(0).locator('[data-testid="run-code"]').click();
    await blocks.nth(0).locator('[data-testid="run-result"][data-state="running"]').waitFor();
    await blocks.nth(1).locator('[data-testid="run-code"]').click();
    await blocks.nth(1).locator('[data-testid="run-cancel"]').click();
    await blocks.nth(1).locator('[data-testid="run-result"][data-state="done"]').waitFor();
    assert.equal(await blocks.nth(1).locator('[data-testid="run-result"]').getAttribute('title'), 'cancelled before it started');
    await blocks.nth(0).locator('[data-testid="run-result"][data-state="done"]').waitFor({ timeout: 30_000 });
    const again = (await fetchSnapshot(page, drillId)).commands;
    assert.deepEqual(again.map((c) => [c.name, c.exitCode]), [['slow', 3], ['fast', 4], ['slow', 3], ['fast', null]]);

    await tid(page, 'abort').click();
    await tid(page, 'reason-input').fill('e2e done');
    await tid(page, 'confirm-reason').click();
    const out = path.join(ws.dataDir, '..', 'evidence');
    const exp = spawnSync(process.execPath, [...cliPrefix(), 'export', drillId, '--out', out, '--no-pdf', '--data', ws.dataDir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(exp.status, 0, exp.stderr);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    // One row per run: its own exit code and only its own output.
    // (The outputs, slow-2 and fast-4, are computed: the command text cannot match them.)
    const row = (name: string) => html.split('<tr>').find((r) => r.includes(`<strong>${name}</strong>`) && /slow-2|fast-4/.test(r)) ?? '';
    assert.match(row('slow'), /<td>3<\/td>/);
    assert.match(row('slow'), /slow-2/);
    assert.doesNotMatch(row('slow'), /fast-4/);
    assert.match(row('fast'), /<td>4<\/td>/);
    assert.match(row('fast'), /fast-4/);
    assert.doesNotMatch(row('fast'), /slow-2/);
    assert.deepEqual(errors, []);
  });
});
