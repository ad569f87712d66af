/**
 * The signed-in tab: the token in sessionStorage (gone when the tab closes),
 * and how it was got. A token from the password form is this tab's own and
 * is revoked on sign-out; a pasted API token is the user's (their CLI may
 * use it) and is only forgotten.
 */
import { TOKEN_KEY } from './client';

const ORIGIN_KEY = 'drillbook-team-token-origin';

export interface Saved {
  token: string;
  origin: 'login' | 'pasted';
  tokenId: number | null;
}

export function loadSession(): Saved | null {
  try {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return null;
    const raw = sessionStorage.getItem(ORIGIN_KEY) ?? '';
    const [origin, id] = raw.split(':');
    return { token, origin: origin === 'login' ? 'login' : 'pasted', tokenId: id && /^\d+$/.test(id) ? Number(id) : null };
  } catch {
    return null;
  }
}

export function saveSession(s: Saved): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, s.token);
    sessionStorage.setItem(ORIGIN_KEY, `${s.origin}:${s.tokenId ?? ''}`);
  } catch {
    /* storage refused (private mode quota): the tab works until reload */
  }
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ORIGIN_KEY);
  } catch {
    /* nothing kept */
  }
}
