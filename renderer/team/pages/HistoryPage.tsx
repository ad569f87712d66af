/**
 * The team's history: every published drill, newest first, filtered by
 * runbook, tag, operator, mode, result and UTC dates (kept in the address,
 * so a filtered list can be linked), with CSV and JSON export of exactly
 * what the filter selects (up to the server's 1,000 a request).
 */
import { useState, type FormEvent } from 'react';
import type { TeamApi } from '../client';
import type { FreshnessAnswer, TeamDrillList, TeamRunbookList } from '../../../main/team/model';
import { DRILL_MODES } from '../../../main/common/status';
import { formatDuration, formatSeconds } from '../../../main/common/duration';
import { go, saveBlob, useLoad, usePainted } from '../hooks';
import { emptyFilter, filterQuery, type HistoryFilter } from '../route';
import { allTags, downloadName } from '../view';
import { utcDateTime, plural } from '../../app/format';
import { Button } from '../../ui/Button';
import { Badge } from '../../ui/Badge';
import { Choice, Field, ResultBadge, TeamTable, num } from './bits';

const PAGE = 100;

export function HistoryPage({ api, filter }: { api: TeamApi; filter: HistoryFilter }) {
  const [draft, setDraft] = useState<HistoryFilter>(filter);
  const [limit, setLimit] = useState(PAGE);
  const [exportError, setExportError] = useState<string | null>(null);
  // The parent keys this page on the applied filter, so a new address (back button, a link) starts the form afresh.
  const applied = filterQuery(filter);

  const [list] = useLoad(`${applied}|${limit}`, () => api.getJson<TeamDrillList>(`/api/drills?${filterQuery(filter, { limit: String(limit) })}`));
  const [choices] = useLoad('choices', () => Promise.all([api.getJson<TeamRunbookList>('/api/runbooks'), api.getJson<FreshnessAnswer>('/api/freshness')]));
  usePainted('history', list);

  const set = (k: keyof HistoryFilter) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const apply = (f: HistoryFilter) => go({ name: 'history', filter: f });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const exportAs = async (format: 'csv' | 'json') => {
    setExportError(null);
    try {
      const q = filterQuery(filter, { limit: '1000', ...(format === 'csv' ? { format: 'csv' } : {}) });
      const blob = format === 'csv' ? await api.getBlob(`/api/drills?${q}`) : new Blob([JSON.stringify(await api.getJson<TeamDrillList>(`/api/drills?${q}`), null, 2)], { type: 'application/json' });
      saveBlob(blob, downloadName(format));
    } catch (err) {
      setExportError((err as Error).message);
    }
  };

  const runbooks = choices.state === 'ok' ? choices.value[0].runbooks : [];
  const tags = choices.state === 'ok' ? allTags(choices.value[1].runbooks) : [];
  const drills = list.state === 'ok' ? list.value.drills : [];
  const active = applied !== '';

  return (
    <div className="hist-page team-page" data-testid="team-history">
      <div className="hist-page-head">
        <div className="hist-page-title">
          <h1>Team history</h1>
          <span className="muted">Every drill published to this server, newest first. Times are UTC.</span>
        </div>
        <div className="team-actions">
          <Button size="sm" onClick={() => void exportAs('csv')} data-testid="team-export-csv">
            Export CSV
          </Button>
          <Button size="sm" onClick={() => void exportAs('json')} data-testid="team-export-json">
            Export JSON
          </Button>
        </div>
      </div>
      <form className="team-filters" onSubmit={submit} data-testid="team-filters">
        <Field label="Runbook">
          <select className="input" name="runbook" value={draft.runbook} onChange={(e) => apply({ ...draft, runbook: e.target.value })}>
            <option value="">any</option>
            {runbooks.map((r) => (
              <option key={r.runbookPath} value={r.runbookPath}>
                {r.title}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Tag">
          <Choice name="tag" value={draft.tag} onChange={(tag) => apply({ ...draft, tag })} any="any" options={tags} />
        </Field>
        <Field label="Operator">
          <input className="input" name="operator" value={draft.operator} onChange={set('operator')} size={12} placeholder="any" />
        </Field>
        <Field label="Mode">
          <Choice name="mode" value={draft.mode} onChange={(mode) => apply({ ...draft, mode })} any="any" options={DRILL_MODES} />
        </Field>
        <Field label="Result">
          <select className="input" name="result" value={draft.result} onChange={(e) => apply({ ...draft, result: e.target.value })}>
            <option value="">any</option>
            <option value="pass">pass</option>
            <option value="fail">fail</option>
          </select>
        </Field>
        <Field label="Since (UTC)">
          <input className="input" type="date" name="since" value={draft.since} onChange={set('since')} />
        </Field>
        <Field label="Until (UTC)">
          <input className="input" type="date" name="until" value={draft.until} onChange={set('until')} />
        </Field>
        <Button variant="primary" type="submit" data-testid="team-filter-apply">
          Show
        </Button>
        {active ? (
          <Button variant="ghost" onClick={() => apply(emptyFilter())} data-testid="team-filter-clear">
            Clear
          </Button>
        ) : null}
      </form>
      {exportError ? <p className="team-error" role="alert">{exportError}</p> : null}
      {list.state === 'error' ? (
        <p className="team-error" role="alert">
          {list.message}
        </p>
      ) : list.state === 'loading' ? (
        <p className="muted">Loading…</p>
      ) : drills.length === 0 ? (
        <p className="muted" data-testid="team-history-empty">
          {active ? 'No drill matches these filters.' : 'No drills yet. Operators publish with drillbook team publish.'}
        </p>
      ) : (
        <>
          <TeamTable testId="team-drills" columns={['Started (UTC)', 'Runbook', 'Operator', 'Mode', 'Result', num('Net'), num('RTO'), 'Evidence']}>
            <tbody>
              {drills.map((d) => (
                <tr
                  key={d.id}
                  className="history-row"
                  tabIndex={0}
                  data-drill={d.id}
                  onClick={() => go(d.status === 'running' ? { name: 'liveDrill', id: d.id } : { name: 'drill', id: d.id })}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') go(d.status === 'running' ? { name: 'liveDrill', id: d.id } : { name: 'drill', id: d.id });
                  }}
                >
                  <td>
                    <span className="team-title">{utcDateTime(d.startedAt).slice(0, 10)}</span>
                    <span className="team-sub">{utcDateTime(d.startedAt).slice(11)}</span>
                  </td>
                  <td className="cell-title">
                    <span className="team-title">{d.runbook.title}</span>
                    <span className="team-sub">{d.runbook.path}</span>
                  </td>
                  <td>{d.operator}</td>
                  <td>{d.mode}</td>
                  <td>{d.status === 'running' ? <Badge tone="live">running</Badge> : <ResultBadge result={d.result} />}</td>
                  <td className="num">{formatDuration(d.netMs)}</td>
                  <td className={`num ${d.rto.met === false ? 'danger-text' : ''}`}>
                    {d.rto.targetSec === null ? (
                      '—'
                    ) : (
                      <>
                        <span className="team-title">
                          {formatSeconds(d.rto.actualSec)}
                          {d.rto.met === false ? ' missed' : ''}
                        </span>
                        <span className="team-sub">of {formatSeconds(d.rto.targetSec)}</span>
                      </>
                    )}
                  </td>
                  <td>{d.evidence ? d.evidence.verified ? <Badge tone="ok">✓ verified</Badge> : <Badge tone="danger">✗ failed</Badge> : <span className="muted">{d.status === 'running' ? '—' : 'not yet'}</span>}</td>
                </tr>
              ))}
            </tbody>
          </TeamTable>
          <div className="team-foot muted">
            {plural(drills.length, 'drill')} shown
            {drills.length >= limit && limit < 1000 ? (
              <Button size="sm" onClick={() => setLimit((l) => Math.min(1000, l + 400))} data-testid="team-more">
                Show more
              </Button>
            ) : drills.length >= 1000 ? (
              ' (the newest 1,000: narrow the filters to see older ones)'
            ) : null}
          </div>
        </>
      )}
    </div>
  );
}
