/**
 * Issue 11: attachments a browser would execute (HTML, SVG, XHTML, markup
 * under an unknown name) are never run from report.html. A real bundle is
 * opened in Chromium from disk, every attachment link is clicked, and the
 * script canary each attachment carries (window.__canary = 1) must stay
 * unset in the page the click opened.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './harness';
import { tempDir } from '../helpers/runbooks';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Core } from '../../main/api/core';
import { loadRunbookFile } from '../../main/runbook';
import { runHeadless } from '../../main/runner/headless';
import { compilePatterns, exportBundle, terminalTranscripts } from '../../main/evidence';

const tmp = tempDir('drillbook-canary-');
after(() => tmp.cleanup());

const CANARY = '<script>window.__canary = 1; try { opener.__canary = 1 } catch (e) {}</script>';
const EVIL: { name: string; mediaType: string; text: string }[] = [
  { name: 'restore-report.html', mediaType: 'text/html', text: `<!doctype html><html><body><h1>report</h1>${CANARY}</body></html>` },
  { name: 'dashboard.htm', mediaType: 'text/plain', text: `<html><body onload="window.__canary = 1">${CANARY}</body></html>` },
  { name: 'diagram.svg', mediaType: 'image/svg+xml', text: `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__canary = 1"><script>window.__canary = 1</script><circle r="4"/></svg>` },
  { name: 'page.xhtml', mediaType: 'application/xhtml+xml', text: `<html xmlns="http://www.w3.org/1999/xhtml"><body><script>window.__canary = 1</script></body></html>` },
  { name: 'export', mediaType: 'application/octet-stream', text: `<html><body>${CANARY}</body></html>` },
  { name: 'feed.xml', mediaType: 'text/xml', text: `<?xml version="1.0"?><x:html xmlns:x="http://www.w3.org/1999/xhtml"><x:script>window.__canary = 1</x:script></x:html>` },
];

test('every attachment link in report.html opens without running the attachment', { timeout: 240_000, skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, async () => {
  const dataDir = path.join(tmp.dir, 'data');
  const rbDir = path.join(tmp.dir, 'runbooks');
  mkdirSync(rbDir, { recursive: true });
  const file = path.join(rbDir, 'rb.md');
  writeFileSync(file, '---\ntitle: Canary\n---\n# Canary\n\n## Restore\n\n```sh {auto=true}\necho restored\n```\n');
  const core = new Core({ dataDir, runbookDirs: [rbDir], host: 'cli' });
  const run = await runHeadless(core.drills, loadRunbookFile(file), { all: false, mode: 'rehearsal', operator: 'ana', workRoot: path.join(dataDir, 'work'), binDir: path.join(tmp.dir, 'bin'), log: () => undefined, output: () => undefined });
  const fx = { core, drill: run.drill, dataDir };
  for (const a of EVIL) await core.call('attachment.add', { drillId: fx.drill.id, stepIndex: null, name: a.name, kind: 'file', mediaType: a.mediaType, text: a.text });
  await core.call('attachment.add', { drillId: fx.drill.id, stepIndex: null, name: 'listing.txt', kind: 'file', mediaType: 'text/plain', text: 'orders.dump 4.2G\n' });
  const outDir = path.join(tmp.dir, 'bundle');
  await exportBundle({ drills: fx.core.drills, attachments: fx.core.evidence.attachments }, fx.drill.id, {
    outDir,
    redact: true,
    patterns: compilePatterns(),
    printToPdf: null,
    transcripts: terminalTranscripts(fx.dataDir),
  });
  fx.core.close();

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage();
    const report = pathToFileURL(path.join(outDir, 'report.html')).href;
    await page.goto(report);
    const hrefs = await page.$$eval('a[href^="attachments/"]', (as) => as.map((a) => a.getAttribute('href')!));
    assert.ok(hrefs.length >= EVIL.length + 1, `links: ${hrefs.join(', ')}`);
    const fired: string[] = [];
    for (const href of hrefs) {
      await page.goto(report);
      const popup = page.context().waitForEvent('page', { timeout: 1500 }).catch(() => null);
      await Promise.all([page.waitForLoadState('load'), page.click(`a[href="${href}"]`)]);
      await page.waitForTimeout(200);
      const opened = (await popup) ?? page;
      await opened.waitForLoadState('load').catch(() => undefined);
      const canary = await opened.evaluate(() => (globalThis as unknown as { __canary?: number }).__canary).catch(() => undefined);
      const back = await page.evaluate(() => (globalThis as unknown as { __canary?: number }).__canary).catch(() => undefined);
      if (canary !== undefined || back !== undefined) fired.push(href);
      if (opened !== page) await opened.close();
    }
    assert.deepEqual(fired, [], 'attachments ran script when clicked');
    for (const a of EVIL) {
      const href = hrefs.find((h) => decodeURI(h).includes(a.name));
      assert.ok(href && href.endsWith('.txt'), `${a.name} is shipped as text (${href})`);
    }
    const html = readFileSync(path.join(outDir, 'report.html'), 'utf8');
    assert.match(html, /restore-report\.html<\/a> <em>\(as text: a browser would run it as a page\)<\/em>/);
  } finally {
    await browser.close();
  }
});
