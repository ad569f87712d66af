/**
 * Team: join a team server from the app (address + API token), see where
 * this machine stands (reachable, what waits to be published, the last
 * publish and the last problem), publish now, leave. The same core as
 * `drillbook team join|status|publish|leave` (main/team/client/membership.ts).
 *
 * The token field is a password field (not shown, not autocompleted, not
 * spell-checked) that takes a paste with stray spaces or a trailing line
 * break: the core trims it. After joining it is cleared; the token lives
 * only in the core's token store from then on.
 */
import { useEffect, useState } from 'react';
import { useConn } from '../app/calls';
import { plural, utcDateTime } from '../app/format';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { AlertIcon, RefreshIcon, TeamIcon } from '../ui/Icons';
import { joinTeam, leaveTeam, loadTeamStatus, publishTeamNow, useTeam } from './store';
import type { TeamStatus } from '../../main/api/contract';
import './team.css';

export function TeamScreen() {
  const conn = useConn((s) => s.conn.state);
  const status = useTeam((s) => s.status);
  useEffect(() => {
    if (conn !== 'open') return;
    void loadTeamStatus();
    // Queued counts and reachability change on their own (drills finish, the server goes down): look again now and then.
    const timer = window.setInterval(() => void loadTeamStatus(), 30_000);
    return () => window.clearInterval(timer);
  }, [conn]);
  return (
    <div className="team-screen" data-testid="team-screen">
      <div className="team-panel">
        <header className="team-head">
          <TeamIcon size={20} />
          <h1>Team server</h1>
        </header>
        {status === null ? <p className="muted">Loading…</p> : status.joined && status.url ? <Membership status={status} /> : <JoinForm status={status} />}
      </div>
    </div>
  );
}

function JoinForm({ status }: { status: TeamStatus }) {
  const host = useConn((s) => s.appInfo?.host);
  const busy = useTeam((s) => s.busy === 'join');
  const error = useTeam((s) => s.joinError);
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [touched, setTouched] = useState(false);
  const missing = !url.trim() ? 'Give the team server’s address.' : !token.trim() ? 'Paste the API token.' : null;
  const submit = async () => {
    setTouched(true);
    if (missing || busy) return;
    if (await joinTeam(url, token)) setToken('');
  };
  return (
    <form
      className="team-join"
      data-testid="team-join-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <p className="team-lead">
        Optional. Every drill is recorded on this machine first and works with no server. Once joined, each finished drill and its evidence bundle are
        published to the team server, with credentials masked before they leave.
      </p>
      {status.lastError ? (
        <div className="team-alert" role="alert" data-testid="team-membership-error">
          <AlertIcon /> <span>{status.lastError}</span>
        </div>
      ) : null}
      <label className="field-label" htmlFor="team-url">
        Server address
      </label>
      <input
        id="team-url"
        className="input"
        type="url"
        inputMode="url"
        placeholder="https://drillbook.example.org"
        autoComplete="url"
        spellCheck={false}
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        data-testid="team-url"
      />
      <label className="field-label" htmlFor="team-token">
        API token
      </label>
      <input
        id="team-token"
        className="input team-token"
        type="password"
        placeholder="Paste the token from the team server"
        autoComplete="off"
        spellCheck={false}
        autoCapitalize="off"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        data-testid="team-token"
      />
      <div className="field-hint">
        An admin creates it on the team server. It is checked with the server before anything is saved, then kept{' '}
        {host === 'desktop' ? 'in the system keychain' : 'in a file only you can read (team.json, mode 600)'}. It is never shown again.
      </div>
      {touched && missing ? <div className="field-error">{missing}</div> : null}
      {error ? (
        <div className="field-error team-join-error" role="alert" data-testid="team-join-error">
          Not joined: {error}
        </div>
      ) : null}
      <div className="team-actions">
        <Button type="submit" variant="primary" busy={busy} data-testid="team-join">
          {busy ? 'Checking with the server…' : 'Join'}
        </Button>
      </div>
    </form>
  );
}

