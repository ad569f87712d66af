/**
 * steps.csv: one row per step, for spreadsheets. RFC 4180 (CRLF line ends;
 * fields with a comma, quote, CR or LF are quoted, quotes doubled), UTF-8
 * without a BOM. Text that a spreadsheet would take for a formula
 * (= + - @ tab CR at the start) is prefixed with ' (OWASP's advice), since
 * step titles, reasons and operator names are typed by people. Pure.
 */
import type { ReportModel } from './report-model';

export const STEPS_CSV_COLUMNS = [
  'step',
  'key',
  'title',
  'status',
  'started_at',
  'ended_at',
  'duration_seconds',
  'operator',
  'reason',
  'rto_marker',
  'checklist_done',
  'checklist_total',
  'commands_run',
  'commands_failed',
  'commands_typed',
] as const;

export type CsvCell = string | number | null;

/** Quotes a field per RFC 4180 and defuses formula injection in text. */
export function csvField(value: CsvCell): string {
  if (value === null) return '';
  let s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly CsvCell[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function stepsCsv(m: ReportModel): string {
  return toCsv(
    STEPS_CSV_COLUMNS,
    m.steps.map((s) => [
      s.number,
      s.key,
      s.title,
      s.status,
      s.startedAt,
      s.endedAt,
      s.durationMs === null ? null : Math.round(s.durationMs) / 1000,
      s.operator,
      s.reason,
      [s.rtoStart ? 'start' : '', s.rtoEnd ? 'end' : ''].filter(Boolean).join(' ') || null,
      s.checklist.filter((c) => c.checked).length,
      s.checklist.length,
      s.commandsRun,
      s.commandsFailed,
      s.commandsTyped,
    ]),
  );
}
