import type { ReactNode } from 'react';
import { useConn } from './calls';
import { navigate, useNav } from './nav';
import { useDrills } from '../drill/store';
import { cycleTheme, useTheme } from './theme';
import { BookIcon, DrillIcon, HistoryIcon, MonitorIcon, MoonIcon, SunIcon, TeamIcon } from '../ui/Icons';

function Logo() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" className="logo-mark">
      <rect x="1" y="1" width="22" height="22" rx="6" fill="var(--accent)" />
      <circle cx="12" cy="13" r="6" fill="none" stroke="var(--on-accent)" strokeWidth="2" />
      <path d="M12 13V9.5M10 4.5h4" stroke="var(--on-accent)" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

export function TopBar() {
  const view = useNav((s) => s.view);
  const shownDrill = useNav((s) => (s.view.name === 'drill' ? s.view.id : s.lastDrillId));
  const firstActive = useDrills((s) => s.active[0] ?? null);
  const lastDrill = shownDrill ?? firstActive;
  const conn = useConn((s) => s.conn.state);
  const host = useConn((s) => s.appInfo?.host);
  const version = useConn((s) => s.appInfo?.version);
  const { pref } = useTheme();

  const tab = (name: 'library' | 'drill' | 'history' | 'team', label: string, icon: ReactNode, disabled = false) => (
    <button
      type="button"
      className={`nav-tab ${view.name === name ? 'is-active' : ''}`}
      data-testid={`nav-${name}`}
      aria-current={view.name === name ? 'page' : undefined}
      disabled={disabled}
      onClick={() => {
        if (name === 'drill') {
          if (lastDrill) navigate({ name: 'drill', id: lastDrill });
        } else navigate({ name });
      }}
    >
      {icon}
      <span>{label}</span>
    </button>
  );

  return (
    <header className="topbar">
      <div className="brand">
        <Logo />
        <span className="brand-name">Drillbook</span>
      </div>
      <nav className="nav" aria-label="Main">
        {tab('library', 'Runbooks', <BookIcon />)}
        {tab('drill', 'Drill', <DrillIcon />, !lastDrill)}
        {tab('history', 'History', <HistoryIcon />)}
        {tab('team', 'Team', <TeamIcon />)}
      </nav>
      <div className="topbar-right">
        <span className={`conn-dot conn-${conn}`} title={conn === 'open' ? 'Connected' : 'Not connected'} data-testid="conn-state" data-state={conn}>
          <span className="dot" />
          {conn === 'open' ? (host === 'web' ? 'Connected' : 'Local') : conn === 'connecting' ? 'Connecting…' : 'Offline'}
        </span>
        {version ? <span className="version">v{version}</span> : null}
        <button
          type="button"
          className="icon-btn"
          onClick={cycleTheme}
          data-testid="theme-toggle"
          data-pref={pref}
          title={`Theme: ${pref} (click to change)`}
          aria-label={`Theme: ${pref}`}
        >
          {pref === 'light' ? <SunIcon /> : pref === 'dark' ? <MoonIcon /> : <MonitorIcon />}
        </button>
      </div>
    </header>
  );
}
