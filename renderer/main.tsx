import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles/tokens.css';
import './styles/base.css';
import './styles/app.css';
import { initTheme } from './app/theme';

initTheme();

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');

// Served by `drillbook server` (main/team/server.ts puts this meta tag in): the team pages, loaded as their own
// chunk, and no local store (it would open the local app's WebSocket). The local app's page has no such tag.
// The local app is its own chunk too, so the team pages never download or run it: with it in this entry the
// team page ran ~1 MB of script before asking for its own chunk (~400 ms of a 1,300 ms load, README "Team bench").
if (document.querySelector('meta[name="drillbook-mode"]')?.getAttribute('content') === 'team') {
  void import('./team/TeamApp').then(({ TeamApp }) =>
    createRoot(root).render(
      <StrictMode>
        <TeamApp />
      </StrictMode>,
    ),
  );
} else {
  void Promise.all([import('./app/App'), import('./app/store')]).then(([{ App }, { initStore }]) => {
    initStore();
    createRoot(root).render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  });
}
