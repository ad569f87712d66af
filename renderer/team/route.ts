/**
 * The team pages' address: everything after '#', so a link to a drill or a
 * filtered history can be pasted to a colleague and the server never sees
 * it (one index.html, no routes on the server). Pure: parse and format.
 */

export type TeamRoute =
  | { name: 'history'; filter: HistoryFilter }
  | { name: 'runbooks' }
  | { name: 'runbook'; path: string; mode: string }
  | { name: 'drill'; id: string }
  | { name: 'live' }
  | { name: 'liveDrill'; id: string }
  | { name: 'audit' }
  | { name: 'policies' };

/** The history filters as the address and GET /api/drills carry them (all text; empty = any). */
export interface HistoryFilter {
  runbook: string;
  tag: string;
  operator: string;
  mode: string;
  result: string;
  since: string;
  until: string;
}

export const FILTER_KEYS = ['runbook', 'tag', 'operator', 'mode', 'result', 'since', 'until'] as const satisfies readonly (keyof HistoryFilter)[];

export const emptyFilter = (): HistoryFilter => ({ runbook: '', tag: '', operator: '', mode: '', result: '', since: '', until: '' });

export function filterFromQuery(q: URLSearchParams): HistoryFilter {
  const f = emptyFilter();
  for (const k of FILTER_KEYS) f[k] = (q.get(k) ?? '').slice(0, 500);
  return f;
}

/** The filter as a query string without empty keys ('' when there is none). */
export function filterQuery(f: HistoryFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k].trim()) q.set(k, f[k].trim());
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** '#/drill/abc' → { name: 'drill', id: 'abc' }; anything unknown is the history. */
export function parseRoute(hash: string): TeamRoute {
  const raw = hash.replace(/^#/, '');
  const qAt = raw.indexOf('?');
  const pathPart = qAt < 0 ? raw : raw.slice(0, qAt);
  const q = new URLSearchParams(qAt < 0 ? '' : raw.slice(qAt + 1));
  const parts = pathPart.split('/').filter(Boolean);
  const [head, arg] = parts;
  const id = arg !== undefined ? decode(arg) : null;
  switch (head) {
    case 'runbooks':
      return { name: 'runbooks' };
    case 'runbook': {
      const path = q.get('path');
      return path ? { name: 'runbook', path, mode: q.get('mode') ?? '' } : { name: 'runbooks' };
    }
    case 'drill':
      return id ? { name: 'drill', id } : { name: 'history', filter: emptyFilter() };
    case 'live':
      return id ? { name: 'liveDrill', id } : { name: 'live' };
    case 'audit':
      return { name: 'audit' };
    case 'policies':
      return { name: 'policies' };
    default:
      return { name: 'history', filter: filterFromQuery(q) };
  }
}

export function routeHash(r: TeamRoute): string {
  switch (r.name) {
    case 'history': {
      const q = filterQuery(r.filter);
      return q ? `#/history?${q}` : '#/history';
    }
    case 'runbooks':
      return '#/runbooks';
    case 'runbook': {
      const q = new URLSearchParams({ path: r.path });
      if (r.mode) q.set('mode', r.mode);
      return `#/runbook?${q}`;
    }
    case 'drill':
      return `#/drill/${encodeURIComponent(r.id)}`;
    case 'live':
      return '#/live';
    case 'liveDrill':
      return `#/live/${encodeURIComponent(r.id)}`;
    case 'audit':
      return '#/audit';
    case 'policies':
      return '#/policies';
  }
}

/** The top bar's tab a route belongs to. */
export function tabOf(r: TeamRoute): 'history' | 'runbooks' | 'live' | 'audit' | 'policies' {
  switch (r.name) {
    case 'history':
    case 'drill':
      return 'history';
    case 'runbooks':
    case 'runbook':
      return 'runbooks';
    case 'live':
    case 'liveDrill':
      return 'live';
    case 'audit':
      return 'audit';
    case 'policies':
      return 'policies';
  }
}
