/**
 * The history list's state: the newest page(s) of drills matching the
 * filter, and how many match in all. Pages come from the server
 * (history.list with a limit and offset); 10,000 drills never all go on
 * screen or over the wire.
 */
import { create } from 'zustand';
import type { Params } from '../../main/api/contract';
import type { DrillMode, DrillStatus } from '../../main/drill/model';
import type { HistoryEntry } from '../../main/history/model';
import { api } from '../app/calls';

export interface HistoryFilter {
  runbookPath?: string;
  mode?: DrillMode;
  status?: DrillStatus;
  result?: 'pass' | 'fail';
  /** YYYY-MM-DD, UTC days. */
  since?: string;
  until?: string;
}

export interface HistoryListState {
  history: HistoryEntry[];
  /** How many drills match the filter (the list holds the newest page(s)). */
  historyTotal: number;
  historyLoaded: boolean;
  historyLoading: boolean;
  historyFilter: HistoryFilter;
  /**
   * The list may be out of date (a drill changed, the connection came back): the next opening reloads it. A list
   * prefetched while the app was idle (prefetchHistory) and not stale is shown at once when the tab opens, and
   * checked again quietly behind it.
   */
  historyStale: boolean;
}

export const useHistoryList = create<HistoryListState>()(() => ({
  history: [],
  historyTotal: 0,
  historyLoaded: false,
  historyLoading: false,
  historyFilter: {},
  historyStale: true,
}));

const set = useHistoryList.setState;
const get = useHistoryList.getState;

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

export async function loadHistory(filter: HistoryFilter = get().historyFilter, opts: { quiet?: boolean } = {}): Promise<void> {
  const seq = ++historySeq;
  // Quiet: the list on screen stays as it is (not "loading") until the new page replaces it.
  set(opts.quiet ? { historyFilter: filter, historyStale: false } : { historyFilter: filter, historyLoading: true, historyStale: false });
  const params = historyParams(filter);
  // Newest first from the server; step counts only (the list shows counts, not every step).
  const [list, total] = await Promise.all([api('history.list', { ...params, limit: HISTORY_PAGE, steps: false }), api('history.count', params)]);
  if (seq !== historySeq) return;
  // A quiet check that found the same page keeps the rows (and their memoized renders) as they are.
  if (list && opts.quiet && JSON.stringify(list) === JSON.stringify(get().history)) set({ historyTotal: total ?? list.length, historyLoading: false });
  else if (list) set({ history: list, historyTotal: total ?? list.length, historyLoaded: true, historyLoading: false });
  else set({ historyLoading: false, historyLoaded: true, historyStale: true });
}

/**
 * The History tab was opened: a list prefetched and still current is shown as it is and refreshed quietly behind
 * (another process may have imported drills); a prefetch still on its way is waited for; otherwise the list loads.
 */
export function openHistoryList(): Promise<void> {
  const s = get();
  // The prefetch is on its way and nothing changed since it left: it is the list (asking again would discard it).
  if (s.historyLoading && !s.historyStale) return Promise.resolve();
  return loadHistory(s.historyFilter, { quiet: s.historyLoaded && !s.historyStale && !s.historyLoading });
}

/** Fetches the list's first page while the app is idle, so the first opening of the History tab has it in hand. */
export function prefetchHistory(): void {
  const s = get();
  if (s.historyLoaded || s.historyLoading) return;
  void loadHistory(s.historyFilter);
}

/** Something the list shows may have changed while it was not on screen. */
export function markHistoryStale(): void {
  if (!get().historyStale) set({ historyStale: true });
}

export async function loadMoreHistory(): Promise<void> {
  const seq = historySeq;
  const { historyFilter, history } = get();
  set({ historyLoading: true });
  const more = await api('history.list', { ...historyParams(historyFilter), limit: HISTORY_PAGE, offset: history.length, steps: false });
  if (seq !== historySeq) return;
  if (more) {
    set((s) => {
      const have = new Set(s.history.map((h) => h.id));
      return { history: [...s.history, ...more.filter((d) => !have.has(d.id))], historyLoading: false };
    });
  } else set({ historyLoading: false });
}
