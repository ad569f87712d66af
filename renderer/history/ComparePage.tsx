/**
 * Two drills side by side, step by step: steps matched by their stable key
 * across runbook versions, the later drill (b) measured against the
 * earlier (a), each flagged against its median.
 */
import { useEffect, useLayoutEffect, useState } from 'react';
import type { DrillComparison } from '../../main/history/model';
import { api } from '../app/calls';
import { humanDuration, utcDateTime } from '../app/format';
import { Badge } from '../ui/Badge';
import { markPainted } from './perf';
import { PageShell, ResultBadge } from './RunbookPage';
import { backToList, openWaterfall } from './route';

function signed(ms: number | null): string {
  if (ms === null) return '—';
  if (Math.abs(ms) < 500) return '±0s';
  return `${ms > 0 ? '+' : '−'}${humanDuration(Math.abs(ms))}`;
}

export function ComparePage({ a, b }: { a: string; b: string }) {
  const [c, setC] = useState<DrillComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stale = false;
    void api('history.compare', { a, b }).then((res) => {
      if (stale) return;
      if (res) setC(res);
      else setError('Could not compare these drills.');
    });
    return () => {
      stale = true;
    };
  }, [a, b]);
  useLayoutEffect(() => {
    if (c) markPainted('compare');
  }, [c]);

  if (error) return <PageShell title="Compare" error={error} />;
  if (!c) return <PageShell title="Compare" loading />;

  const max = Math.max(1, ...c.steps.flatMap((s) => [s.a?.durationMs ?? 0, s.b?.durationMs ?? 0]));
  const side = (label: string, d: DrillComparison['a']) => (
    <div className="hist-tile">
      <div className="hist-tile-label">{label}</div>
      <div className="hist-tile-value">
        <button type="button" className="link-btn" onClick={() => openWaterfall(d.id)}>
          {utcDateTime(d.startedAt)}
        </button>{' '}
        <ResultBadge result={d.result} />
        <div className="muted small">
          {d.mode} · {d.operator} · net {humanDuration(d.netMs)}
          {d.rto.actualSec !== null ? ` · RTO ${humanDuration(d.rto.actualSec * 1000)}` : ''}
        </div>
      </div>
    </div>
  );
  return (
    <div className="hist-page" data-testid="compare-page">
      <div className="hist-page-head">
        <button type="button" className="btn btn-ghost btn-sm" onClick={backToList} data-testid="hist-back">
          ← History
        </button>
        <div className="hist-page-title">
          <h1>Compare drills</h1>
          <span className="muted small">
            {c.b.runbook.title}
            {c.sameRunbook ? '' : ` vs ${c.a.runbook.title} (different runbooks)`}
            {c.sameRunbook && !c.sameVersion ? ' · different versions of the runbook (steps matched by key)' : ''}
            {c.a.mode !== c.b.mode ? (
              <span data-testid="compare-modes">
                {' '}
                · {c.a.mode} vs {c.b.mode}: each side&apos;s “slow” is against its own mode&apos;s median, never the other&apos;s
              </span>
            ) : null}
          </span>
        </div>
      </div>
      <div className="hist-tiles">
        {side('A (earlier)', c.a)}
        {side('B', c.b)}
        <div className="hist-tile" data-testid="cmp-net-delta">
          <div className="hist-tile-label">B − A, net</div>
          <div className={`hist-tile-value ${c.netDeltaMs !== null && c.netDeltaMs > 0 ? 'danger-text' : 'ok-text'}`}>{signed(c.netDeltaMs)}</div>
        </div>
        <div className="hist-tile">
          <div className="hist-tile-label">B − A, RTO</div>
          <div className="hist-tile-value">{signed(c.rtoDeltaSec === null ? null : c.rtoDeltaSec * 1000)}</div>
        </div>
      </div>
      <section className="hist-card">
        <div className="table-wrap">
          <table className="history-table cmp-table">
            <thead>
              <tr>
                <th>Step</th>
                <th className="num">A</th>
                <th className="num">B</th>
                <th className="num">B − A</th>
                <th className="num">Median</th>
                <th className="cmp-bars-h">A / B</th>
              </tr>
            </thead>
            <tbody>
              {c.steps.map((s) => (
                <tr key={s.key} data-testid="cmp-step" data-key={s.key}>
                  <td className="cell-title">
                    {s.title}
                    {!s.a ? <span className="muted small"> only in B</span> : null}
                    {!s.b ? <span className="muted small"> only in A</span> : null}
                  </td>
                  <td className="num mono">
                    {s.a ? (s.a.status === 'completed' ? humanDuration(s.a.durationMs) : s.a.status) : '—'}{' '}
                    {s.a?.slow ? (
                      <Badge tone="danger" testId="slow-flag">
                        slow
                      </Badge>
                    ) : null}
                  </td>
                  <td className="num mono">
                    {s.b ? (s.b.status === 'completed' ? humanDuration(s.b.durationMs) : s.b.status) : '—'}{' '}
                    {s.b?.slow ? (
                      <Badge tone="danger" testId="slow-flag">
                        slow
                      </Badge>
                    ) : null}
                  </td>
                  <td className={`num mono ${s.deltaMs !== null && s.deltaMs > 0 ? 'danger-text' : ''}`} data-testid="cmp-delta">
                    {signed(s.deltaMs)}
                    {s.ratio !== null ? <span className="muted small"> ({s.ratio.toFixed(2)}×)</span> : null}
                  </td>
                  <td className="num mono muted">{s.medianMs !== null ? humanDuration(s.medianMs) : '—'}</td>
                  <td className="cmp-bars">
                    <span className="cmp-bar cmp-a" style={{ width: `${((s.a?.durationMs ?? 0) / max) * 100}%` }} />
                    <span className="cmp-bar cmp-b" style={{ width: `${((s.b?.durationMs ?? 0) / max) * 100}%` }} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
