import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles/tokens.css';
import './styles/base.css';
import './styles/app.css';
import { App } from './app/App';
import { initTheme } from './app/theme';
import { initStore } from './app/store';

initTheme();

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');

// Served by `drillbook server` (main/team/server.ts puts this meta tag in): the team pages, loaded as their own
// chunk, and no local store (it would open the local app's WebSocket). The local app's page has no such tag.
if (document.querySelector('meta[name="drillbook-mode"]')?.getAttribute('content') === 'team') {
  void import('./team/TeamApp').then(({ TeamApp }) =>
    createRoot(root).render(
      <StrictMode>
        <TeamApp />
      </StrictMode>,
    ),
  );
} else {
  initStore();
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
