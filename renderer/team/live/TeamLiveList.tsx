/**
 * The team app's Live drills page (#/live): the drills running now on the
 * team server (GET /api/live), one row per drill with its operator, current
 * step, net time against the RTO and how old its last event is (against the
 * server's clock, so a wrong clock on this machine does not make a drill
 * look quiet). Refreshed when the live stream names any drill, again after
 * a cut stream (1 s, 2 s, 4 s … 30 s) and every 30 s; the clocks tick here
 * between answers. Each row is a link to #/live/ID (TeamLiveDrill), so it
 * can be opened in a new tab or pasted to a colleague.
 */
import { useEffect, useState } from 'react';
import { LIVE_EVENTS_PATH, LIVE_LIST_PATH, type LiveList, type TeamApi } from './api';
import { QUIET_MS, backoffMs, eventAgeAtAnswer, staleText } from './model';
import { hms, targetText } from '../../app/format';
import { useNow } from '../../ui/Clock';
import { Badge } from '../../ui/Badge';
import { markPainted } from '../../history/perf';
import { routeHash } from '../route';
import './live.css';

type Rows = { rows: LiveList['drills']; arrived: number; ages: Record<string, number> };

export function TeamLiveList({ api }: { api: TeamApi }) {
  const [list, setList] = useState<Rows | null>(null);
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

  useEffect(() => {
    if (list) markPainted('team-live-list');
  }, [list]);

  return (
    <div className="hist-page team-page" data-testid="team-live-page">
      <div className="hist-page-head">
        <div className="hist-page-title">
          <h1>Live drills</h1>
          <span className="muted">Drills running now, read-only. Terminals stay on the operator's machine.</span>
        </div>
      </div>
      {error ? (
        <p className="callout callout-danger small" role="alert">
          {error}
        </p>
      ) : null}
      {!list ? (
        error ? null : (
          <div className="loading">Loading live drills…</div>
        )
      ) : (
        <section className="team-live-list" aria-label="Live drills" data-testid="team-live-list">
          {list.rows.length === 0 ? (
            <p className="muted" data-testid="team-live-empty">
              No drill is running. A drill appears here while its operator publishes it live (drillbook team publish --live).
            </p>
          ) : null}
          <ul>
            {list.rows.map((d) => {
              const current = d.steps.find((s) => s.status === 'running') ?? d.steps.find((s) => s.status === 'pending');
              const since = now - list.arrived;
              const age = (list.ages[d.id] ?? 0) + since;
              const net = d.clock.netMs + (d.clock.ticking ? age : 0);
              const quiet = !d.paused && age >= QUIET_MS;
              return (
                <li key={d.id}>
                  <a className={`team-live-row${quiet ? ' is-quiet' : ''}`} href={routeHash({ name: 'liveDrill', id: d.id })} data-testid="team-live-row" data-drill-id={d.id}>
                    <span className="team-live-row-title">
                      {d.runbook.title} {d.paused ? <Badge tone="warn">paused</Badge> : <Badge tone="live">running</Badge>}
                    </span>
                    <span className="muted small">
                      {d.operator} · {d.mode} · {current ? `step ${current.index + 1} of ${d.steps.length}: ${current.title}` : 'all steps done'}
                    </span>
                    <span className="mono team-live-row-clock" title="Net time (pauses subtracted) against the RTO target">
                      {hms(net)}
                      {d.rto.targetSec ? <span className="muted"> / RTO {targetText(d.rto.targetSec)}</span> : null}
                    </span>
                    <span className={`small ${quiet ? 'team-live-quiet' : 'muted'}`} data-testid="team-live-row-stale">
                      {staleText(age)}
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </div>
  );
}
