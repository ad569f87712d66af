import { useConn } from './calls';
import { AlertIcon } from '../ui/Icons';

export function ConnectionBanner() {
  const conn = useConn((s) => s.conn);
  if (conn.state === 'open') return null;
  if (conn.state === 'connecting' && (conn.attempts ?? 0) < 2) return null;
  const refused = conn.state === 'refused';
  return (
    <div className={`banner ${refused ? 'banner-danger' : 'banner-warn'}`} role="alert" data-testid="connection-banner" data-state={conn.state}>
      <AlertIcon />
      <div className="banner-text">
        {refused ? (
          <>
            <strong>Drillbook restarted and refused this page's session.</strong> Open the new URL it printed in its terminal (
            <code>http://127.0.0.1:…/?token=…</code>). Drill data is safe on disk.
          </>
        ) : conn.state === 'connecting' ? (
          <>
            <strong>Cannot reach Drillbook — retrying…</strong> Is the <code>drillbook web</code> process still running?
          </>
        ) : (
          <>
            <strong>Connection to Drillbook lost — reconnecting…</strong> Actions are disabled until it is back; drill clocks keep running on the server.
            {(conn.attempts ?? 0) >= 6 ? (
              <span className="banner-sub">
                {' '}
                If Drillbook was restarted, it printed a new URL (with a new port and token): open that one. Running drills can be resumed from it.
              </span>
            ) : null}
          </>
        )}
      </div>
      <span className="spinner" aria-hidden="true" />
    </div>
  );
}
