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
}

export const useHistoryList = create<HistoryListState>()(() => ({
  history: [],
  historyTotal: 0,
  historyLoaded: false,
  historyLoading: false,
  historyFilter: {},
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
  if (more) {
    set((s) => {
      const have = new Set(s.history.map((h) => h.id));
      return { history: [...s.history, ...more.filter((d) => !have.has(d.id))], historyLoading: false };
    });
  } else set({ historyLoading: false });
}