function Membership({ status }: { status: TeamStatus }) {
  const busy = useTeam((s) => s.busy);
  const loading = useTeam((s) => s.loading);
  const [confirm, setConfirm] = useState(false);
  const queued = status.queued.drills + status.queued.bundles;
  const reach = status.reachable === null ? 'unknown' : status.reachable ? 'ok' : 'down';
  return (
    <div className="team-membership" data-testid="team-status">
      <dl className="team-facts">
        <dt>Server</dt>
        <dd>
          <code data-testid="team-server-url">{status.url}</code>
        </dd>
        <dt>Signed in as</dt>
        <dd data-testid="team-user">
          {status.user ?? '?'} <span className="muted">({status.role ?? '?'})</span>
        </dd>
        <dt>Connection</dt>
        <dd>
          <span className={`team-reach team-reach-${reach}`} data-testid="team-reachable" data-state={reach}>
            <span className="dot" />
            {reach === 'ok' ? 'Reachable' : reach === 'down' ? 'Not reachable' : 'Not checked'}
          </span>
        </dd>
        <dt>Waiting to publish</dt>
        <dd data-testid="team-queued" data-count={queued}>
          {queued === 0 ? (
            'Nothing: the server has every finished drill.'
          ) : (
            <>
              {plural(status.queued.drills, 'drill')}
              {status.queued.bundles ? `, ${plural(status.queued.bundles, 'evidence bundle')}` : ''}
            </>
          )}
        </dd>
        <dt>Last publish</dt>
        <dd data-testid="team-last-publish">{status.lastPublishAt ? `${utcDateTime(status.lastPublishAt)} UTC` : 'Not yet'}</dd>
        <dt>Token kept</dt>
        <dd>{status.tokenIn === 'keychain' ? 'In the system keychain' : 'In team.json, readable only by you'}</dd>
      </dl>
      {status.lastError ? (
        <div className="team-alert" role="alert" data-testid="team-last-error">
          <AlertIcon />
          <span>
            <strong>Last problem:</strong> {status.lastError}
            {queued > 0 ? ' Finished drills stay queued on this machine and go on the next try.' : ''}
          </span>
        </div>
      ) : null}
      <div className="team-actions">
        <Button variant="primary" busy={busy === 'publish'} disabled={busy !== null} onClick={() => void publishTeamNow()} data-testid="team-publish">
          {busy === 'publish' ? 'Publishing…' : 'Publish now'}
        </Button>
        <Button variant="secondary" icon={<RefreshIcon />} busy={loading} disabled={busy !== null} onClick={() => void loadTeamStatus()} data-testid="team-refresh">
          Check again
        </Button>
        <span className="team-spacer" />
        <Button variant="ghost" className="btn-danger-text" disabled={busy !== null} onClick={() => setConfirm(true)} data-testid="team-leave">
          Leave team…
        </Button>
      </div>
      {confirm ? (
        <Dialog
          title="Leave the team server?"
          tone="danger"
          testId="team-leave-dialog"
          onClose={() => setConfirm(false)}
          footer={
            <>
              <Button onClick={() => setConfirm(false)} data-autofocus>
                Stay
              </Button>
              <Button
                variant="danger"
                busy={busy === 'leave'}
                onClick={() => void leaveTeam().then(() => setConfirm(false))}
                data-testid="team-leave-confirm"
              >
                Leave
              </Button>
            </>
          }
        >
          <p>
            The token is removed from this machine and nothing more is published. Drills stay in this machine’s history, and what the server has stays there.
          </p>
          {queued > 0 ? (
            <p className="team-warn" data-testid="team-leave-queued">
              {plural(queued, 'item')} not yet published will not be sent.
            </p>
          ) : null}
          <p className="muted">Ask an admin to revoke the token on the server too.</p>
        </Dialog>
      ) : null}
    </div>
  );
}
