/**
 * The signed-in tab: the token in sessionStorage (gone when the tab closes),
 * and how it was got. A token from the password form is this tab's own and
 * is revoked on sign-out; a pasted API token is the user's (their CLI may
 * use it) and is only forgotten.
 *
 * Who the token belongs to (name and role, no secret) is kept beside it, so a
 * reloaded tab draws its page and asks for the page's data at once, with
 * /api/me asked at the same time to confirm it, instead of one round trip
 * before the other (~60 ms of every full page load under load, README "Team
 * bench"). The role only chooses which controls are drawn: the server checks
 * every request against the token's real role, and a revoked token's first
 * answer (401) signs the tab out.
 */
import { TOKEN_KEY } from './client';
import type { TeamMe } from '../../main/team/model';
import { meFrom } from './view';

const ORIGIN_KEY = 'drillbook-team-token-origin';
const ME_KEY = 'drillbook-team-me';

export interface Saved {
  token: string;
  origin: 'login' | 'pasted';
  tokenId: number | null;
}

/** A saved session and, when this tab has seen it, who its token belongs to (to be confirmed by /api/me). */
export interface Restored extends Saved {
  me: TeamMe | null;
}

export function loadSession(): Restored | null {
  try {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return null;
    const raw = sessionStorage.getItem(ORIGIN_KEY) ?? '';
    const [origin, id] = raw.split(':');
    return {
      token,
      origin: origin === 'login' ? 'login' : 'pasted',
      tokenId: id && /^\d+$/.test(id) ? Number(id) : null,
      me: meFrom(sessionStorage.getItem(ME_KEY)),
    };
  } catch {
    return null;
  }
}

export function saveSession(s: Saved & { me?: TeamMe }): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, s.token);
    sessionStorage.setItem(ORIGIN_KEY, `${s.origin}:${s.tokenId ?? ''}`);
    if (s.me) sessionStorage.setItem(ME_KEY, JSON.stringify({ name: s.me.name, role: s.me.role, tokenId: s.me.tokenId }));
  } catch {
    /* storage refused (private mode quota): the tab works until reload */
  }
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ORIGIN_KEY);
    sessionStorage.removeItem(ME_KEY);
  } catch {
    /* nothing kept */
  }
}
