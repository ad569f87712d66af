/**
 * Screenshots of the runbook preview's procedure panel (issue 10), for review:
 *   npm run build:renderer && npx tsx test/e2e/screenshots-procedure.ts
 * Writes build/screenshots/procedure-{1440x900,1024x700}-{detected,chosen}.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, cleanup, launchBrowser, makeWorkspace, newPage, startServer, waitFor } from './harness';
import { openApp, openRunbook, tid } from './ui';

const OUT = path.join(ROOT, 'build', 'screenshots');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const ws = makeWorkspace(['e2e-phases.md', path.join(ROOT, 'test', 'corpus', '11-prom-KubePersistentVolumeFillingUp.md'), path.join(ROOT, 'test', 'corpus', '01-openshift-etcdMembersDown.md')]);
  const server = await startServer(ws);
  const browser = await launchBrowser();
  for (const [width, height] of [[1440, 900], [1024, 700]] as const) {
    const { page } = await newPage(browser, { colorScheme: 'light', width, height });
    await openApp(page, server);
    await openRunbook(page, 'Kube Persistent Volume Filling Up');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(OUT, `procedure-${width}x${height}-detected.png`) });
    await openRunbook(page, 'Fail over the queue');
    await tid(page, 'procedure-choice').selectOption(width === 1440 ? 'Fail over' : '');
    if (width === 1440) await waitFor(async () => (await tid(page, 'procedure-count').innerText()) === '3 timed steps', 'the choice');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(OUT, `procedure-${width}x${height}-chosen.png`) });
    await page.context().close();
  }
  await browser.close();
  await cleanup();
}

main().catch(async (err) => {
  console.error(err);
  await cleanup();
  process.exitCode = 1;
});
