/**
 * Which view is on screen, mirrored in location.hash so a reload lands in
 * the same place. Only the view: what a view needs loaded when it opens is
 * wired in app/store.ts, which follows this store.
 */
import { create } from 'zustand';

export type View = { name: 'library' } | { name: 'drill'; id: string } | { name: 'history' } | { name: 'team' };

export interface NavState {
  view: View;
  /** The drill last shown, for the Drill tab. */
  lastDrillId: string | null;
}

export const useNav = create<NavState>()(() => ({ view: { name: 'library' }, lastDrillId: null }));

export function navigate(view: View): void {
  useNav.setState(view.name === 'drill' ? { view, lastDrillId: view.id } : { view });
  const hash = view.name === 'drill' ? `#/drill/${encodeURIComponent(view.id)}` : `#/${view.name}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

export function openDrill(id: string): void {
  navigate({ name: 'drill', id });
}

export function viewFromHash(): View {
  const m = /^#\/(library|history|drill|team)(?:\/(.+))?$/.exec(location.hash);
  if (m?.[1] === 'drill' && m[2]) return { name: 'drill', id: decodeURIComponent(m[2]) };
  if (m?.[1] === 'history') return { name: 'history' };
  if (m?.[1] === 'team') return { name: 'team' };
  return { name: 'library' };
}
