/** Page-level steps shared by the e2e tests: each waits for its effect, bounded. */
import type { Locator, Page } from 'playwright-core';
import type { DrillSnapshot } from '../../main/drill/model';
import type { Server } from './harness';

// page.evaluate callbacks run in the browser: its globals, untyped here (the
// root tsconfig is Node-only, without the DOM lib).
declare const document: any, location: any;

export const tid = (page: Page | Locator, id: string) => page.locator(`[data-testid="${id}"]`);

/** Opens the printed URL (token → cookie → redirect) and waits for the socket. */
export async function openApp(page: Page, server: Server): Promise<void> {
  await page.goto(server.url);
  await page.locator('[data-testid="conn-state"][data-state="open"]').waitFor();
}

/** Moves focus off any button/field so single-key shortcuts reach the app. */
export async function blur(page: Page): Promise<void> {
  await page.evaluate(() => document.activeElement?.blur?.());
}

export async function openRunbook(page: Page, title: string): Promise<void> {
  await page.locator(`[data-testid="library-item"][data-title="${title}"]`).click();
  await tid(page, 'preview-title').filter({ hasText: title }).waitFor();
  await tid(page, 'start-drill').waitFor();
}

export async function startDrill(page: Page, operator: string, mode: 'rehearsal' | 'live' = 'rehearsal'): Promise<string> {
  await tid(page, 'start-drill').click();
  await tid(page, 'operator-input').fill(operator);
  await tid(page, mode === 'live' ? 'mode-live' : 'mode-rehearsal').click();
  await tid(page, 'confirm-start').click();
  const view = tid(page, 'drill-view');
  await view.waitFor();
  const id = await view.getAttribute('data-drill-id');
  if (!id) throw new Error('drill view has no drill id');
  return id;
}

export const stepItem = (page: Page, index: number) => page.locator(`[data-testid="step-item"][data-index="${index}"]`);

export async function waitStepStatus(page: Page, index: number, status: string): Promise<void> {
  await page.locator(`[data-testid="step-item"][data-index="${index}"][data-status="${status}"]`).waitFor();
}

export async function giveReason(page: Page, reason: string): Promise<void> {
  await tid(page, 'reason-input').fill(reason);
  await tid(page, 'confirm-reason').click();
  await tid(page, 'reason-dialog').waitFor({ state: 'detached' });
}

/** Ticks every unticked item of the selected step by clicking, waiting for each to be recorded. */
export async function tickAll(page: Page): Promise<number> {
  const items = tid(page, 'check-item');
  const n = await items.count();
  for (let i = 0; i < n; i++) {
    const item = items.nth(i);
    if ((await item.getAttribute('data-checked')) === 'true') continue;
    await item.click();
    await page.locator(`[data-testid="check-item"][data-index="${await item.getAttribute('data-index')}"][data-checked="true"]`).waitFor();
  }
  return n;
}

/** The snapshot as the server has it, fetched through the page's own authenticated socket. */
export async function fetchSnapshot(page: Page, drillId: string): Promise<DrillSnapshot> {
  return page.evaluate(async (id) => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/api`);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('socket failed'));
      });
      return await new Promise<DrillSnapshot>((resolve, reject) => {
        ws.onmessage = (ev) => {
          // A snapshot travels as a DrillWire (main/api/wire.ts); on a new connection, the whole one.
          const msg = JSON.parse(String(ev.data)) as { id?: number; drill?: { full?: DrillSnapshot }; error?: { message: string } };
          if (msg.id !== 424242) return;
          if (msg.error) reject(new Error(msg.error.message));
          else if (msg.drill?.full) resolve(msg.drill.full);
          else reject(new Error('expected the whole snapshot on a new connection'));
        };
        ws.send(JSON.stringify({ id: 424242, method: 'drill.get', params: { drillId: id } }));
      });
    } finally {
      ws.close();
    }
  }, drillId);
}
