import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { DrillMode, DrillStatus, DrillSummary } from '../../main/drill/model';
import type { HistoryEntry } from '../../main/history/model';
import { api } from '../app/calls';
import { openDrill } from '../app/nav';
import { useLibrary } from '../library/store';
import { loadHistory, loadMoreHistory, useHistoryList, type HistoryFilter } from './store';
import { openCompare, openRunbookPage, openWaterfall } from './route';
import { hms, targetText, utcDateTime } from '../app/format';
import { Badge } from '../ui/Badge';
import { RefreshIcon } from '../ui/Icons';
import { rowWindow } from './rowWindow';
import { rtoMetClaim } from '../../main/drill/headline';

const STATUS_TONE: Record<DrillStatus, 'accent' | 'ok' | 'danger' | 'warn'> = {
  running: 'accent',
  completed: 'ok',
  failed: 'danger',
  aborted: 'danger',
};

/**
 * The RTO of one drill: actual / target and what the record may claim (main/drill/headline.ts `rtoMetClaim`): "met"
 * or "missed" only for a drill that did not fail; a failed or aborted drill (or a window that never closed) has
 * "no result", a running one is "open".
 */
export function RtoCell({ rto, status, failedSteps = 0 }: { rto: DrillSummary['rto']; status: DrillStatus; failedSteps?: number }) {
  if (rto.targetSec == null) return <span className="muted">no target</span>;
  const met = rtoMetClaim(status, rto.met, failedSteps);
  return (
    <span className="rto-cell">
      <span className="mono" data-testid="rto-actual" data-sec={rto.actualSec ?? ''}>
        {rto.actualSec != null ? hms(rto.actualSec * 1000) : '—'}
      </span>
      <span className="muted"> / </span>
      <span className="mono muted" data-testid="rto-target" data-sec={rto.targetSec}>
        {targetText(rto.targetSec)}
      </span>
      {met != null ? (
        <Badge tone={met ? 'ok' : 'danger'} testId="rto-badge">
          {met ? 'met' : 'missed'}
        </Badge>
      ) : status === 'running' ? (
        <Badge tone="neutral" testId="rto-badge">
          open
        </Badge>
      ) : (
        <Badge tone="neutral" testId="rto-badge" title={status === 'completed' ? 'The RTO window never closed' : `A drill that ${status === 'aborted' ? 'was aborted' : 'failed'} has no RTO result`}>
          no result
        </Badge>
      )}
    </span>
  );
}

/**
 * One drill in the list. Memoized: ticking a drill to compare, or loading the next page, renders the rows that
 * changed, not every row on screen.
 */
const HistoryRow = memo(function HistoryRow({ d, picked, onPick }: { d: HistoryEntry; picked: boolean; onPick: (id: string) => void }) {
  const { completed: done, skipped, failed, total: stepTotal } = d.stepCounts;
  return (
    <tr
      className="history-row"
      tabIndex={0}
      onClick={() => openDrill(d.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          openDrill(d.id);
        }
      }}
      data-testid="history-row"
      data-drill-id={d.id}
      data-status={d.status}
    >
      <td onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
        <input type="checkbox" checked={picked} onChange={() => onPick(d.id)} aria-label="Pick to compare" data-testid="history-pick" />
      </td>
      <td className="cell-title">
        <button
          type="button"
          className="link-btn strong"
          onClick={(e) => {
            e.stopPropagation();
            openRunbookPage(d.runbook.path);
          }}
          onKeyDown={(e) => e.stopPropagation()}
          title="Trends for this runbook"
          data-testid="history-runbook-link"
        >
          {d.runbook.title}
        </button>
      </td>
      <td>{d.mode === 'live' ? <Badge tone="live">LIVE</Badge> : <span className="muted">{d.mode}</span>}</td>
      <td>{d.operator}</td>
      <td>
        <Badge tone={d.interrupted ? 'warn' : STATUS_TONE[d.status]} testId="history-status">
          {d.interrupted ? 'interrupted' : d.status}
        </Badge>{' '}
        {d.result ? (
          <Badge tone={d.result === 'pass' ? 'ok' : 'danger'} testId="history-result" title="Pass = completed with the RTO met (or no target)">
            {d.result}
          </Badge>
        ) : null}
      </td>
      <td className="mono">{utcDateTime(d.startedAt, true)}</td>
      <td className="num mono" data-testid="history-net" data-ms={d.netMs ?? ''}>
        {d.netMs != null ? hms(d.netMs) : '—'}
      </td>
      <td>
        <RtoCell rto={d.rto} status={d.status} failedSteps={failed} />
      </td>
      <td className="num small" title={`${done} completed, ${skipped} skipped, ${failed} failed`}>
        <span className="mono">
          {done}/{stepTotal}
        </span>
        {skipped ? <span className="muted"> · {skipped} skipped</span> : null}
        {failed ? <span className="danger-text"> · {failed} failed</span> : null}
      </td>
      <td className="num">
        <button
          type="button"
          className="link-btn small"
          onClick={(e) => {
            e.stopPropagation();
            openWaterfall(d.id);
          }}
          onKeyDown={(e) => e.stopPropagation()}
          data-testid="history-waterfall"
        >
          waterfall
        </button>
      </td>
    </tr>
  );
});

