/**
 * A changed host key in the drill view (issue 9, item 10), against the real
 * OpenSSH server: the error footer grew to ~500 px with its text invisible,
 * leaving the terminal 6 rows. Now the error area is bounded, its text is
 * readable in both themes (contrast measured from the computed colours), the
 * full message is one click away, and the terminal keeps its rows.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, cleanup, launchBrowser, makeWorkspace, newPage, onCleanup, startServer, waitFor, type Server } from './harness';
import { openApp, openRunbook, startDrill, tid } from './ui';
import { makeKey, sshdUnavailable, startSshd, type TestSshd } from '../helpers/sshd';

declare const document: any, getComputedStyle: any;

const TITLE = 'Host key e2e';
const skip = sshdUnavailable();

/** WCAG contrast ratio of two CSS rgb()/rgba() colours (alpha composited over `under`). */
export function contrast(fg: string, bg: string, under = 'rgb(255, 255, 255)'): number {
  const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number) as number[];
  const over = (c: number[], u: number[]) => {
    const a = c.length > 3 ? c[3]! : 1;
    return [0, 1, 2].map((i) => c[i]! * a + u[i]! * (1 - a));
  };
  const lum = (c: number[]) => {
    const [r, g, b] = c.map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const b = over(parse(bg), parse(under));
  const f = over(parse(fg), b);
  const [l1, l2] = [lum(f), lum(b)].sort((x, y) => y - x);
  return (l1! + 0.05) / (l2! + 0.05);
}

/** The message's colours: its own colour, and the first opaque background up the tree composited. */
async function messageColours(page: Page): Promise<{ fg: string; bg: string; under: string; box: { w: number; h: number } }> {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid="terminal-message"]');
    const fg = getComputedStyle(el).color;
    let bg = 'rgba(0, 0, 0, 0)';
    let under = 'rgb(255, 255, 255)';
    for (let n = el; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor;
      if (c === 'rgba(0, 0, 0, 0)' || c === 'transparent') continue;
      if (bg === 'rgba(0, 0, 0, 0)') {
        bg = c;
        if (!/rgba/.test(c) || c.endsWith(', 1)')) break;
        continue;
      }
      under = c;
      if (!/rgba/.test(c) || c.endsWith(', 1)')) break;
    }
    const r = el.getBoundingClientRect();
    return { fg, bg, under, box: { w: r.width, h: r.height } };
  });
}

describe('a changed host key in the drill view', { skip: skip ?? false, timeout: 180_000 }, () => {
  let sshd: TestSshd;
  let server: Server;
  let browser: Browser;

  before(async () => {
    sshd = await startSshd();
    onCleanup(() => sshd.stop());
    const ws = makeWorkspace([]);
    // A HOME whose known_hosts has another key for this server: the "changed host key" case.
    const home = path.join(path.dirname(ws.dataDir), 'home');
    mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
    const other = makeKey(path.join(home, '.ssh'), 'other');
    const otherPub = readFileSync(`${other}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    writeFileSync(path.join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${sshd.port} ${otherPub}\n`, { mode: 0o600 });
    writeFileSync(
      path.join(ws.runbooksDir, 'hostkey.md'),
      `---\ntitle: ${TITLE}\ntargets:\n  db: ${sshd.user}@127.0.0.1:${sshd.port}\n---\n\n## On the database host\n\n\`\`\`sh {target=db}\nhostname\n\`\`\`\n`,
    );
    const oldHome = process.env.HOME;
    process.env.HOME = home;
    try {
      server = await startServer(ws);
    } finally {
      process.env.HOME = oldHome;
    }
    browser = await launchBrowser();
  });
  after(cleanup);

  for (const scheme of ['dark', 'light'] as const) {
    test(`${scheme}: the error is bounded and readable, and the terminal keeps its rows`, async () => {
      const { page } = await newPage(browser, { width: 1440, height: 900, colorScheme: scheme });
      await openApp(page, server);
      await openRunbook(page, TITLE);
      await startDrill(page, 'Ada Lovelace');
      await page.locator('[data-testid="terminal-status"][data-status="failed"]').waitFor({ timeout: 30_000 });
      const msg = tid(page, 'terminal-message');
      await msg.waitFor();
      assert.match((await msg.getAttribute('title')) ?? (await msg.innerText()), /HOST KEY CHANGED/);

      const footer = (await tid(page, 'terminal-status').boundingBox())!;
      assert.ok(footer.height <= 140, `the error footer is ${footer.height} px tall`);
      const c = await messageColours(page);
      assert.ok(c.box.w > 100 && c.box.h >= 12, `the message box is ${c.box.w}x${c.box.h}`);
      const ratio = contrast(c.fg, c.bg, c.under);
      assert.ok(ratio >= 4.5, `message contrast ${ratio.toFixed(2)} (${c.fg} on ${c.bg} over ${c.under})`);

      // The whole message, bounded and scrollable, a click away.
      await tid(page, 'terminal-message-toggle').click();
      const details = tid(page, 'terminal-message-details');
      await details.waitFor();
      assert.match(await details.innerText(), /ssh-keygen -R/);
      const box = (await details.boundingBox())!;
      assert.ok(box.height <= 200, `details are ${box.height} px tall`);
      const stack = (await page.locator('.term-stack').boundingBox())!;
      const rowsFit = Math.floor(stack.height / 15);
      assert.ok(rowsFit >= 20, `the terminal area is ${stack.height} px tall (${rowsFit} rows) with the details open`);
      if (scheme === 'dark') await page.screenshot({ path: path.join(ROOT, 'build', 'screenshots', 'drill-hostkey-changed.png') }).catch(() => {});
      await waitFor(async () => true, 'noop');
    });
  }
});
