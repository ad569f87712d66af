/** Time formatting. Everything a human reads is UTC and says so. */
import { formatDuration } from '../../main/common/duration.js';

const pad = (n: number, w = 2) => String(Math.floor(n)).padStart(w, '0');

/** 754_000 → "00:12:34"; always hours, for the big clock. */
export function hms(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${pad(s / 3600)}:${pad((s % 3600) / 60)}:${pad(s % 60)}`;
}

/** Compact clock: "12:34" under an hour, "1:02:03" above. */
export function clockShort(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${pad((s % 3600) / 60)}:${pad(s % 60)}` : `${pad(s / 60)}:${pad(s % 60)}`;
}

/** Human duration: "3m 05s", "1h 04m 10s", "42s", "2.5s" — the one formatter (main/common/duration.ts). */
export const humanDuration = formatDuration;

/** RTO targets as written: 2700 → "45:00", 5400 → "1:30:00". */
export function targetText(sec: number): string {
  return clockShort(sec * 1000);
}

function parse(iso: string | number | Date): Date {
  return iso instanceof Date ? iso : new Date(iso);
}

/** "07:41:02" UTC time of day. */
export function utcTime(iso: string | number | Date): string {
  const d = parse(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** "2026-01-14 07:41" UTC date and time. */
export function utcDateTime(iso: string | number | Date, seconds = false): string {
  const d = parse(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = seconds ? utcTime(d) : `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return `${date} ${time}`;
}

/** Local time of day, for a hint beside the UTC one; '' when local is UTC. */
export function localTimeHint(iso: string | number | Date): string {
  const d = parse(iso);
  if (Number.isNaN(d.getTime()) || d.getTimezoneOffset() === 0) return '';
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false, timeZoneName: 'short' });
}

/** "1 check", "2 checks": a count with its noun, singular for one. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
