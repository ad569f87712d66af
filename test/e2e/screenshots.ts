/**
 * Screenshots of the UI for design review (not part of npm test):
 *   npm run screenshots     (= npm run build:renderer && tsx test/e2e/screenshots.ts)
 * Writes build/screenshots/library.png (light) and drill.png (dark), the
 * drill view at 1024x700, 1440x900 and 1920x1080 (drill-1024.png,
 * drill-1440.png, drill-1920.png, with the terminal's size printed and
 * checked: at least 100 columns at 1440), plus a few extra states beside them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, cleanup, launchBrowser, makeWorkspace, newPage, startServer } from './harness';
import { giveReason, openApp, openRunbook, startDrill, stepItem, tickAll, tid, waitStepStatus } from './ui';

declare const document: any;

/** The sizes the drill view is looked at in (issue 9): a small laptop, the common 1440x900, a full-HD screen. */
const DRILL_SIZES = [
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
];

const OUT = path.join(ROOT, 'build', 'screenshots');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const ws = makeWorkspace([
    'e2e-restore.md',
    'e2e-broken.md',
    path.join(ROOT, 'runbooks', 'sqlite-backup-restore.md'),
    path.join(ROOT, 'runbooks', 'postgres-pg-dump-restore.md'),
    path.join(ROOT, 'runbooks', 'restic-file-restore.md'),
  ]);
  const server = await startServer(ws);
  const browser = await launchBrowser();

  // Library, light theme.
  {
    const { page } = await newPage(browser, { colorScheme: 'light' });
    await openApp(page, server);
    await openRunbook(page, 'SQLite online backup and restore');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(OUT, 'library.png') });
    await tid(page, 'start-drill').click();
    await tid(page, 'operator-input').fill('Dana Whitfield');
    await tid(page, 'mode-live').click();
    await page.screenshot({ path: path.join(OUT, 'start-dialog.png') });
    await page.keyboard.press('Escape');
    await page.context().close();
  }

  // Drill mid-way, dark theme.
  const { page } = await newPage(browser, { colorScheme: 'dark' });
  await openApp(page, server);
  await openRunbook(page, 'E2E orders database restore');
  await startDrill(page, 'Dana Whitfield', 'rehearsal');
  await tid(page, 'step-start').click();
  await waitStepStatus(page, 0, 'running');
  for (let i = 0; i < 2; i++) {
    await page.keyboard.press('x');
    await page.locator(`[data-testid="check-item"][data-index="${i}"][data-checked="true"]`).waitFor();
  }
  await tid(page, 'step-complete').click();
  await waitStepStatus(page, 0, 'completed');
  await tid(page, 'step-start').click();
  await waitStepStatus(page, 1, 'running');
  await page.keyboard.press('x');
  await page.locator('[data-testid="check-item"][data-index="0"][data-checked="true"]').waitFor();
  await tid(page, 'note-input').fill('Backup from 02:00 UTC used; catalogue checksum matched.');
  await tid(page, 'note-submit').click();
  await tid(page, 'note-item').waitFor();
  // Something in the terminal, as mid-drill: a listing wider than 46 columns.
  await page.locator('[data-testid="terminal-status"][data-status="open"]').waitFor();
  // Wait for the shell's prompt, so the typed line is not echoed before it.
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="terminal-view"].is-active')?.drillbookTerminal;
    if (!t) return false;
    const b = t.buffer.active;
    return /[#$]$/.test((b.getLine(b.baseY + b.cursorY)?.translateToString(true) ?? '').trimEnd());
  }, undefined, { timeout: 30_000 }).catch(async (e) => {
    console.error('no prompt seen:', await page.evaluate(() => {
      const t = document.querySelector('[data-testid="terminal-view"].is-active')?.drillbookTerminal;
      const b = t?.buffer.active;
      return b ? JSON.stringify([b.baseY, b.cursorY, b.getLine(b.baseY + b.cursorY)?.translateToString(true)]) : 'no terminal';
    }));
    throw e;
  });
  await page.locator('[data-testid="terminal-view"].is-active').click();
  await page.keyboard.type(`printf '%-12s %8s  %s\\n' TABLE ROWS CHECKSUM orders 50211 9f2c1e7a customers 8812 1be04d55 order_items 210554 77a0c3e9; ls -l /usr/bin | head -12`);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+Shift+E');
  await page.waitForTimeout(1500);
  await page.mouse.move(5, 890);
  await page.screenshot({ path: path.join(OUT, 'drill.png') });
  for (const size of DRILL_SIZES) {
    await page.setViewportSize(size);
    await page.waitForTimeout(700); // the terminal fits itself a frame after the layout
    await page.mouse.move(5, size.height - 10);
    const term = await page.evaluate(() => {
      const t = document.querySelector('[data-testid="terminal-view"].is-active')?.drillbookTerminal;
      return t ? { cols: t.cols, rows: t.rows } : null;
    });
    console.log(`drill view ${size.width}x${size.height}: terminal ${term ? `${term.cols}x${term.rows}` : 'not shown'}`);
    if (size.width === 1440 && (!term || term.cols < 100)) throw new Error(`the terminal is ${term?.cols ?? 0} columns at 1440x900 (at least 100 wanted)`);
    await page.screenshot({ path: path.join(OUT, `drill-${size.width}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.waitForTimeout(400); // let colour transitions settle
  await page.screenshot({ path: path.join(OUT, 'drill-light-1280.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1440, height: 900 });

  await tid(page, 'pause').click();
  await tid(page, 'reason-input').fill('Waiting for the storage team to attach the volume');
  await page.screenshot({ path: path.join(OUT, 'pause-dialog.png') });
  await tid(page, 'confirm-reason').click();
  await tid(page, 'paused-banner').waitFor();
  await page.screenshot({ path: path.join(OUT, 'drill-paused.png') });
  await tid(page, 'resume').click();
  await page.keyboard.press('?');
  await tid(page, 'shortcuts-overlay').waitFor();
  await page.screenshot({ path: path.join(OUT, 'shortcuts.png') });
  await page.keyboard.press('Escape');

  // Finish the remaining steps: tick and complete 2 and 3, skip 4.
  for (const i of [1, 2]) {
    await stepItem(page, i).click();
    if ((await tid(page, 'step-start').count()) > 0) await tid(page, 'step-start').click();
    await waitStepStatus(page, i, 'running');
    await tickAll(page);
    await tid(page, 'step-complete').click();
    await waitStepStatus(page, i, 'completed');
  }
  await stepItem(page, 3).click();
  await tid(page, 'step-skip').click();
  await giveReason(page, 'Scratch instance kept for the post-mortem');
  await waitStepStatus(page, 3, 'skipped');
  await tid(page, 'finish').click();
  await tid(page, 'confirm-finish').click();
  await tid(page, 'ended-notice').waitFor().catch(async (e) => { await page.screenshot({ path: path.join(OUT, 'debug.png') }); throw e; });
  await page.screenshot({ path: path.join(OUT, 'drill-finished.png') });
  await tid(page, 'nav-history').click();
  await tid(page, 'history-row').first().waitFor();
  await page.screenshot({ path: path.join(OUT, 'history.png') });

  // Interrupted: a drill in progress, kill -9, restart, the offer to resume.
  await tid(page, 'nav-library').click();
  await openRunbook(page, 'SQLite online backup and restore');
  await startDrill(page, 'Dana Whitfield', 'live');
  await tid(page, 'step-start').click();
  await waitStepStatus(page, 0, 'running');
  await tid(page, 'step-complete').click();
  await waitStepStatus(page, 0, 'completed');
  await tid(page, 'step-start').click();
  await waitStepStatus(page, 1, 'running');
  await server.kill9();
  await tid(page, 'connection-banner').waitFor();
  await page.screenshot({ path: path.join(OUT, 'connection-lost.png') });
  const second = await startServer(ws);
  await page.waitForTimeout(1500);
  await openApp(page, second);
  await tid(page, 'interrupted-banner').waitFor();
  await page.screenshot({ path: path.join(OUT, 'interrupted.png') });
  await tid(page, 'recover-drill').click();
  await tid(page, 'gap-notice').waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(OUT, 'drill-recovered.png') });

  // RTO blown: a runbook with a 12 s target, to see amber then red.
  writeFileSync(
    path.join(ws.runbooksDir, 'short-rto.md'),
    '---\ntitle: Cache node replacement\nrto: 12s\n---\n\n## Drain the node {rto=start}\n\n- [ ] Traffic at zero\n\n## Replace it {rto=end}\n\n- [ ] New node healthy\n',
  );
  await tid(page, 'nav-library').click();
  await page.locator('[data-testid="library-item"][data-title="Cache node replacement"]').waitFor();
  await openRunbook(page, 'Cache node replacement');
  await startDrill(page, 'Dana Whitfield', 'rehearsal');
  await tid(page, 'step-start').click();
  await page.locator('[data-testid="rto-progress"][data-level="warn"]').waitFor({ timeout: 20_000 });
  await page.screenshot({ path: path.join(OUT, 'drill-rto-warn.png'), clip: { x: 0, y: 0, width: 1440, height: 200 } });
  await page.locator('[data-testid="rto-progress"][data-level="over"]').waitFor({ timeout: 20_000 });
  await page.screenshot({ path: path.join(OUT, 'drill-rto-over.png') });
  console.log(`screenshots in ${OUT}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
