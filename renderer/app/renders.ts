/**
 * Render counts of the drill view's components, read by the flood test
 * (test/e2e/terminal-flood.test.ts): terminal output must go straight into
 * xterm.js, never through React state, or a 50 MiB `cat` becomes thousands
 * of re-renders of the drill screen (the page already spends ~1.1 CPU-seconds
 * per wall-second in xterm.js's DOM renderer during a flood, with no GPU).
 * One integer add per render; the counts live on window for the test.
 */
type Counts = Record<string, number>;

function counts(): Counts {
  const w = window as unknown as { drillbookRenders?: Counts };
  return (w.drillbookRenders ??= {});
}

/** Call at the top of a component's render. */
export function countRender(name: string): void {
  const c = counts();
  c[name] = (c[name] ?? 0) + 1;
}
