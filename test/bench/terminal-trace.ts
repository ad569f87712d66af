/**
 * Where the page's main thread spends a flood, from a Chrome trace
 * (playwright's browser.startTracing, categories devtools.timeline and
 * toplevel): busy time (top-level tasks), idle time, frames drawn, and
 * the time in Blink's lifecycle steps (style, layout, pre-paint, paint,
 * layerize, commit) and in script. Used by `BENCH_TRACE=DIR npm run bench --
 * terminal` to compare the real UI with xterm.js alone, per MiB.
 */

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

export interface MainThreadSummary {
  wallMs: number;
  busyMs: number;
  frames: number;
  /** Milliseconds per lifecycle step or script, summed over the window. */
  steps: Record<string, number>;
}

/** The lifecycle steps and script entry points reported (nested events of the same name are not summed twice). */
export const STEPS = ['UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'Commit', 'FunctionCall', 'FireAnimationFrame', 'TimerFire', 'EventDispatch', 'RunMicrotasks', 'MajorGC', 'MinorGC'];

/** Summarises the renderer main thread (CrRendererMain) of the page's process between the first and last top-level task. */
export function summariseTrace(events: TraceEvent[]): MainThreadSummary {
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && events.some((x) => x.pid === e.pid && x.tid === e.tid && x.name === 'Paint'));
  if (!main) return { wallMs: 0, busyMs: 0, frames: 0, steps: {} };
  const own = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && typeof e.dur === 'number');
  const tasks = own.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
  const first = Math.min(...tasks.map((e) => e.ts));
  const last = Math.max(...tasks.map((e) => e.ts + e.dur!));
  const steps: Record<string, number> = {};
  for (const name of STEPS) {
    // Outermost only: an event inside another of the same name is already counted.
    const xs = own.filter((e) => e.name === name).sort((a, b) => a.ts - b.ts);
    let end = -1;
    let sum = 0;
    for (const e of xs) {
      if (e.ts < end) continue;
      sum += e.dur!;
      end = e.ts + e.dur!;
    }
    steps[name] = sum / 1000;
  }
  let busy = 0;
  let end = -1;
  for (const e of [...tasks].sort((a, b) => a.ts - b.ts)) {
    const from = Math.max(e.ts, end);
    const to = e.ts + e.dur!;
    if (to > from) busy += to - from;
    end = Math.max(end, to);
  }
  return { wallMs: (last - first) / 1000, busyMs: busy / 1000, frames: own.filter((e) => e.name === 'PrePaint').length, steps };
}

/** One line per step: milliseconds per MiB for each summary. */
export function formatSummaries(rows: { label: string; s: MainThreadSummary; mib: number }[]): string[] {
  const out = [`    main thread per MiB (ms)   ${rows.map((r) => r.label.padStart(12)).join('')}`];
  const line = (what: string, f: (s: MainThreadSummary) => number) => `      ${what.padEnd(24)} ${rows.map((r) => (f(r.s) / r.mib).toFixed(1).padStart(12)).join('')}`;
  out.push(line('wall', (s) => s.wallMs));
  out.push(line('busy (top-level tasks)', (s) => s.busyMs));
  out.push(line('idle', (s) => s.wallMs - s.busyMs));
  out.push(line('frames (count)', (s) => s.frames));
  for (const k of STEPS) out.push(line(k, (s) => s.steps[k] ?? 0));
  return out;
}
