import { useEffect, useState } from 'react';
import { navigate, useNav } from './nav';
import { ConnectionBanner } from './ConnectionBanner';
import { ActiveDrillsBanner } from './ActiveDrillsBanner';
import { TopBar } from './TopBar';
import { Toasts } from '../ui/Toasts';
import { LibraryScreen } from '../library/LibraryScreen';
import { DrillScreen } from '../drill/DrillScreen';
import { loadedHistoryRoute, loadHistoryRoute } from '../history/lazy';
import { DbHealthBanner } from '../history/DbHealthBanner';
import { TeamScreen } from '../team-settings/TeamScreen';

/** The History tab: its own chunk, loaded at idle after start-up or now (renderer/history/lazy.ts says why). */
function HistoryRoute() {
  const [route, setRoute] = useState(loadedHistoryRoute);
  useEffect(() => {
    if (!route) void loadHistoryRoute().then(setRoute);
  }, [route]);
  return route ? <route.HistoryRoot /> : null;
}

export function App() {
  const view = useNav((s) => s.view);
  return (
    <div className="app">
      <TopBar />
      <ConnectionBanner />
      <DbHealthBanner />
      <ActiveDrillsBanner />
      <main className="app-main">
        {view.name === 'library' ? <LibraryScreen /> : null}
        {view.name === 'drill' ? <DrillScreen key={view.id} drillId={view.id} onBack={() => navigate({ name: 'library' })} /> : null}
        {view.name === 'history' ? <HistoryRoute /> : null}
        {view.name === 'team' ? <TeamScreen /> : null}
      </main>
      <Toasts />
    </div>
  );
}
