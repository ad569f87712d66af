/**
 * One runbook across the team: p50/p90 of the whole drill and of every
 * step, over the newest 1,000 finished drills of every operator and
 * version (the server says which span), the RTO against its target over
 * time, and the latest drills. Figures are the server's (percentiles in
 * PostgreSQL); the page only draws them.
 */
import { useMemo } from 'react';
import uPlot from 'uplot';
import type { TeamApi } from '../client';
import type { FreshnessAnswer, TeamDrillList, TeamRunbookStats } from '../../../main/team/model';
import { DRILL_MODES } from '../../../main/common/status';
import { formatDuration, formatSeconds } from '../../../main/common/duration';
import { DURATION_INCRS_SEC, durationTick, utcAxisValues } from '../../../main/history/ticks';
import { go, useLoad, usePainted } from '../hooks';
import { everyText, freshnessState, policySourceText } from '../view';
import { utcDateTime, plural } from '../../app/format';
import { useTheme } from '../../app/theme';
import { Chart, cssVar } from '../../history/Chart';
import { Button } from '../../ui/Button';
import { Choice, Loaded, ResultBadge, TeamTable, Tile, num } from './bits';

const axisDuration = (_u: uPlot, vals: number[]) => vals.map((v) => (v == null ? '' : durationTick(v)));
const axisUtc = (_u: uPlot, vals: number[], _axis: number, _space: number, incr: number) => utcAxisValues(vals, incr);
const utcDate = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');

export function RunbookPage({ api, path, mode }: { api: TeamApi; path: string; mode: string }) {
  const q = new URLSearchParams({ path });
  if (mode) q.set('mode', mode);
  const [stats] = useLoad(`stats|${q}`, () => api.getJson<TeamRunbookStats>(`/api/runbooks/stats?${q}`));
  usePainted('runbook', stats);
  const [recent] = useLoad(`recent|${path}|${mode}`, () => api.getJson<TeamDrillList>(`/api/drills?${new URLSearchParams({ runbook: path, limit: '10', ...(mode ? { mode } : {}) })}`));
  const [fresh] = useLoad('freshness', () => api.getJson<FreshnessAnswer>('/api/freshness'));
  const f = fresh.state === 'ok' ? fresh.value.runbooks.find((r) => r.runbookPath === path) : undefined;
  const st = freshnessState(f);

  return (
    <div className="hist-page team-page" data-testid="team-runbook">
      <div className="hist-page-head">
        <div className="hist-page-title">
          <Button size="sm" variant="ghost" onClick={() => go({ name: 'runbooks' })} className="team-back">
            ← Runbooks
          </Button>
          <h1 data-testid="team-runbook-title">{stats.state === 'ok' ? stats.value.title : (f?.title ?? path)}</h1>
          <span className="muted">{path}</span>
        </div>
        <label className="team-inline">
          <span className="muted">Mode</span>
          <Choice value={mode} onChange={(m) => go({ name: 'runbook', path, mode: m })} any="every mode" options={DRILL_MODES} testId="team-runbook-mode" />
        </label>
      </div>
      {f ? (
        <p className={st.kind === 'overdue' ? 'danger-text team-strong' : 'muted'} data-testid="team-runbook-freshness">
          {f.drillEverySec ? `Drill every ${everyText(f.drillEverySec)} (${policySourceText(f.policySource)}): ${st.kind === 'none' ? '' : st.text}` : 'No freshness policy.'}
          {f.tags.length ? <span className="muted"> · tags {f.tags.join(', ')}</span> : null}
        </p>
      ) : null}
      <Loaded load={stats}>
        {(s) => (
          <>
            <div className="hist-tiles">
              <Tile label="Drills" value={`${s.drills} (${s.passed} passed)`} testId="team-tile-drills" />
              <Tile label="Net p50 / p90" value={`${formatDuration(s.netMs.p50)} / ${formatDuration(s.netMs.p90)}`} testId="team-tile-net" />
              <Tile
                label="RTO p50 / p90"
                value={s.rtoSec.target === null ? 'no target' : `${formatSeconds(s.rtoSec.p50)} / ${formatSeconds(s.rtoSec.p90)}`}
                sub={s.rtoSec.target === null ? undefined : `target ${formatSeconds(s.rtoSec.target)}`}
                tone={s.rtoSec.target !== null && (s.rtoSec.p90 ?? 0) > s.rtoSec.target ? 'danger' : undefined}
                testId="team-tile-rto"
              />
              <Tile label="Operators · versions" value={`${s.operators} · ${s.versions}`} />
            </div>
            <p className="muted team-basis">
              Over the newest {plural(s.basis.drills, 'finished drill')}
              {s.basis.from && s.basis.to ? `, ${utcDateTime(s.basis.from)} to ${utcDateTime(s.basis.to)} UTC` : ''}
              {s.basis.drills >= s.basis.newest ? ` (at most ${s.basis.newest} are counted)` : ''}.
            </p>
            <section className="hist-card">
              <div className="hist-card-head">
                <h2>RTO against target</h2>
                <span className="muted">median and worst of each run of consecutive drills, oldest to newest</span>
              </div>
              {s.trend.some((t) => t.rtoP50Sec !== null) ? <TrendChart trend={s.trend} /> : <p className="muted">These drills measured no RTO (the runbook sets no target).</p>}
            </section>
            <section className="hist-card">
              <div className="hist-card-head">
                <h2>Steps</h2>
                <span className="muted">p50 and p90 across the team</span>
              </div>
              <StepTable steps={s.steps} />
            </section>
          </>
        )}
      </Loaded>
      <section className="hist-card">
        <div className="hist-card-head">
          <h2>Latest drills</h2>
          <Button size="sm" variant="ghost" onClick={() => go({ name: 'history', filter: { runbook: path, tag: '', operator: '', mode, result: '', since: '', until: '' } })}>
            All in history →
          </Button>
        </div>
        <Loaded load={recent}>
          {(r) => (
            <TeamTable testId="team-runbook-drills">
              <tbody>
                {r.drills.map((d) => (
                  <tr key={d.id} className="history-row" tabIndex={0} onClick={() => go({ name: 'drill', id: d.id })} onKeyDown={(e) => e.key === 'Enter' && go({ name: 'drill', id: d.id })}>
                    <td>{utcDateTime(d.startedAt)}</td>
                    <td>{d.operator}</td>
                    <td>{d.mode}</td>
                    <td>{d.status === 'running' ? 'running' : <ResultBadge result={d.result} />}</td>
                    <td className="num">{formatDuration(d.netMs)}</td>
                  </tr>
                ))}
              </tbody>
            </TeamTable>
          )}
        </Loaded>
      </section>
    </div>
  );
}

