/**
 * One published drill: its summary, the server's own check of its hash
 * chain, the evidence bundle (downloaded as the stored bytes, with the
 * server's verification of it), sign-offs, every step, and the event log
 * as a timeline. A reviewer (or admin) signs off someone else's drill here;
 * the server refuses one's own, and the form says so before asking.
 */
import { useState, type FormEvent } from 'react';
import type { TeamApi } from '../client';
import type { TeamDrillDetail, TeamMe } from '../../../main/team/model';
import { formatDuration, formatSeconds } from '../../../main/common/duration';
import { go, saveBlob, useLoad, usePainted } from '../hooks';
import { can, downloadName, eventLine } from '../view';
import { emptyFilter } from '../route';
import { utcDateTime, utcTime, plural } from '../../app/format';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Loaded, ResultBadge, TeamTable, Tile, num, useAction } from './bits';
import { rtoMetClaim } from '../../../main/drill/headline';
import type { DrillStatus } from '../../../main/drill/model';

export function DrillPage({ api, id, me }: { api: TeamApi; id: string; me: TeamMe }) {
  const [load, reload] = useLoad(`drill|${id}`, () => api.getJson<TeamDrillDetail>(`/api/drills/${encodeURIComponent(id)}`));
  usePainted('drill', load);
  return (
    <div className="hist-page team-page" data-testid="team-drill">
      <Loaded load={load}>{(d) => <Drill api={api} d={d} me={me} onSigned={reload} />}</Loaded>
    </div>
  );
}

