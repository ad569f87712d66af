/**
 * PLACEHOLDER until branch issue-16a2 lands: that branch builds the
 * read-only live observer view at this path with this signature. The lead
 * takes issue-16a2's file over this one when merging.
 */
import { useEffect, useState } from 'react';
import type { TeamApi } from '../client';
import type { LiveDrillView } from '../../../main/team/model';
import { formatDuration } from '../../../main/common/duration';

export function TeamLiveDrill(props: { drillId: string; api: TeamApi }) {
  const { drillId, api } = props;
  const [view, setView] = useState<LiveDrillView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api
      .getJson<LiveDrillView>(`/api/live/${encodeURIComponent(drillId)}`)
      .then((v) => live && setView(v))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [api, drillId]);
  if (error) return <p className="team-error" role="alert">{error}</p>;
  if (!view) return <p className="muted">Loading…</p>;
  return (
    <div className="hist-card" data-testid="team-live-drill">
      <h2>{view.runbook.title}</h2>
      <p className="muted">
        {view.operator} · {view.mode} · net {formatDuration(view.clock.netMs)}
      </p>
      <ol>
        {view.steps.map((s) => (
          <li key={s.key}>
            {s.title} — {s.status}
          </li>
        ))}
      </ol>
    </div>
  );
}
