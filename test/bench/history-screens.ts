/**
 * Screenshots of the history list and the hot runbook's trend page on a big
 * seeded history, at 1440x900 and 1024x700, for a person to look at (the
 * chart readable, the numbers right, the "N of M drills drawn" note):
 *   BENCH_DATA=DIR tsx test/bench/history-screens.ts
 * DIR: a folder the history bench seeded (BENCH_DATA=DIR npm run bench -- history).
 * Writes build/screenshots/history-big-{list,trend}-{1440,1024}.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { openDatabase } from '../../main/store/db';
import { ROOT, startServer } from '../helpers/server';

const CHROMIUM = process.env.DRILLBOOK_CHROMIUM ?? '/usr/bin/chromium';

async function main(): Promise<void> {
  const dir = process.env.BENCH_DATA;
  if (!dir) throw new Error('set BENCH_DATA to a folder the history bench seeded');
  const db = openDatabase(dir);
  const hot = db.prepare('SELECT runbook_path AS path, MAX(runbook_title) AS title, COUNT(*) AS n FROM drills GROUP BY runbook_path ORDER BY n DESC LIMIT 1').get() as { path: string; title: string; n: number };
  const total = db.prepare('SELECT COUNT(*) FROM drills').pluck().get() as number;
  db.close();
  const out = path.join(ROOT, 'build', 'screenshots');
  mkdirSync(out, { recursive: true });
  const runbooks = mkdtempSync(path.join(os.tmpdir(), 'drillbook-screens-rb-'));
  const server = await startServer(dir, runbooks, 60_000);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    for (const size of [{ width: 1440, height: 900 }, { width: 1024, height: 700 }]) {
      const context = await browser.newContext({ viewport: size, timezoneId: 'UTC', colorScheme: 'dark' });
      const page = await context.newPage();
      await page.goto(server.url);
      await page.locator('[data-testid="conn-state"][data-state="open"]').waitFor({ timeout: 30_000 });
      await page.locator('[data-testid="nav-history"]').click();
      await page.locator('[data-testid="history-row"]').first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: path.join(out, `history-big-list-${size.width}.png`) });
      await page.locator('[data-testid="history-filter-runbook"]').selectOption({ label: hot.title });
      await page.locator('[data-testid="history-runbook-link"]', { hasText: hot.title }).first().click();
      await page.locator('[data-testid="rb-chart-rto-canvas"] canvas').first().waitFor({ timeout: 60_000 });
      await page.waitForTimeout(300);
      const points = await page.locator('[data-testid="rb-chart-rto"]').getAttribute('data-points');
      await page.screenshot({ path: path.join(out, `history-big-trend-${size.width}.png`) });
      await page.screenshot({ path: path.join(out, `history-big-trend-${size.width}-full.png`), fullPage: true });
      console.log(`${size.width}x${size.height}: ${total} drills; hot runbook ${hot.n} drills, ${points} drawn`);
      await context.close();
    }
  } finally {
    await browser.close();
    await server.stop();
    rmSync(runbooks, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
