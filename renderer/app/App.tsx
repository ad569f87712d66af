import { navigate, useNav } from './nav';
import { ConnectionBanner } from './ConnectionBanner';
import { ActiveDrillsBanner } from './ActiveDrillsBanner';
import { TopBar } from './TopBar';
import { Toasts } from '../ui/Toasts';
import { LibraryScreen } from '../library/LibraryScreen';
import { DrillScreen } from '../drill/DrillScreen';
import { HistoryRoot } from '../history/HistoryRoot';
import { DbHealthBanner } from '../history/DbHealthBanner';
import { TeamScreen } from '../team-settings/TeamScreen';

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
        {view.name === 'history' ? <HistoryRoot /> : null}
        {view.name === 'team' ? <TeamScreen /> : null}
      </main>
      <Toasts />
    </div>
  );
}
