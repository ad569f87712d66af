/**
 * Time axes for the history's charts, in UTC and 24-hour time with round
 * ticks (every 5 min, 1 h, 1 day…), so an axis reads "03:00 03:15 03:30"
 * rather than "1m 37s 3m 14s" or "3:00am" in the viewer's zone. Pure.
 */

/** Tick spacings to choose from, in ms: the first that keeps the ticks at or under the wanted count wins. */
export const TICK_STEPS_MS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800, 1_209_600, 2_592_000,
].map((s) => s * 1000);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** A UTC tick label for a spacing: "14:05:30" below a minute, "14:05" below a day, "5 Jan" from a day up. */
export function utcTickLabel(ms: number, stepMs: number, withDate = false): string {
  const d = new Date(ms);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  if (stepMs >= 86_400_000) return withDate ? `${day} ${d.getUTCFullYear()}` : day;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${stepMs < 60_000 ? `:${pad(d.getUTCSeconds())}` : ''}`;
  return withDate ? `${day} ${time}` : time;
}

export interface Tick {
  /** UTC ms of the tick. */
  ms: number;
  label: string;
}

/**
 * Round UTC ticks across [fromMs, toMs]: multiples of a spacing from
 * TICK_STEPS_MS (days at UTC midnight), at most `maxTicks` of them. The
 * first tick, and any at a change of UTC day, carry the date.
 */
export function utcTicks(fromMs: number, toMs: number, maxTicks = 6): { stepMs: number; ticks: Tick[] } {
  const span = Math.max(1, toMs - fromMs);
  const stepMs = TICK_STEPS_MS.find((s) => span / s <= Math.max(1, maxTicks)) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1]!;
  const ticks: Tick[] = [];
  let prevDay = '';
  for (let t = Math.ceil(fromMs / stepMs) * stepMs; t <= toMs && ticks.length <= maxTicks; t += stepMs) {
    const day = new Date(t).toISOString().slice(0, 10);
    ticks.push({ ms: t, label: utcTickLabel(t, stepMs, stepMs < 86_400_000 && day !== prevDay && prevDay !== '') });
    prevDay = day;
  }
  return { stepMs, ticks };
}

/** Labels for uPlot's time-axis splits (seconds), given the spacing it chose (seconds). */
export function utcAxisValues(splitsSec: readonly number[], incrSec: number): string[] {
  // Ticks months or years apart (a history of many years): "Mar 2024", or "2024" — never a bare "1 Jan" eleven times.
  if (incrSec >= 360 * 86_400) return splitsSec.map((s) => String(new Date(s * 1000).getUTCFullYear()));
  if (incrSec >= 28 * 86_400) return splitsSec.map((s) => `${MONTHS[new Date(s * 1000).getUTCMonth()]} ${new Date(s * 1000).getUTCFullYear()}`);
  let prevDay = '';
  return splitsSec.map((s) => {
    const ms = s * 1000;
    const day = new Date(ms).toISOString().slice(0, 10);
    // Ticks hours apart: a midnight tick is just the day ("7 Jan"), the rest the time.
    const midnight = ms % 86_400_000 === 0;
    const label =
      incrSec >= 21_600 && midnight ? utcTickLabel(ms, 86_400_000) : utcTickLabel(ms, incrSec * 1000, incrSec < 86_400 && prevDay !== '' && day !== prevDay);
    prevDay = day;
    return label;
  });
}

/** Round spacings for a duration axis, in seconds (uPlot `incrs`). */
export const DURATION_INCRS_SEC = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];

/** A duration axis label for a round value: "30s", "5m", "1h", "1h 30m", "2d". */
export function durationTick(sec: number): string {
  const s = Math.round(sec);
  if (s === 0) return '0';
  if (s % 86_400 === 0) return `${s / 86_400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s >= 3600 && s % 60 === 0) return `${Math.floor(s / 3600)}h ${(s % 3600) / 60}m`;
  if (s % 60 === 0) return `${s / 60}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${s}s`;
}
