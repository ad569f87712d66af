import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup, launchBrowser, makeWorkspace, newPage, startServer } from './harness';
import { openApp, openRunbook, tid } from './ui';
const RB = `---
title: Queue demo
vars:
  DB: {default: orders}
---
# Queue demo

## Restore

Copy or run each block; they run in a fresh bash.

\`\`\`sh {name=slow}
echo "restoring {{DB}}"
for i in 1 2 3; do echo "step $i"; sleep 1; done
\`\`\`

\`\`\`sh {name=after expect=0}
echo "counting rows in {{DB}}"
echo done
\`\`\`
`;
(async () => {
  const ws = makeWorkspace([]);
  writeFileSync(path.join(ws.runbooksDir, 'q.md'), RB);
  const server = await startServer(ws);
  const browser = await launchBrowser();
  for (const [w, h] of [[1440, 900], [1024, 700]] as const) {
    const { page } = await newPage(browser, { width: w, height: h });
    await openApp(page, server);
    await openRunbook(page, 'Queue demo');
    await tid(page, 'start-drill').click();
    await tid(page, 'operator-input').fill('Ana');
    await tid(page, 'confirm-start').click();
    await tid(page, 'drill-view').waitFor();
    await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
    await tid(page, 'step-start').click();
    await tid(page, 'run-code').nth(0).click();
    await page.waitForTimeout(200);
    await tid(page, 'run-code').nth(1).click();
    await page.locator('[data-testid="run-result"][data-state="queued"]').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: `/tmp/shots/queued-${w}.png` });
    await page.locator('[data-testid="run-result"][data-state="done"]').nth(1).waitFor({ timeout: 20000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: `/tmp/shots/done-${w}.png` });
    await tid(page, 'abort').click();
    await tid(page, 'reason-input').fill('demo');
    await tid(page, 'confirm-reason').click();
    await page.context().close();
  }
  await cleanup();
})().catch(async (e) => { console.error(e); await cleanup(); process.exit(1); });
