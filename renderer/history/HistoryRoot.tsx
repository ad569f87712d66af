/**
 * The History tab: the list (HistoryScreen), a runbook's page, one drill's
 * waterfall, or two drills compared, by the address after #/history.
 */
import { useEffect, useLayoutEffect } from 'react';
import { useNav } from '../app/nav';
import { useHistoryList } from './store';
import { HistoryScreen } from './HistoryScreen';
import { RunbookPage } from './RunbookPage';
import { WaterfallPage } from './WaterfallPage';
import { ComparePage } from './ComparePage';
import { followHistoryHash, parseHistoryHash, useHistoryPage } from './route';
import { markPainted } from './perf';
import './history.css';

export function HistoryRoot() {
  const page = useHistoryPage((s) => s.page);
  const view = useNav((s) => s.view);
  const history = useHistoryList((s) => s.history);
  const loaded = useHistoryList((s) => s.historyLoaded);
  const loading = useHistoryList((s) => s.historyLoading);

  useEffect(() => followHistoryHash(), []);
  // The app's own navigation (the History tab) rewrites the address to #/history: follow it back to the list.
  useEffect(() => {
    const p = parseHistoryHash(location.hash);
    if (JSON.stringify(p) !== JSON.stringify(useHistoryPage.getState().page)) useHistoryPage.setState({ page: p });
  }, [view]);
  // Scheduled before this commit paints, so the mark lands just after the list appears (render timing for the bench).
  useLayoutEffect(() => {
    if (page.page === 'list' && loaded && !loading) markPainted('list');
  }, [page, history, loaded, loading]);

  switch (page.page) {
    case 'runbook':
      return <RunbookPage key={page.path} path={page.path} />;
    case 'drill':
      return <WaterfallPage key={page.id} id={page.id} />;
    case 'compare':
      return <ComparePage key={`${page.a}/${page.b}`} a={page.a} b={page.b} />;
    default:
      return <HistoryScreen />;
  }
}
