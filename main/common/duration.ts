/**
 * Durations, and the one way Drillbook prints one for people: the drill
 * view, the CLI, the evidence report and the JUnit report all say the same
 * time the same way. Issue 14 found five formatters printing it five ways
 * (`1m00s`, `1m 00s`; hours with and without seconds; floored or rounded).
 *
 *   2.5s · 42s · 3m 05s · 1h 04m 10s
 *
 * Seconds are rounded to the nearest (a measured 59.6 s reads "1m 00s");
 * under 10 s a fraction is kept to the tenth, so a quick command is not
 * shown as "0s"; hours keep their seconds, since the report is evidence and
 * should not claim less precision than it measured. Pure; runs in the
 * renderer too.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Milliseconds for people; '—' when there is no measurement. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  const tenths = Math.round(ms / 100);
  if (tenths < 100 && tenths % 10 !== 0) return `${(tenths / 10).toFixed(1)}s`;
  const total = Math.round(ms / SECOND_MS);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${pad2(m)}m ${pad2(s)}s`;
  if (m > 0) return `${m}m ${pad2(s)}s`;
  return `${s}s`;
}

/** The same, for a time in seconds (RTO and RPO targets and actuals). */
export function formatSeconds(sec: number | null | undefined): string {
  return sec === null || sec === undefined ? '—' : formatDuration(sec * SECOND_MS);
}
