/**
 * Freshness policies per tag: "every runbook tagged `database` is drilled
 * every 30 days". Everyone reads them; only an admin sees the form (the
 * server refuses anyone else anyway). A runbook's policy is the stricter of
 * its own `drill_every` and its tags' policies.
 */
import { useState, type FormEvent } from 'react';
import type { TeamApi } from '../client';
import type { FreshnessAnswer, PolicyList, TeamMe } from '../../../main/team/model';
import { useLoad } from '../hooks';
import { allTags, can, everyText } from '../view';
import { utcDateTime } from '../../app/format';
import { Button } from '../../ui/Button';
import { Loaded, TeamTable, useAction } from './bits';

export function PoliciesPage({ api, me }: { api: TeamApi; me: TeamMe }) {
  const [load, reload] = useLoad('policies', () => Promise.all([api.getJson<PolicyList>('/api/policies'), api.getJson<FreshnessAnswer>('/api/freshness')]));
  const [tag, setTag] = useState('');
  const [every, setEvery] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const admin = can(me.role, 'policies.set');

  const send = async (t: string, e: string | null) => {
    setSaved(null);
    await run(async () => {
      await api.postJson('/api/policies', { tag: t, every: e });
      setSaved(e === null ? `The policy for ${t} is withdrawn.` : `Runbooks tagged ${t} are now due every ${e}.`);
      setTag('');
      setEvery('');
      reload();
    });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!tag.trim() || !every.trim()) {
      setError('Give the tag and how often its runbooks must be drilled, such as 30d.');
      return;
    }
    void send(tag.trim(), every.trim());
  };

  return (
    <div className="hist-page team-page" data-testid="team-policies">
      <div className="hist-page-head">
        <div className="hist-page-title">
          <h1>Freshness policies</h1>
          <span className="muted">How often runbooks with a tag must pass a drill. A runbook's own drill_every applies when it is stricter.</span>
        </div>
      </div>
      <Loaded load={load}>
        {([list, fresh]) => {
          const known = allTags(fresh.runbooks);
          return (
            <>
              {list.policies.length === 0 ? (
                <p className="muted">No tag policies yet{admin ? '' : '; an admin sets them'}.</p>
              ) : (
                <TeamTable testId="team-policy-table" columns={['Tag', 'Drill every', 'Runbooks', 'Set by', 'Set at (UTC)', ...(admin ? [''] : [])]}>
                  <tbody>
                    {list.policies.map((p) => (
                      <tr key={p.tag}>
                        <td className="team-strong">{p.tag}</td>
                        <td>{everyText(p.everySec)}</td>
                        <td>{fresh.runbooks.filter((r) => r.tags.includes(p.tag)).length}</td>
                        <td>{p.setBy}</td>
                        <td>{utcDateTime(p.setAt)}</td>
                        {admin ? (
                          <td>
                            <Button size="sm" variant="ghost" disabled={busy} onClick={() => void send(p.tag, null)} data-testid={`team-policy-withdraw-${p.tag}`}>
                              Withdraw
                            </Button>
                          </td>
                        ) : null}
                      </tr>
                    ))}
                  </tbody>
                </TeamTable>
              )}
              {admin ? (
                <form className="team-filters hist-card" onSubmit={submit} data-testid="team-policy-form" aria-label="Set a policy">
                  <h2 className="team-form-title">Set or change a policy</h2>
                  <label>
                    <span>Tag</span>
                    <input className="input" list="team-known-tags" value={tag} onChange={(e) => setTag(e.target.value)} placeholder="database" size={16} />
                    <datalist id="team-known-tags">
                      {known.map((t) => (
                        <option key={t} value={t} />
                      ))}
                    </datalist>
                  </label>
                  <label>
                    <span>Drill every</span>
                    <input className="input" value={every} onChange={(e) => setEvery(e.target.value)} placeholder="30d" size={8} />
                  </label>
                  <Button variant="primary" type="submit" busy={busy} data-testid="team-policy-save">
                    Set policy
                  </Button>
                  {error ? <span className="team-error" role="alert">{error}</span> : null}
                  {saved ? <span className="ok-text" role="status">{saved}</span> : null}
                </form>
              ) : null}
            </>
          );
        }}
      </Loaded>
    </div>
  );
}
