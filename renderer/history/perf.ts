/**
 * Render timing for the bench (test/bench/history-render.ts): a page marks
 * `drillbook:<name>:painted` once its data is on screen. The bench marks
 * the click that started it and measures between the two.
 */
export function markPainted(name: string): void {
  // After this commit's paint: the frame callback runs before paint, the task after it.
  requestAnimationFrame(() =>
    setTimeout(() => {
      performance.mark(`drillbook:${name}:painted`);
      document.documentElement.dataset[`painted${name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`] = String(performance.now());
    }, 0),
  );
}
