/**
 * An observer watches a live drill in real Chromium, against a real team
 * server on a real PostgreSQL: the operator's drill (the real engine on a
 * SQLite file, the system clock) is published with the real client
 * (`publish --live`); the observer (an auditor) signs in to the team app
 * the server serves at / (dist/renderer) by pasting an API token, opens
 * Live drills and clicks the drill, as a person would; the operator ticks
 * an item, completes a step, adds a note, runs a command, pauses and ends
 * the drill, and each shows on the open page within seconds, without a
 * reload. Read-only throughout: no button or key records anything, no
 * terminal, no output. The live stream cut by the server is tried again
 * and the page catches up.
 * Screenshots: build/screenshots/team-live-{1440,1024}[-ended].png and
 * team-live-list-{1440,1024}.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser } from 'playwright-core';
import { signInWithToken, teamPostgres } from '../helpers/team';
import { ROOT, assertRendererBuilt, cleanup, launchBrowser, newPage, waitFor } from './harness';
import { tempDir } from '../helpers/runbooks';
import { CANARY, TERMINAL_ID, TRANSCRIPT, liveRunbook } from '../helpers/live-drill';
import { openDatabase, type Db } from '../../main/store/db';
import { DrillService } from '../../main/drill/service';
import { systemNow } from '../../main/drill/clock';
import { TeamServer } from '../../main/team/server';
import { publish } from '../../main/team/client/publish';
import { Redactor } from '../../main/evidence/redact/engine';

const team = teamPostgres('team live view');
const skip = team.skip;

const SHOTS = path.join(ROOT, 'build', 'screenshots');
/** How long an observer may wait for what the operator did (publish → NOTIFY → SSE → fetch → render), on a loaded machine. */
const SHOWS_WITHIN_MS = 10_000;

let server: TeamServer;
let base = '';
let browser: Browser;
let observer = '';
let publishCfg: { url: string; token: string; user: string; role: string; joinedAt: string };
let db: Db;
let drills: DrillService;
let tmp: ReturnType<typeof tempDir>;


async function publishNow(): Promise<number> {
  const t = performance.now();
  const r = await publish(db, tmp.dir, publishCfg, new Redactor([], true), { includeRunning: true });
  assert.equal(r.imported + r.extended, 1, JSON.stringify(r));
  return t;
}

before(async () => {
  if (skip) return;
  assertRendererBuilt();
  const t = await team.start({ rendererDir: path.join(ROOT, 'dist', 'renderer') }, 'team_live_e2e');
  ({ server, base } = t);
  const op = await server.createUser('ana', 'operator', null);
  observer = await t.user('audrey', 'auditor');
  publishCfg = { url: base, token: op.token, user: 'ana', role: 'operator', joinedAt: new Date().toISOString() };
  tmp = tempDir('drillbook-team-live-');
  db = openDatabase(tmp.dir);
  drills = new DrillService(db, systemNow, { pid: process.pid, session: 'team-live-e2e' });
  browser = await launchBrowser();
});
after(async () => {
  await cleanup();
  await browser?.close();
  db?.close();
  tmp?.cleanup();
});

