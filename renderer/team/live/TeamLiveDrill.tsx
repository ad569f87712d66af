/**
 * A running drill as an observer sees it on the team server: the drill
 * screen's own pieces (step list, big clock, step text with its checklist
 * and notes, activity) from the published snapshot, read-only. Nothing here
 * records anything: no action buttons, no keyboard actions, no note form,
 * no evidence controls, and no terminal (the server sends none).
 *
 * The clock ticks on locally from the last event (pauses stop it, the end
 * stops it) and the banner says how old that event is, so a stalled
 * publisher shows as a stale page, not as a frozen clock.
 */
import { useMemo, useState } from 'react';
import type { StepState } from '../../../main/drill/model';
import type { Step } from '../../../main/runbook/model';
import { DrillClockView } from '../../drill/DrillClock';
import { StepListView } from '../../drill/StepList';
import { StepPanel } from '../../drill/StepPanel';
import { ActivityLog } from '../../drill/ActivityLog';
import { Badge } from '../../ui/Badge';
import { useNow } from '../../ui/Clock';
import { CheckIcon, GapIcon, PauseIcon, StopIcon } from '../../ui/Icons';
import { humanDuration, utcDateTime, utcTime } from '../../app/format';
import type { TeamApi } from './api';
import { useLiveDrill, type LiveConn } from './useLiveDrill';
import { QUIET_MS, followStep, staleText, stateText, watchingText } from './model';
import { routeHash } from '../route';
import './live.css';

const noop = () => undefined;

/** The published step for a drill step: by key, else by position and title (as the drill screen matches). */
function publishedStep(steps: Step[], st: StepState): Step | undefined {
  return steps.find((s) => s.key === st.key) ?? steps.find((s) => s.index === st.index && s.title === st.title);
}

function ConnText({ conn, now }: { conn: LiveConn; now: number }) {
  if (conn.state === 'live') return <span data-state="live">updates live</span>;
  if (conn.state === 'connecting') return <span data-state="connecting">connecting…</span>;
  if (conn.state === 'refused') return <span data-state="refused">{conn.message}</span>;
  return <span data-state="retrying">updates lost; trying again in {Math.max(1, Math.ceil((conn.at - now) / 1000))} s</span>;
}

/** The banner: read-only, whom, how stale, and whether updates arrive. Ticks once a second on its own. */
function LiveBanner({ operator, ended, receivedAt, lastEventAt, conn, retries }: { operator: string; ended: boolean; receivedAt: number; lastEventAt: string; conn: LiveConn; retries: number }) {
  const perfNow = useNow(!ended || conn.state === 'retrying', 1000);
  const age = perfNow - receivedAt;
  const quiet = !ended && age > QUIET_MS;
  return (
    <div className={`team-live-banner ${quiet ? 'is-quiet' : ''}`} role="status" data-testid="live-banner">
      <a className="team-live-back" href={routeHash({ name: 'live' })} data-testid="live-back">
        ← Live drills
      </a>
      <strong data-testid="live-watching">{watchingText({ operator })}</strong>
      <span className="team-live-sep">·</span>
      {ended ? (
        <span data-testid="live-stale">last event {utcTime(lastEventAt)} UTC</span>
      ) : (
        <span data-testid="live-stale" data-age-ms={Math.floor(age)} title={`${utcDateTime(lastEventAt, true)} UTC`}>
          {staleText(age)}
        </span>
      )}
      {quiet ? <span className="team-live-quiet">— no news from the operator’s machine for a while; its link may be down</span> : null}
      <span className="team-live-sep">·</span>
      <span className="muted">terminals stay on the operator’s machine</span>
      <span className="team-live-conn muted" data-testid="live-conn" data-state={conn.state} data-retries={retries}>
        <ConnText conn={conn} now={perfNow} />
      </span>
    </div>
  );
}

