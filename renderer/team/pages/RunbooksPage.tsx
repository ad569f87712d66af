/**
 * Runbooks and their freshness: each runbook the team has drilled, its last
 * pass, the policy in force and where it comes from (front matter
 * `drill_every` or a server policy for one of its tags), overdue first and
 * in red. The same figures a monitor polls at /api/freshness.
 */
import type { TeamApi } from '../client';
import type { FreshnessAnswer, TeamRunbookList } from '../../../main/team/model';
import { go, useLoad, usePainted } from '../hooks';
import { everyText, freshnessState, policySourceText, runbookRows } from '../view';
import { utcDateTime, plural } from '../../app/format';
import { Loaded, TeamTable, num } from './bits';

export function RunbooksPage({ api }: { api: TeamApi }) {
  const [load] = useLoad('runbooks', () => Promise.all([api.getJson<TeamRunbookList>('/api/runbooks'), api.getJson<FreshnessAnswer>('/api/freshness')]));
  usePainted('runbooks', load);
  return (
    <div className="hist-page team-page" data-testid="team-runbooks">
      <div className="hist-page-head">
        <div className="hist-page-title">
          <h1>Runbooks and freshness</h1>
          <span className="muted">Each runbook's last passing drill against its policy. Monitors can poll /api/freshness.</span>
        </div>
      </div>
      <Loaded load={load}>
        {([list, fresh]) => {
          const rows = runbookRows(list.runbooks, fresh.runbooks);
          if (rows.length === 0) return <p className="muted">No runbook has been drilled on this server yet.</p>;
          return (
            <>
              <p className={fresh.overdue.length ? 'team-overdue-count danger-text' : 'team-overdue-count ok-text'} data-testid="team-overdue-count">
                {fresh.overdue.length ? `${plural(fresh.overdue.length, 'runbook')} overdue` : 'No runbook is overdue'} <span className="muted">as of {utcDateTime(fresh.asOf)} UTC</span>
              </p>
              <TeamTable testId="team-runbook-table" columns={['Runbook', 'Tags', num('Drills'), num('Passed'), 'Last pass (UTC)', 'Drill every', 'Freshness']}>
                <tbody>
                  {rows.map(({ runbook: r, fresh: f }) => {
                    const st = freshnessState(f);
                    return (
                      <tr
                        key={r.runbookPath}
                        className={`history-row ${st.kind === 'overdue' ? 'is-overdue' : ''}`}
                        tabIndex={0}
                        data-runbook={r.runbookPath}
                        onClick={() => go({ name: 'runbook', path: r.runbookPath, mode: '' })}
                        onKeyDown={(e) => {
                          if (e.key === 'Enter') go({ name: 'runbook', path: r.runbookPath, mode: '' });
                        }}
                      >
                        <td className="cell-title">
                          <span className="team-title">{r.title}</span>
                          <span className="team-sub">{r.runbookPath}</span>
                        </td>
                        <td className="team-tags">{f?.tags.length ? f.tags.join(', ') : <span className="muted">—</span>}</td>
                        <td className="num">{r.drills}</td>
                        <td className="num">{r.passed}</td>
                        <td>{r.lastPassAt ? utcDateTime(r.lastPassAt) : <span className="muted">never</span>}</td>
                        <td data-testid="team-policy">
                          {f?.drillEverySec ? (
                            <>
                              {everyText(f.drillEverySec)} <span className="muted">({policySourceText(f.policySource)})</span>
                            </>
                          ) : (
                            <span className="muted">no policy</span>
                          )}
                        </td>
                        <td className={st.kind === 'overdue' ? 'danger-text team-strong' : st.kind === 'due' ? 'ok-text' : 'muted'} data-testid="team-freshness">
                          {st.kind === 'none' ? '—' : st.text}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </TeamTable>
            </>
          );
        }}
      </Loaded>
    </div>
  );
}
