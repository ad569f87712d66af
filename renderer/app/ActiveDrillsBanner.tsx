import { useBusy } from './calls';
import { openDrill, useNav } from './nav';
import { dismissInterrupted, recoverDrill, useDrills } from '../drill/store';
import type { DrillSnapshot } from '../../main/drill/model';
import { localTimeHint, utcDateTime, utcTime } from './format';
import { AlertIcon, DrillIcon } from '../ui/Icons';
import { Button } from '../ui/Button';

/** The latest moment recorded in a snapshot: when an interrupted drill last did anything. */
export function lastActivity(snap: DrillSnapshot): string {
  let last = snap.startedAt;
  const consider = (t: string | null | undefined) => {
    if (t && t > last) last = t;
  };
  for (const st of snap.steps) {
    consider(st.startedAt);
    consider(st.endedAt);
    for (const c of st.checklist) consider(c.at);
  }
  for (const p of snap.pauses) {
    consider(p.startedAt);
    consider(p.endedAt);
  }
  for (const n of snap.notes) consider(n.at);
  for (const g of snap.gaps) consider(g.to);
  for (const c of snap.commands) consider(c.at);
  return last;
}

/**
 * Drills still running when the app opens. Interrupted ones (the process
 * that ran them stopped) get a prominent offer to resume; others a quiet
 * way back in.
 */
export function ActiveDrillsBanner() {
  const active = useDrills((s) => s.active);
  const drills = useDrills((s) => s.drills);
  const view = useNav((s) => s.view);
  const dismissed = useDrills((s) => s.dismissedInterrupted);
  const busy = useBusy((s) => s.busy);

  const snaps = active.map((id) => drills[id]?.snap).filter((d): d is DrillSnapshot => !!d && d.status === 'running');
  const interrupted = snaps.filter((d) => d.interrupted && !dismissed.includes(d.id));
  const running = snaps.filter((d) => !d.interrupted && !(view.name === 'drill' && view.id === d.id));
  if (interrupted.length === 0 && (running.length === 0 || view.name === 'drill')) return null;

  return (
    <div className="active-banners">
      {interrupted.map((d) => {
        const at = lastActivity(d);
        const local = localTimeHint(at);
        return (
          <div key={d.id} className="banner banner-interrupted" role="alert" data-testid="interrupted-banner" data-drill-id={d.id}>
            <AlertIcon size={18} />
            <div className="banner-text">
              <strong>
                A drill of {d.runbook.title} was interrupted at {utcDateTime(at, true)} (UTC). Resume it?
              </strong>
              <span className="banner-sub">
                {local ? `${utcTime(at)} UTC is ${local} here. ` : ''}
                {d.mode === 'live' ? 'LIVE' : 'Rehearsal'} · operator {d.operator} · started {utcDateTime(d.startedAt)} UTC. The clock kept running
                while Drillbook was down; the gap will be shown.
              </span>
            </div>
            <div className="banner-actions">
              <Button
                variant="warning"
                onClick={() => void recoverDrill(d.id)}
                busy={!!busy[`recover:${d.id}`]}
                data-testid="recover-drill"
              >
                Resume drill
              </Button>
              <Button
                variant="ghost"
                onClick={() => dismissInterrupted(d.id)}
                data-testid="dismiss-interrupted"
              >
                Later
              </Button>
            </div>
          </div>
        );
      })}
      {view.name !== 'drill'
        ? running.map((d) => (
            <div key={d.id} className="banner banner-running" data-testid="running-banner" data-drill-id={d.id}>
              <DrillIcon />
              <div className="banner-text">
                <strong>Drill in progress: {d.runbook.title}</strong>
                <span className="banner-sub">
                  {d.mode === 'live' ? 'LIVE' : 'Rehearsal'} · {d.operator} · started {utcTime(d.startedAt)} UTC
                  {d.paused ? ' · paused' : ''}
                </span>
              </div>
              <div className="banner-actions">
                <Button variant="secondary" size="sm" onClick={() => openDrill(d.id)} data-testid="open-running-drill">
                  Open
                </Button>
              </div>
            </div>
          ))
        : null}
    </div>
  );
}
