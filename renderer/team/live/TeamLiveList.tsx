/**
 * The drills running now on the team server (GET /api/live), for the team
 * shell's "Live" page: one row per drill with its operator, current step,
 * net time against the RTO and how old its last event is. Refreshed when the
 * live stream names any drill (and every 30 s); choosing a row opens it in
 * TeamLiveDrill through `onOpen`.
 */
import { useEffect, useState } from 'react';
import { LIVE_EVENTS_PATH, LIVE_LIST_PATH, type LiveList, type TeamApi } from './api';
import { backoffMs, eventAgeAtAnswer, staleText } from './model';
import { hms, targetText } from '../../app/format';
import { useNow } from '../../ui/Clock';
import './live.css';

export function TeamLiveList({ api, onOpen }: { api: TeamApi; onOpen: (drillId: string) => void }) {
  const [list, setList] = useState<{ rows: LiveList['drills']; arrived: number; ages: Record<string, number> } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(!!list && list.rows.length > 0, 1000);

  useEffect(() => {
    const ac = new AbortController();
    let inflight = false;
    let again = false;
    const load = async () => {
      if (inflight) return void (again = true);
      inflight = true;
      try {
        do {
          again = false;
          try {
            const j = await api.getJson<LiveList>(LIVE_LIST_PATH);
            if (ac.signal.aborted) return;
            const ages = Object.fromEntries(j.drills.map((d) => [d.id, eventAgeAtAnswer(d.lastEventAt, j.serverTime)]));
            setList({ rows: j.drills, arrived: performance.now(), ages });
            setError(null);
          } catch (err) {
            if (!ac.signal.aborted) setError(err instanceof Error ? err.message : 'the team server could not be reached');
          }
        } while (again && !ac.signal.aborted);
      } finally {
        inflight = false;
      }
    };
    const listen = async () => {
      for (let attempt = 0; !ac.signal.aborted; attempt++) {
        try {
          await api.stream(LIVE_EVENTS_PATH, () => void load(), ac.signal);
        } catch (err) {
          const status = (err as { status?: unknown })?.status;
          if (status === 401 || status === 403) return;
        }
        if (ac.signal.aborted) return;
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
        void load();
      }
    };
    void load();
    void listen();
    const poll = window.setInterval(() => void load(), 30_000);
    return () => {
      ac.abort();
      window.clearInterval(poll);
    };
  }, [api]);

  if (!list) return <div className="team-live-list">{error ? <p className="callout callout-danger">{error}</p> : <div className="loading">Loading live drills…</div>}</div>;
  return (
    <section className="team-live-list" aria-label="Live drills" data-testid="team-live-list">
      {error ? (
        <p className="callout callout-danger small" role="alert">
          {error}
        </p>
      ) : null}
      {list.rows.length === 0 ? <p className="muted">No drill is running. A drill appears here while its operator publishes it live (drillbook team publish --live).</p> : null}
      <ul>
        {list.rows.map((d) => {
          const current = d.steps.find((s) => s.status === 'running') ?? d.steps.find((s) => s.status === 'pending');
          const since = now - list.arrived;
          const net = d.clock.netMs + (d.clock.ticking ? (list.ages[d.id] ?? 0) + since : 0);
          return (
            <li key={d.id}>
              <button type="button" className="team-live-row" onClick={() => onOpen(d.id)} data-testid="team-live-row" data-drill-id={d.id}>
                <span className="team-live-row-title">{d.runbook.title}</span>
                <span className="muted small">
                  {d.operator} · {d.mode}
                  {d.paused ? ' · paused' : ''} · {current ? `step ${current.index + 1} of ${d.steps.length}: ${current.title}` : 'all steps done'}
                </span>
                <span className="mono team-live-row-clock">
                  {hms(net)}
                  {d.rto.targetSec ? <span className="muted"> / {targetText(d.rto.targetSec)}</span> : null}
                </span>
                <span className="muted small">{staleText((list.ages[d.id] ?? 0) + since)}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
