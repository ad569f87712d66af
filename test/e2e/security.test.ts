/**
 * The browser host refuses anyone without the token, and runbook content
 * can never run in the UI: raw HTML, event handlers and javascript: links
 * in a runbook render as inert text.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { cleanup, httpGet, launchBrowser, makeWorkspace, newPage, startServer, wsHandshake, type Server } from './harness';
import { openApp, startDrill, tid } from './ui';

// page.evaluate callbacks run in the browser: its globals, untyped here (the
// root tsconfig is Node-only, without the DOM lib).
declare const document: any, window: any;

describe('security', { timeout: 120_000 }, () => {
  let server: Server;
  let browser: Browser;

  before(async () => {
    const ws = makeWorkspace(['e2e-restore.md', 'e2e-hostile.md']);
    server = await startServer(ws);
    browser = await launchBrowser();
  });
  after(cleanup);

  test('requests and sockets without the token are refused', async () => {
    const none = await httpGet(`${server.origin}/`);
    assert.ok([401, 403].includes(none.status), `GET / without a token: ${none.status}`);
    assert.doesNotMatch(none.body, /<script/i, 'no app served without the token');

    const wrong = await httpGet(`${server.origin}/?token=not-the-token`);
    assert.ok([401, 403].includes(wrong.status), `GET / with a wrong token: ${wrong.status}`);

    const wrongCookie = await httpGet(`${server.origin}/`, { Cookie: `drillbook_token_${server.port}=not-the-token` });
    assert.ok([401, 403].includes(wrongCookie.status), `GET / with a wrong cookie: ${wrongCookie.status}`);

    const asset = await httpGet(`${server.origin}/assets/`);
    assert.ok([401, 403].includes(asset.status), `assets without a token: ${asset.status}`);

    const ok = await httpGet(server.url);
    assert.equal(ok.status, 302, 'the right token is traded for a cookie');
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/i);
    assert.doesNotMatch(ok.headers.get('location') ?? '', /token=/, 'the token leaves the address bar');

    const wsNone = await wsHandshake(server.port, { Origin: server.origin });
    assert.ok([401, 403].includes(wsNone), `socket without a cookie: ${wsNone}`);
    const wsWrong = await wsHandshake(server.port, { Origin: server.origin, Cookie: `drillbook_token_${server.port}=nope` });
    assert.ok([401, 403].includes(wsWrong), `socket with a wrong cookie: ${wsWrong}`);
    const wsGood = await wsHandshake(server.port, { Origin: server.origin, Cookie: `drillbook_token_${server.port}=${server.token}` });
    assert.equal(wsGood, 101, 'the right cookie opens the socket');

    // A browser that never saw the token gets no app.
    const { page } = await newPage(browser);
    const res = await page.goto(`${server.origin}/`);
    assert.ok(res && [401, 403].includes(res.status()), `browser without a token: ${res?.status()}`);
    assert.equal(await page.locator('#root').count(), 0);
  });

  test('runbook HTML, event handlers and javascript: links render as inert text', async () => {
    const { page, errors, dialogs } = await newPage(browser);
    const blocked: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.origin !== server.origin) blocked.push(r.url());
      if (u.pathname === '/x') blocked.push(r.url());
    });
    await openApp(page, server);
    const hostile = page.locator('[data-testid="library-item"][data-path$="e2e-hostile.md"]');
    await hostile.click();
    await tid(page, 'runbook-preview').waitFor();
    await tid(page, 'preview-step').nth(1).waitFor();

    const check = async (where: string) => {
      const found = await page.evaluate(() => {
        const root = document.getElementById('root')!;
        const w = window as unknown as Record<string, unknown>;
        return {
          xss: w.__xss ?? null,
          xssTitle: w.__xssTitle ?? null,
          scripts: root.querySelectorAll('script').length,
          imgs: [...root.querySelectorAll('img')].map((i) => i.outerHTML),
          handlers: [...root.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).map((el) => el.outerHTML.slice(0, 120)),
          badLinks: [...root.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')!).filter((h) => /^\s*(javascript|data|vbscript):/i.test(h)),
          rawAnchor: [...root.querySelectorAll('a')].filter((a) => a.textContent === 'raw anchor').length,
          links: [...root.querySelectorAll('.md a[href^="https:"]')].map((a) => ({ target: a.getAttribute('target'), rel: a.getAttribute('rel') })),
          text: root.innerText,
        };
      });
      assert.equal(found.xss, null, `${where}: runbook script ran (${String(found.xss)})`);
      assert.equal(found.xssTitle, null, `${where}: title script ran`);
      assert.equal(found.scripts, 0, `${where}: <script> element in the DOM`);
      assert.deepEqual(found.imgs, [], `${where}: <img> from runbook content in the DOM`);
      assert.deepEqual(found.handlers, [], `${where}: inline event handler attributes in the DOM`);
      assert.deepEqual(found.badLinks, [], `${where}: javascript:/data: hrefs in the DOM`);
      assert.equal(found.rawAnchor, 0, `${where}: raw <a> became a link`);
      return found;
    };

    const preview = await check('preview');
    // The markup is there as text, visibly.
    assert.match(preview.text, /<script>window\.__xss = 'intro-script'<\/script>/);
    assert.match(preview.text, /<img src=x onerror="window\.__xss = 'intro-img'">/);
    assert.match(preview.text, /<a href="javascript:window\.__xss='raw-a'">raw anchor<\/a>/);
    assert.match(await tid(page, 'preview-title').innerText(), /<script>window\.__xssTitle = 1<\/script>/);
    assert.ok(preview.links.length >= 1, 'the ordinary https link is still a link');
    for (const l of preview.links) {
      assert.equal(l.target, '_blank');
      assert.equal(l.rel, 'noopener noreferrer');
    }

    // Clicking what would have been a javascript: link does nothing.
    await page.locator('.md', { hasText: 'click me' }).first().getByText('click me').click();

    // The same content in the drill view (step title, body, checklist).
    await startDrill(page, 'Mallory');
    await tid(page, 'step-markdown').waitFor();
    const drill = await check('drill view');
    assert.match(await tid(page, 'step-title').innerText(), /<img src=x onerror="window\.__xss='title-img'">/);
    assert.match(drill.text, /Tick <img src=x onerror="window\.__xss='check-img'"> this/);
    assert.match(drill.text, /And <script>window\.__xss='check-script'<\/script> this/);
    // Code blocks show their text verbatim (and it stays text).
    assert.match(await tid(page, 'code-block').first().innerText(), /<script>window\.__xss = 'in-code-block'<\/script>/);

    await tid(page, 'step-start').click();
    await page.locator('[data-testid="check-item"]').first().click();
    await page.locator('[data-testid="check-item"][data-checked="true"]').first().waitFor();
    await check('after ticking');

    assert.deepEqual(dialogs, [], 'no alert/confirm dialogs');
    assert.deepEqual(blocked, [], 'no requests caused by runbook content');
    assert.deepEqual(
      errors.filter((e) => !/Content Security Policy/.test(e)),
      [],
      'no page errors',
    );
  });

  test('the served page carries a strict CSP', async () => {
    const { page } = await newPage(browser);
    await openApp(page, server);
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.ok(meta);
    assert.match(meta, /script-src 'self'/);
    assert.match(meta, /object-src 'none'/);
    assert.doesNotMatch(meta, /unsafe-eval/);
    assert.doesNotMatch(meta.split(';').find((d) => d.includes('script-src')) ?? '', /unsafe-inline/);
  });
});
