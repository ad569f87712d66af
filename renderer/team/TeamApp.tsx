/**
 * The React app in team mode (served by `drillbook server`): sign in, who
 * am I, sign out, and the team's pages. Nothing here talks to a local
 * Drillbook: every figure comes from the team server's JSON API through
 * one typed client (client.ts), with the answer types the server itself
 * is checked against (main/team/model.ts).
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { createTeamClient, TeamError, type TeamApi } from './client';
import { clearSession, loadSession, saveSession, type Saved } from './session';
import { go, useRoute } from './hooks';
import { emptyFilter, filterQuery, parseRoute, tabOf, type TeamRoute } from './route';
import { can } from './view';
import type { TeamLoginAnswer, TeamMe } from '../../main/team/model';
import { cycleTheme, useTheme } from '../app/theme';
import { Button } from '../ui/Button';
import { BookIcon, HistoryIcon, MonitorIcon, MoonIcon, SunIcon, DrillIcon, InfoIcon, ClockIcon } from '../ui/Icons';
import { HistoryPage } from './pages/HistoryPage';
import { RunbooksPage } from './pages/RunbooksPage';
import { DrillPage } from './pages/DrillPage';
import { AuditPage } from './pages/AuditPage';
import { PoliciesPage } from './pages/PoliciesPage';
import { TeamLiveList } from './live/TeamLiveList';
// The team pages are built from the history pages' classes (hist-page, hist-card, hist-tiles); that stylesheet is
// otherwise loaded only with the local app's History chunk, so the team app takes it itself.
import '../history/history.css';
import './team.css';

// The runbook page (its chart: uPlot) and the live drill (the runbook's markdown: markdown-it) are chunks of their
// own: ~210 KB of script every other page ran before asking /api/me (~50-120 ms of a load on a loaded machine,
// README "Team bench"). They are fetched once the first page is up, so opening one later waits for nothing. Not
// React.lazy: a lazy component suspends at its first render even when its chunk is already here, and React holds a
// Suspense fallback for 300 ms at least, which the runbook page then paid on every first open.
type RunbookChunk = typeof import('./pages/RunbookPage');
type LiveChunk = typeof import('./live/TeamLiveDrill');
const chunks: { runbook: RunbookChunk | null; live: LiveChunk | null } = { runbook: null, live: null };
const loadRunbookPage = () => import('./pages/RunbookPage').then((m) => (chunks.runbook = m));
const loadLiveDrill = () => import('./live/TeamLiveDrill').then((m) => (chunks.live = m));
// Opened on one of them (a pasted link, a reload): its chunk is asked for now, alongside /api/me, not after it.
const opening = parseRoute(window.location.hash).name;
if (opening === 'runbook') void loadRunbookPage().catch(() => undefined);
if (opening === 'liveDrill') void loadLiveDrill().catch(() => undefined);

/** The chunk `get` returns once `load` has brought it (re-rendering then), or a sentence if it could not be loaded. */
function useChunk<T>(get: () => T | null, load: () => Promise<unknown>): T | string | null {
  const m = get();
  const [failed, setFailed] = useState<string | null>(null);
  const [, setLoaded] = useState(0);
  useEffect(() => {
    if (m) return;
    let live = true;
    load().then(
      () => live && setLoaded((n) => n + 1),
      () => live && setFailed('This page could not be loaded from the server; reload the tab.'),
    );
    return () => {
      live = false;
    };
  }, [m, load]);
  return m ?? failed;
}

function Later<T>({ chunk, children }: { chunk: T | string | null; children: (m: T) => ReactNode }) {
  if (chunk === null) return <div className="team-center muted">Loading…</div>;
  if (typeof chunk === 'string') return <p className="team-error hist-page">{chunk}</p>;
  return <>{children(chunk)}</>;
}

function RunbookPage(props: { api: TeamApi; path: string; mode: string }) {
  const chunk = useChunk(() => chunks.runbook, loadRunbookPage);
  return <Later chunk={chunk}>{(m) => <m.RunbookPage {...props} />}</Later>;
}

function TeamLiveDrill(props: { drillId: string; api: TeamApi }) {
  const chunk = useChunk(() => chunks.live, loadLiveDrill);
  return <Later chunk={chunk}>{(m) => <m.TeamLiveDrill {...props} />}</Later>;
}