function StepTable({ steps }: { steps: TeamRunbookStats['steps'] }) {
  const max = Math.max(1, ...steps.map((s) => s.p90Ms ?? 0));
  return (
    <TeamTable testId="team-step-table" columns={['Step', num('Drills'), num('p50'), num('p90'), { label: 'Spread', className: 'team-bar-col' }]}>
      <tbody>
        {steps.map((s) => (
          <tr key={s.key}>
            <td className="cell-title">{s.title}</td>
            <td className="num">{s.drills}</td>
            <td className="num">{formatDuration(s.p50Ms)}</td>
            <td className="num">{formatDuration(s.p90Ms)}</td>
            <td className="team-bar-col">
              <svg className="team-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                <rect className="team-bar-p90" x="0" y="2" height="6" width={((s.p90Ms ?? 0) / max) * 100} />
                <rect className="team-bar-p50" x="0" y="2" height="6" width={((s.p50Ms ?? 0) / max) * 100} />
              </svg>
            </td>
          </tr>
        ))}
      </tbody>
    </TeamTable>
  );
}

function TrendChart({ trend }: { trend: TeamRunbookStats['trend'] }) {
  const { effective: theme } = useTheme();
  const data = useMemo<uPlot.AlignedData>(() => {
    const t = trend.map((p) => Date.parse(p.to ?? p.from ?? '') / 1000);
    return [t, trend.map((p) => p.rtoP50Sec), trend.map((p) => p.rtoWorstSec), trend.map((p) => p.rtoTargetSec)];
  }, [trend]);
  const options = useMemo(() => {
    const ok = cssVar('--ok', '#3fb68b');
    const danger = cssVar('--danger', '#ec5f5f');
    const muted = cssVar('--muted', '#8a94a0');
    const warn = cssVar('--warn', '#e3a33a');
    const grid = cssVar('--border', '#262d37');
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const target = Math.max(0, ...trend.map((p) => p.rtoTargetSec ?? 0));
    const opts: Omit<uPlot.Options, 'width' | 'height'> = {
      tzDate: utcDate,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, target * 1.1, 60)] } },
      axes: [
        { ...axis, values: axisUtc, label: 'UTC', labelSize: 18, space: 90 },
        { ...axis, values: axisDuration, incrs: DURATION_INCRS_SEC, size: 60 },
      ],
      legend: { live: false },
      cursor: { points: { show: false } },
      series: [
        {},
        { label: 'RTO median', stroke: ok, width: 2, points: { show: true, size: 6, stroke: ok, fill: ok }, spanGaps: true },
        { label: 'RTO worst', stroke: danger, width: 1, dash: [4, 3], points: { show: true, size: 4, stroke: danger, fill: danger }, spanGaps: true },
        { label: 'Target', stroke: warn, width: 1.5, dash: [6, 4], paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false }, spanGaps: true },
      ],
    };
    return opts;
    // The theme changes the colours read above.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [trend, theme]);
  return <Chart options={options} data={data} height={240} testId="team-rto-chart" ariaLabel="RTO median and worst against the target over time" />;
}
