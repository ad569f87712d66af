/**
 * The drills the renderer holds: every snapshot that arrives (a call's
 * result or a `drill.changed` event) goes through `upsertDrill`, stamped
 * with performance.now() so the clock can tick on from it client-side; the
 * step selected in each; the runbook each started with; and the step and
 * drill actions, which call the core and take its answer.
 *
 * A component selects one drill (`useDrills((s) => s.drills[id])`): an
 * event for another drill, a toast or a history page no longer re-runs it.
 */
import { create } from 'zustand';
import type { Method, Params } from '../../main/api/contract';
import type { DrillSnapshot } from '../../main/drill/model';
import { api } from '../app/calls';
import { openDrill } from '../app/nav';
import { getClient } from '../app/transport';
import { loadIntoCache, loadRunbook, type RunbookCacheEntry } from '../library/store';

export interface DrillEntry {
  snap: DrillSnapshot;
  /** performance.now() when this snapshot arrived. */
  receivedAt: number;
}

export interface DrillsState {
  drills: Record<string, DrillEntry>;
  /** Ids of drills still running (drill.active, kept current by events). */
  active: string[];
  dismissedInterrupted: string[];
  selectedStep: Record<string, number>;
  /** Each open drill's runbook as it started (not the file as it is now). */
  drillRunbooks: Record<string, RunbookCacheEntry>;
  /** The operator's name, remembered for the next drill. */
  operator: string;
}

const OPERATOR_KEY = 'drillbook.operator';

function readOperator(): string {
  try {
    return localStorage.getItem(OPERATOR_KEY) ?? '';
  } catch {
    return '';
  }
}

export const useDrills = create<DrillsState>()(() => ({
  drills: {},
  active: [],
  dismissedInterrupted: [],
  selectedStep: {},
  drillRunbooks: {},
  operator: readOperator(),
}));

const set = useDrills.setState;
const get = useDrills.getState;

function newer(a: DrillSnapshot, b: DrillSnapshot | undefined): boolean {
  if (!b) return true;
  if (a.eventCount !== b.eventCount) return a.eventCount > b.eventCount;
  return a.clock.asOf >= b.clock.asOf || a.interrupted !== b.interrupted;
}

export function upsertDrill(snap: DrillSnapshot): void {
  const now = performance.now();
  set((s) => {
    const prev = s.drills[snap.id];
    if (!newer(snap, prev?.snap)) return {};
    const running = snap.status === 'running';
    const active = running ? (s.active.includes(snap.id) ? s.active : [...s.active, snap.id]) : s.active.filter((id) => id !== snap.id);
    const selectedStep = snap.id in s.selectedStep ? s.selectedStep : { ...s.selectedStep, [snap.id]: defaultStep(snap) };
    return { drills: { ...s.drills, [snap.id]: { snap, receivedAt: now } }, active, selectedStep };
  });
}

export function defaultStep(snap: DrillSnapshot): number {
  const running = snap.steps.find((st) => st.status === 'running');
  if (running) return running.index;
  const pending = snap.steps.find((st) => st.status === 'pending');
  return pending ? pending.index : 0;
}

export function selectStep(drillId: string, index: number): void {
  const snap = get().drills[drillId]?.snap;
  if (!snap || snap.steps.length === 0) return;
  const i = Math.max(0, Math.min(snap.steps.length - 1, index));
  set((s) => ({ selectedStep: { ...s.selectedStep, [drillId]: i } }));
}

export function dismissInterrupted(drillId: string): void {
  set((s) => ({ dismissedInterrupted: [...s.dismissedInterrupted, drillId] }));
}

async function drillAction<M extends Method>(method: M, params: Params<M>, busyKey: string): Promise<DrillSnapshot | null> {
  const result = (await api(method, params, busyKey)) as DrillSnapshot | null;
  if (result) upsertDrill(result);
  return result;
}

