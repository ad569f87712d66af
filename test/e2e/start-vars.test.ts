/**
 * The start dialog's Variables step: a runbook's `vars:` become fields
 * (defaults as placeholders, required ones enforced, patterns checked), a
 * secret is listed but cannot be typed, and the values given are what the
 * drill's recorded runbook runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer, type Server, type Workspace } from './harness';
import { openApp, openRunbook, tid } from './ui';
import { DB_FILE } from '../../main/store/backup';

const RUNBOOK = `---
title: E2E restore with variables
rto: 30m
vars:
  SCRATCH_DB: {default: app_restore_test, pattern: '^[a-z_]+$', description: created and dropped}
  BACKUP_FILE: {description: the dump to restore}
  PGPASSWORD: {secret: true, description: or ~/.pgpass}
---

# E2E restore with variables

## Restore {rto=start}

\`\`\`sh {name=restore}
pg_restore -d "{{SCRATCH_DB}}" "{{BACKUP_FILE}}"
\`\`\`

## Verify {rto=end}

- [ ] counts match
`;

describe('start dialog: variables', { timeout: 120_000 }, () => {
  let ws: Workspace;
  let server: Server;
  let browser: Browser;

  before(async () => {
    ws = makeWorkspace([]);
    writeFileSync(path.join(ws.runbooksDir, 'vars.md'), RUNBOOK);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('fields for plain variables, the secret listed but not typed, values land in the drill', async () => {
    const { page, errors } = await newPage(browser);
    await openApp(page, server);
    await openRunbook(page, 'E2E restore with variables');
    await tid(page, 'start-drill').click();
    await tid(page, 'drill-vars').waitFor();
    assert.equal(await tid(page, 'var-input-SCRATCH_DB').getAttribute('placeholder'), 'app_restore_test');
    assert.equal(await tid(page, 'var-input-BACKUP_FILE').getAttribute('placeholder'), 'required');
    assert.equal(await tid(page, 'var-input-PGPASSWORD').count(), 0, 'no field for a secret');
    assert.match(await tid(page, 'var-secret-PGPASSWORD').innerText(), /secret.*never\s+typed here or stored/s);

    await tid(page, 'operator-input').fill('Ana');
    // A required value missing, and a value that breaks its pattern: the dialog stays, saying why.
    await tid(page, 'var-input-SCRATCH_DB').fill('Bad-Name');
    await tid(page, 'confirm-start').click();
    await page.getByText('A value is required.').waitFor();
    await page.getByText('Must match ^[a-z_]+$.').waitFor();
    assert.equal(await tid(page, 'drill-view').count(), 0, 'no drill started');

    await tid(page, 'var-input-SCRATCH_DB').fill('');
    await tid(page, 'var-input-BACKUP_FILE').fill('/backups/app-2026-03-01.dump');
    await tid(page, 'confirm-start').click();
    const view = tid(page, 'drill-view');
    await view.waitFor();
    const id = await view.getAttribute('data-drill-id');
    assert.ok(id);

    // The runbook recorded with the drill has the values filled in (the default for the empty field).
    const db = new Database(path.join(ws.dataDir, DB_FILE), { readonly: true, fileMustExist: true });
    try {
      // Stored once per distinct runbook (migration 4), referenced by the drill row.
      const row = db
        .prepare('SELECT COALESCE(r.json, d.runbook_json) AS runbook_json FROM drills d LEFT JOIN runbooks r ON r.key = d.runbook_key WHERE d.id = ?')
        .get(id) as { runbook_json: string };
      const text = (JSON.parse(row.runbook_json) as { steps: { commands: { text: string }[] }[] }).steps[0]!.commands[0]!.text;
      assert.equal(text, 'pg_restore -d "app_restore_test" "/backups/app-2026-03-01.dump"');
    } finally {
      db.close();
    }

    // The drill view shows the block as the drill will run it: filled in, with a Run button, and Copy copies that text.
    await tid(page, 'step-start').click();
    const block = tid(page, 'code-block').first();
    await block.waitFor();
    assert.equal(await block.locator('code').innerText(), 'pg_restore -d "app_restore_test" "/backups/app-2026-03-01.dump"');
    assert.equal(await block.locator('[data-testid="run-code"]').count(), 1, 'a block with variables has its Run button');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    await block.locator('[data-testid="copy-code"]').click();
    await block.locator('[data-testid="copy-code"].is-copied').waitFor();
    assert.equal(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText()), 'pg_restore -d "app_restore_test" "/backups/app-2026-03-01.dump"');
    assert.deepEqual(errors, []);
  });
});
