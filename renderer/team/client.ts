/**
 * The team server's JSON API as the React app's team mode sees it: one
 * typed fetch client, the bearer token in sessionStorage (gone when the tab
 * closes; never a cookie, so other sites cannot ride on it), and the live
 * stream read with fetch so the Authorization header goes with it
 * (EventSource cannot send one).
 *
 * Every failure becomes a TeamError carrying the server's one-sentence
 * message and status; a 401 also signs the tab out (onSignedOut).
 */

export const TOKEN_KEY = 'drillbook-team-token';

export class TeamError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the team pages (and the live observer view, renderer/team/live/) need of the server. */
export interface TeamApi {
  /** The bearer token in use (null when signed out). */
  readonly token: string | null;
  /** GET a JSON answer; throws TeamError with the server's sentence on any non-2xx. */
  getJson<T>(path: string): Promise<T>;
  /** POST a JSON body, JSON answer back. */
  postJson<T>(path: string, body: unknown): Promise<T>;
  /** DELETE, JSON answer back (revoking this tab's token on sign-out). */
  deleteJson<T>(path: string): Promise<T>;
  /** GET raw bytes (CSV export, evidence bundle). */
  getBlob(path: string): Promise<Blob>;
  /**
   * Server-Sent Events over fetch, with the bearer header: calls onMessage
   * with each event's data field; resolves when the server ends the stream
   * or the signal aborts; rejects with TeamError if the server refuses.
   */
  stream(path: string, onMessage: (data: string) => void, signal: AbortSignal): Promise<void>;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  token: string | null;
  fetch?: Fetch;
  /** Called once when the server answers 401 to a signed-in request (token unknown or revoked). */
  onUnauthorized?: () => void;
}

/** The server's error sentence from a non-2xx answer, or a plain one when the body is not the API's. */
export async function errorOf(res: Response): Promise<TeamError> {
  let message = `the team server answered ${res.status}`;
  try {
    const j = (await res.json()) as { error?: unknown };
    if (j && typeof j.error === 'string' && j.error) message = j.error;
  } catch {
    /* not JSON: keep the plain sentence */
  }
  return new TeamError(res.status, message);
}

/**
 * Splits an SSE byte stream's text into events: returns the data of every
 * complete event (blank-line terminated) in `buf` and what is left over.
 * Comment lines (": ping") carry no data and yield nothing.
 */
export function parseSse(buf: string): { events: string[]; rest: string } {
  const events: string[] = [];
  const text = buf.replace(/\r\n?/g, '\n');
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length > 0) events.push(data.join('\n'));
  }
  return { events, rest };
}

const MAX_SSE_BUFFER = 1024 * 1024;

export function createTeamClient(opts: ClientOptions): TeamApi {
  const doFetch: Fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const token = opts.token;
  const headers = (json: boolean): Record<string, string> => {
    const h: Record<string, string> = {};
    if (token) h.authorization = `Bearer ${token}`;
    if (json) h['content-type'] = 'application/json';
    return h;
  };
  const request = async (path: string, init: RequestInit): Promise<Response> => {
    let res: Response;
    try {
      res = await doFetch(path, init);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new TeamError(0, 'the team server cannot be reached; check the connection and try again');
    }
    if (!res.ok) {
      if (res.status === 401 && token) opts.onUnauthorized?.();
      throw await errorOf(res);
    }
    return res;
  };
  return {
    token,
    async getJson<T>(path: string): Promise<T> {
      const res = await request(path, { headers: headers(false) });
      return (await res.json()) as T;
    },
    async postJson<T>(path: string, body: unknown): Promise<T> {
      const res = await request(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body) });
      return (await res.json()) as T;
    },
    async deleteJson<T>(path: string): Promise<T> {
      const res = await request(path, { method: 'DELETE', headers: headers(false) });
      return (await res.json()) as T;
    },
    async getBlob(path: string): Promise<Blob> {
      const res = await request(path, { headers: headers(false) });
      return res.blob();
    },
    async stream(path: string, onMessage: (data: string) => void, signal: AbortSignal): Promise<void> {
      let res: Response;
      try {
        res = await request(path, { headers: { ...headers(false), accept: 'text/event-stream' }, signal });
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      if (!res.body) return;
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          buf += dec.decode(value, { stream: true });
          const { events, rest } = parseSse(buf);
          // A stream that never sends a blank line is not SSE: drop it rather than grow without bound.
          buf = rest.length > MAX_SSE_BUFFER ? '' : rest;
          for (const e of events) onMessage(e);
        }
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      } finally {
        reader.releaseLock();
      }
    },
  };
}
