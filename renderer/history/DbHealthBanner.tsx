/**
 * Says so, plainly, when the history database failed its integrity check
 * at start (main/store/backup.ts), or was moved or deleted while open (so
 * nothing more is saved), and what to do about it.
 */
import { useEffect, useState } from 'react';
import type { DbHealth } from '../../main/store/model';
import { useConn } from '../app/calls';
import { getClient } from '../app/transport';
import { AlertIcon } from '../ui/Icons';

export function DbHealthBanner() {
  const conn = useConn((s) => s.conn.state);
  const [health, setHealth] = useState<DbHealth | null>(null);
  useEffect(() => getClient().onEvent((e) => e.type === 'db.health' && setHealth(e.health)), []);
  useEffect(() => {
    if (conn !== 'open') return;
    getClient()
      .call('db.health', {})
      .then(setHealth, () => undefined);
  }, [conn]);
  if (health?.state === 'lost') {
    // The data folder was moved or deleted under the running app: nothing more is being saved (main/store/db.ts).
    return (
      <div className="banner banner-danger" role="alert" data-testid="db-health-banner">
        <AlertIcon />
        <div className="banner-text">
          <strong>Drill history is not being saved.</strong> {health.message}
        </div>
      </div>
    );
  }
  if (!health || health.state !== 'failed') return null;
  const newest = health.backups.newest;
  return (
    <div className="banner banner-danger" role="alert" data-testid="db-health-banner">
      <AlertIcon />
      <div className="banner-text">
        <strong>The drill history failed its integrity check.</strong> Drills are still recorded, but the file is damaged
        {health.check?.problems[0] ? <> ({health.check.problems[0]})</> : null}; automatic backups are paused so they cannot replace the good copies. Close
        Drillbook and run <code>drillbook db check</code>
        {newest ? (
          <>
            , then <code>drillbook db restore {newest.file}</code> to go back to the newest backup ({newest.createdAt.slice(0, 16).replace('T', ' ')} UTC)
          </>
        ) : null}
        .
      </div>
    </div>
  );
}