interface Session extends Saved {
  me: TeamMe;
}

function Logo() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" className="logo-mark">
      <rect x="1" y="1" width="22" height="22" rx="6" fill="var(--accent)" />
      <circle cx="12" cy="13" r="6" fill="none" stroke="var(--on-accent)" strokeWidth="2" />
      <path d="M12 13V9.5M10 4.5h4" stroke="var(--on-accent)" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

function ThemeButton() {
  const { pref } = useTheme();
  return (
    <button type="button" className="icon-btn" onClick={cycleTheme} data-testid="theme-toggle" title={`Theme: ${pref} (click to change)`} aria-label={`Theme: ${pref}`}>
      {pref === 'light' ? <SunIcon /> : pref === 'dark' ? <MoonIcon /> : <MonitorIcon />}
    </button>
  );
}

/** A reloaded tab that knows who its token belongs to starts signed in; one that does not waits for /api/me. */
function restoredSession(): Session | null {
  const saved = loadSession();
  return saved?.me ? { ...saved, me: saved.me } : null;
}

export function TeamApp() {
  const [session, setSession] = useState<Session | null>(restoredSession);
  const [restoring, setRestoring] = useState(() => session === null && loadSession() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  const signedOut = useCallback((message: string | null) => {
    clearSession();
    setSession(null);
    setNotice(message);
  }, []);

  // A saved token (a reload of this tab): ask who it belongs to, alongside the page's own requests when the tab
  // already knew (restoredSession); a refused token signs out with a sentence, a changed role is redrawn.
  useEffect(() => {
    const saved = loadSession();
    if (!saved) return;
    let live = true;
    const { me: known, ...token } = saved;
    createTeamClient({ token: saved.token })
      .getJson<TeamMe>('/api/me')
      .then(
        (me) => {
          if (!live) return;
          saveSession({ ...token, me });
          if (!known || known.name !== me.name || known.role !== me.role || known.tokenId !== me.tokenId) setSession({ ...token, me });
        },
        (err: Error) => {
          if (!live) return;
          if (err instanceof TeamError && err.status === 401) signedOut('Your session ended; sign in again.');
          // Unreachable for a moment: a tab that knew who it was keeps its page (its own requests say what failed).
          else if (!known) signedOut(err.message);
        },
      )
      .finally(() => live && setRestoring(false));
    return () => {
      live = false;
    };
  }, [signedOut]);

  const api = useMemo(
    () => (session ? createTeamClient({ token: session.token, onUnauthorized: () => signedOut('Your session ended (the token was revoked or is unknown); sign in again.') }) : null),
    [session, signedOut],
  );

  const signOut = useCallback(async () => {
    if (session && api && session.origin === 'login' && session.tokenId !== null) {
      // The password form's token is this tab's alone: revoke it, so a copy of it is worth nothing.
      await api.deleteJson(`/api/tokens/${session.tokenId}`).catch(() => undefined);
    }
    signedOut(null);
  }, [api, session, signedOut]);

  if (restoring) return <div className="team-center muted">Signing in…</div>;
  if (!session || !api)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          saveSession(s);
          setNotice(null);
          setSession(s);
        }}
      />
    );
  return <Shell api={api} me={session.me} onSignOut={() => void signOut()} />;
}

function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (s: Session) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const pasted = token.trim();
    if (!pasted && (!name.trim() || !password)) {
      setError('Enter your user name and password, or paste an API token.');
      return;
    }
    setBusy(true);
    try {
      let saved: Saved;
      if (pasted) saved = { token: pasted, origin: 'pasted', tokenId: null };
      else {
        const a = await createTeamClient({ token: null }).postJson<TeamLoginAnswer>('/api/login', { name: name.trim(), password });
        saved = { token: a.token, origin: 'login', tokenId: a.tokenId };
      }
      const me = await createTeamClient({ token: saved.token }).getJson<TeamMe>('/api/me');
      onSignedIn({ ...saved, me });
    } catch (err) {
      setError(err instanceof TeamError && err.status === 401 && pasted ? 'That API token is unknown or revoked.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="team-signin-wrap">
      <form className="team-signin" onSubmit={(e) => void submit(e)} data-testid="team-signin" noValidate>
        <div className="brand">
          <Logo />
          <span className="brand-name">Drillbook</span>
          <span className="muted">team server</span>
        </div>
        <h1>Sign in</h1>
        {notice ? <p className="team-notice" role="status">{notice}</p> : null}
        <label className="field-label" htmlFor="team-name">User name</label>
        <input id="team-name" className="input" autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        <label className="field-label" htmlFor="team-password">Password</label>
        <input id="team-password" className="input" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <div className="team-or"><span>or</span></div>
        <label className="field-label" htmlFor="team-token">API token</label>
        <input id="team-token" className="input" type="password" autoComplete="off" placeholder="dbt_…" value={token} onChange={(e) => setToken(e.target.value)} />
        <p className="field-hint">A token from <code>drillbook server --create-admin</code> or an admin. It stays in this tab only.</p>
        {error ? <p className="field-error team-error" role="alert">{error}</p> : null}
        <Button variant="primary" type="submit" busy={busy} data-testid="team-signin-submit">
          Sign in
        </Button>
      </form>
    </div>
  );
}

