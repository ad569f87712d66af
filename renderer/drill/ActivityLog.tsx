import type { ReactNode } from 'react';
import type { DrillSnapshot } from '../../main/drill/model';
import { humanDuration, utcTime } from '../app/format';
import { CheckIcon, FlagIcon, GapIcon, PauseIcon, PlayIcon, SkipIcon, StopIcon, XIcon } from '../ui/Icons';

interface Entry {
  at: string;
  order: number;
  kind: 'start' | 'step' | 'pause' | 'resume' | 'gap' | 'note' | 'end' | 'fail' | 'skip';
  icon: ReactNode;
  text: ReactNode;
  sub?: ReactNode;
}

/** What happened, newest first, from the snapshot (pauses and gaps included — never hidden). */
export function buildLog(snap: DrillSnapshot): Entry[] {
  const out: Entry[] = [];
  let order = 0;
  const push = (e: Omit<Entry, 'order'>) => out.push({ ...e, order: order++ });
  push({ at: snap.startedAt, kind: 'start', icon: <PlayIcon size={12} />, text: <>Drill started by {snap.operator}</>, sub: snap.mode === 'live' ? 'LIVE' : snap.mode });
  for (const st of snap.steps) {
    const label = `${st.index + 1}. ${st.title}`;
    if (st.startedAt) push({ at: st.startedAt, kind: 'step', icon: <PlayIcon size={12} />, text: <>Started {label}</> });
    if (st.endedAt) {
      if (st.status === 'completed')
        push({ at: st.endedAt, kind: 'step', icon: <CheckIcon size={12} />, text: <>Completed {label}</>, sub: st.durationMs != null ? humanDuration(st.durationMs) : undefined });
      else if (st.status === 'skipped') push({ at: st.endedAt, kind: 'skip', icon: <SkipIcon size={12} />, text: <>Skipped {label}</>, sub: st.reason ?? undefined });
      else if (st.status === 'failed') push({ at: st.endedAt, kind: 'fail', icon: <XIcon size={12} />, text: <>Failed {label}</>, sub: st.reason ?? undefined });
    }
  }
  for (const p of snap.pauses) {
    push({ at: p.startedAt, kind: 'pause', icon: <PauseIcon size={12} />, text: <>Paused</>, sub: p.reason });
    if (p.endedAt) push({ at: p.endedAt, kind: 'resume', icon: <PlayIcon size={12} />, text: <>Resumed after {humanDuration(p.durationMs)}</> });
  }
  for (const g of snap.gaps) {
    push({
      at: g.from,
      kind: 'gap',
      icon: <GapIcon size={12} />,
      text: <>Drillbook not running for {humanDuration(g.durationMs)}</>,
      sub: `${utcTime(g.from)}–${utcTime(g.to)} UTC · clock kept running`,
    });
  }
  for (const n of snap.notes) {
    push({
      at: n.at,
      kind: 'note',
      icon: <FlagIcon size={12} />,
      text: <>{n.stepIndex != null ? `Note on step ${n.stepIndex + 1}` : 'Note'} · {n.operator}</>,
      sub: n.text,
    });
  }
  if (snap.endedAt) {
    push({
      at: snap.endedAt,
      kind: snap.status === 'completed' ? 'end' : 'fail',
      icon: snap.status === 'completed' ? <CheckIcon size={12} /> : <StopIcon size={12} />,
      text: <>Drill {snap.status}</>,
      sub: snap.endReason ?? undefined,
    });
  }
  return out.sort((a, b) => (a.at === b.at ? b.order - a.order : a.at < b.at ? 1 : -1));
}

export function ActivityLog({ snap, onHide }: { snap: DrillSnapshot; onHide?: () => void }) {
  const log = buildLog(snap);
  return (
    <aside className="activity" aria-label="Activity">
      <div className="section-head">
        <h2>Activity</h2>
        <span className="muted small">UTC</span>
        {onHide ? (
          <button type="button" className="activity-hide" onClick={onHide} title="Hide the activity pane (a)" aria-expanded={true} data-testid="activity-toggle">
            ›
          </button>
        ) : null}
      </div>
      <ol className="activity-list" data-testid="activity-log">
        {log.map((e, i) => (
          <li key={i} className={`act act-${e.kind}`} data-kind={e.kind}>
            <span className="act-time mono">{utcTime(e.at)}</span>
            <span className="act-icon">{e.icon}</span>
            <span className="act-body">
              <span className="act-text">{e.text}</span>
              {e.sub ? <span className="act-sub">{e.sub}</span> : null}
            </span>
          </li>
        ))}
      </ol>
    </aside>
  );
}
