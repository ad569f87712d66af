/**
 * Running drills, as their operators' machines publish them. The list is
 * fetched again whenever the server's stream names a drill (new events
 * stored, by this server or another on the same database), and every 15 s
 * in case a proxy cut the stream.
 */
import { useEffect } from 'react';
import type { TeamApi } from '../client';
import type { LiveList } from '../../../main/team/model';
import { go, useLoad, usePainted } from '../hooks';
import { formatDuration, formatSeconds } from '../../../main/common/duration';
import { utcDateTime } from '../../app/format';
import { Badge } from '../../ui/Badge';
import { Loaded } from './bits';

export function LivePage({ api }: { api: TeamApi }) {
  const [load, reload] = useLoad('live', () => api.getJson<LiveList>('/api/live'));
  usePainted('live-list', load);
  useEffect(() => {
    const ac = new AbortController();
    void api.stream('/api/live/events', () => reload(), ac.signal).catch(() => undefined);
    const timer = setInterval(reload, 15_000);
    return () => {
      ac.abort();
      clearInterval(timer);
    };
  }, [api, reload]);
  return (
    <div className="hist-page team-page" data-testid="team-live">
      <div className="hist-page-head">
        <div className="hist-page-title">
          <h1>Live drills</h1>
          <span className="muted">Drills running now, read-only. Terminals stay on the operator's machine.</span>
        </div>
      </div>
      <Loaded load={load}>
        {(v) =>
          v.drills.length === 0 ? (
            <p className="muted" data-testid="team-live-empty">
              No drill is running.
            </p>
          ) : (
            <div className="team-cards">
              {v.drills.map((d) => {
                const done = d.steps.filter((s) => s.status === 'completed' || s.status === 'skipped').length;
                const current = d.steps.find((s) => s.status === 'running');
                return (
                  <a
                    key={d.id}
                    className="hist-card team-live-card"
                    href={`#/live/${encodeURIComponent(d.id)}`}
                    data-live={d.id}
                    onClick={(e) => {
                      e.preventDefault();
                      go({ name: 'liveDrill', id: d.id });
                    }}
                  >
                    <div className="hist-card-head">
                      <h2>{d.runbook.title}</h2>
                      {d.paused ? <Badge tone="warn">paused</Badge> : <Badge tone="live">running</Badge>}
                    </div>
                    <div className="muted">
                      {d.operator} · {d.mode} · started {utcDateTime(d.startedAt)} UTC
                    </div>
                    <div>
                      Step {Math.min(done + 1, d.steps.length)} of {d.steps.length}
                      {current ? `: ${current.title}` : ''}
                    </div>
                    <div className="muted">
                      Net {formatDuration(d.clock.netMs)}
                      {d.rto.targetSec !== null ? ` · RTO ${formatSeconds(d.rto.actualSec)} of ${formatSeconds(d.rto.targetSec)}` : ''} · last event {utcDateTime(d.lastEventAt, true)}
                    </div>
                  </a>
                );
              })}
            </div>
          )
        }
      </Loaded>
    </div>
  );
}
