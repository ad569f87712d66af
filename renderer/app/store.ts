/**
 * Wiring of the renderer's feature stores to the core: one zustand store
 * per feature (app/calls.ts: connection, toasts, busy flags; app/nav.ts:
 * the view; drill/store.ts; library/store.ts; history/store.ts;
 * terminal/state.ts), each with its own actions. This module only connects
 * them: core events to the stores they change, a view opening to what it
 * must load, a reconnect to a full refresh. A component subscribes to its
 * own slice of its own feature's store, so a terminal status, a toast or a
 * history page does not re-run the drill screen's selectors.
 */
import { api, useConn } from './calls';
import { navigate, useNav, viewFromHash } from './nav';
import { getClient } from './transport';
import { ensureDrill, loadActive, refreshDrill, upsertDrill, useDrills } from '../drill/store';
import { loadHistory, markHistoryStale, openHistoryList, prefetchHistory } from '../history/store';
import { loadHistoryRoute } from '../history/lazy';
import { loadLibrary, loadRunbook, useLibrary } from '../library/store';

let historyTimer = 0;
let libraryTimer = 0;
let initialised = false;

export function initStore(): void {
  if (initialised) return;
  initialised = true;
  const client = getClient();
  const initial = viewFromHash();
  useNav.setState(initial.name === 'drill' ? { view: initial, lastDrillId: initial.id } : { view: initial });
  // A view being opened loads what it shows (the first one loads once connected: onConnected).
  useNav.subscribe((s, prev) => {
    if (s.view === prev.view) return;
    if (s.view.name === 'history') void openHistoryList();
    if (s.view.name === 'drill') void ensureDrill(s.view.id);
  });
  window.addEventListener('hashchange', () => {
    const v = viewFromHash();
    const cur = useNav.getState().view;
    if (v.name !== cur.name || (v.name === 'drill' && cur.name === 'drill' && v.id !== cur.id)) navigate(v);
  });

  client.onEvent((e) => {
    if (e.type === 'drill.changed') {
      upsertDrill(e.drill);
      markHistoryStale();
      if (useNav.getState().view.name === 'history') {
        window.clearTimeout(historyTimer);
        historyTimer = window.setTimeout(() => void loadHistory(), 300);
      }
    } else if (e.type === 'library.changed') {
      window.clearTimeout(libraryTimer);
      libraryTimer = window.setTimeout(() => {
        void loadLibrary();
        const sel = useLibrary.getState().selectedRunbook;
        if (sel) void loadRunbook(sel, true);
        const view = useNav.getState().view;
        if (view.name === 'drill') {
          const snap = useDrills.getState().drills[view.id]?.snap;
          if (snap) void loadRunbook(snap.runbook.path, true);
        }
      }, 150);
    }
  });

  client.onStatus((conn) => {
    const was = useConn.getState().conn.state;
    useConn.setState({ conn });
    if (conn.state === 'open' && was !== 'open') void onConnected();
  });
}

async function onConnected(): Promise<void> {
  // Everything may have changed while we were away: fetch it all again.
  void api('app.info', {}).then((info) => info && useConn.setState({ appInfo: info }));
  void loadLibrary();
  await loadActive();
  const view = useNav.getState().view;
  if (view.name === 'drill') {
    await refreshDrill(view.id);
    const snap = useDrills.getState().drills[view.id]?.snap;
    if (snap) void loadRunbook(snap.runbook.path);
  }
  markHistoryStale();
  if (view.name === 'history') void loadHistory();
  else
    whenIdle(() => {
      prefetchHistory();
      void loadHistoryRoute();
    });
  const sel = useLibrary.getState().selectedRunbook;
  if (sel) void loadRunbook(sel, true);
}

/** Runs `fn` once the page is idle (or after 2 s at the latest): work the user has not asked for yet waits its turn. */
function whenIdle(fn: () => void): void {
  if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(() => fn(), { timeout: 2_000 });
  else window.setTimeout(fn, 500);
}
