import { createReadStream, closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Core } from '../api/core';
import { UserError } from '../common/errors';
import { DatabaseError } from '../store/db';
import { DRILL_MODES, DRILL_STATUSES } from '../drill/model';
import { exportLines, importLines, type ExportSummary, type HistoryEntry, type HistoryFilter, type HistoryRunbook, type ImportReport } from '../history';
import { BUNDLED_RUNBOOKS, CliError, EXIT, dataDirFrom, formatMs, oneOf } from './common';
import { Progress, paint, table } from './output';
import { outboundRedactor, redactHistoryLines } from '../evidence/redact/outbound';
import type { Redactor } from '../evidence/redact';

export function openCore(values: Record<string, unknown>, writer = false): Core {
  try {
    return new Core({ dataDir: dataDirFrom(values), runbookDirs: [BUNDLED_RUNBOOKS], host: 'cli', writer });
  } catch (err) {
    // Another writer (main/store/lock.ts) or a data folder that cannot be opened: one sentence.
    if (err instanceof UserError || err instanceof DatabaseError) throw new CliError(err.message, EXIT.internal);
    throw err;
  }
}

/** A user-facing error from the core (a bad date, an unknown drill) becomes a one-line CLI error. */
export async function userErrors<T>(f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof UserError) throw new CliError(err.message, err.code === 'not_found' ? EXIT.failed : EXIT.badInput);
    throw err;
  }
}

/**
 * Which recorded runbook path a command-line argument means: the path as
 * given or resolved (as recorded), else the one runbook in the history with
 * that file name or title. Null when nothing matches.
 */
export function matchRunbook(known: HistoryRunbook[], arg: string): HistoryRunbook | null | HistoryRunbook[] {
  const resolved = path.resolve(arg);
  const exact = known.find((r) => r.path === arg || r.path === resolved);
  if (exact) return exact;
  const byName = known.filter((r) => path.basename(r.path) === path.basename(arg));
  if (byName.length === 1) return byName[0]!;
  const byTitle = known.filter((r) => r.title.toLowerCase() === arg.toLowerCase());
  if (byTitle.length === 1) return byTitle[0]!;
  const ambiguous = byName.length > 1 ? byName : byTitle;
  return ambiguous.length > 1 ? ambiguous : null;
}

export function historyFilterFrom(values: Record<string, unknown>, known: () => HistoryRunbook[]): HistoryFilter {
  const filter: HistoryFilter = {};
  if (typeof values.runbook === 'string') {
    const m = matchRunbook(known(), values.runbook);
    if (Array.isArray(m)) throw new CliError(`--runbook ${values.runbook} matches ${m.length} runbooks: ${m.map((r) => r.path).join(', ')}; give the full path`);
    filter.runbookPath = m ? m.path : path.resolve(values.runbook);
  }
  const mode = oneOf(values.mode, DRILL_MODES, 'mode');
  if (mode) filter.mode = mode;
  const status = oneOf(values.status, DRILL_STATUSES, 'status');
  if (status) filter.status = status;
  const result = oneOf(values.result, ['pass', 'fail'] as const, 'result');
  if (result) filter.result = result;
  if (typeof values.since === 'string') filter.since = values.since;
  if (typeof values.until === 'string') filter.until = values.until;
  return filter;
}

/** `history`, `history export`, `history import`. */
export async function historyCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const [sub, ...rest] = positionals;
  if (sub === 'export') return exportCommand(values, rest);
  if (sub === 'import') return importCommand(values, rest);
  if (sub !== undefined) throw new CliError(`unexpected argument "${sub}" (did you mean history export or history import?)`);
  if (values.json && values.csv) throw new CliError('choose one of --json and --csv');
  if (values.out !== undefined) throw new CliError('--out is for history export');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new CliError('--limit must be a positive whole number');
  const core = openCore(values);
  try {
    const filter = historyFilterFrom(values, () => core.history.runbooks());
    const total = await userErrors(() => core.call('history.count', filter));
    // --json / --csv are for tools: everything that matches unless --limit says otherwise. The table: the newest 50.
    const want = limit ?? (values.json || values.csv ? total : 50);
    const drills = await userErrors(() => fetchAll(core, filter, want));
    if (values.json) {
      process.stdout.write(JSON.stringify(drills, null, 2) + '\n');
      return EXIT.ok;
    }
    if (values.csv) {
      process.stdout.write(toCsv(drills));
      return EXIT.ok;
    }
    if (drills.length === 0) {
      process.stdout.write(Object.keys(filter).length ? 'No drills match.\n' : 'No drills recorded yet.\n');
      return EXIT.ok;
    }
    // Aligned columns; on a terminal with a header row and colour (./output.ts), in a pipe one drill per line.
    const rows = drills.map((d) => {
      const status = d.interrupted ? 'interrupted' : d.status;
      const rto = d.rto.targetSec === null ? '' : `${formatMs((d.rto.actualSec ?? 0) * 1000)}/${formatMs(d.rto.targetSec * 1000)}${d.rto.met === null ? '' : d.rto.met ? ' met' : ' ' + paint('red', 'MISSED')}`;
      const result = d.result === null ? '' : d.result === 'pass' ? paint('green', 'pass') : paint('red', 'FAIL');
      return [d.id, d.startedAt, result, status, d.mode, formatMs(d.netMs), rto, `${d.runbook.title} (${d.operator})`];
    });
    process.stdout.write(table(['ID', 'STARTED (UTC)', 'RESULT', 'STATUS', 'MODE', 'NET', 'RTO', 'RUNBOOK (OPERATOR)'], rows, ['l', 'l', 'l', 'l', 'l', 'r']));
    if (total > drills.length) process.stdout.write(`… ${total - drills.length} older drill${total - drills.length === 1 ? '' : 's'} not shown (--limit N, or --csv / --json for all)\n`);
    return EXIT.ok;
  } finally {
    core.close();
  }
}

