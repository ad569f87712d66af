/**
 * One drill as a waterfall (Gantt): every step a bar on the drill's own
 * time axis, pauses and outages as shaded bands, the RTO window bracketed,
 * each step against its median. Laid out as a table with positioned bars
 * rather than a chart: the rows are the steps, with their names, times and
 * flags as readable text next to each bar.
 */
import { useEffect, useLayoutEffect, useState } from 'react';
import type { Waterfall } from '../../main/history/model';
import { api } from '../app/calls';
import { openDrill } from '../app/nav';
import { humanDuration, utcDateTime } from '../app/format';
import { Badge } from '../ui/Badge';
import { markPainted } from './perf';
import { utcTicks } from '../../main/history/ticks';
import { PageShell, ResultBadge } from './RunbookPage';
import { backToList, openCompare, openRunbookPage } from './route';
import { rtoMetClaim } from '../../main/drill/headline';

export function WaterfallPage({ id }: { id: string }) {
  const [w, setW] = useState<Waterfall | null>(null);
  const [prevId, setPrevId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stale = false;
    void api('history.drillWaterfall', { drillId: id }).then(async (res) => {
      if (stale) return;
      if (!res) return setError('Could not load this drill.');
      setW(res);
      // The drill before it on the same runbook, to compare with.
      const before = await api('history.list', { runbookPath: res.drill.runbook.path, until: res.drill.startedAt, limit: 2, steps: false });
      if (!stale) setPrevId(before?.find((d) => d.id !== id)?.id ?? null);
    });
    return () => {
      stale = true;
    };
  }, [id]);

  useLayoutEffect(() => {
    if (w) markPainted('waterfall');
  }, [w]);

  if (error) return <PageShell title={id} error={error} />;
  if (!w) return <PageShell title={id} loading />;

  const total = Math.max(1, w.totalMs);
  const pct = (ms: number) => `${(Math.max(0, Math.min(total, ms)) / total) * 100}%`;
  const width = (a: number, b: number) => `${(Math.max(0, Math.min(total, b) - Math.max(0, a)) / total) * 100}%`;
  const d = w.drill;
  const rtoMet = rtoMetClaim(d.status, d.rto.met);
  // Round UTC clock times (24-hour) on the drill's axis: offset 0 is the drill's start.
  const t0 = Date.parse(d.startedAt);
  const ticks = utcTicks(t0, t0 + total, 6).ticks.map((t) => ({ offset: t.ms - t0, label: t.label }));
  return (
    <div className="hist-page" data-testid="waterfall-page" data-drill-id={d.id}>
      <div className="hist-page-head">
        <button type="button" className="btn btn-ghost btn-sm" onClick={backToList} data-testid="hist-back">
          ← History
        </button>
        <div className="hist-page-title">
          <h1>
            <button type="button" className="link-btn" onClick={() => openRunbookPage(d.runbook.path)} data-testid="wf-runbook">
              {d.runbook.title}
            </button>
          </h1>
          <span className="muted small">
            {utcDateTime(d.startedAt, true)} UTC · <span data-testid="wf-mode">{d.mode}</span> · {d.operator} · <ResultBadge result={d.result} /> {d.status}
          </span>
        </div>
        <div className="history-filters">
          {prevId ? (
            <button type="button" className="btn btn-secondary btn-sm" onClick={() => openCompare(prevId, d.id)} data-testid="wf-compare-previous">
              Compare with the drill before
            </button>
          ) : null}
          <button type="button" className="btn btn-secondary btn-sm" onClick={() => openDrill(d.id)} data-testid="wf-open-drill">
            Open the drill record
          </button>
        </div>
      </div>

      <div className="hist-tiles">
        <div className="hist-tile">
          <div className="hist-tile-label">Net time</div>
          <div className="hist-tile-value">{humanDuration(d.netMs)}</div>
        </div>
        <div className="hist-tile">
          <div className="hist-tile-label">Wall time / paused</div>
          <div className="hist-tile-value">
            {humanDuration(d.grossMs)} <span className="muted small">/ {humanDuration(d.pausedMs)}</span>
          </div>
        </div>
        <div className="hist-tile">
          <div className="hist-tile-label">RTO</div>
          <div className="hist-tile-value">
            {d.rto.actualSec !== null ? humanDuration(d.rto.actualSec * 1000) : '—'}
            {d.rto.targetSec !== null ? <span className="muted small"> / {humanDuration(d.rto.targetSec * 1000)}</span> : null}{' '}
            {rtoMet === true ? <Badge tone="ok">met</Badge> : rtoMet === false ? <Badge tone="danger">missed</Badge> : null}
          </div>
        </div>
        <div className="hist-tile">
          <div className="hist-tile-label">Steps over 1.5× median</div>
          <div className="hist-tile-value" data-testid="wf-slow-count">
            {w.steps.filter((s) => s.slow).length}
          </div>
        </div>
      </div>

      <section className="hist-card">
        <div className="wf" data-testid="waterfall" role="table" aria-label="Steps on the drill's time axis">
          <div className="wf-row wf-axis" role="row">
            <div className="wf-label" role="columnheader">
              Step
            </div>
            <div className="wf-time" role="columnheader">
              Took / median
            </div>
            <div className="wf-track" role="columnheader" aria-label="Time axis (UTC)" data-testid="wf-axis">
              {ticks.map((t) => (
                <span
                  key={t.offset}
                  className={`wf-tick ${t.offset / total < 0.05 ? 'at-start' : t.offset / total > 0.95 ? 'at-end' : ''}`}
                  style={{ left: pct(t.offset) }}
                  data-testid="wf-tick"
                >
                  {t.label}
                </span>
              ))}
              <span className="wf-axis-zone muted">UTC</span>
            </div>
          </div>
          {w.steps.map((s) => (
            <div key={s.index} className={`wf-row ${s.slow ? 'is-slow' : ''}`} role="row" data-testid="wf-step" data-key={s.key} data-status={s.status} data-slow={s.slow ? 'true' : 'false'}>
              <div className="wf-label" role="cell" title={s.title}>
                <span className="muted mono">{s.index + 1}.</span> {s.title}
              </div>
              <div className="wf-time mono" role="cell">
                {s.status === 'skipped' ? <span className="muted">skipped</span> : humanDuration(s.durationMs)}
                <span className="muted"> / {s.medianMs !== null ? humanDuration(s.medianMs) : '—'}</span>{' '}
                {s.slow ? (
                  <Badge tone="danger" testId="slow-flag" title={`More than 1.5× its median over ${s.samples} ${d.mode} runs`}>
                    {s.ratio !== null ? `${s.ratio.toFixed(1)}×` : 'slow'}
                  </Badge>
                ) : null}
              </div>
              <div className="wf-track" role="cell">
                {w.pauses.map((p, i) => (
                  <span key={`p${i}`} className="wf-band wf-pause" style={{ left: pct(p.startMs), width: width(p.startMs, p.endMs) }} title={`Paused: ${p.reason}`} />
                ))}
                {w.gaps.map((g, i) => (
                  <span key={`g${i}`} className="wf-band wf-gap" style={{ left: pct(g.startMs), width: width(g.startMs, g.endMs) }} title="Drillbook was not running" />
                ))}
                {s.startMs !== null ? (
                  <span
                    className={`wf-bar wf-${s.status} ${s.inRtoWindow ? 'in-rto' : ''}`}
                    style={{ left: pct(s.startMs), width: s.endMs === null ? width(s.startMs, total) : `max(2px, ${width(s.startMs, s.endMs)})` }}
                    title={`${s.title}: ${s.status}, ${humanDuration(s.durationMs)} net`}
                  />
                ) : null}
              </div>
            </div>
          ))}
          {w.rtoWindow ? (
            <div className="wf-row wf-rto" role="row">
              <div className="wf-label muted" role="cell">
                RTO window
              </div>
              <div className="wf-time mono muted" role="cell">
                {d.rto.actualSec !== null ? humanDuration(d.rto.actualSec * 1000) : '—'}
              </div>
              <div className="wf-track" role="cell">
                <span className="wf-rto-span" style={{ left: pct(w.rtoWindow.startMs), width: width(w.rtoWindow.startMs, w.rtoWindow.endMs ?? total) }} />
              </div>
            </div>
          ) : null}
        </div>
        <p className="muted small">
          Bars sit on the drill’s own clock (UTC): shaded bands are pauses (hatched) and times Drillbook was not running. Durations are net of pauses; the median is over
          every completed run of the step in this runbook’s <strong>{d.mode}</strong> drills (modes are never mixed), and a step is flagged only when that median
          rests on at least 3 runs.
        </p>
      </section>
    </div>
  );
}
