/**
 * Evidence through the browser UI against the real web host: tick with a
 * note, attach a file to a checklist item, record participants, scenario,
 * failure and recovery point (RPO shown), findings and remediation; finish;
 * see the chain head; sign off as operator and reviewer; export evidence
 * and download the zip through the authenticated host; verify it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer, type Server } from './harness';
import { fetchSnapshot, openApp, openRunbook, startDrill, tid, waitStepStatus } from './ui';
import { readBundle, verifyBundle } from '../../main/evidence';

const TITLE = 'E2E evidence restore';
const RUNBOOK = `---
title: ${TITLE}
rto: 10m
rpo: 1h
---

# ${TITLE}

## Restore {rto=start}

\`\`\`sh {name=restore}
pg_restore -d orders backups/orders.dump
\`\`\`

- [ ] Restore finished
- [ ] Backup checksum recorded

## Verify {rto=end}

- [ ] Row counts match
`;

describe('evidence in the browser', { timeout: 180_000 }, () => {
  let server: Server;
  let browser: Browser;
  let dir: string;

  before(async () => {
    const ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'evidence.md'), RUNBOOK);
    dir = path.dirname(ws.dataDir);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('record evidence, finish, sign off, export and download the bundle', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, TITLE);
    const drillId = await startDrill(page, 'Ana');

    // Step 1: tick with a note, attach a file to the other item.
    await tid(page, 'step-start').click();
    await waitStepStatus(page, 0, 'running');
    await page.locator('[data-testid="check-item"][data-index="0"]').locator('xpath=..').getByTestId('tick-with-note').click();
    await tid(page, 'tick-note-input').fill('Restored from bk-0830; 5000 rows');
    await tid(page, 'tick-note-confirm').click();
    await page.locator('[data-testid="check-item"][data-index="0"][data-checked="true"]').waitFor();
    await page.getByText('Restored from bk-0830; 5000 rows').waitFor();

    const item2 = page.locator('[data-testid="check-item"][data-index="1"]').locator('xpath=..');
    await item2.getByTestId('attach-open').click();
    await tid(page, 'attach-file').setInputFiles({ name: 'checksum.txt', mimeType: 'text/plain', buffer: Buffer.from('sha256 abc123  orders.dump\npassword=hunter2secret\n') });
    await tid(page, 'attach-note').fill('from the backup catalogue');
    await tid(page, 'attach-confirm').click();
    await tid(page, 'attach-dialog').waitFor({ state: 'detached' });
    await item2.getByTestId('check-attachment').filter({ hasText: 'checksum.txt' }).waitFor();

    // The evidence panel.
    await tid(page, 'evidence-toggle').click();
    await tid(page, 'evidence-panel').waitFor();
    await tid(page, 'scenario-input').fill('Primary orders DB lost');
    await tid(page, 'scope-input').fill('orders DB only');
    await tid(page, 'testtype-select').selectOption('restore');
    await tid(page, 'scenario-save').click();
    await tid(page, 'scenario-current').filter({ hasText: 'Primary orders DB lost' }).waitFor();

    for (const [name, role] of [['Bo', 'DBA'], ['Cy', 'reviewer']] as const) {
      await tid(page, 'participant-name').fill(name);
      await tid(page, 'participant-role').fill(role);
      await tid(page, 'participant-add').click();
      await tid(page, 'participant-item').filter({ hasText: name }).waitFor();
    }

    // Failure 20 minutes ago, backup 50 minutes ago: RPO 30m of a 1h target.
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    await tid(page, 'failure-at').fill(iso(now - 20 * 60_000));
    await tid(page, 'failure-note').fill('disk pulled');
    await tid(page, 'failure-declare').click();
    await tid(page, 'failure-current').filter({ hasText: 'disk pulled' }).waitFor();
    await tid(page, 'rp-id').fill('bk-0830');
    await tid(page, 'rp-at').fill(iso(now - 50 * 60_000));
    await tid(page, 'rp-source').fill('s3://backups/orders');
    await tid(page, 'rp-save').click();
    await page.locator('[data-testid="rpo-result"][data-met="true"]').waitFor();
    assert.equal(Number(await tid(page, 'rpo-result').getAttribute('data-actual-sec')), 1800);
    assert.match(await tid(page, 'rpo-result').innerText(), /RPO target\s+1h 00m[\s\S]*actual\s+30m 00s[\s\S]*met/);

    await tid(page, 'finding-text').fill('Backup catalogue was hard to find');
    await tid(page, 'finding-severity').selectOption('high');
    await tid(page, 'finding-step').selectOption('0');
    await tid(page, 'finding-add').click();
    await page.locator('[data-testid="finding-item"][data-id="F1"]').waitFor();
    await tid(page, 'remediation-text').fill('Link the catalogue from the runbook');
    await tid(page, 'remediation-owner').fill('Bo');
    await tid(page, 'remediation-due').fill('2026-12-31');
    await tid(page, 'remediation-finding').selectOption('F1');
    await tid(page, 'remediation-add').click();
    await page.locator('[data-testid="remediation-item"][data-id="R1"]').waitFor();
    assert.match(await tid(page, 'ev-signoff').innerText(), /Sign-off comes after the drill ends/);

    // Back to the steps; finish the drill.
    await tid(page, 'evidence-toggle').click();
    await tid(page, 'step-panel').waitFor();
    await page.locator('[data-testid="check-item"][data-index="1"]').click();
    await page.locator('[data-testid="check-item"][data-index="1"][data-checked="true"]').waitFor();
    await tid(page, 'step-complete').click();
    await waitStepStatus(page, 0, 'completed');
    await tid(page, 'step-start').click();
    await waitStepStatus(page, 1, 'running');
    await page.locator('[data-testid="check-item"][data-index="0"]').click();
    await page.locator('[data-testid="check-item"][data-index="0"][data-checked="true"]').waitFor();
    await tid(page, 'step-complete').click();
    await waitStepStatus(page, 1, 'completed');
    await tid(page, 'finish').click();
    await tid(page, 'confirm-finish').click();
    await page.locator('[data-testid="drill-status"]', { hasText: 'Completed' }).waitFor();

    // The chain head is shown at the end, and it is the server's.
    await tid(page, 'chain-head-notice').waitFor();
    let snap = await fetchSnapshot(page, drillId);
    assert.equal(await tid(page, 'chain-head-notice').getByTestId('chain-head').innerText(), snap.chainHead);

    // Sign-off: operator, then a reviewer who is someone else; then sealed.
    await tid(page, 'evidence-toggle').click();
    await tid(page, 'signoff-statement').fill('Restore performed as described');
    await tid(page, 'signoff-operator').click();
    await page.locator('[data-testid="signoff-item"][data-role="operator"]').waitFor();
    // The reviewer's statement box starts empty: never pre-filled with the operator's words (issue 9).
    const reviewerBoxes = page.locator('[data-testid="ev-signoff"] form input');
    assert.equal(await reviewerBoxes.count(), 2);
    assert.equal(await reviewerBoxes.nth(1).inputValue(), '', 'the reviewer statement is empty');
    await tid(page, 'signoff-reviewer-name').fill('Ana');
    await tid(page, 'signoff-reviewer').click();
    await tid(page, 'toast').filter({ hasText: 'reviewer must be someone other than the operator' }).first().waitFor();
    await tid(page, 'signoff-reviewer-name').fill('Cy');
    await tid(page, 'signoff-reviewer').click();
    await page.locator('[data-testid="evidence-panel"][data-sealed="true"]').waitFor();
    assert.equal(await tid(page, 'finding-add').count(), 0, 'sealed: no more evidence');

    snap = await fetchSnapshot(page, drillId);
    const ev = snap.evidence;
    assert.deepEqual(ev.participants.map((p) => [p.name, p.role]), [['Bo', 'DBA'], ['Cy', 'reviewer']]);
    assert.equal(ev.scenario?.scope, 'orders DB only');
    assert.equal(ev.rpo.actualSec, 1800);
    assert.equal(ev.findings[0]?.stepIndex, 0);
    assert.equal(ev.remediations[0]?.findingId, 'F1');
    assert.deepEqual(ev.signoffs.map((s) => [s.role, s.name]), [['operator', 'Ana'], ['reviewer', 'Cy']]);
    assert.equal(ev.attachments[0]?.itemIndex, 1);
    assert.equal(snap.steps[0]!.checklist[0]!.note, 'Restored from bk-0830; 5000 rows');

    // Export (redacted, with the PDF) and download the zip through the host.
    await tid(page, 'export-evidence').click();
    await tid(page, 'export-dialog').waitFor();
    assert.equal(await tid(page, 'export-redact').isChecked(), true, 'redaction is on by default');
    await tid(page, 'export-confirm').click();
    await tid(page, 'export-result').waitFor({ timeout: 60_000 });
    assert.ok((await tid(page, 'export-result').innerText()).includes(snap.chainHead));
    const [download] = await Promise.all([page.waitForEvent('download'), tid(page, 'export-download').click()]);
    const zip = path.join(dir, 'downloaded.zip');
    await download.saveAs(zip);
    const verified = await verifyBundle(zip, { expectHead: snap.chainHead });
    assert.equal(verified.ok, true, verified.problems.map((p) => p.message).join('\n'));
    const { files } = await readBundle(zip);
    assert.ok(files.has('report.pdf') && files.has('report.html') && files.has('drill.json') && files.has('steps.csv'));
    const attached = [...files.entries()].find(([name]) => name.startsWith('attachments/') && name.endsWith('checksum.txt'));
    assert.ok(attached, 'the attachment is in the bundle');
    assert.ok(attached[1].toString().includes('password=[REDACTED:password-assignment]'));
    assert.ok(!files.get('report.html')!.toString().includes('hunter2secret'));
    await tid(page, 'export-dialog').getByRole('button', { name: 'Done' }).click();

    // Unredacted needs a second, explicit confirmation.
    await tid(page, 'export-evidence').click();
    await tid(page, 'export-redact').uncheck();
    assert.equal(await tid(page, 'export-confirm').isDisabled(), true);
    await tid(page, 'export-unredacted-confirm').check();
    await tid(page, 'export-pdf').uncheck();
    await tid(page, 'export-confirm').click();
    await tid(page, 'export-result').waitFor();
    assert.match(await tid(page, 'export-result').innerText(), /OFF — credentials are in the bundle as recorded/);

    assert.deepEqual(errors, [], 'no errors in the page');
  });
});
