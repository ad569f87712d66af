/**
 * The audit log (admins and auditors): every server-side action, allowed or
 * refused, newest first, 200 a page; reads can be hidden to see the changes.
 */
import { useState } from 'react';
import type { TeamApi } from '../client';
import type { AuditList } from '../../../main/team/model';
import { useLoad, usePainted } from '../hooks';
import { utcDateTime } from '../../app/format';
import { Button } from '../../ui/Button';
import { Loaded, TeamTable } from './bits';
import { API_METHODS } from '../../../main/team/roles';

/** Actions that change something (every method but GET, from the server's table), so reads can be hidden. */
const CHANGES = new Set<string>(API_METHODS.filter((m) => m.method !== 'GET').map((m) => m.name));
const isChange = (e: { action: string; outcome: string }) => e.outcome !== 'ok' || CHANGES.has(e.action);

export function AuditPage({ api }: { api: TeamApi }) {
  const [before, setBefore] = useState<number[]>([]);
  const [changesOnly, setChangesOnly] = useState(false);
  const cursor = before[before.length - 1];
  const [load] = useLoad(`audit|${cursor ?? ''}`, () => api.getJson<AuditList>(`/api/audit?limit=200${cursor ? `&before=${cursor}` : ''}`));
  usePainted('audit', load);
  return (
    <div className="hist-page team-page" data-testid="team-audit">
      <div className="hist-page-head">
        <div className="hist-page-title">
          <h1>Audit log</h1>
          <span className="muted">Append-only: every action on this server, allowed or refused, newest first.</span>
        </div>
        <div className="team-actions">
          <label className="team-check">
            <input type="checkbox" checked={changesOnly} onChange={(e) => setChangesOnly(e.target.checked)} data-testid="team-audit-changes" />
            Changes and refusals only
          </label>
          {before.length ? (
            <Button size="sm" onClick={() => setBefore((b) => b.slice(0, -1))}>
              Newer
            </Button>
          ) : null}
          {load.state === 'ok' && load.value.entries.length === 200 ? (
            <Button size="sm" onClick={() => setBefore((b) => [...b, load.value.entries[load.value.entries.length - 1]!.id])}>
              Older
            </Button>
          ) : null}
        </div>
      </div>
      <Loaded load={load}>
        {(v) => (
          <TeamTable testId="team-audit-table" columns={['When (UTC)', 'Who', 'From', 'Action', 'Target', 'Outcome']}>
            <tbody>
              {v.entries.filter((e) => !changesOnly || isChange(e)).map((e) => (
                <tr key={e.id}>
                  <td>{utcDateTime(e.at, true)}</td>
                  <td>{e.actor ?? <span className="muted">—</span>}</td>
                  <td className="muted">{e.address ?? ''}</td>
                  <td>{e.action}</td>
                  <td className="team-wrap">{e.target ?? ''}</td>
                  <td className={e.outcome === 'ok' ? 'ok-text' : 'danger-text'} title={e.outcome === 'ok' ? undefined : String((e.detail as { error?: unknown } | undefined)?.error ?? '')}>
                    {e.outcome}
                  </td>
                </tr>
              ))}
            </tbody>
          </TeamTable>
        )}
      </Loaded>
    </div>
  );
}