export async function startStep(drillId: string, stepIndex: number) {
  const snap = await drillAction('step.start', { drillId, stepIndex }, `step:${stepIndex}`);
  if (snap) selectStep(drillId, stepIndex);
  return snap;
}

export async function completeStep(drillId: string, stepIndex: number) {
  const snap = await drillAction('step.complete', { drillId, stepIndex }, `step:${stepIndex}`);
  if (snap && get().selectedStep[drillId] === stepIndex) {
    const next =
      snap.steps.find((st) => st.index > stepIndex && st.status === 'pending') ??
      snap.steps.find((st) => st.status === 'pending');
    if (next) selectStep(drillId, next.index);
  }
  return snap;
}

export async function skipStep(drillId: string, stepIndex: number, reason: string) {
  const snap = await drillAction('step.skip', { drillId, stepIndex, reason }, `step:${stepIndex}`);
  if (snap && get().selectedStep[drillId] === stepIndex) {
    const next = snap.steps.find((st) => st.index > stepIndex && st.status === 'pending');
    if (next) selectStep(drillId, next.index);
  }
  return snap;
}

export const failStep = (drillId: string, stepIndex: number, reason: string) =>
  drillAction('step.fail', { drillId, stepIndex, reason }, `step:${stepIndex}`);

export const setCheck = (drillId: string, stepIndex: number, itemIndex: number, checked: boolean) =>
  drillAction('check.set', { drillId, stepIndex, itemIndex, checked }, `check:${stepIndex}:${itemIndex}`);

export const addNote = (drillId: string, stepIndex: number | null, text: string) =>
  drillAction('note.add', { drillId, stepIndex, text }, 'note');

export const pauseDrill = (drillId: string, reason: string) => drillAction('drill.pause', { drillId, reason }, 'pause');
export const resumeDrill = (drillId: string) => drillAction('drill.resume', { drillId }, 'pause');
export const finishDrill = (drillId: string) => drillAction('drill.finish', { drillId }, 'finish');
export const abortDrill = (drillId: string, reason: string) => drillAction('drill.abort', { drillId, reason }, 'abort');

export async function recoverDrill(drillId: string): Promise<void> {
  const snap = await drillAction('drill.recover', { drillId }, `recover:${drillId}`);
  if (snap) openDrill(snap.id);
}

export async function startDrill(runbookPath: string, mode: 'rehearsal' | 'live', operator: string, vars?: Record<string, string>): Promise<DrillSnapshot | null> {
  const name = operator.trim();
  set({ operator: name });
  try {
    localStorage.setItem(OPERATOR_KEY, name);
  } catch {
    /* not persisted */
  }
  const snap = await drillAction('drill.start', { runbookPath, mode, operator: name, ...(vars && Object.keys(vars).length ? { vars } : {}) }, 'drill.start');
  if (snap) openDrill(snap.id);
  return snap;
}

export async function refreshDrill(drillId: string): Promise<void> {
  const snap = await api('drill.get', { drillId });
  if (snap) upsertDrill(snap);
}

export async function loadActive(): Promise<void> {
  const list = await api('drill.active', {});
  if (!list) return;
  for (const snap of list) upsertDrill(snap);
  // The server's list is the truth: drills finished elsewhere drop out.
  set({ active: [...new Set(list.map((d) => d.id))] });
}

/** A drill about to be shown: fetched if not held, and its runbook file loaded. */
export async function ensureDrill(id: string): Promise<void> {
  if (!get().drills[id]) await refreshDrill(id);
  const snap = get().drills[id]?.snap;
  if (snap) void loadRunbook(snap.runbook.path);
}

/** The runbook a drill started with; it never changes, so it is fetched once per drill. */
export function loadDrillRunbook(drillId: string): Promise<void> {
  return loadIntoCache(
    (k) => get().drillRunbooks[k],
    (k, entry) => set((s) => ({ drillRunbooks: { ...s.drillRunbooks, [k]: entry } })),
    drillId,
    () => getClient().call('drill.runbook', { drillId }),
  );
}
