/**
 * The renderer's state: one zustand store, plus the actions that talk to
 * the core. Every snapshot that arrives (a call's result or a
 * `drill.changed` event) goes through `upsertDrill`, stamped with
 * performance.now() so the clock can tick on from it client-side.
 */
import { create } from 'zustand';
import type { AppInfo, Method, Params, Results } from '../../main/api/contract';
import type { DrillMode, DrillSnapshot, DrillStatus } from '../../main/drill/model';
import type { LibraryEntry } from '../../main/runbook/model';
import type { HistoryEntry } from '../../main/history/model';
import type { Runbook } from '../../main/runbook/model';
import { getClient, toApiError, type ConnStatus } from './transport';

export type View = { name: 'library' } | { name: 'drill'; id: string } | { name: 'history' };

export interface DrillEntry {
  snap: DrillSnapshot;
  /** performance.now() when this snapshot arrived. */
  receivedAt: number;
}

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

export interface RunbookCacheEntry {
  runbook?: Runbook;
  error?: string;
  loading: boolean;
}

export interface HistoryFilter {
  runbookPath?: string;
  mode?: DrillMode;
  status?: DrillStatus;
  result?: 'pass' | 'fail';
  /** YYYY-MM-DD, UTC days. */
  since?: string;
  until?: string;
}

export interface State {
  conn: ConnStatus;
  appInfo: AppInfo | null;
  view: View;
  /** The drill last shown, for the Drill tab. */
  lastDrillId: string | null;

  library: LibraryEntry[];
  libraryLoaded: boolean;
  libraryFilter: string;
  selectedRunbook: string | null;
  runbooks: Record<string, RunbookCacheEntry>;
  /** Each open drill's runbook as it started (not the file as it is now). */
  drillRunbooks: Record<string, RunbookCacheEntry>;

  drills: Record<string, DrillEntry>;
  /** Ids of drills still running (drill.active, kept current by events). */
  active: string[];
  dismissedInterrupted: string[];
  selectedStep: Record<string, number>;

  history: HistoryEntry[];
  /** How many drills match the filter (the list holds the newest page(s)). */
  historyTotal: number;
  historyLoaded: boolean;
  historyLoading: boolean;
  historyFilter: HistoryFilter;

  toasts: Toast[];
  operator: string;
  /** A call in flight per key ("step.complete:3"), to disable its button. */
  busy: Record<string, true>;
}

const OPERATOR_KEY = 'drillbook.operator';

function readOperator(): string {
  try {
    return localStorage.getItem(OPERATOR_KEY) ?? '';
  } catch {
    return '';
  }
}

export const useStore = create<State>()(() => ({
  conn: { state: 'connecting' },
  appInfo: null,
  view: { name: 'library' },
  lastDrillId: null,
  library: [],
  libraryLoaded: false,
  libraryFilter: '',
  selectedRunbook: null,
  runbooks: {},
  drillRunbooks: {},
  drills: {},
  active: [],
  dismissedInterrupted: [],
  selectedStep: {},
  history: [],
  historyTotal: 0,
  historyLoaded: false,
  historyLoading: false,
  historyFilter: {},
  toasts: [],
  operator: readOperator(),
  busy: {},
}));

const set = useStore.setState;
const get = useStore.getState;

// ---------------------------------------------------------------------------
// Toasts

let toastSeq = 1;
export function toast(message: string, kind: Toast['kind'] = 'error'): void {
  const id = toastSeq++;
  // At most 3 at once; each goes by itself (renderer/ui/Toasts.tsx).
  set((s) => ({ toasts: [...s.toasts.filter((t) => t.message !== message), { id, kind, message }].slice(-3) }));
}

export function dismissToast(id: number): void {
  set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}

// ---------------------------------------------------------------------------
// Calls

/** Calls the API; on failure shows the server's message as a toast and returns null. */
export async function api<M extends Method>(method: M, params: Params<M>, busyKey?: string): Promise<Results[M] | null> {
  if (busyKey) set((s) => ({ busy: { ...s.busy, [busyKey]: true } }));
  try {
    return await getClient().call(method, params);
  } catch (err) {
    toast(toApiError(err).message);
    return null;
  } finally {
    if (busyKey)
      set((s) => {
        const busy = { ...s.busy };
        delete busy[busyKey];
        return { busy };
      });
  }
}

// ---------------------------------------------------------------------------
// Drills

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

// ---------------------------------------------------------------------------
// Navigation (mirrored in location.hash so a reload lands in the same place)