async function fetchAll(core: Core, filter: HistoryFilter, want: number): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  const page = 1000;
  while (out.length < want) {
    const rows = await core.call('history.list', { ...filter, limit: Math.min(page, want - out.length), offset: out.length });
    out.push(...rows);
    if (rows.length === 0) break;
  }
  return out;
}

const CSV_COLUMNS = [
  'id',
  'runbook_title',
  'runbook_path',
  'runbook_sha256',
  'mode',
  'operator',
  'status',
  'result',
  'started_at',
  'ended_at',
  'net_sec',
  'paused_sec',
  'rto_target_sec',
  'rto_actual_sec',
  'rto_met',
  'steps',
  'steps_completed',
  'steps_skipped',
  'steps_failed',
] as const;

/**
 * RFC 4180 CSV. Text a spreadsheet would run as a formula (=, +, -, @ first)
 * is prefixed with an apostrophe: runbook titles and operator names are
 * typed by people, and a CSV is exactly what gets opened in Excel.
 */
export function toCsv(drills: readonly HistoryEntry[]): string {
  const text = (v: string) => {
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const num = (v: number | null) => (v === null ? '' : String(Math.round(v * 1000) / 1000));
  const lines = [CSV_COLUMNS.join(',')];
  for (const d of drills) {
    const count = (s: string) => d.steps.filter((x) => x.status === s).length;
    lines.push(
      [
        text(d.id),
        text(d.runbook.title),
        text(d.runbook.path),
        text(d.runbook.sha256),
        d.mode,
        text(d.operator),
        d.interrupted ? 'interrupted' : d.status,
        d.result ?? '',
        d.startedAt,
        d.endedAt ?? '',
        num(d.netMs === null ? null : d.netMs / 1000),
        num(d.pausedMs === null ? null : d.pausedMs / 1000),
        num(d.rto.targetSec),
        num(d.rto.actualSec),
        d.rto.met === null ? '' : d.rto.met ? 'true' : 'false',
        String(d.steps.length),
        String(count('completed')),
        String(count('skipped')),
        String(count('failed')),
      ].join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** `history export [--out FILE] [filters]`: finished drills as JSON lines, oldest first. */
async function exportCommand(values: Record<string, unknown>, rest: string[]): Promise<number> {
  if (rest.length > 0) throw new CliError(`unexpected argument "${rest[0]}" (history export writes to stdout, or to --out FILE)`);
  if (values.json || values.csv || values.limit !== undefined) throw new CliError('history export takes filters, --out and --no-redact only');
  const redact = values['no-redact'] !== true;
  let red: Redactor;
  try {
    red = outboundRedactor(dataDirFrom(values), { enabled: redact });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (!redact) process.stderr.write('drillbook history export: warning: --no-redact: credentials recorded in the drills are exported as they are\n');
  const out = typeof values.out === 'string' ? path.resolve(values.out) : null;
  if (out && existsSync(out)) throw new CliError(`${out} already exists; refusing to overwrite it`);
  const core = openCore(values);
  const summary: ExportSummary = { exported: 0, skippedRunning: 0 };
  try {
    const filter = historyFilterFrom(values, () => core.history.runbooks());
    const all = await userErrors(() => exportLines(core.db, filter, summary));
    const lines = redact ? redactHistoryLines(all, red) : all;
    if (out) {
      // Written beside the target and renamed, so a half-written export never looks complete.
      const partial = out + '.partial';
      const fd = openSync(partial, 'w');
      try {
        let chunk = '';
        for (const line of lines) {
          chunk += line;
          if (chunk.length > 1 << 20) {
            writeSync(fd, chunk);
            chunk = '';
          }
        }
        if (chunk) writeSync(fd, chunk);
        fsyncSync(fd);
      } catch (err) {
        closeSync(fd);
        rmSync(partial, { force: true });
        throw err;
      }
      closeSync(fd);
      renameSync(partial, out);
    } else {
      for (const line of lines) {
        if (!process.stdout.write(line)) await new Promise((r) => process.stdout.once('drain', r));
      }
    }
  } finally {
    core.close();
  }
  process.stderr.write(
    `exported ${summary.exported} drill${summary.exported === 1 ? '' : 's'}${out ? ` to ${out}` : ''}` +
      (summary.skippedRunning ? `; ${summary.skippedRunning} running drill${summary.skippedRunning === 1 ? '' : 's'} left out (not finished)` : '') +
      '\n',
  );
  return EXIT.ok;
}

/** `history import FILE|-`: merges drills from JSON lines; exit 1 when anything was a conflict or rejected. */
async function importCommand(values: Record<string, unknown>, rest: string[]): Promise<number> {
  if (rest.length !== 1) throw new CliError('name one file to import (or - for standard input)');
  const file = rest[0]!;
  if (file !== '-' && !existsSync(file)) throw new CliError(`${file} does not exist`);
  const core = openCore(values, true);
  let report: ImportReport;
  try {
    const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    // On a terminal, a running count on stderr; nothing in a pipe.
    const progress = new Progress();
    let read = 0;
    async function* counted(): AsyncGenerator<string> {
      for await (const line of lines) {
        read++;
        progress.update(`history import: ${read} line${read === 1 ? '' : 's'} read…`);
        yield line;
      }
    }
    try {
      report = await importLines(core.db, counted());
    } finally {
      progress.done();
    }
    if (report.imported + report.extended > 0) {
      // New evidence arrived: keep a copy, as after a drill.
      await core.guard.backup('auto').catch((err: Error) => process.stderr.write(`drillbook history import: the backup after importing failed: ${err.message}\n`));
    }
  } finally {
    core.close();
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    process.stdout.write(
      `${report.lines} drill${report.lines === 1 ? '' : 's'} read: ${report.imported} imported, ${report.extended} brought up to date, ` +
        `${report.duplicates} already here, ${report.older} older than ours, ${report.conflicts.length} conflict${report.conflicts.length === 1 ? '' : 's'}, ${report.rejected.length} rejected\n`,
    );
    for (const c of report.conflicts) process.stdout.write(`  conflict, line ${c.line}, drill ${c.id}: ${c.reason}\n`);
    for (const r of report.rejected) process.stdout.write(`  rejected, line ${r.line}${r.id ? `, drill ${r.id}` : ''}: ${r.reason}\n`);
  }
  return report.conflicts.length + report.rejected.length > 0 ? EXIT.failed : EXIT.ok;
}

export async function showCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  if (positionals.length !== 1) throw new CliError('name one drill id (see drillbook history)');
  // What `show` prints ends up in tickets and CI logs: it passes the outbound redaction step.
  let red: Redactor;
  try {
    red = outboundRedactor(dataDirFrom(values));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const core = openCore(values);
  const out = (line: string) => process.stdout.write(red.text(line));
  try {
    let drill;
    try {
      drill = await core.call('drill.get', { drillId: positionals[0]! });
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.badInput);
    }
    // Terminal and headless-run transcripts (raw output + JSONL index) recorded for this drill.
    const transcripts = await core.call('transcript.list', { drillId: drill.id });
    if (values.json) {
      process.stdout.write(JSON.stringify(red.deep({ ...drill, transcripts }), null, 2) + '\n');
      return EXIT.ok;
    }
    out(`${drill.runbook.title} — ${drill.status}${drill.interrupted ? ' (interrupted)' : ''}, ${drill.mode}, ${drill.operator}\n`);
    out(`started ${drill.startedAt}, ended ${drill.endedAt ?? '—'}; net ${formatMs(drill.clock.netMs)}, paused ${formatMs(drill.clock.pausedMs)}\n`);
    for (const s of drill.steps) {
      out(`  ${String(s.index + 1).padStart(2)}. ${s.status.padEnd(9)} ${formatMs(s.durationMs).padStart(8)}  ${s.title}${s.reason ? ` — ${s.reason}` : ''}\n`);
    }
    for (const c of drill.commands) {
      const result = c.exitCode === null ? (c.endedAt ? 'no exit code' : 'no result') : `exit ${c.exitCode}`;
      const verdict = c.expectPassed === null ? '' : c.expectPassed ? ' ✓' : ' ✗';
      const by = c.origin === 'typed' ? ' (typed)' : '';
      out(`  $ [${c.target}]${by} ${c.text.split('\n')[0]}${c.text.includes('\n') ? ' …' : ''} — ${result}${verdict}${c.note ? ` (${c.note})` : ''}\n`);
    }
    for (const t of transcripts) out(`  transcript ${t.target} (${t.kind}, ${t.bytes} bytes): ${t.out}\n`);
    out(`chain head ${drill.chainHead}\n`);
    return EXIT.ok;
  } finally {
    core.close();
  }
}
