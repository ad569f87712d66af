import { useDrills } from './store';
import { clockShort, hms, humanDuration, targetText } from '../app/format';
import { useSince } from '../ui/Clock';
import type { DrillSnapshot } from '../../main/drill/model';
import { RTO_WARN_FRACTION, clockHeadline, rtoLevel } from '../../main/drill/headline';
import { countRender } from '../app/renders';
import { liveClock } from './live-clock';

export { RTO_WARN_FRACTION, rtoLevel };

export { liveClock, type LiveClock } from './live-clock';

/**
 * The big clock: once the RTO window opens, the time inside it against the
 * target (main/drill/headline.ts says what to show; this draws it). The only
 * part of the drill view that re-renders on every tick (every 200 ms while
 * the drill clock runs).
 */
export function DrillClock({ drillId }: { drillId: string }) {
  const entry = useDrills((s) => s.drills[drillId]);
  return entry ? <DrillClockView snap={entry.snap} receivedAt={entry.receivedAt} /> : null;
}

/**
 * The clock itself, from a snapshot and when it arrived (performance.now());
 * the local drill screen gives it the store's entry, the team's observer view
 * (renderer/team/live) one it fetched, with `receivedAt` moved back by the age
 * of the snapshot's last event so it ticks on from then.
 */
export function DrillClockView({ snap, receivedAt }: { snap: DrillSnapshot; receivedAt: number }) {
  countRender('DrillClock');
  const running = snap.status === 'running';
  const since = useSince(receivedAt, running && (snap.clock.ticking || snap.paused), 200);

  const c = liveClock(snap, since);
  const h = clockHeadline(snap, since);
  const target = h.targetSec;
  // A result that cannot be stated (failed, aborted, unverified) is not coloured as a time: neither green nor red.
  const level = h.verdict && h.verdict.kind !== 'met' && h.verdict.kind !== 'missed' ? 'none' : h.level;
  const pct = target && h.kind === 'rto' ? Math.min(100, (h.ms / (target * 1000)) * 100) : 0;
  const state = !running ? 'ended' : snap.paused ? 'paused' : 'running';
  const caption = h.kind === 'rto' ? (h.open ? 'RTO clock' : 'RTO window') : h.kind === 'waiting' ? 'Net elapsed · RTO not started' : 'Net elapsed';

  return (
    <div className={`clock clock-${state} clock-level-${level} clock-kind-${h.kind}`} data-testid="drill-clock" data-state={state} data-kind={h.kind}>
      <div className="clock-caption">
        <span data-testid="clock-caption">{caption}</span>
        <span>RTO target</span>
      </div>
      <div className="clock-main">
        <span className="clock-headline" data-testid="clock-headline" data-kind={h.kind} data-ms={Math.floor(h.ms)} aria-label={caption}>
          {hms(h.ms)}
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
        {h.kind === 'waiting' && h.startsAt && running ? (
          <span className="clock-starts" data-testid="rto-starts-at">
            RTO clock starts at step {h.startsAt.index + 1}: {h.startsAt.title}
          </span>
        ) : null}
        <span>
          <span className="k">net</span>{' '}
          <span className="v" data-testid="clock-net" data-ms={Math.floor(c.netMs)}>
            {hms(c.netMs)}
          </span>
        </span>
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
        {target != null && h.kind === 'rto' ? (
          <span>
            <span className="k">RTO used</span>{' '}
            <span className="v" data-testid="rto-used">
              {Math.floor((h.ms / (target * 1000)) * 100)}%
            </span>
          </span>
        ) : null}
        {running && h.open && target != null && h.ms > target * 1000 ? (
          <span className="over" data-testid="rto-over">
            <span className="k">over RTO by</span> <span className="v">{clockShort(h.ms - target * 1000)}</span>
          </span>
        ) : null}
      </div>
      {h.verdict ? (
        <div className={`rto-result ${h.verdict.kind === 'met' ? 'is-met' : 'is-missed'}`} data-testid="rto-result" data-met={String(h.verdict.kind === 'met')} data-verdict={h.verdict.kind}>
          {h.verdict.kind === 'met' || h.verdict.kind === 'missed' ? h.verdict.text : h.verdict.kind === 'aborted' ? 'Aborted' : h.verdict.kind === 'failed' ? 'Failed' : 'Not verified'}
          <span className="rto-result-detail">
            {h.verdict.kind === 'met' || h.verdict.kind === 'missed'
              ? `${humanDuration(h.ms)} of ${targetText(target ?? 0)}${h.verdict.kind === 'missed' && target != null ? ` (over by ${humanDuration(h.ms - target * 1000)})` : ''}`
              : h.verdict.text}
          </span>
        </div>
      ) : null}
    </div>
  );
}
