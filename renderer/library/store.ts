/**
 * The library's state: the runbooks the core lists, the filter and the
 * selection, and the parsed runbooks fetched so far (one cache entry per
 * path, fetched once unless forced).
 */
import { create } from 'zustand';
import type { LibraryEntry } from '../../main/runbook/model';
import type { Runbook } from '../../main/runbook/model';
import { api, toast } from '../app/calls';
import { getClient, toApiError } from '../app/transport';

export interface RunbookCacheEntry {
  runbook?: Runbook;
  error?: string;
  loading: boolean;
}

export interface LibraryState {
  library: LibraryEntry[];
  libraryLoaded: boolean;
  libraryFilter: string;
  selectedRunbook: string | null;
  runbooks: Record<string, RunbookCacheEntry>;
}

export const useLibrary = create<LibraryState>()(() => ({
  library: [],
  libraryLoaded: false,
  libraryFilter: '',
  selectedRunbook: null,
  runbooks: {},
}));

const set = useLibrary.setState;
const get = useLibrary.getState;

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

export function setLibraryFilter(filter: string): void {
  set({ libraryFilter: filter });
}

/**
 * Fetches a runbook into a cache, once per key (or again with `force`). `read`/`write` reach the cache's slice of
 * whichever store holds it (this one for runbooks by path, the drill store for each drill's runbook).
 */
export async function loadIntoCache(
  read: (key: string) => RunbookCacheEntry | undefined,
  write: (key: string, entry: RunbookCacheEntry) => void,
  key: string,
  fetch: () => Promise<Runbook>,
  force = false,
): Promise<void> {
  const cached = read(key);
  if (cached && !force && (cached.runbook || cached.loading)) return;
  write(key, { ...cached, loading: true });
  try {
    write(key, { runbook: await fetch(), loading: false });
  } catch (err) {
    write(key, { error: toApiError(err).message, loading: false });
  }
}

export function loadRunbook(path: string, force = false): Promise<void> {
  return loadIntoCache(
    (k) => get().runbooks[k],
    (k, entry) => set((s) => ({ runbooks: { ...s.runbooks, [k]: entry } })),
    path,
    () => getClient().call('runbooks.get', { path }),
    force,
  );
}

export function selectRunbook(path: string | null): void {
  set({ selectedRunbook: path });
  if (path) void loadRunbook(path);
}