test('an observer watches a live drill read-only and sees each thing the operator does within seconds, without a reload', { skip: !!skip, timeout: 300_000 }, async () => {
  const id = drills.start(liveRunbook(), 'live', 'ana').id;
  drills.stepStart(id, 0);
  await publishNow();

  const { page, errors } = await newPage(browser, { width: 1440, height: 900, colorScheme: 'light' });
  const methods = new Set<string>();
  page.on('request', (r) => methods.add(r.method()));
  // Updates after the first come as deltas against the snapshot the page holds (?base=CHAIN_HEAD).
  const answers = { delta: 0, whole: 0 };
  page.on('response', (r) => {
    if (!/\/api\/live\/[^/?]+(\?|$)/.test(new URL(r.url()).pathname + new URL(r.url()).search) || r.url().includes('/api/live/events')) return;
    void r.json().then((j: { delta?: unknown }) => void (j.delta ? answers.delta++ : answers.whole++)).catch(() => undefined);
  });
  // Signed in to the real app, from its Live drills page.
  await signInWithToken(page, base, observer);
  await page.click('[data-testid=team-nav-live]');
  await page.waitForSelector('[data-testid=team-live-row]');
  assert.match((await page.textContent('[data-testid=team-live-row]'))!, /Orders database restore.*ana · live · step 1 of 3: Declare the incident/s);
  assert.match((await page.textContent('[data-testid=team-live-row-stale]'))!, /^last event (just now|\d+ s ago)$/);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'team-live-list-1440.png') });
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.screenshot({ path: path.join(SHOTS, 'team-live-list-1024.png') });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.click('[data-testid=team-live-row]');
  await waitFor(() => page.evaluate(() => (globalThis as { location?: { hash: string } }).location!.hash).then((h) => h === `#/live/${encodeURIComponent(id)}`), 'the row opens #/live/ID');
  await page.waitForSelector('[data-testid=team-live][data-status=running]');
  await waitFor(() => page.getAttribute('[data-testid=live-conn]', 'data-state').then((s) => s === 'live'), 'the live stream is open');
  assert.equal(await page.textContent('[data-testid=live-watching]'), 'read-only · watching ana');
  assert.match((await page.textContent('[data-testid=live-stale]'))!, /^last event (just now|\d+ s ago)$/);

  // The clock ticks on locally from the last event.
  const net = async () => Number(await page.getAttribute('[data-testid=clock-net]', 'data-ms'));
  const n0 = await net();
  await waitFor(async () => (await net()) >= n0 + 1000, 'the net clock ticks between events');

  // Read-only: nothing that records, no terminal; keys do nothing.
  for (const tid of ['step-start', 'step-complete', 'step-skip', 'step-fail', 'pause', 'resume', 'finish', 'abort', 'note-input', 'note-submit', 'tick-with-note']) {
    assert.equal(await page.locator(`[data-testid=${tid}]`).count(), 0, `no ${tid} for an observer`);
  }
  assert.equal(await page.locator('.xterm, [data-testid=terminal-panel], textarea').count(), 0, 'no terminal, no text field');
  const boxes = page.locator('[data-testid=check-item] input[type=checkbox]');
  assert.equal(await boxes.count(), 2);
  for (let i = 0; i < 2; i++) assert.equal(await boxes.nth(i).isDisabled(), true);
  await page.locator('[data-testid=check-item]').first().click({ force: true });
  for (const k of ['x', 'Enter', 's', 'f', 'p', 'n', 't', 'j']) await page.keyboard.press(k);
  await page.waitForTimeout(500);
  assert.equal(drills.events(id).length, 2, 'the operator’s log is untouched by the observer');
  assert.deepEqual([...methods], ['GET'], 'the observer’s page only ever reads');

  // The operator ticks an item: it shows on the observer's page.
  drills.checkSet(id, 0, 0, true);
  let t = await publishNow();
  await page.waitForSelector('[data-testid=check-item][data-index="0"][data-checked=true]', { timeout: SHOWS_WITHIN_MS });
  const tickMs = performance.now() - t;

  // Completes the step, starts the next (the view follows it), runs a command, adds a note.
  drills.stepComplete(id, 0);
  drills.stepStart(id, 1);
  drills.commandRun(id, 1, { target: 'local', text: 'pg_restore -d orders /backups/orders.dump', name: null, terminalId: TERMINAL_ID, transcript: TRANSCRIPT, exitCode: 0, durationMs: 4200, expectPassed: null, outputTail: `restored ${CANARY}`, outputFrom: 0, outputTo: 900 });
  drills.addNote(id, 1, 'restore started on db-replica-2');
  drills.addNote(id, 1, '<img src=x onerror="window.pwned=3"> a note is text');
  t = await publishNow();
  await page.waitForSelector('[data-testid=step-panel][data-index="1"][data-status=running]', { timeout: SHOWS_WITHIN_MS });
  await page.waitForSelector('[data-testid=note-item]:has-text("restore started on db-replica-2")', { timeout: SHOWS_WITHIN_MS });
  const stepMs = performance.now() - t;
  assert.equal(await page.getAttribute('[data-testid=step-item][data-index="0"]', 'data-status'), 'completed');
  assert.match((await page.textContent('[data-testid=activity-log]'))!, /\$ pg_restore -d orders \/backups\/orders\.dump.*exit 0/s);
  const html = await page.content();
  for (const secret of [CANARY, TERMINAL_ID, TRANSCRIPT]) assert.ok(!html.includes(secret), `the page holds no ${secret}`);
  assert.match((await page.textContent('[data-testid=step-markdown]'))!, /pg_restore -d orders/, 'the step text as published');
  assert.equal(await page.getAttribute('[data-testid=clock-headline]', 'data-kind'), 'rto', 'the RTO window opened at step 2');

  await page.screenshot({ path: path.join(SHOTS, 'team-live-1440.png') });
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, 'team-live-1024.png') });
  await page.setViewportSize({ width: 1440, height: 900 });

  // Someone else's text (the published runbook, a note) never runs in the observer's page.
  await page.waitForSelector('[data-testid=note-item]:has-text("a note is text")');
  await page.click('[data-testid=step-item][data-index="2"]');
  await page.waitForSelector('[data-testid=step-markdown]:has-text("stays text")');
  assert.equal(await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned), undefined);
  assert.equal(await page.locator('[data-testid=team-live] img').count(), 0);
  assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);

  // The observer looks back at step 1; picking the current step again follows the operator again.
  await page.click('[data-testid=step-item][data-index="0"]');
  await page.waitForSelector('[data-testid=step-panel][data-index="0"]');
  await page.click('[data-testid=step-item][data-index="1"]');
  await page.waitForSelector('[data-testid=step-panel][data-index="1"]');

  // The server cuts the live stream (as when PostgreSQL restarts): the page tries again and catches up.
  for (const r of (server as unknown as { streams: Set<{ end(): void }> }).streams) r.end();
  await waitFor(() => page.getAttribute('[data-testid=live-conn]', 'data-retries').then((n) => Number(n) >= 1), 'the page saw the stream end and tries again');
  drills.addNote(id, 1, 'after the cut');
  await publishNow();
  await page.waitForSelector('[data-testid=note-item]:has-text("after the cut")', { timeout: SHOWS_WITHIN_MS + 5_000 });
  await waitFor(() => page.getAttribute('[data-testid=live-conn]', 'data-state').then((s) => s === 'live'), 'the stream is open again');

  // Paused: the net clock stops, the banner says so.
  drills.pause(id, 'waiting for the storage team');
  await publishNow();
  await page.waitForSelector('[data-testid=paused-banner]', { timeout: SHOWS_WITHIN_MS });
  const p0 = await net();
  await page.waitForTimeout(1500);
  assert.equal(await net(), p0, 'a paused drill’s net clock does not tick');
  drills.resume(id);

  // Ended: the result shows and the clock stops.
  drills.stepComplete(id, 1);
  drills.stepStart(id, 2);
  drills.stepComplete(id, 2);
  drills.finish(id);
  await publishNow();
  await page.waitForSelector('[data-testid=team-live][data-status=completed]', { timeout: SHOWS_WITHIN_MS });
  await page.waitForSelector('[data-testid=ended-notice]');
  await page.waitForSelector('[data-testid=rto-result][data-verdict=met]');
  const e0 = await net();
  await page.waitForTimeout(1500);
  assert.equal(await net(), e0, 'an ended drill’s clock does not tick');
  assert.match((await page.textContent('[data-testid=live-stale]'))!, /^last event \d\d:\d\d:\d\d UTC$/);
  await page.screenshot({ path: path.join(SHOTS, 'team-live-1440-ended.png') });
  assert.deepEqual([...methods], ['GET']);
  assert.ok(answers.delta >= 3, `most updates came as deltas (${JSON.stringify(answers)})`);
  assert.deepEqual(errors, []);
  console.log(`  observer saw: a ticked item ${tickMs.toFixed(0)} ms after publish; a step, a command and a note ${stepMs.toFixed(0)} ms after publish; answers ${JSON.stringify(answers)}`);
});