function Drill({ api, d, me, onSigned }: { api: TeamApi; d: TeamDrillDetail; me: TeamMe; onSigned: () => void }) {
  const s = d.summary;
  // What the record may claim (main/drill/headline.ts): a failed or aborted drill has no RTO result, however fast it was.
  const met = rtoMetClaim(s.status as DrillStatus, s.rto.met, s.steps.filter((st) => st.status === 'failed').length);
  const [dlError, setDlError] = useState<string | null>(null);
  const [showAll, setShowAll] = useState(false);
  const download = async () => {
    setDlError(null);
    try {
      saveBlob(await api.getBlob(`/api/drills/${encodeURIComponent(s.id)}/bundle`), downloadName('bundle', s.id));
    } catch (err) {
      setDlError((err as Error).message);
    }
  };
  const stepTitle = (i: number) => s.steps[i]?.title ?? null;
  const events = showAll ? d.events : d.events.slice(0, 300);
  return (
    <>
      <div className="hist-page-head">
        <div className="hist-page-title">
          <Button size="sm" variant="ghost" className="team-back" onClick={() => go({ name: 'history', filter: emptyFilter() })}>
            ← History
          </Button>
          <h1 data-testid="team-drill-title">{s.runbook.title}</h1>
          <span className="muted">
            <a
              href={`#/runbook?path=${encodeURIComponent(s.runbook.path)}`}
              onClick={(e) => {
                e.preventDefault();
                go({ name: 'runbook', path: s.runbook.path, mode: '' });
              }}
            >
              {s.runbook.path}
            </a>{' '}
            · drill {s.id}
          </span>
        </div>
        <div className="team-actions">{s.status === 'running' ? <Button onClick={() => go({ name: 'liveDrill', id: s.id })}>Watch live</Button> : null}</div>
      </div>
      <div className="hist-tiles">
        <Tile label="Result" value={s.status === 'running' ? <Badge tone="live">running</Badge> : <ResultBadge result={s.result} />} testId="team-drill-result" />
        <Tile label="Operator · mode" value={`${s.operator} · ${s.mode}`} />
        <Tile label="Started (UTC)" value={s.startedAt ? utcDateTime(s.startedAt) : '—'} />
        <Tile label="Net time" value={formatDuration(s.netMs)} />
        <Tile
          label="RTO actual"
          value={s.rto.targetSec === null ? 'no target' : formatSeconds(s.rto.actualSec)}
          sub={s.rto.targetSec === null ? undefined : `target ${formatSeconds(s.rto.targetSec)}${met === false ? ' · missed' : met ? ' · met' : ' · no RTO result'}`}
          tone={met === false ? 'danger' : met ? 'ok' : undefined}
          testId="team-drill-rto"
        />
      </div>
      <section className="hist-card" data-testid="team-drill-integrity">
        <div className="hist-card-head">
          <h2>Integrity and evidence</h2>
        </div>
        <p data-testid="team-chain">
          {d.verification.ok ? (
            <span className="ok-text">✓ The server re-verified the hash chain of all {plural(s.eventCount, 'event')}</span>
          ) : (
            <span className="danger-text">✗ The hash chain fails the server's check: {d.verification.problem}</span>
          )}
          <span className="muted team-mono"> · head {s.chainHead.slice(0, 16)}</span>
        </p>
        {d.bundle ? (
          <div className="team-bundle">
            <a
              href={`/api/drills/${encodeURIComponent(s.id)}/bundle`}
              className={d.bundle.verification.ok ? 'team-bundle-link ok-text' : 'team-bundle-link danger-text'}
              data-testid="team-bundle-link"
              onClick={(e) => {
                // The bundle needs the bearer header, which a plain link cannot send: fetch it, then save it.
                e.preventDefault();
                void download();
              }}
            >
              {d.bundle.verification.ok ? '✓ verified' : '✗ failed verification'} — download the evidence bundle ({Math.max(1, Math.round(d.bundle.size / 1024))} KiB)
            </a>
            <div className="muted team-mono" title="SHA-256 of the stored bundle">
              sha256 {d.bundle.sha256}
            </div>
            <div className="muted">
              Uploaded by {d.bundle.uploadedBy} at {utcDateTime(d.bundle.uploadedAt)} UTC
            </div>
            {d.bundle.verification.coverage ? <p className="team-coverage">What the bundle proves: {d.bundle.verification.coverage}</p> : null}
            {d.bundle.verification.checked.length ? (
              <details className="team-checked">
                <summary>What the server checked ({d.bundle.verification.checked.length})</summary>
                <ul>
                  {d.bundle.verification.checked.map((c, i) => (
                    <li key={i}>{c}</li>
                  ))}
                </ul>
              </details>
            ) : null}
            {d.bundle.verification.problems.length ? (
              <ul className="danger-text">
                {d.bundle.verification.problems.map((p, i) => (
                  <li key={i}>{p.message}</li>
                ))}
              </ul>
            ) : null}
            {dlError ? <p className="team-error" role="alert">{dlError}</p> : null}
          </div>
        ) : (
          <p className="muted" data-testid="team-no-bundle">
            No evidence bundle yet{s.status === 'running' ? ': it is sent once the drill has finished' : ': the publisher’s machine sends it after the drill'}.
          </p>
        )}
      </section>
      <Signoffs api={api} d={d} me={me} onSigned={onSigned} />
      <section className="hist-card">
        <div className="hist-card-head">
          <h2>Steps</h2>
        </div>
        <TeamTable testId="team-drill-steps" columns={['#', 'Step', 'Status', num('Net')]}>
          <tbody>
            {s.steps.map((st, i) => (
              <tr key={st.key}>
                <td className="muted">{i + 1}</td>
                <td className="cell-title">{st.title}</td>
                <td className={st.status === 'failed' ? 'danger-text' : st.status === 'completed' ? 'ok-text' : ''}>{st.status}</td>
                <td className="num">{formatDuration(st.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </TeamTable>
      </section>
      <section className="hist-card">
        <div className="hist-card-head">
          <h2>Timeline</h2>
          <span className="muted">{plural(d.events.length, 'event')}, UTC</span>
        </div>
        <ol className="team-timeline" data-testid="team-timeline">
          {events.map((e) => (
            <li key={e.seq}>
              <span className="team-mono muted">{utcTime(e.at)}</span>
              <span>{eventLine(e, stepTitle)}</span>
              {e.operator ? <span className="muted">{e.operator}</span> : null}
            </li>
          ))}
        </ol>
        {events.length < d.events.length ? (
          <Button size="sm" onClick={() => setShowAll(true)}>
            Show all {d.events.length} events
          </Button>
        ) : null}
      </section>
    </>
  );
}

function Signoffs({ api, d, me, onSigned }: { api: TeamApi; d: TeamDrillDetail; me: TeamMe; onSigned: () => void }) {
  const [comment, setComment] = useState('');
  const { busy, error, run } = useAction();
  const mayReview = can(me.role, 'drills.signoff');
  const own = d.summary.publisher === me.name;
  const send = async (e: FormEvent, verdict: 'approved' | 'rejected') => {
    e.preventDefault();
    await run(async () => {
      await api.postJson(`/api/drills/${encodeURIComponent(d.summary.id)}/signoff`, { verdict, comment });
      setComment('');
      onSigned();
    });
  };
  return (
    <section className="hist-card" data-testid="team-signoffs">
      <div className="hist-card-head">
        <h2>Sign-offs</h2>
        <span className="muted">published by {d.summary.publisher}</span>
      </div>
      {d.signoffs.length === 0 ? (
        <p className="muted">No sign-off yet.</p>
      ) : (
        <ul className="team-signoff-list">
          {d.signoffs.map((so, i) => (
            <li key={i}>
              <Badge tone={so.verdict === 'approved' ? 'ok' : 'danger'}>{so.verdict}</Badge> <strong>{so.by}</strong> <span className="muted">{so.at ? `${utcDateTime(so.at)} UTC` : ''}</span>
              {so.comment ? <div className="team-wrap">{so.comment}</div> : null}
            </li>
          ))}
        </ul>
      )}
      {mayReview && d.summary.status !== 'running' ? (
        own ? (
          <p className="muted">You published this drill; another reviewer signs it off.</p>
        ) : (
          <form className="team-signoff-form" onSubmit={(e) => void send(e, 'approved')} data-testid="team-signoff-form">
            <textarea className="input" rows={2} maxLength={4000} placeholder="Comment (optional)" value={comment} onChange={(e) => setComment(e.target.value)} />
            <div className="team-actions">
              <Button variant="success" size="sm" type="submit" busy={busy}>
                Approve
              </Button>
              <Button variant="danger" size="sm" busy={busy} onClick={(e) => void send(e, 'rejected')}>
                Reject
              </Button>
            </div>
            {error ? <p className="team-error" role="alert">{error}</p> : null}
          </form>
        )
      ) : null}
    </section>
  );
}
