/**
 * Who may do what on the team server: one table of every API method with
 * the roles allowed to call it. The HTTP router dispatches from this table
 * and the role-matrix test walks it, so a method cannot be added without a
 * decision about who may call it.
 *
 * - admin: everything, including accounts.
 * - operator: publishes their own drills, reads the team's history.
 * - reviewer: signs off other people's drills, reads.
 * - auditor: read-only, including the audit log, every drill's events and
 *   its evidence bundle (downloaded with the server's verification).
 *
 * Nobody replaces a stored evidence bundle, an admin included: the first
 * verified upload of a drill's bundle is the one kept (team_bundles is
 * append-only like the events).
 *
 * Every role may watch a live drill (live.*): read-only, from its recorded
 * events; terminal output is never published, so it is never shown.
 */
export const ROLES = ['admin', 'operator', 'reviewer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface ApiMethod {
  name: string;
  method: HttpMethod;
  /** Path with `:param` segments. */
  path: string;
  /** Roles allowed; 'public' methods need no token (login only). */
  roles: readonly Role[] | 'public';
}

const ALL: readonly Role[] = ROLES;

export const API_METHODS = [
  { name: 'login', method: 'POST', path: '/api/login', roles: 'public' },
  { name: 'me', method: 'GET', path: '/api/me', roles: ALL },
  { name: 'password.set', method: 'POST', path: '/api/me/password', roles: ALL },
  { name: 'tokens.create', method: 'POST', path: '/api/tokens', roles: ALL },
  { name: 'tokens.revoke', method: 'DELETE', path: '/api/tokens/:id', roles: ALL },
  { name: 'users.list', method: 'GET', path: '/api/users', roles: ['admin'] },
  { name: 'users.create', method: 'POST', path: '/api/users', roles: ['admin'] },
  { name: 'drills.publish', method: 'POST', path: '/api/drills', roles: ['admin', 'operator'] },
  { name: 'drills.list', method: 'GET', path: '/api/drills', roles: ALL },
  { name: 'drills.get', method: 'GET', path: '/api/drills/:id', roles: ALL },
  { name: 'drills.bundle.upload', method: 'POST', path: '/api/drills/:id/bundle', roles: ['admin', 'operator'] },
  { name: 'drills.bundle.get', method: 'GET', path: '/api/drills/:id/bundle', roles: ALL },
  // Bundles larger than one request, in resumable chunks (staging.ts).
  { name: 'drills.bundle.chunk', method: 'POST', path: '/api/drills/:id/bundle/chunks', roles: ['admin', 'operator'] },
  { name: 'drills.bundle.chunks', method: 'GET', path: '/api/drills/:id/bundle/chunks', roles: ['admin', 'operator'] },
  { name: 'drills.signoff', method: 'POST', path: '/api/drills/:id/signoff', roles: ['admin', 'reviewer'] },
  { name: 'live.list', method: 'GET', path: '/api/live', roles: ALL },
  { name: 'live.events', method: 'GET', path: '/api/live/events', roles: ALL },
  { name: 'live.get', method: 'GET', path: '/api/live/:id', roles: ALL },
  { name: 'runbooks.list', method: 'GET', path: '/api/runbooks', roles: ALL },
  { name: 'runbooks.stats', method: 'GET', path: '/api/runbooks/stats', roles: ALL },
  { name: 'freshness', method: 'GET', path: '/api/freshness', roles: ALL },
  { name: 'policies.list', method: 'GET', path: '/api/policies', roles: ALL },
  { name: 'policies.set', method: 'POST', path: '/api/policies', roles: ['admin'] },
  { name: 'audit.list', method: 'GET', path: '/api/audit', roles: ['admin', 'auditor'] },
] as const satisfies readonly ApiMethod[];

export type ApiMethodName = (typeof API_METHODS)[number]['name'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function allowed(m: ApiMethod, role: Role | null): boolean {
  if (m.roles === 'public') return true;
  return role !== null && m.roles.includes(role);
}

/** The method a request names, and its path parameters; null when none matches. */
export function route(method: string, pathname: string): { api: ApiMethod; params: Record<string, string> } | null {
  const parts = pathname.split('/').filter(Boolean);
  for (const api of API_METHODS as readonly ApiMethod[]) {
    if (api.method !== method) continue;
    const pattern = api.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i]!;
      if (p.startsWith(':')) {
        try {
          params[p.slice(1)] = decodeURIComponent(parts[i]!);
        } catch {
          ok = false; // malformed %-escape: no method matches
        }
      }
      else if (p !== parts[i]) ok = false;
    }
    if (ok) return { api, params };
  }
  return null;
}
