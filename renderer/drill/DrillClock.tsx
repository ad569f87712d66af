import { useStore } from '../app/store';
import { clockShort, hms, humanDuration, targetText } from '../app/format';
import { useSince } from '../ui/Clock';
import type { DrillSnapshot } from '../../main/drill/model';

/** Fraction of the RTO target at which the bar turns amber. */
export const RTO_WARN_FRACTION = 0.8;

export interface LiveClock {
  netMs: number;
  grossMs: number;
  pausedMs: number;
  /** Time inside the RTO window (null when the window has not opened). */
  rtoMs: number | null;
}

/**
 * The clock as of now, from the last snapshot:
 * displayed = snapshot value + (ticking ? performance.now() − receivedAt : 0).
 */
export function liveClock(snap: DrillSnapshot, since: number): LiveClock {
  const running = snap.status === 'running';
  const netMs = snap.clock.netMs + (snap.clock.ticking ? since : 0);
  const pausedMs = snap.clock.pausedMs + (running && snap.paused ? since : 0);
  const grossMs = snap.clock.grossMs + (running && (snap.clock.ticking || snap.paused) ? since : 0);
  let rtoMs: number | null = null;
  if (snap.rto.actualSec != null) rtoMs = snap.rto.actualSec * 1000 + (snap.rto.open && snap.clock.ticking ? since : 0);
  else if (snap.rto.startStep == null && snap.rto.targetSec != null) rtoMs = netMs;
  return { netMs, grossMs, pausedMs, rtoMs };
}

export function rtoLevel(rtoMs: number | null, targetSec: number | null): 'none' | 'ok' | 'warn' | 'over' {
  if (targetSec == null || targetSec <= 0 || rtoMs == null) return 'none';
  const f = rtoMs / (targetSec * 1000);
  return f >= 1 ? 'over' : f >= RTO_WARN_FRACTION ? 'warn' : 'ok';
}

/**
 * The big clock. The only part of the drill view that re-renders on every
 * tick (every 200 ms while the drill clock runs).
 */
export function DrillClock({ drillId }: { drillId: string }) {
  const entry = useStore((s) => s.drills[drillId]);
  const snap = entry?.snap;
  const running = snap?.status === 'running';
  const since = useSince(entry?.receivedAt ?? 0, !!snap && running && (snap.clock.ticking || snap.paused), 200);
  if (!snap) return null;

  const c = liveClock(snap, since);
  const target = snap.rto.targetSec;
  const level = snap.rto.met === false ? 'over' : rtoLevel(c.rtoMs, target);
  const pct = target && c.rtoMs != null ? Math.min(100, (c.rtoMs / (target * 1000)) * 100) : 0;
  const rtoDiffers = c.rtoMs != null && Math.abs(c.rtoMs - c.netMs) >= 1000;
  const state = !running ? 'ended' : snap.paused ? 'paused' : 'running';

  return (
    <div className={`clock clock-${state} clock-level-${level}`} data-testid="drill-clock" data-state={state}>
      <div className="clock-caption">
        <span>Net elapsed</span>
        <span>RTO target</span>
      </div>
      <div className="clock-main">
        <span className="clock-net" data-testid="clock-net" data-ms={Math.floor(c.netMs)} aria-label="Net elapsed time">
          {hms(c.netMs)}
        </span>
        <span className="clock-sep">/</span>
        <span className="clock-rto" data-testid="clock-rto" data-target-sec={target ?? ''} title="RTO target">
          {target != null ? targetText(target) : 'no RTO'}
        </span>
      </div>
      <div
        className="rto-bar"
        data-testid="rto-progress"
        data-level={level}
        role="progressbar"
        aria-label="RTO used"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
      >
        <div className="rto-bar-fill" style={{ width: `${pct}%` }} />
        <div className="rto-bar-warn" style={{ left: `${RTO_WARN_FRACTION * 100}%` }} />
      </div>
      <div className="clock-sub">
        <span>
          <span className="k">gross</span>{' '}
          <span className="v" data-testid="clock-gross">
            {hms(c.grossMs)}
          </span>
        </span>
        <span className={c.pausedMs > 0 ? 'has-paused' : ''}>
          <span className="k">paused</span>{' '}
          <span className="v" data-testid="clock-paused">
            {hms(c.pausedMs)}
          </span>
        </span>
        {target != null && c.rtoMs != null ? (
          <span>
            <span className="k">RTO used</span>{' '}
            <span className="v" data-testid="rto-used">
              {Math.floor((c.rtoMs / (target * 1000)) * 100)}%
            </span>
          </span>
        ) : null}
        {running && target != null && c.rtoMs != null && c.rtoMs > target * 1000 ? (
          <span className="over" data-testid="rto-over">
            <span className="k">over RTO by</span> <span className="v">{clockShort(c.rtoMs - target * 1000)}</span>
          </span>
        ) : null}
        {rtoDiffers && c.rtoMs != null ? (
          <span title="Time inside the RTO window (from the step that starts the RTO clock)">
            <span className="k">RTO window</span> <span className="v">{clockShort(c.rtoMs)}</span>
          </span>
        ) : null}
        {snap.rto.startStep != null && snap.rto.actualSec == null && running ? <span className="k">RTO clock starts at step {snap.rto.startStep + 1}</span> : null}
      </div>
      {snap.rto.met != null && target != null ? (
        <div className={`rto-result ${snap.rto.met ? 'is-met' : 'is-missed'}`} data-testid="rto-result" data-met={String(snap.rto.met)}>
          {snap.rto.met ? 'RTO met' : 'RTO missed'}
          <span className="rto-result-detail">
            {humanDuration((snap.rto.actualSec ?? 0) * 1000)} of {targetText(target)}
            {!snap.rto.met && snap.rto.actualSec != null ? ` (over by ${humanDuration((snap.rto.actualSec - target) * 1000)})` : ''}
          </span>
        </div>
      ) : null}
    </div>
  );
}
