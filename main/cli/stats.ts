/**
 * `drillbook stats RUNBOOK [--json] [--mode M] [--since D] [--until D]`:
 * how long the restore really takes — count, pass rate, p50/p90 of the
 * whole drill and of every step, which steps are slow or vary most, and
 * whether the last drill was unusual.
 */
import { DRILL_MODES } from '../drill/model';
import { SLOW_FACTOR, type DurationSummary, type RunbookStats } from '../history';
import { CliError, EXIT, formatMs, oneOf } from './common';
import { matchRunbook, openCore, userErrors } from './history';

export async function statsCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  if (positionals.length !== 1) throw new CliError('name one runbook (its file, or its title as shown by drillbook history)');
  const arg = positionals[0]!;
  const core = openCore(values);
  try {
    const known = core.history.runbooks();
    const m = matchRunbook(known, arg);
    if (Array.isArray(m)) throw new CliError(`"${arg}" matches ${m.length} runbooks: ${m.map((r) => r.path).join(', ')}; give the full path`);
    if (!m) {
      const list = known.slice(0, 8).map((r) => `  ${r.path} (${r.title}, ${r.drills} drill${r.drills === 1 ? '' : 's'})`).join('\n');
      throw new CliError(`no drills of "${arg}" in the history${known.length ? `; runbooks with drills:\n${list}` : ' (no drills recorded yet)'}`, EXIT.failed);
    }
    const mode = oneOf(values.mode, DRILL_MODES, 'mode');
    const stats = await userErrors(() =>
      core.call('history.runbookStats', {
        runbookPath: m.path,
        ...(mode ? { mode } : {}),
        ...(typeof values.since === 'string' ? { since: values.since } : {}),
        ...(typeof values.until === 'string' ? { until: values.until } : {}),
      }),
    );
    if (values.json) {
      // The per-drill trend columns are for charts; tools that want every drill have history --json.
      const { trend: _trend, ...rest } = stats;
      process.stdout.write(JSON.stringify({ ...rest, versions: stats.versions.length }, null, 2) + '\n');
      return EXIT.ok;
    }
    process.stdout.write(renderStats(stats));
    return EXIT.ok;
  } finally {
    core.close();
  }
}

const pct = (x: number | null) => (x === null ? '—' : `${(Math.round(x * 1000) / 10).toFixed(1)}%`);
const cv = (x: number | null) => (x === null ? '—' : x.toFixed(2));

function line(label: string, s: DurationSummary | null, scale: number): string {
  if (!s) return `${label.padEnd(11)} —\n`;
  return `${label.padEnd(11)} p50 ${formatMs(s.p50 * scale).padStart(8)}   p90 ${formatMs(s.p90 * scale).padStart(8)}   min ${formatMs(s.min * scale)}  max ${formatMs(s.max * scale)}  (${s.n} completed drill${s.n === 1 ? '' : 's'})\n`;
}

export function renderStats(s: RunbookStats): string {
  let out = `${s.runbook.title}\n${s.runbook.path}\n`;
  const scope = [s.query.mode ? `mode ${s.query.mode}` : '', s.query.since ? `since ${s.query.since}` : '', s.query.until ? `until ${s.query.until}` : ''].filter(Boolean).join(', ');
  if (scope) out += `(${scope})\n`;
  const c = s.counts;
  out += `\n${c.drills} drill${c.drills === 1 ? '' : 's'}${c.running ? ` (${c.running} running)` : ''} · pass rate ${pct(s.passRate)} (${c.passed} of ${c.finished} finished passed)`;
  out += s.runbook.rtoTargetSec !== null ? ` · RTO target ${formatMs(s.runbook.rtoTargetSec * 1000)}\n` : ' · no RTO target\n';
  out += line('RTO actual', s.rtoSec, 1000);
  out += line('Net time', s.netMs, 1);
  if (s.markers.length) out += `${s.versions.length} runbook versions; last change ${s.markers[s.markers.length - 1]!.drillId} (${new Date(s.markers[s.markers.length - 1]!.t * 1000).toISOString().slice(0, 10)})\n`;

  if (s.last) {
    const l = s.last;
    const verdict = l.result === null ? 'running' : l.result === 'pass' ? 'pass' : 'FAIL';
    out += `\nLast drill ${l.id} ${l.startedAt} ${verdict}, net ${formatMs(l.netMs)}`;
    out += l.rto.actualSec !== null ? `, RTO ${formatMs(l.rto.actualSec * 1000)}` : '';
    const unusual = l.slowOverall || l.slowSteps.length > 0;
    out += unusual ? ' — UNUSUAL\n' : ' — within the usual range\n';
    if (l.slowOverall) out += `  the whole drill took more than ${SLOW_FACTOR}× the median\n`;
    for (const st of l.slowSteps) out += `  ${st.title}: ${formatMs(st.durationMs)} vs median ${formatMs(st.medianMs)} (${(st.durationMs / st.medianMs).toFixed(1)}×)\n`;
  }

  if (s.steps.length) {
    const w = Math.min(40, Math.max(...s.steps.map((x) => x.title.length)));
    out += `\n${'Step'.padEnd(w + 4)} ${'runs'.padStart(6)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'CV'.padStart(5)} ${'share'.padStart(6)} ${`>${SLOW_FACTOR}×`.padStart(6)}  last\n`;
    s.steps.forEach((st, i) => {
      const d = st.durations;
      const title = (st.title.length > w ? st.title.slice(0, w - 1) + '…' : st.title).padEnd(w);
      const last = st.last ? `${st.last.status === 'completed' ? formatMs(st.last.durationMs) : st.last.status}${st.last.slow ? ' SLOW' : ''}` : 'not in the latest version';
      out += `${String(i + 1).padStart(2)}. ${title} ${String(st.n).padStart(6)} ${(d ? formatMs(d.p50) : '—').padStart(8)} ${(d ? formatMs(d.p90) : '—').padStart(8)} ${cv(d?.cv ?? null).padStart(5)} ${pct(st.shareOfMedian).padStart(6)} ${String(st.slowRuns).padStart(6)}  ${last}\n`;
    });
    const title = (k: string) => s.steps.find((x) => x.key === k)?.title ?? k;
    out += `\nSlowest (median): ${s.slowest.slice(0, 3).map(title).join(' · ') || '—'}\n`;
    out += `Most variable (CV): ${s.mostVariable.slice(0, 3).map(title).join(' · ') || '—'}\n`;
  }
  out += `\nPass = completed with the RTO met (or no target). Percentiles interpolate between ranks; durations exclude pauses.\n`;
  return out;
}