/** A row's height before one is measured (px; 13 px text, badges, 9 px padding). */
const ROW_HEIGHT_GUESS = 41;

/**
 * The rows of the list that are on screen (rowWindow.ts): the table's scroller (.table-wrap) against its body,
 * read on scroll and resize, one update per frame.
 */
function useVisibleRows(count: number) {
  const scroller = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  const [rowHeight, setRowHeight] = useState(ROW_HEIGHT_GUESS);
  const [view, setView] = useState({ top: 0, height: typeof window === 'undefined' ? 900 : window.innerHeight });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let frame = 0;
    const read = () => {
      frame = 0;
      const b = body.current;
      if (!b) return;
      const top = el.getBoundingClientRect().top - b.getBoundingClientRect().top;
      const height = el.clientHeight;
      setView((v) => (Math.abs(v.top - top) < 1 && v.height === height ? v : { top, height }));
      const first = b.querySelector<HTMLElement>('tr.history-row');
      if (first && first.offsetHeight > 0) setRowHeight((h) => (h === first.offsetHeight ? h : first.offsetHeight));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(read);
    };
    read();
    el.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      el.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [count]);
  return { scroller, body, win: rowWindow(count, rowHeight, view.top, view.height) };
}

export function HistoryScreen() {
  const history = useHistoryList((s) => s.history);
  const loaded = useHistoryList((s) => s.historyLoaded);
  const loading = useHistoryList((s) => s.historyLoading);
  const filter = useHistoryList((s) => s.historyFilter);
  const library = useLibrary((s) => s.library);
  const total = useHistoryList((s) => s.historyTotal);
  // Two drills ticked → compare them.
  const [picked, setPicked] = useState<string[]>([]);
  const togglePick = useCallback((id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2))), []);
  // Runbooks with drills, including ones no longer in the library or not on the loaded page.
  const [drilled, setDrilled] = useState<{ path: string; title: string }[]>([]);
  useEffect(() => {
    void api('history.runbooks', {}).then((r) => r && setDrilled(r));
  }, [total]);

  const runbookOptions = useMemo(() => {
    const m = new Map<string, string>();
    for (const e of library) m.set(e.path, e.title);
    for (const r of drilled) if (!m.has(r.path)) m.set(r.path, r.title);
    for (const h of history) if (!m.has(h.runbook.path)) m.set(h.runbook.path, h.runbook.title);
    if (filter.runbookPath && !m.has(filter.runbookPath)) m.set(filter.runbookPath, filter.runbookPath);
    return [...m.entries()].sort((a, b) => a[1].localeCompare(b[1]));
  }, [library, history, drilled, filter.runbookPath]);

  const { scroller, body, win } = useVisibleRows(history.length);

  const update = (patch: Partial<HistoryFilter>) => {
    const next: HistoryFilter = { ...filter, ...patch };
    for (const k of Object.keys(next) as (keyof HistoryFilter)[]) if (!next[k]) delete next[k];
    void loadHistory(next);
  };

  return (
    <div className="history">
      <div className="history-head">
        <h1>
          History <span className="count" data-testid="history-total">{total}</span>
        </h1>
        <div className="history-filters">
          {filter.runbookPath ? (
            <button type="button" className="btn btn-secondary btn-sm" onClick={() => openRunbookPage(filter.runbookPath!)} data-testid="history-open-runbook">
              Trends for this runbook
            </button>
          ) : null}
          {picked.length === 2 ? (
            <button
              type="button"
              className="btn btn-primary btn-sm"
              onClick={() => {
                // Earlier drill first: the comparison measures the later one against it.
                const [x, y] = picked.map((id) => history.find((d) => d.id === id)!).sort((p, q) => (p.startedAt < q.startedAt ? -1 : 1));
                openCompare(x!.id, y!.id);
              }}
              data-testid="history-compare"
            >
              Compare the 2 ticked drills
            </button>
          ) : null}
          <select className="input select" value={filter.runbookPath ?? ''} onChange={(e) => update({ runbookPath: e.target.value || undefined })} data-testid="history-filter-runbook" aria-label="Runbook">
            <option value="">All runbooks</option>
            {runbookOptions.map(([path, title]) => (
              <option key={path} value={path}>
                {title}
              </option>
            ))}
          </select>
          <select className="input select" value={filter.mode ?? ''} onChange={(e) => update({ mode: (e.target.value || undefined) as DrillMode | undefined })} data-testid="history-filter-mode" aria-label="Mode">
            <option value="">All modes</option>
            <option value="rehearsal">Rehearsal</option>
            <option value="live">Live</option>
            <option value="automated">Automated</option>
          </select>
          <select
            className="input select"
            value={filter.status ?? ''}
            onChange={(e) => update({ status: (e.target.value || undefined) as DrillStatus | undefined })}
            data-testid="history-filter-status"
            aria-label="Status"
          >
            <option value="">All statuses</option>
            <option value="running">Running</option>
            <option value="completed">Completed</option>
            <option value="failed">Failed</option>
            <option value="aborted">Aborted</option>
          </select>
          <select
            className="input select"
            value={filter.result ?? ''}
            onChange={(e) => update({ result: (e.target.value || undefined) as 'pass' | 'fail' | undefined })}
            data-testid="history-filter-result"
            aria-label="Result"
            title="Pass = completed with the RTO met (or no target)"
          >
            <option value="">Pass and fail</option>
            <option value="pass">Passed</option>
            <option value="fail">Failed</option>
          </select>
          <input className="input" type="date" value={filter.since ?? ''} max={filter.until} onChange={(e) => update({ since: e.target.value || undefined })} data-testid="history-filter-since" aria-label="From (UTC day)" title="From (UTC day)" />
          <input className="input" type="date" value={filter.until ?? ''} min={filter.since} onChange={(e) => update({ until: e.target.value || undefined })} data-testid="history-filter-until" aria-label="To (UTC day, included)" title="To (UTC day, included)" />
          <button type="button" className="icon-btn" onClick={() => void loadHistory()} title="Reload" aria-label="Reload history" data-testid="history-refresh">
            <RefreshIcon className={loading ? 'spin' : ''} />
          </button>
        </div>
      </div>
      <div className="table-wrap" ref={scroller}>
        <table className="history-table">
          <thead>
            <tr>
              <th aria-label="Pick to compare" />
              <th>Runbook</th>
              <th>Mode</th>
              <th>Operator</th>
              <th>Status</th>
              <th>Started (UTC)</th>
              <th className="num">Net duration</th>
              <th>RTO actual / target</th>
              <th className="num">Steps</th>
              <th />
            </tr>
          </thead>
          <tbody ref={body}>
            {win.padTop > 0 ? <tr className="history-spacer" aria-hidden="true" style={{ height: win.padTop }} /> : null}
            {history.slice(win.start, win.end).map((d) => (
              <HistoryRow key={d.id} d={d} picked={picked.includes(d.id)} onPick={togglePick} />
            ))}
            {win.padBottom > 0 ? <tr className="history-spacer" aria-hidden="true" style={{ height: win.padBottom }} /> : null}
          </tbody>
        </table>
        {loaded && history.length === 0 ? (
          <div className="empty small">
            <p>No drills {Object.keys(filter).length ? 'match these filters' : 'yet'}.</p>
            <p className="muted">Start one from a runbook; every drill is kept here with its evidence.</p>
          </div>
        ) : null}
        {!loaded ? <div className="loading">Loading…</div> : null}
        {loaded && history.length < total ? (
          <div className="history-more">
            <button type="button" className="btn btn-secondary btn-sm" onClick={() => void loadMoreHistory()} disabled={loading} data-testid="history-more">
              Show more ({total - history.length} older)
            </button>
          </div>
        ) : null}
      </div>
      {history.length ? (
        <p className="muted small history-foot">Times are UTC. Net duration excludes pauses; time while Drillbook was not running is included.</p>
      ) : null}
    </div>
  );
}
