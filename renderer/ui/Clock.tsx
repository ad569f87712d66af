import { useEffect, useState } from 'react';

/**
 * performance.now(), refreshed every `intervalMs` while `enabled`. Only the
 * component that calls this re-renders on each tick, so keep it small.
 */
export function useNow(enabled: boolean, intervalMs = 200): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    // eslint-disable-next-line react/set-state-in-effect -- the clock shows the time at once when ticking starts or stops
    setNow(performance.now());
    if (!enabled) return;
    const id = window.setInterval(() => setNow(performance.now()), intervalMs);
    return () => window.clearInterval(id);
  }, [enabled, intervalMs]);
  return now;
}

/** Milliseconds since a snapshot arrived, ticking while `ticking`. */
export function useSince(receivedAt: number, ticking: boolean, intervalMs = 200): number {
  const now = useNow(ticking, intervalMs);
  return ticking ? Math.max(0, now - receivedAt) : 0;
}

/** A ticking duration: base + time since the snapshot while ticking. */
export function LiveDuration({
  baseMs,
  receivedAt,
  ticking,
  format,
  className,
  testId,
}: {
  baseMs: number;
  receivedAt: number;
  ticking: boolean;
  format: (ms: number) => string;
  className?: string;
  testId?: string;
}) {
  const since = useSince(receivedAt, ticking, 250);
  return (
    <span className={className} data-testid={testId}>
      {format(baseMs + since)}
    </span>
  );
}
