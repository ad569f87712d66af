/**
 * Waiting for something, at most so long, without leaving the bound behind.
 * `Promise.race([p, new Promise((r) => setTimeout(r, ms))])` keeps its timer
 * pending after `p` wins, and a pending timer holds a Node process open: the
 * team publisher's 30 s bound kept every `drillbook run` in a joined folder
 * alive until the run's 10 s exit guard ended it.
 */

/** `p`'s value, or `null` once `ms` have passed first; the timer is cleared either way. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<null>((r) => (timer = setTimeout(() => r(null), Math.max(1, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}
