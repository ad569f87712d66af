import type { ReactNode } from 'react';
import type { DrillSnapshot } from '../../main/drill/model';
import { humanDuration, utcDateTime, utcTime } from '../app/format';
import { CheckIcon, FlagIcon, GapIcon, PauseIcon, PlayIcon, SkipIcon, StopIcon, XIcon } from '../ui/Icons';
import { countRender } from '../app/renders';

interface Entry {
  at: string;
  order: number;
  kind: 'start' | 'step' | 'pause' | 'resume' | 'gap' | 'note' | 'end' | 'fail' | 'skip' | 'command' | 'evidence';
  icon: ReactNode;
  text: ReactNode;
  sub?: ReactNode;
}

function TerminalGlyph() {
  return (
    <span className="mono" aria-hidden="true" style={{ fontSize: 10, fontWeight: 700 }}>
      $_
    </span>
  );
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
  // Every command run (Run and typed), with what became of it; whatever command records the log holds.
  for (const c of snap.commands) {
    const first = c.text.split('\n')[0] ?? '';
    const more = c.text.includes('\n') ? ' …' : '';
    const result =
      c.endedAt === null && c.exitCode === null
        ? 'running'
        : c.expectPassed === false
          ? `✗ ${c.note ?? 'expectation not met'}`
          : c.exitCode === null
            ? (c.note ?? 'no exit code')
            : `${c.expectPassed === true || c.exitCode === 0 ? '✓' : '✗'} exit ${c.exitCode}${c.durationMs !== null ? ` · ${humanDuration(c.durationMs)}` : ''}`;
    push({
      at: c.startedAt,
      kind: c.expectPassed === false || (c.exitCode !== null && c.exitCode !== 0 && c.expectPassed !== true) ? 'fail' : 'command',
      icon: <TerminalGlyph />,
      text: (
        <>
          <span className="mono">$ {first}{more}</span>
          {c.target !== 'local' ? <span className="muted"> on {c.target}</span> : null}
        </>
      ),
      sub: `${c.stepIndex != null ? `step ${c.stepIndex + 1} · ` : ''}${result}`,
    });
  }
  // Evidence recorded during and after the drill.
  const ev = snap.evidence;
  for (const p of ev.participants) push({ at: p.addedAt, kind: 'evidence', icon: <FlagIcon size={12} />, text: <>Participant {p.name}</>, sub: p.role || undefined });
  if (ev.scenario) push({ at: ev.scenario.at, kind: 'evidence', icon: <FlagIcon size={12} />, text: <>Scenario set · {ev.scenario.by}</>, sub: ev.scenario.scenario });
  if (ev.failure) push({ at: ev.failure.recordedAt, kind: 'evidence', icon: <FlagIcon size={12} />, text: <>Failure declared at {utcTime(ev.failure.failureAt)} UTC</>, sub: ev.failure.note ?? undefined });
  if (ev.recoveryPoint)
    push({ at: ev.recoveryPoint.recordedAt, kind: 'evidence', icon: <FlagIcon size={12} />, text: <>Recovery point {ev.recoveryPoint.backupId}</>, sub: `backup of ${utcDateTime(ev.recoveryPoint.backupAt)} UTC` });
  for (const f of ev.findings) push({ at: f.at, kind: 'evidence', icon: <FlagIcon size={12} />, text: <>Finding {f.id} ({f.severity}) · {f.by}</>, sub: f.text });
  for (const r of ev.remediations) push({ at: r.at, kind: 'evidence', icon: <FlagIcon size={12} />, text: <>Remediation {r.id} · {r.owner}</>, sub: `${r.text} (due ${r.due})` });
  for (const a of ev.attachments) push({ at: a.at, kind: 'evidence', icon: <FlagIcon size={12} />, text: <>Attached {a.name}</>, sub: a.stepIndex != null ? `step ${a.stepIndex + 1}` : undefined });
  for (const so of ev.signoffs) push({ at: so.at, kind: 'evidence', icon: <CheckIcon size={12} />, text: <>Signed off: {so.role} {so.name}</>, sub: so.statement ?? undefined });
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
  countRender('ActivityLog');
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
          <li key={i} className={`act act-${e.kind}`} data-kind={e.kind} data-testid="activity-item">
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