export function navigate(view: View): void {
  set(view.name === 'drill' ? { view, lastDrillId: view.id } : { view });
  const hash = view.name === 'drill' ? `#/drill/${encodeURIComponent(view.id)}` : `#/${view.name}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
  if (view.name === 'history') void loadHistory();
  if (view.name === 'drill') void ensureDrill(view.id);
}

export function openDrill(id: string): void {
  navigate({ name: 'drill', id });
}

async function ensureDrill(id: string): Promise<void> {
  if (!get().drills[id]) await refreshDrill(id);
  const snap = get().drills[id]?.snap;
  if (snap) void loadRunbook(snap.runbook.path);
}

function viewFromHash(): View {
  const m = /^#\/(library|history|drill)(?:\/(.+))?$/.exec(location.hash);
  if (m?.[1] === 'drill' && m[2]) return { name: 'drill', id: decodeURIComponent(m[2]) };
  if (m?.[1] === 'history') return { name: 'history' };
  return { name: 'library' };
}

// ---------------------------------------------------------------------------
// Library

export async function loadLibrary(): Promise<void> {
  const list = await api('runbooks.list', {});
  if (list) set({ library: list, libraryLoaded: true });
  else set({ libraryLoaded: true });
}

export async function addFolder(path: string): Promise<boolean> {
  const list = await api('runbooks.addFolder', { path: path.trim() }, 'addFolder');
  if (!list) return false;
  set({ library: list, libraryLoaded: true });
  toast(`Added ${path.trim()}`, 'info');
  return true;
}

/** Fetches a runbook into one of the two caches, once per key (or again with `force`). */
async function loadIntoCache(
  cache: 'runbooks' | 'drillRunbooks',
  key: string,
  fetch: () => Promise<Runbook>,
  force = false,
): Promise<void> {
  const cached = get()[cache][key];
  if (cached && !force && (cached.runbook || cached.loading)) return;
  const put = (entry: RunbookCacheEntry) => set((s) => ({ [cache]: { ...s[cache], [key]: entry } }) as Partial<State>);
  put({ ...cached, loading: true });
  try {
    put({ runbook: await fetch(), loading: false });
  } catch (err) {
    put({ error: toApiError(err).message, loading: false });
  }
}

export function loadRunbook(path: string, force = false): Promise<void> {
  return loadIntoCache('runbooks', path, () => getClient().call('runbooks.get', { path }), force);
}

/** The runbook a drill started with; it never changes, so it is fetched once per drill. */
export function loadDrillRunbook(drillId: string): Promise<void> {
  return loadIntoCache('drillRunbooks', drillId, () => getClient().call('drill.runbook', { drillId }));
}

export function selectRunbook(path: string | null): void {
  set({ selectedRunbook: path });
  if (path) void loadRunbook(path);
}

// ---------------------------------------------------------------------------
// History

let historySeq = 0;
/** A page of the history list; more load on demand (10,000 drills do not all go on screen). */
export const HISTORY_PAGE = 100;

function historyParams(filter: HistoryFilter): Params<'history.count'> {
  const params: Params<'history.count'> = {};
  if (filter.runbookPath) params.runbookPath = filter.runbookPath;
  if (filter.mode) params.mode = filter.mode;
  if (filter.status) params.status = filter.status;
  if (filter.result) params.result = filter.result;
  if (filter.since) params.since = filter.since;
  if (filter.until) params.until = filter.until;
  return params;
}

export async function loadHistory(filter: HistoryFilter = get().historyFilter): Promise<void> {
  const seq = ++historySeq;
  set({ historyFilter: filter, historyLoading: true });
  const params = historyParams(filter);
  // Newest first from the server; step counts only (the list shows counts, not every step).
  const [list, total] = await Promise.all([api('history.list', { ...params, limit: HISTORY_PAGE, steps: false }), api('history.count', params)]);
  if (seq !== historySeq) return;
  if (list) set({ history: list, historyTotal: total ?? list.length, historyLoaded: true, historyLoading: false });
  else set({ historyLoading: false, historyLoaded: true });
}

export async function loadMoreHistory(): Promise<void> {
  const seq = historySeq;
  const { historyFilter, history } = get();
  set({ historyLoading: true });
  const more = await api('history.list', { ...historyParams(historyFilter), limit: HISTORY_PAGE, offset: history.length, steps: false });
  if (seq !== historySeq) return;
  if (more) set((s) => ({ history: [...s.history, ...more.filter((d) => !s.history.some((h) => h.id === d.id))], historyLoading: false }));
  else set({ historyLoading: false });
}

// ---------------------------------------------------------------------------
// Wiring

let historyTimer = 0;
let libraryTimer = 0;
let initialised = false;

export function initStore(): void {
  if (initialised) return;
  initialised = true;
  const client = getClient();
  const initial = viewFromHash();
  set(initial.name === 'drill' ? { view: initial, lastDrillId: initial.id } : { view: initial });
  window.addEventListener('hashchange', () => {
    const v = viewFromHash();
    const cur = get().view;
    if (v.name !== cur.name || (v.name === 'drill' && cur.name === 'drill' && v.id !== cur.id)) navigate(v);
  });

  client.onEvent((e) => {
    if (e.type === 'drill.changed') {
      upsertDrill(e.drill);
      if (get().view.name === 'history') {
        window.clearTimeout(historyTimer);
        historyTimer = window.setTimeout(() => void loadHistory(), 300);
      }
    } else if (e.type === 'library.changed') {
      window.clearTimeout(libraryTimer);
      libraryTimer = window.setTimeout(() => {
        void loadLibrary();
        const sel = get().selectedRunbook;
        if (sel) void loadRunbook(sel, true);
        const view = get().view;
        if (view.name === 'drill') {
          const snap = get().drills[view.id]?.snap;
          if (snap) void loadRunbook(snap.runbook.path, true);
        }
      }, 150);
    }
  });

  client.onStatus((conn) => {
    const was = get().conn.state;
    set({ conn });
    if (conn.state === 'open' && was !== 'open') void onConnected();
  });
}

async function onConnected(): Promise<void> {
  // Everything may have changed while we were away: fetch it all again.
  void api('app.info', {}).then((info) => info && set({ appInfo: info }));
  void loadLibrary();
  await loadActive();
  const view = get().view;
  if (view.name === 'drill') {
    await refreshDrill(view.id);
    const snap = get().drills[view.id]?.snap;
    if (snap) void loadRunbook(snap.runbook.path);
  }
  if (view.name === 'history') void loadHistory();
  const sel = get().selectedRunbook;
  if (sel) void loadRunbook(sel, true);
}
