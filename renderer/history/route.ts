/**
 * Pages inside the History tab, mirrored in the address (#/history/...) so
 * a reload lands on the same page. The app's own router knows only
 * "history"; the rest of the hash is ours.
 */
import { create } from 'zustand';

export type HistoryPage =
  | { page: 'list' }
  | { page: 'runbook'; path: string }
  | { page: 'drill'; id: string }
  | { page: 'compare'; a: string; b: string };

export function parseHistoryHash(hash: string): HistoryPage {
  const m = /^#\/history\/(runbook|drill|compare)\/(.+)$/.exec(hash);
  if (!m) return { page: 'list' };
  const parts = m[2]!.split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (m[1] === 'runbook') return { page: 'runbook', path: parts.join('/') };
  if (m[1] === 'drill' && parts[0]) return { page: 'drill', id: parts[0] };
  if (m[1] === 'compare' && parts[0] && parts[1]) return { page: 'compare', a: parts[0], b: parts[1] };
  return { page: 'list' };
}

export function historyHash(p: HistoryPage): string {
  switch (p.page) {
    case 'list':
      return '#/history';
    case 'runbook':
      return `#/history/runbook/${encodeURIComponent(p.path)}`;
    case 'drill':
      return `#/history/drill/${encodeURIComponent(p.id)}`;
    case 'compare':
      return `#/history/compare/${encodeURIComponent(p.a)}/${encodeURIComponent(p.b)}`;
  }
}

export const useHistoryPage = create<{ page: HistoryPage }>()(() => ({ page: parseHistoryHash(location.hash) }));

export function openHistoryPage(page: HistoryPage): void {
  useHistoryPage.setState({ page });
  const hash = historyHash(page);
  // Entries in the browser history, so Back returns from a runbook page to the list.
  if (location.hash !== hash) history.pushState(null, '', hash);
}

let listening = false;
/** Follows Back/Forward and hand-typed addresses within the History tab. */
export function followHistoryHash(): void {
  if (listening) return;
  listening = true;
  const sync = () => {
    if (!location.hash.startsWith('#/history')) return;
    const page = parseHistoryHash(location.hash);
    if (JSON.stringify(page) !== JSON.stringify(useHistoryPage.getState().page)) useHistoryPage.setState({ page });
  };
  window.addEventListener('hashchange', sync);
  window.addEventListener('popstate', sync);
}

export const openRunbookPage = (path: string) => openHistoryPage({ page: 'runbook', path });
export const openWaterfall = (id: string) => openHistoryPage({ page: 'drill', id });
export const openCompare = (a: string, b: string) => openHistoryPage({ page: 'compare', a, b });
export const backToList = () => openHistoryPage({ page: 'list' });
