/**
 * Keeps one drill's observer view current: fetches GET /api/live/:id, then
 * listens on the live stream (GET /api/live/events, one message per stored
 * batch of a drill's events) and fetches again when it names this drill.
 * A dropped stream is tried again after 1 s, 2 s, 4 s … up to 30 s (reset
 * once a stream has lasted 30 s or carried a message), and the drill is
 * fetched after every reconnect for what was missed; a slow poll (30 s)
 * covers a proxy that holds the stream open but buffers it. Fetches never
 * overlap: a change during one is fetched right after it.
 */
import { useEffect, useState } from 'react';
import { LIVE_EVENTS_PATH, livePath, type LiveDrillDelta, type LiveDrillView, type TeamApi } from './api';
import { applyDelta, backoffMs, changedId, isNewer, receivedAtOf } from './model';

export type LiveConn = { state: 'connecting' } | { state: 'live' } | { state: 'retrying'; /** performance.now() of the next attempt. */ at: number } | { state: 'refused'; message: string };

export interface LiveDrillState {
  view: LiveDrillView | null;
  /** performance.now() the drill's snapshot counts from (its last event). */
  receivedAt: number;
  /** The last fetch's failure, in the server's words (null when the last fetch worked). */
  error: string | null;
  /** A 404: there is no such drill on the server. */
  missing: boolean;
  conn: LiveConn;
  /** How many times the live stream was lost and tried again. */
  retries: number;
}

const POLL_MS = 30_000;

const messageOf = (err: unknown) => (err instanceof Error && err.message ? err.message : 'the team server could not be reached');
const statusOf = (err: unknown) => (err as { status?: unknown })?.status;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

export function useLiveDrill(api: TeamApi, drillId: string): LiveDrillState {
  const [st, setSt] = useState<LiveDrillState>({ view: null, receivedAt: 0, error: null, missing: false, conn: { state: 'connecting' }, retries: 0 });

  useEffect(() => {
    const ac = new AbortController();
    const signal = ac.signal;
    let current: LiveDrillView | null = null;
    let inflight = false;
    let again = false;
    setSt({ view: null, receivedAt: 0, error: null, missing: false, conn: { state: 'connecting' }, retries: 0 });

    const load = async (): Promise<void> => {
      if (inflight) {
        again = true;
        return;
      }
      inflight = true;
      try {
        do {
          again = false;
          try {
            // Holding a snapshot, ask for what changed since it; a delta that does not fit is fetched whole.
            const answer = await api.getJson<LiveDrillView | LiveDrillDelta>(livePath(drillId, current?.drill.chainHead));
            if (signal.aborted) return;
            const arrived = performance.now();
            let v: LiveDrillView | null = null;
            if ('delta' in answer) {
              const drill = current ? applyDelta(current.drill, answer.delta) : null;
              if (drill && current) v = { ...current, drill, lastEventAt: answer.lastEventAt, serverTime: answer.serverTime };
              else {
                current = null;
                again = true;
                continue;
              }
            } else v = answer;
            if (isNewer(v.drill, current?.drill)) {
              current = v;
              const view = v;
              setSt((s) => ({ ...s, view, receivedAt: receivedAtOf(view, arrived), error: null, missing: false }));
            } else setSt((s) => (s.error ? { ...s, error: null } : s));
          } catch (err) {
            if (signal.aborted) return;
            setSt((s) => ({ ...s, error: messageOf(err), missing: statusOf(err) === 404 }));
          }
        } while (again && !signal.aborted);
      } finally {
        inflight = false;
      }
    };

    const listen = async (): Promise<void> => {
      let attempt = 0;
      while (!signal.aborted) {
        const opened = performance.now();
        setSt((s) => ({ ...s, conn: { state: 'live' } }));
        try {
          await api.stream(
            LIVE_EVENTS_PATH,
            (data) => {
              attempt = 0;
              if (changedId(data) === drillId) void load();
            },
            signal,
          );
        } catch (err) {
          if (signal.aborted) return;
          const status = statusOf(err);
          if (status === 401 || status === 403) {
            setSt((s) => ({ ...s, conn: { state: 'refused', message: messageOf(err) } }));
            return;
          }
        }
        if (signal.aborted) return;
        if (performance.now() - opened > 30_000) attempt = 0;
        const wait = backoffMs(attempt++);
        setSt((s) => ({ ...s, conn: { state: 'retrying', at: performance.now() + wait }, retries: s.retries + 1 }));
        await sleep(wait, signal);
        if (!signal.aborted) void load();
      }
    };

    void load();
    void listen();
    const poll = window.setInterval(() => {
      if (!current || current.drill.status === 'running') void load();
    }, POLL_MS);
    return () => {
      ac.abort();
      window.clearInterval(poll);
    };
  }, [api, drillId]);

  return st;
}