function Shell({ api, me, onSignOut }: { api: TeamApi; me: TeamMe; onSignOut: () => void }) {
  const route = useRoute();
  useEffect(() => {
    const t = setTimeout(() => void Promise.all([loadRunbookPage(), loadLiveDrill()]).catch(() => undefined), 1000);
    return () => clearTimeout(t);
  }, []);
  const tab = tabOf(route);
  const tabs: { id: ReturnType<typeof tabOf>; label: string; icon: ReactNode; to: TeamRoute; show: boolean }[] = [
    { id: 'history', label: 'History', icon: <HistoryIcon />, to: { name: 'history', filter: emptyFilter() }, show: true },
    { id: 'runbooks', label: 'Runbooks', icon: <BookIcon />, to: { name: 'runbooks' }, show: true },
    { id: 'live', label: 'Live drills', icon: <DrillIcon />, to: { name: 'live' }, show: true },
    { id: 'policies', label: 'Policies', icon: <ClockIcon />, to: { name: 'policies' }, show: true },
    { id: 'audit', label: 'Audit log', icon: <InfoIcon />, to: { name: 'audit' }, show: can(me.role, 'audit.list') },
  ];
  return (
    <div className="app team-app" data-role={me.role}>
      <header className="topbar">
        <div className="brand">
          <Logo />
          <span className="brand-name">Drillbook</span>
          <span className="team-badge">team</span>
        </div>
        <nav className="nav" aria-label="Team">
          {tabs
            .filter((t) => t.show)
            .map((t) => (
              <a
                key={t.id}
                href={`#/${t.id}`}
                className={`nav-tab ${tab === t.id ? 'is-active' : ''}`}
                aria-current={tab === t.id ? 'page' : undefined}
                data-testid={`team-nav-${t.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  go(t.to);
                }}
              >
                {t.icon}
                <span>{t.label}</span>
              </a>
            ))}
        </nav>
        <div className="topbar-right">
          <span className="team-who" data-testid="team-who">
            {me.name} <span className="team-role">{me.role}</span>
          </span>
          <ThemeButton />
          <Button variant="ghost" size="sm" onClick={onSignOut} data-testid="team-signout">
            Sign out
          </Button>
        </div>
      </header>
      <main className="app-main team-main">
        <Page route={route} api={api} me={me} />
      </main>
    </div>
  );
}

function Page({ route, api, me }: { route: TeamRoute; api: TeamApi; me: TeamMe }) {
  switch (route.name) {
    case 'history':
      return <HistoryPage key={filterQuery(route.filter)} api={api} filter={route.filter} />;
    case 'runbooks':
      return <RunbooksPage api={api} />;
    case 'runbook':
      return <RunbookPage api={api} path={route.path} mode={route.mode} />;
    case 'drill':
      return <DrillPage api={api} id={route.id} me={me} />;
    case 'live':
      return <TeamLiveList api={api} />;
    case 'liveDrill':
      return (
        <div className="team-live-page">
          <TeamLiveDrill key={route.id} drillId={route.id} api={api} />
        </div>
      );
    case 'audit':
      return can(me.role, 'audit.list') ? <AuditPage api={api} /> : <p className="team-error hist-page">An {me.role} may not read the audit log.</p>;
    case 'policies':
      return <PoliciesPage api={api} me={me} />;
  }
}
