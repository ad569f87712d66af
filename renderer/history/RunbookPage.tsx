/**
 * A runbook's page: how long the restore really takes. RTO actual against
 * the target over time (with runbook version changes marked), pass rate,
 * p50/p90, the last drill and whether it was unusual, and every step's
 * durations across drills: which are slow, which vary most, and which runs
 * took more than 1.5× their median.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import uPlot from 'uplot';
import type { DrillMode } from '../../main/drill/model';
import type { RunbookStats, StepStat } from '../../main/history/model';
import { api } from '../app/calls';
import { humanDuration, plural, utcDateTime } from '../app/format';
import { Badge } from '../ui/Badge';
import { useTheme } from '../app/theme';
import { Chart, cssVar } from './Chart';
import { markPainted } from './perf';
import { DURATION_INCRS_SEC, durationTick, utcAxisValues } from '../../main/history/ticks';
import { backToList, openCompare, openWaterfall } from './route';

const SLOW = 1.5;

/** The trend chart's width can be no more than the window's (the server cuts the trend to it). */
const chartPx = () => Math.max(320, Math.ceil(document.documentElement.clientWidth || window.innerWidth));
type Order = 'runbook' | 'slowest' | 'variable';

export function RunbookPage({ path }: { path: string }) {
  const [mode, setMode] = useState<DrillMode | ''>('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [stats, setStats] = useState<RunbookStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [order, setOrder] = useState<Order>('runbook');
  // Charts drawn for the current data; the page counts as on screen when both are (render timing for the bench).
  const drawn = useRef(0);

  useEffect(() => {
    let stale = false;
    // eslint-disable-next-line react/set-state-in-effect -- a new query clears the last one's error while it loads
    setError(null);
    void api('history.runbookStats', {
      runbookPath: path,
      // The server cuts the trend to what a chart this wide can show (main/history/downsample.ts).
      chartPx: chartPx(),
      ...(mode ? { mode } : {}),
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
    }).then((s) => {
      if (stale) return;
      performance.mark('drillbook:runbook:data');
      drawn.current = 0;
      if (s) setStats(s);
      else setError('Could not load this runbook’s history.');
    });
    return () => {
      stale = true;
    };
  }, [path, mode, since, until]);

  useLayoutEffect(() => {
    if (stats) performance.mark('drillbook:runbook:committed');
  }, [stats]);
  const chartDrawn = () => {
    drawn.current++;
    if (drawn.current === 2) markPainted('runbook');
  };

  if (error) return <PageShell title={path} error={error} />;
  if (!stats) return <PageShell title={path} loading />;

  const c = stats.counts;
  const last = stats.last;
  return (
    <div className="hist-page" data-testid="runbook-page" data-path={stats.runbook.path}>
      <div className="hist-page-head">
        <button type="button" className="btn btn-ghost btn-sm" onClick={backToList} data-testid="hist-back">
          ← History
        </button>
        <div className="hist-page-title">
          <h1 data-testid="rb-title">{stats.runbook.title}</h1>
          <span className="muted mono small">{stats.runbook.path}</span>
        </div>
        <div className="history-filters">
          <select className="input select" value={mode} onChange={(e) => setMode(e.target.value as DrillMode | '')} aria-label="Mode" data-testid="rb-filter-mode">
            <option value="">All modes</option>
            <option value="rehearsal">Rehearsal</option>
            <option value="live">Live</option>
            <option value="automated">Automated</option>
          </select>
          <input className="input" type="date" value={since} onChange={(e) => setSince(e.target.value)} aria-label="From (UTC)" title="From (UTC day)" data-testid="rb-filter-since" />
          <input className="input" type="date" value={until} onChange={(e) => setUntil(e.target.value)} aria-label="To (UTC)" title="To (UTC day, included)" data-testid="rb-filter-until" />
        </div>
      </div>

      <div className="hist-tiles">
        <Tile label="Drills" testId="rb-count">
          {c.drills}
          {c.running ? <span className="muted small"> · {c.running} running</span> : null}
        </Tile>
        <Tile label="Pass rate" testId="rb-pass-rate" title="Passed = completed with the RTO met (or no target), out of finished drills">
          {stats.passRate === null ? '—' : `${Math.round(stats.passRate * 1000) / 10}%`}
          <span className="muted small">
            {' '}
            {c.passed}/{c.finished}
          </span>
        </Tile>
        <Tile label="RTO p50 / p90" testId="rb-rto" title="Over completed drills; percentiles interpolate between ranks">
          {stats.rtoSec ? `${humanDuration(stats.rtoSec.p50 * 1000)} / ${humanDuration(stats.rtoSec.p90 * 1000)}` : '—'}
          {stats.runbook.rtoTargetSec !== null ? <span className="muted small"> · target {humanDuration(stats.runbook.rtoTargetSec * 1000)}</span> : null}
        </Tile>
        <Tile label="Net time p50 / p90" testId="rb-net">
          {stats.netMs ? `${humanDuration(stats.netMs.p50)} / ${humanDuration(stats.netMs.p90)}` : '—'}
        </Tile>
        <Tile label="Last drill" testId="rb-last">
          {last ? (
            <button type="button" className="link-btn" onClick={() => openWaterfall(last.id)} data-testid="rb-last-open">
              {utcDateTime(last.startedAt)}
            </button>
          ) : (
            '—'
          )}{' '}
          {last ? <ResultBadge result={last.result} /> : null}{' '}
          {last && (last.slowOverall || last.slowSteps.length > 0) ? (
            <Badge tone="warn" testId="rb-last-unusual" title={unusualText(last)}>
              unusual
            </Badge>
          ) : null}
        </Tile>
      </div>

      {stats.byMode.length > 1 ? (
        <section className="hist-card hist-by-mode" data-testid="rb-by-mode">
          <p className="muted small">
            These drills mix modes. An unattended run and a rehearsal are never measured against each other: slow flags compare each drill with its own mode.
            Per mode:
          </p>
          <table className="history-table">
            <thead>
              <tr>
                <th>Mode</th>
                <th className="num">Drills</th>
                <th className="num">Pass rate</th>
                <th className="num">RTO p50 / p90</th>
                <th className="num">Net p50 / p90</th>
              </tr>
            </thead>
            <tbody>
              {stats.byMode.map((m) => (
                <tr key={m.mode} data-testid="rb-mode-row" data-mode={m.mode}>
                  <td>{m.mode}</td>
                  <td className="num">{m.drills}</td>
                  <td className="num">{m.passRate === null ? '—' : `${Math.round(m.passRate * 1000) / 10}%`}</td>
                  <td className="num mono">{m.rtoSec ? `${humanDuration(m.rtoSec.p50 * 1000)} / ${humanDuration(m.rtoSec.p90 * 1000)}` : '—'}</td>
                  <td className="num mono">{m.netMs ? `${humanDuration(m.netMs.p50)} / ${humanDuration(m.netMs.p90)}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      {last && last.slowSteps.length > 0 ? (
        <div className="hist-callout" data-testid="rb-last-slow">
          <strong>The last drill was unusual:</strong> {last.slowSteps.length} step{last.slowSteps.length === 1 ? '' : 's'} took more than {SLOW}× the median —{' '}
          {last.slowSteps
            .slice(0, 4)
            .map((s) => `${s.title} ${humanDuration(s.durationMs)} (median ${humanDuration(s.medianMs)})`)
            .join('; ')}
          {last.slowSteps.length > 4 ? '; …' : ''}
        </div>
      ) : null}

      <section className="hist-card">
        <div className="hist-card-head">
          <h2>RTO actual vs target</h2>
          <span className="muted small">
            each dot a drill (click one for its waterfall) · line: rolling median of 9 completed drills · dashed: runbook version changed
          </span>
        </div>
        {stats.trendSample ? (
          <p className="muted small hist-sample-note" data-testid="rb-chart-sample">
            {stats.trendSample.shown.toLocaleString('en')} of {stats.trendSample.drills.toLocaleString('en')} drills drawn: in every {stats.trendSample.pxPerBin}-pixel
            column the fastest and slowest passed and failed drill, and the first of each version. Figures above are over all {stats.trendSample.drills.toLocaleString('en')}.
          </p>
        ) : null}
        <RtoChart stats={stats} onDrawn={chartDrawn} />
        {stats.markers.length ? <Markers stats={stats} /> : null}
      </section>

      <section className="hist-card">
        <div className="hist-card-head">
          <h2>Step durations across drills</h2>
          <span className="muted small">bar: median · blue dot: p90 · grey dot: the last drill (red when over {SLOW}× its median)</span>
        </div>
        {!mode && stats.byMode.length > 1 && last ? (
          <p className="callout callout-warn small" data-testid="rb-steps-mixed">
            These step figures are over every mode at once. For the figures of one kind of drill,{' '}
            <button type="button" className="link-btn" onClick={() => setMode(last.mode)} data-testid="rb-steps-one-mode">
              show {last.mode} drills only
            </button>
            .
          </p>
        ) : null}
        <StepChart steps={stats.steps} onDrawn={chartDrawn} />
        <StepTable stats={stats} order={order} setOrder={setOrder} />
      </section>

      <section className="hist-card">
        <div className="hist-card-head">
          <h2>Recent drills</h2>
        </div>
        <RecentTable stats={stats} />
      </section>
      <p className="muted small history-foot">
        Pass = completed with the RTO met (or no target); pass rate counts finished drills. Percentiles interpolate between ranks (p50 is the median). Drill times
        are over completed drills; step times over every completed run of the step. Steps are matched across versions by their stable key. Computed in{' '}
        {stats.computeMs} ms{stats.cached ? ' (kept since: no drill of this runbook changed)' : ''}.
      </p>
    </div>
  );
}

function unusualText(last: NonNullable<RunbookStats['last']>): string {
  const parts: string[] = [];
  if (last.slowOverall) parts.push(`the whole drill took more than ${SLOW}× the median`);
  if (last.slowSteps.length) parts.push(`${plural(last.slowSteps.length, "step")} over ${SLOW}× ${last.slowSteps.length === 1 ? "its" : "their"} median`);
  return parts.join('; ');
}

export function PageShell({ title, loading, error }: { title: string; loading?: boolean; error?: string }) {
  return (
    <div className="hist-page">
      <div className="hist-page-head">
        <button type="button" className="btn btn-ghost btn-sm" onClick={backToList} data-testid="hist-back">
          ← History
        </button>
        <div className="hist-page-title">
          <h1 className="muted">{title}</h1>
        </div>
      </div>
      {loading ? <div className="loading">Loading…</div> : null}
      {error ? <div className="empty small">{error}</div> : null}
    </div>
  );
}

function Tile({ label, children, testId, title }: { label: string; children: ReactNode; testId: string; title?: string }) {
  return (
    <div className="hist-tile" data-testid={testId} title={title}>
      <div className="hist-tile-label">{label}</div>
      <div className="hist-tile-value">{children}</div>
    </div>
  );
}

export function ResultBadge({ result }: { result: 'pass' | 'fail' | null }) {
  if (result === null) return <Badge tone="accent">running</Badge>;
  return (
    <Badge tone={result === 'pass' ? 'ok' : 'danger'} testId="result-badge">
      {result}
    </Badge>
  );
}

const axisDuration = (_u: uPlot, vals: number[]) => vals.map((v) => (v == null ? '' : durationTick(v)));
/** UTC, 24-hour labels on uPlot's round time splits (main/history/ticks.ts). */
const axisUtc = (_u: uPlot, vals: number[], _axis: number, _space: number, incr: number) => utcAxisValues(vals, incr);
const utcDate = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
/** A step's name for an axis: short enough to sit under its bar. */
const shortTitle = (t: string, max: number) => (t.length > max ? `${t.slice(0, max - 1)}…` : t);

function RtoChart({ stats, onDrawn }: { stats: RunbookStats; onDrawn: () => void }) {
  const { effective: theme } = useTheme();
  const tr = stats.trend;
  const hasRto = tr.rtoActualSec.some((v) => v !== null);
  const modes = useMemo(() => [...new Set(tr.mode)], [tr.mode]);
  const data = useMemo<uPlot.AlignedData>(() => {
    const y = hasRto ? tr.rtoActualSec : tr.netSec;
    const pass = y.map((v, i) => (tr.result[i] === 'pass' ? v : null));
    const fail = y.map((v, i) => (tr.result[i] !== 'pass' ? v : null));
    // One rolling median per mode: a cron run's seconds and a rehearsal's minutes never share a line.
    // The server computed each drill's rolling median over every drill of its mode, before any cut.
    const rolling = modes.map((m) => tr.rolling.map((v, i) => (tr.mode[i] === m ? v : null)));
    return [tr.t, pass, fail, ...rolling, tr.rtoTargetSec];
  }, [tr, hasRto, modes]);

  const options = useMemo(() => {
    const ok = cssVar('--ok', '#3fb68b');
    const danger = cssVar('--danger', '#ec5f5f');
    const accent = cssVar('--accent', '#5b8def');
    const muted = cssVar('--muted', '#8a94a0');
    const warn = cssVar('--warn', '#e3a33a');
    const grid = cssVar('--border', '#262d37');
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const dots = (color: string): uPlot.Series => ({
      stroke: color,
      fill: color,
      paths: () => null,
      points: { show: true, size: tr.t.length > 2000 ? 3 : 6, stroke: color, fill: color },
    });
    const markers = stats.markers;
    const opts: Omit<uPlot.Options, 'width' | 'height'> = {
      tzDate: utcDate,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, (stats.runbook.rtoTargetSec ?? 0) * 1.1, 60)] } },
      axes: [
        { ...axis, values: axisUtc, label: 'UTC', labelSize: 18, space: 90 },
        { ...axis, values: axisDuration, incrs: DURATION_INCRS_SEC, size: 60 },
      ],
      legend: { live: false },
      cursor: { drag: { x: true, y: false }, points: { show: false } },
      series: [
        {},
        { label: hasRto ? 'RTO (passed)' : 'Net (passed)', ...dots(ok) },
        { label: hasRto ? 'RTO (failed)' : 'Net (failed)', ...dots(danger) },
        ...modes.map(
          (m, i): uPlot.Series => ({
            label: modes.length > 1 ? `Rolling median (${m})` : 'Rolling median',
            stroke: i === 0 ? accent : i === 1 ? muted : warn,
            width: 2,
            dash: i === 0 ? undefined : [8, 4],
            spanGaps: true,
            points: { show: false },
          }),
        ),
        { label: 'Target', stroke: warn, width: 1.5, dash: [6, 4], paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false }, spanGaps: true },
      ],
      hooks: {
        draw: [
          (u) => {
            // Version changes: a dashed vertical line where a drill first ran a new runbook version.
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = muted;
            ctx.fillStyle = muted;
            ctx.setLineDash([3, 4]);
            ctx.lineWidth = 1;
            ctx.font = `${10 * devicePixelRatio}px sans-serif`;
            // Labels need room ("v118" is ~25 px); lines closer than 6 px would grey the whole plot out on a
            // history with hundreds of versions, so a crowded stretch shows one line per 6 px.
            const minGap = 40 * devicePixelRatio;
            const lineGap = 6 * devicePixelRatio;
            let lastX = -Infinity;
            let lastLine = -Infinity;
            for (const m of markers) {
              const x = Math.round(u.valToPos(m.t, 'x', true));
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              if (x - lastLine < lineGap) continue;
              lastLine = x;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              if (x - lastX > minGap) {
                ctx.fillText(`v${m.version + 1}`, x + 3, u.bbox.top + 10 * devicePixelRatio);
                lastX = x;
              }
            }
            ctx.restore();
          },
        ],
        ready: [
          (u) => {
            u.over.addEventListener('click', () => {
              const i = u.cursor.idx;
              if (i != null && tr.id[i]) openWaterfall(tr.id[i]!);
            });
          },
        ],
      },
    };
    return opts;
    // `theme` is not read inside, but the canvas colours are read from CSS, which the theme changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- see the line above
  }, [stats, tr, hasRto, modes, theme]);

  return (
    <div data-testid="rb-chart-rto" data-points={tr.t.length} data-drills={stats.trendSample?.drills ?? tr.t.length} data-markers={stats.markers.length}>
      <Chart options={options} data={data} height={260} testId="rb-chart-rto-canvas" ariaLabel="RTO actual against target over time" onDrawn={onDrawn} />
    </div>
  );
}

function Markers({ stats }: { stats: RunbookStats }) {
  const shown = stats.markers.slice(-6).reverse();
  return (
    <ul className="hist-markers" data-testid="rb-markers">
      {shown.map((m) => {
        const list = (xs: string[]) => (xs.length > 3 ? `${xs.slice(0, 3).join(', ')} and ${xs.length - 3} more` : xs.join(', '));
        const bits = [
          m.stepsAdded.length ? `added ${list(m.stepsAdded)}` : '',
          m.stepsRemoved.length ? `removed ${list(m.stepsRemoved)}` : '',
          m.stepsRenamed.length ? `renamed ${list(m.stepsRenamed.map((r) => r.key))}` : '',
        ].filter(Boolean);
        return (
          <li key={m.index} data-testid="rb-marker">
            <span className="mono">v{m.version + 1}</span> from {utcDateTime(m.t * 1000)}
            {m.revisited ? <span className="muted"> (an earlier version again)</span> : null}
            {bits.length ? <span className="muted"> — {bits.join('; ')}</span> : m.detailed ? <span className="muted"> — same steps</span> : null}
          </li>
        );
      })}
      {stats.markers.length > shown.length ? <li className="muted">… {stats.markers.length - shown.length} earlier version changes</li> : null}
    </ul>
  );
}

function StepChart({ steps, onDrawn }: { steps: StepStat[]; onDrawn: () => void }) {
  const { effective: theme } = useTheme();
  const current = useMemo(() => steps.filter((s) => s.current), [steps]);
  const data = useMemo<uPlot.AlignedData>(() => {
    const x = current.map((_, i) => i + 1);
    const p50 = current.map((s) => (s.durations ? s.durations.p50 / 1000 : null));
    const p90 = current.map((s) => (s.durations ? s.durations.p90 / 1000 : null));
    const lastOk = current.map((s) => (s.last && s.last.status === 'completed' && !s.last.slow && s.last.durationMs !== null ? s.last.durationMs / 1000 : null));
    const lastSlow = current.map((s) => (s.last && s.last.slow && s.last.durationMs !== null ? s.last.durationMs / 1000 : null));
    return [x, p50, p90, lastOk, lastSlow];
  }, [current]);
  const options = useMemo(() => {
    const accent = cssVar('--accent', '#5b8def');
    const muted = cssVar('--muted', '#8a94a0');
    const p90 = cssVar('--accent-text', '#8fb2f5');
    const danger = cssVar('--danger', '#ec5f5f');
    const grid = cssVar('--border', '#262d37');
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const pts = (color: string, size: number, label: string): uPlot.Series => ({
      label,
      stroke: color,
      fill: color,
      paths: () => null,
      points: { show: true, size, stroke: color, fill: color },
    });
    const opts: Omit<uPlot.Options, 'width' | 'height'> = {
      scales: { x: { time: false, range: (_u, min, max) => [(min ?? 1) - 0.6, (max ?? 1) + 0.6] }, y: { range: (_u, _min, max) => [0, (max ?? 1) * 1.08] } },
      axes: [
        {
          ...axis,
          // Step names under their bars where they fit, else the step numbers (names in the table below).
          values: (u, vals) => {
            const perStep = u.bbox.width / devicePixelRatio / Math.max(1, current.length);
            const max = Math.floor(perStep / 7);
            return vals.map((v) => (Number.isInteger(v) && current[v - 1] ? (max >= 6 ? shortTitle(current[v - 1]!.title, max) : String(v)) : ''));
          },
          splits: () => current.map((_, i) => i + 1),
          label: 'step',
        },
        { ...axis, values: axisDuration, incrs: DURATION_INCRS_SEC, size: 60 },
      ],
      legend: { live: false },
      cursor: { points: { show: false } },
      series: [
        {},
        { label: 'Median', stroke: accent, fill: `${accent}55`, paths: uPlot.paths.bars!({ size: [0.6, 48] }), points: { show: false } },
        pts(p90, 7, 'p90'),
        pts(muted, 6, 'Last drill'),
        pts(danger, 8, `Last drill, over ${SLOW}× median`),
      ],
    };
    return opts;
    // `theme` is not read inside, but the canvas colours are read from CSS, which the theme changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- see the line above
  }, [current, theme]);
  return (
    <div data-testid="rb-chart-steps" data-steps={current.length}>
      <Chart options={options} data={data} height={220} testId="rb-chart-steps-canvas" ariaLabel="Median, p90 and last-drill duration of every step" onDrawn={onDrawn} />
    </div>
  );
}

function StepTable({ stats, order, setOrder }: { stats: RunbookStats; order: Order; setOrder: (o: Order) => void }) {
  const rows = useMemo(() => {
    const byKey = new Map(stats.steps.map((s) => [s.key, s]));
    if (order === 'slowest') return [...stats.slowest.map((k) => byKey.get(k)!), ...stats.steps.filter((s) => !s.durations)];
    if (order === 'variable') {
      const ranked = stats.mostVariable.map((k) => byKey.get(k)!);
      const rest = stats.steps.filter((s) => !stats.mostVariable.includes(s.key));
      return [...ranked, ...rest];
    }
    return stats.steps;
  }, [stats, order]);
  const slowestTop = new Set(stats.slowest.slice(0, 3));
  const variableTop = new Set(stats.mostVariable.slice(0, 3));
  return (
    <>
      <div className="hist-seg" role="group" aria-label="Order steps by">
        {(['runbook', 'slowest', 'variable'] as const).map((o) => (
          <button key={o} type="button" className={`hist-seg-btn ${order === o ? 'is-active' : ''}`} onClick={() => setOrder(o)} data-testid={`rb-order-${o}`}>
            {o === 'runbook' ? 'Runbook order' : o === 'slowest' ? 'Slowest first' : 'Most variable first'}
          </button>
        ))}
      </div>
      <div className="table-wrap">
        <table className="history-table hist-steps">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Step</th>
              <th className="num">Runs</th>
              <th className="num">Median</th>
              <th className="num">p90</th>
              <th className="num" title="Coefficient of variation: standard deviation / mean">CV</th>
              <th className="num" title="Share of the sum of all steps' medians">Share</th>
              <th className="num" title={`Runs that took more than ${SLOW}× the median`}>&gt;{SLOW}×</th>
              <th>Last drill</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.key} data-testid="rb-step-row" data-key={s.key} data-slow={s.last?.slow ? 'true' : 'false'} className={s.current ? '' : 'is-retired'}>
                <td className="num mono muted">{s.current ? s.order + 1 : '—'}</td>
                <td className="cell-title">
                  <span className="strong">{s.title}</span>
                  {slowestTop.has(s.key) ? (
                    <Badge tone="accent" title="Among the three slowest steps (median)">
                      slow
                    </Badge>
                  ) : null}
                  {variableTop.has(s.key) ? (
                    <Badge tone="warn" title="Among the three most variable steps (CV)">
                      variable
                    </Badge>
                  ) : null}
                  {!s.current ? <span className="muted small"> not in the latest version</span> : null}
                </td>
                <td className="num mono">{s.n}</td>
                <td className="num mono">{s.durations ? humanDuration(s.durations.p50) : '—'}</td>
                <td className="num mono">{s.durations ? humanDuration(s.durations.p90) : '—'}</td>
                <td className="num mono">{s.durations?.cv != null ? s.durations.cv.toFixed(2) : '—'}</td>
                <td className="num mono">{s.shareOfMedian != null ? `${Math.round(s.shareOfMedian * 100)}%` : '—'}</td>
                <td className="num mono">{s.slowRuns}</td>
                <td>
                  {s.last ? (
                    <>
                      <span className="mono">{s.last.status === 'completed' ? humanDuration(s.last.durationMs) : s.last.status}</span>{' '}
                      {s.last.slow ? (
                        <Badge tone="danger" testId="slow-flag" title={`More than ${SLOW}× the median`}>
                          {s.durations && s.last.durationMs !== null ? `${(s.last.durationMs / s.durations.p50).toFixed(1)}×` : 'slow'}
                        </Badge>
                      ) : null}
                    </>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function RecentTable({ stats }: { stats: RunbookStats }) {
  return (
    <div className="table-wrap">
      <table className="history-table">
        <thead>
          <tr>
            <th>Started (UTC)</th>
            <th>Mode</th>
            <th>Operator</th>
            <th>Result</th>
            <th className="num">Net</th>
            <th className="num">RTO</th>
            <th>Flags</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {stats.recent.map((d, i) => {
            const prev = stats.recent[i + 1];
            return (
              <tr key={d.id} className="history-row" data-testid="rb-recent-row" data-drill-id={d.id} onClick={() => openWaterfall(d.id)}>
                <td className="mono">{utcDateTime(d.startedAt)}</td>
                <td>{d.mode === 'live' ? <Badge tone="live">LIVE</Badge> : <span className="muted">{d.mode}</span>}</td>
                <td>{d.operator}</td>
                <td>
                  <ResultBadge result={d.result} />
                </td>
                <td className="num mono">{humanDuration(d.netMs)}</td>
                <td className="num mono">{d.rto.actualSec !== null ? humanDuration(d.rto.actualSec * 1000) : '—'}</td>
                <td>
                  {d.slowOverall ? (
                    <Badge tone="warn" title={`Net time over ${SLOW}× the median drill`}>
                      slow drill
                    </Badge>
                  ) : null}{' '}
                  {d.slowSteps.length ? (
                    <Badge tone="danger" testId="recent-slow-steps" title={d.slowSteps.map((s) => s.title).join(', ')}>
                      {d.slowSteps.length} slow step{d.slowSteps.length === 1 ? '' : 's'}
                    </Badge>
                  ) : null}
                </td>
                <td className="num">
                  {prev ? (
                    <button
                      type="button"
                      className="link-btn small"
                      onClick={(e) => {
                        e.stopPropagation();
                        openCompare(prev.id, d.id);
                      }}
                      data-testid="compare-previous"
                    >
                      vs previous
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
