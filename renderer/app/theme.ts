/**
 * Theme: follows the OS (prefers-color-scheme) unless the user picked one;
 * the choice is kept in localStorage. The effective theme is set as
 * data-theme on <html>, which the CSS tokens key off.
 */
import { useSyncExternalStore } from 'react';

export type ThemePref = 'system' | 'light' | 'dark';
const KEY = 'drillbook.theme';
const listeners = new Set<() => void>();

function readPref(): ThemePref {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

let pref: ThemePref = 'system';
const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: light)') : null;

function apply(): void {
  const effective = pref === 'system' ? (media?.matches ? 'light' : 'dark') : pref;
  document.documentElement.dataset.theme = effective;
  document.documentElement.style.colorScheme = effective;
  for (const l of listeners) l();
}

export function initTheme(): void {
  pref = readPref();
  media?.addEventListener('change', () => pref === 'system' && apply());
  apply();
}

export function setThemePref(p: ThemePref): void {
  pref = p;
  try {
    if (p === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, p);
  } catch {
    /* private mode: the choice lasts this session */
  }
  apply();
}

export function cycleTheme(): void {
  setThemePref(pref === 'system' ? 'light' : pref === 'light' ? 'dark' : 'system');
}

export function useTheme(): { pref: ThemePref; effective: 'light' | 'dark' } {
  const snap = useSyncExternalStore(
    (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    () => `${pref}:${document.documentElement.dataset.theme === 'light' ? 'light' : 'dark'}`,
  );
  const [p, effective] = snap.split(':') as [ThemePref, 'light' | 'dark'];
  return { pref: p, effective };
}
