/**
 * What the big clock says, derived from the reducer's snapshot alone (pure).
 *
 * The clock used to lead with net elapsed time against the RTO target, so a
 * drill whose RTO window closed after 1:01 read "06:34 / 05:00" in red. The
 * question at 3 a.m. is "are we inside the RTO?": once the window opens the
 * headline is the time inside it, green / amber (from RTO_WARN_FRACTION) /
 * red against the target; before it opens the clock says which step starts
 * it. And the record never claims more than it holds: a failed or aborted
 * drill, or a step whose last block failed its check, never reads "RTO met".
 */
import type { CommandRunRecord, DrillSnapshot, DrillStatus } from './model';

/** Fraction of the RTO target at which the clock turns amber. */
export const RTO_WARN_FRACTION = 0.8;

export type ClockLevel = 'none' | 'ok' | 'warn' | 'over';

export type ClockVerdict =
  | { kind: 'met'; text: string }
  | { kind: 'missed'; text: string }
  | { kind: 'failed'; text: string }
  | { kind: 'aborted'; text: string }
  | { kind: 'unverified'; text: string };

export interface ClockHeadline {
  /** 'rto': the RTO window has opened and is the headline; 'waiting': it has not opened yet; 'net': no RTO target. */
  kind: 'rto' | 'waiting' | 'net';
  /** The headline time: inside the RTO window for 'rto', net elapsed otherwise. */
  ms: number;
  netMs: number;
  targetSec: number | null;
  level: ClockLevel;
  /** The step that opens the RTO window, while it has not ('waiting'). */
  startsAt: { index: number; title: string } | null;
  /** The RTO window is still open (the headline ticks). */
  open: boolean;
  /** The result, once there is one to state; null while it is still open. */
  verdict: ClockVerdict | null;
}

/** A command's check failed: its expectation failed, or (no expectation) it exited non-zero. */
export function commandFailed(c: CommandRunRecord): boolean {
  if (c.expectPassed === false) return true;
  return c.expectPassed === null && c.exitCode !== null && c.exitCode !== 0;
}

/** The step's most recent command whose result is known, if that one failed. */
export function lastBlockFailure(snap: Pick<DrillSnapshot, 'commands'>, stepIndex: number): CommandRunRecord | null {
  let last: CommandRunRecord | null = null;
  for (const c of snap.commands) {
    if (c.stepIndex !== stepIndex || (c.exitCode === null && c.expectPassed === null)) continue;
    if (!last || (c.endedAt ?? c.at) >= (last.endedAt ?? last.at)) last = c;
  }
  return last && commandFailed(last) ? last : null;
}

/**
 * What the record may say of the RTO: `met` as measured only for a drill that neither failed nor was aborted and
 * has no failed step; null ("no RTO result") otherwise, whatever its clock read. The one rule the clock's verdict,
 * the history list and its CSV/JSON, the waterfall and the CLI all apply (a restore that failed did not recover
 * within anything).
 */
export function rtoMetClaim(status: DrillStatus, met: boolean | null, failedSteps = 0): boolean | null {
  if (status === 'failed' || status === 'aborted' || failedSteps > 0) return null;
  return met;
}

export function rtoLevel(rtoMs: number | null, targetSec: number | null): ClockLevel {
  if (targetSec == null || targetSec <= 0 || rtoMs == null) return 'none';
  const f = rtoMs / (targetSec * 1000);
  return f >= 1 ? 'over' : f >= RTO_WARN_FRACTION ? 'warn' : 'ok';
}

/** Why the record cannot say "met", if it cannot. */
function blocker(snap: DrillSnapshot): ClockVerdict | null {
  if (snap.status === 'aborted') return { kind: 'aborted', text: `Aborted${snap.endReason ? `: ${snap.endReason}` : ''}. No RTO result.` };
  const failed = snap.steps.find((s) => s.status === 'failed');
  if (snap.status === 'failed' || failed) {
    return { kind: 'failed', text: failed ? `Step ${failed.index + 1} failed: ${failed.title}` : 'The drill failed' };
  }
  for (const s of snap.steps) {
    const f = lastBlockFailure(snap, s.index);
    if (f) return { kind: 'unverified', text: `Step ${s.index + 1}'s last check failed: ${f.name ?? f.text.split('\n')[0]}` };
  }
  return null;
}

/**
 * The clock as of `sinceMs` after the snapshot arrived (the renderer adds the
 * time since while the clock ticks; 0 gives the snapshot's own values).
 */
export function clockHeadline(snap: DrillSnapshot, sinceMs = 0): ClockHeadline {
  const netMs = snap.clock.netMs + (snap.clock.ticking ? sinceMs : 0);
  const target = snap.rto.targetSec;
  const ended = snap.status !== 'running';
  const bad = blocker(snap);
  if (target == null) {
    return { kind: 'net', ms: netMs, netMs, targetSec: null, level: 'none', startsAt: null, open: false, verdict: ended ? bad : null };
  }
  if (snap.rto.actualSec == null) {
    const idx = snap.rto.startStep ?? 0;
    const step = snap.steps[idx];
    return {
      kind: 'waiting',
      ms: netMs,
      netMs,
      targetSec: target,
      level: 'none',
      startsAt: step ? { index: idx, title: step.title } : null,
      open: false,
      verdict: ended ? (bad ?? { kind: 'unverified', text: 'The RTO window never opened. No RTO result.' }) : null,
    };
  }
  const open = snap.rto.open;
  const ms = snap.rto.actualSec * 1000 + (open && snap.clock.ticking ? sinceMs : 0);
  const level = rtoLevel(ms, target);
  let verdict: ClockVerdict | null = null;
  if (bad && (ended || !open)) verdict = bad;
  else if (open) verdict = ended ? { kind: 'unverified', text: 'The RTO window never closed. No RTO result.' } : null;
  else {
    const met = rtoMetClaim(snap.status, snap.rto.met, snap.steps.filter((s) => s.status === 'failed').length);
    if (met === true) verdict = { kind: 'met', text: 'RTO met' };
    else if (met === false) verdict = { kind: 'missed', text: 'RTO missed' };
  }
  return { kind: 'rto', ms, netMs, targetSec: target, level, startsAt: null, open, verdict };
}