export function TeamLiveDrill({ drillId, api }: { drillId: string; api: TeamApi }) {
  const { view, receivedAt, error, missing, conn, retries } = useLiveDrill(api, drillId);
  // The step the observer picked, for this drill only (another drill starts by following its operator).
  const [pickedFor, setPicked] = useState<{ drillId: string; index: number } | null>(null);
  const picked = pickedFor?.drillId === drillId ? pickedFor.index : null;
  const snap = view?.drill;
  const steps = useMemo(() => view?.steps ?? [], [view]);

  if (!snap || !view) {
    return (
      <div className="empty team-live-empty" data-testid="team-live" data-state={missing ? 'missing' : error ? 'error' : 'loading'}>
        {missing ? (
          <>
            <h2>No such drill</h2>
            <p className="muted">{error}</p>
            <p>
              <a className="team-live-back" href={routeHash({ name: 'live' })} data-testid="live-back">
                ← Live drills
              </a>
            </p>
          </>
        ) : error ? (
          <p className="callout callout-danger" role="alert">
            {error}
          </p>
        ) : (
          <div className="loading">Loading the drill…</div>
        )}
      </div>
    );
  }

  const running = snap.status === 'running';
  const following = followStep(snap);
  const selected = Math.min(picked ?? following, Math.max(0, snap.steps.length - 1));
  // Picking the operator's current step goes back to following the operator.
  const pick = (i: number) => setPicked(i === following ? null : { drillId, index: i });
  const step = snap.steps[selected];

  return (
    <div
      className={`drill team-live ${running ? 'is-running' : 'is-ended'} ${snap.paused ? 'is-paused' : ''} ${snap.mode === 'live' ? 'is-live' : ''}`}
      data-testid="team-live"
      data-drill-id={snap.id}
      data-status={snap.status}
      data-events={snap.eventCount}
    >
      <LiveBanner operator={snap.operator} ended={!running} receivedAt={receivedAt} lastEventAt={view.lastEventAt} conn={conn} retries={retries} />
      {error ? (
        <div className="notice notice-warn small" role="alert" data-testid="live-error">
          The last update failed: {error} Showing the drill as of its last good answer.
        </div>
      ) : null}
      <header className="drill-top">
        <div className="drill-ident">
          <div className="drill-kicker">
            {snap.mode === 'live' ? (
              <Badge tone="live" testId="drill-mode">
                LIVE
              </Badge>
            ) : (
              <Badge tone="neutral" testId="drill-mode">
                {snap.mode === 'automated' ? 'Automated' : 'Rehearsal'}
              </Badge>
            )}
            <Badge tone={running ? (snap.paused ? 'warn' : 'accent') : snap.status === 'completed' ? 'ok' : 'danger'} testId="live-state">
              {stateText(snap)}
            </Badge>
          </div>
          <h1 className="drill-title" data-testid="drill-title">
            {snap.runbook.title}
          </h1>
          <div className="drill-facts small">
            <span>
              <span className="muted">Operator</span> <span data-testid="drill-operator">{snap.operator}</span>
            </span>
            <span>
              <span className="muted">Started</span> {utcDateTime(snap.startedAt, true)} UTC
            </span>
            {snap.endedAt ? (
              <span>
                <span className="muted">Ended</span> {utcTime(snap.endedAt)} UTC
              </span>
            ) : null}
          </div>
        </div>
        <DrillClockView snap={snap} receivedAt={receivedAt} />
      </header>

      <div className="drill-notices">
        {snap.paused && running ? (
          <div className="notice notice-paused" data-testid="paused-banner">
            <PauseIcon />
            <span>
              <strong>PAUSED</strong> — {snap.pauseReason ?? 'no reason given'}
              <span className="muted small"> · the net clock is stopped</span>
            </span>
          </div>
        ) : null}
        {snap.gaps.map((g, i) => (
          <div key={i} className="notice notice-gap" data-testid="gap-notice">
            <GapIcon />
            <span>
              Drillbook was not running on the operator’s machine for <strong>{humanDuration(g.durationMs)}</strong> ({utcTime(g.from)}–{utcTime(g.to)} UTC); the clock kept running.
            </span>
          </div>
        ))}
        {!running ? (
          <div className={`notice ${snap.status === 'completed' ? 'notice-ok' : 'notice-danger'}`} data-testid="ended-notice">
            {snap.status === 'completed' ? <CheckIcon /> : <StopIcon />}
            <span>
              Drill {snap.status}
              {snap.endedAt ? ` at ${utcDateTime(snap.endedAt, true)} UTC` : ''}
              {snap.endReason ? ` — ${snap.endReason}` : ''}. Steps and times are final.
            </span>
          </div>
        ) : null}
      </div>

      <div className="drill-grid has-activity" data-testid="drill-grid">
        <StepListView snap={snap} receivedAt={receivedAt} selected={selected} onSelect={pick} />
        <main className="drill-centre team-live-centre">
          {step ? (
            <StepPanel
              key={step.index}
              snap={snap}
              receivedAt={receivedAt}
              step={step}
              runbookStep={publishedStep(steps, step)}
              runbook={{ loading: false, error: 'the runbook’s text was not published with this drill' }}
              canAct={false}
              readOnly
              onSkip={noop}
              onFail={noop}
            />
          ) : (
            <div className="empty">This runbook has no steps.</div>
          )}
        </main>
        <ActivityLog snap={snap} />
      </div>
    </div>
  );
}
