/**
 * The History tab's code is its own chunk (HistoryRoot and every page under it, uPlot included), loaded when the
 * app is idle after it connects (app/store.ts) or when the tab opens, whichever comes first. Its file starts with
 * V8's explicit compile hint (`//# allFunctionsCalledOnLoad`, renderer/vite.config.ts), so Chromium compiles it as
 * it loads, at idle, rather than function by function on the first visit. CDP traces of the list's first visit at
 * 10,000 drills (`BENCH_TRACE=1 npm run bench -- history`, a fresh browser context, load 7-10 on the shared 2-core
 * machine): 78 ms of compilation in a 382 ms visit before, 19 ms in 113 ms after (single traces; noisy).
 */
type Route = typeof import('./HistoryRoot');
let route: Promise<Route> | null = null;
let loaded: Route | null = null;

export function loadHistoryRoute(): Promise<Route> {
  return (route ??= import('./HistoryRoot').then((m) => (loaded = m)));
}

/**
 * The chunk, if it has loaded. App renders it directly then: no React.lazy and Suspense, whose reveal React 19
 * throttles (up to 300 ms after a fallback), which a first visit measured as 416-450 ms against a 131 ms median.
 */
export function loadedHistoryRoute(): Route | null {
  return loaded;
}
