/** Small React glue for the team pages: the hash route, and one fetch with its loading and error state. */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { parseRoute, routeHash, type TeamRoute } from './route';
import { markPainted } from '../history/perf';

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useRoute(): TeamRoute {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}

export function go(r: TeamRoute): void {
  const h = routeHash(r);
  if (window.location.hash !== h) window.location.hash = h;
}

export type Load<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; value: T };

/**
 * Runs `fetcher` whenever `key` changes (and on reload()). A late answer for
 * an old key is dropped; while a reload of the same key runs, the last
 * answer stays on screen (no flash of "Loading…" every 15 s).
 */
export function useLoad<T>(key: string, fetcher: () => Promise<T>): [Load<T>, () => void] {
  const [out, setOut] = useState<{ key: string; load: Load<T> } | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    fetcher().then(
      (value) => live && setOut({ key, load: { state: 'ok', value } }),
      (err: Error) => live && setOut({ key, load: { state: 'error', message: err.message } }),
    );
    return () => {
      live = false;
    };
    // The fetcher is a fresh closure each render; the key says when it asks for something else.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return [out && out.key === key ? out.load : { state: 'loading' }, reload];
}

/** Saves a blob under `name` through a temporary link (the page's CSP allows no other way, and needs none). */
export function saveBlob(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/**
 * Marks `drillbook:team-<page>:painted` (and data-painted-team-<page> on <html>) each time the page's data lands on
 * screen, for render timing in Chromium (the history bench's convention, renderer/history/perf.ts).
 */
export function usePainted(page: string, load: Load<unknown>): void {
  const value = load.state === 'ok' ? load.value : null;
  useEffect(() => {
    if (value !== null) markPainted(`team-${page}`);
  }, [page, value]);
}
