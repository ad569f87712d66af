/**
 * Evidence in the drill view: who took part, what was tested, the declared
 * failure and the recovery point (so the actual RPO), findings and
 * remediation, sign-off after the drill, the chain head at the end, and
 * exporting the bundle. Everything recorded here is a hash-chained drill
 * event (main/evidence).
 */
import { useRef, useState, type ReactNode } from 'react';
import type { DrillSnapshot } from '../../main/drill/model';
import type { Results } from '../../main/api/contract';
import { SEVERITIES, TEST_TYPES, type AttachmentKind, type Severity, type TestType } from '../../main/common/evidence';
import { useBusy, useConn } from '../app/calls';
import { LIMITS } from '../../main/common/limits';
import { humanDuration, utcDateTime } from '../app/format';
import { Button } from '../ui/Button';
import { Badge } from '../ui/Badge';
import { Dialog } from '../ui/Dialog';
import { CheckIcon, CopyIcon, NoteIcon } from '../ui/Icons';
import {
  addFinding,
  addRemediation,
  attachFile,
  attachText,
  declareFailure,
  exportEvidence,
  setEvidenceOpen,
  setParticipant,
  setRecoveryPoint,
  setScenario,
  signOff,
  tickWithNote,
  useEvidenceUi,
  type AttachTarget,
} from './actions';
import { RecordForm, TextField, useEvidenceForm } from './form';
import './evidence.css';

const ended = (snap: DrillSnapshot) => snap.status !== 'running';

/** Evidence can change (the reviewer has not signed) and we are connected. */
function useCanRecord(snap: DrillSnapshot): boolean {
  const open = useConn((s) => s.conn.state === 'open');
  return open && !snap.evidence.sealed && !snap.interrupted;
}

export function useEvidenceOpen(drillId: string): boolean {
  return useEvidenceUi((s) => !!s.open[drillId]);
}

/** Header buttons: switch the centre between the step and the evidence; export. */
export function EvidenceToggle({ snap }: { snap: DrillSnapshot }) {
  const open = useEvidenceOpen(snap.id);
  const [exporting, setExporting] = useState(false);
  return (
    <>
      <Button variant={open ? 'primary' : 'ghost'} onClick={() => setEvidenceOpen(snap.id, !open)} aria-pressed={open} data-testid="evidence-toggle" title="Participants, scenario, RPO, findings, sign-off">
        {open ? 'Back to steps' : 'Evidence'}
      </Button>
      <Button variant="ghost" onClick={() => setExporting(true)} data-testid="export-evidence" title="Write the evidence bundle (report, PDF, drill.json, CSV, transcripts, attachments, manifest)">
        Export evidence…
      </Button>
      {exporting ? <ExportDialog snap={snap} onClose={() => setExporting(false)} /> : null}
    </>
  );
}

/** Shown once the drill has ended: the chain head to record somewhere else. */
export function ChainHeadNotice({ snap }: { snap: DrillSnapshot }) {
  if (!ended(snap)) return null;
  return (
    <div className="notice notice-info ev-chain-notice" data-testid="chain-head-notice">
      <span>
        Chain head <ChainHead value={snap.chainHead} /> <span className="muted small">— record it in the change ticket; it fixes every event of this drill.</span>
      </span>
    </div>
  );
}

function ChainHead({ value }: { value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="ev-hash">
      <code className="mono" data-testid="chain-head">
        {value}
      </code>
      <button
        type="button"
        className="icon-btn"
        title="Copy"
        aria-label="Copy the chain head"
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(() => setCopied(true), () => undefined);
        }}
      >
        {copied ? <CheckIcon size={14} /> : <CopyIcon size={14} />}
      </button>
    </span>
  );
}

export function EvidencePanel({ snap }: { snap: DrillSnapshot }) {
  const canRecord = useCanRecord(snap);
  const ev = snap.evidence;
  return (
    <article className="ev-panel" data-testid="evidence-panel" data-sealed={String(ev.sealed)}>
      <header className="ev-head">
        <h1>Evidence</h1>
        <span className="muted small">Recorded in the drill's hash-chained log and exported with the bundle.</span>
        {ev.sealed ? <Badge tone="ok">Signed off — sealed</Badge> : null}
      </header>
      <ScenarioSection snap={snap} canRecord={canRecord} />
      <ParticipantsSection snap={snap} canRecord={canRecord} />
      <RpoSection snap={snap} canRecord={canRecord} />
      <FindingsSection snap={snap} canRecord={canRecord} />
      <RemediationSection snap={snap} canRecord={canRecord} />
      <AttachmentsSection snap={snap} canRecord={canRecord} />
      <SignoffSection snap={snap} canRecord={canRecord} />
      {ended(snap) ? (
        <Section title="Chain head">
          <p className="muted small">The SHA-256 of the drill's last event: it fixes the whole log. Record it elsewhere (a ticket, an email); `drillbook verify --chain-head` checks a bundle against it.</p>
          <ChainHead value={snap.chainHead} />
        </Section>
      ) : null}
    </article>
  );
}

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="ev-section" data-testid={testId}>
      <div className="section-head">
        <h2>{title}</h2>
      </div>
      {children}
    </section>
  );
}

function ScenarioSection({ snap, canRecord }: { snap: DrillSnapshot; canRecord: boolean }) {
  const cur = snap.evidence.scenario;
  const f = useEvidenceForm({ scenario: cur?.scenario ?? '', scope: cur?.scope ?? '', testType: cur?.testType ?? 'restore' }, 'ev:scenario');
  return (
    <Section title="Scenario and scope" testId="ev-scenario">
      {cur ? (
        <dl className="ev-dl" data-testid="scenario-current">
          <dt>Scenario</dt>
          <dd>{cur.scenario}</dd>
          <dt>Scope</dt>
          <dd>{cur.scope}</dd>
          <dt>Test type</dt>
          <dd>{cur.testType}</dd>
          <dt>Mode</dt>
          <dd>{snap.mode}</dd>
        </dl>
      ) : (
        <p className="muted small">Not recorded yet: what failure is being rehearsed, and what is (and is not) in scope.</p>
      )}
      {canRecord ? (
        <RecordForm
          className="ev-form"
          onSubmit={() =>
            f.submit(() => (f.filled('scenario', 'scope') ? setScenario({ drillId: snap.id, scenario: f.text('scenario'), scope: f.text('scope'), testType: f.values.testType as TestType }) : undefined))
          }
        >
          <TextField form={f} name="scenario" placeholder="Scenario, e.g. primary orders DB lost (disk failure)" testId="scenario-input" maxLength={LIMITS.evidenceText} />
          <TextField form={f} name="scope" placeholder="Scope, e.g. orders DB only; no application failover" testId="scope-input" maxLength={LIMITS.evidenceText} />
          <div className="ev-row">
            <select className="input select" {...f.bind('testType')} data-testid="testtype-select" aria-label="Test type">
              {TEST_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            <Button type="submit" size="sm" busy={f.busy} disabled={!f.filled('scenario', 'scope')} data-testid="scenario-save">
              {cur ? 'Update' : 'Record'}
            </Button>
          </div>
        </RecordForm>
      ) : null}
    </Section>
  );
}

function ParticipantsSection({ snap, canRecord }: { snap: DrillSnapshot; canRecord: boolean }) {
  const f = useEvidenceForm({ name: '', role: '' }, 'ev:participant');
  return (
    <Section title="Participants and roles" testId="ev-participants">
      <ul className="ev-list">
        <li>
          <strong>{snap.operator}</strong> <span className="muted">— operator (ran the drill)</span>
        </li>
        {snap.evidence.participants.map((p) => (
          <li key={p.name} data-testid="participant-item">
            <strong>{p.name}</strong> <span className="muted">— {p.role}</span>
            {canRecord ? (
              <button type="button" className="linkish small ev-remove" onClick={() => void setParticipant(snap.id, p.name, null)} aria-label={`Remove ${p.name}`}>
                remove
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canRecord ? (
        <RecordForm className="ev-row" onSubmit={() => f.submit(() => (f.filled('name', 'role') ? setParticipant(snap.id, f.text('name'), f.text('role')) : undefined), ['name', 'role'])}>
          <TextField form={f} name="name" placeholder="Name" testId="participant-name" maxLength={LIMITS.name} />
          <TextField form={f} name="role" placeholder="Role, e.g. DBA, observer, reviewer" testId="participant-role" maxLength={LIMITS.name} />
          <Button type="submit" size="sm" busy={f.busy} disabled={!f.filled('name', 'role')} data-testid="participant-add">
            Add
          </Button>
        </RecordForm>
      ) : null}
    </Section>
  );
}

const fmtSec = (s: number | null) => (s === null ? '—' : humanDuration(s * 1000));

function RpoSection({ snap, canRecord }: { snap: DrillSnapshot; canRecord: boolean }) {
  const ev = snap.evidence;
  const failure = useEvidenceForm({ failureAt: '', note: '' }, 'ev:failure');
  const rp = useEvidenceForm({ backupId: ev.recoveryPoint?.backupId ?? '', backupAt: ev.recoveryPoint?.backupAt ?? '', source: ev.recoveryPoint?.source ?? '' }, 'ev:rp');
  const rpo = ev.rpo;
  return (
    <Section title="Failure and recovery point (RPO)" testId="ev-rpo">
      <div className="ev-rpo" data-testid="rpo-result" data-met={rpo.met === null ? '' : String(rpo.met)} data-actual-sec={rpo.actualSec ?? ''}>
        <span>
          RPO target <strong>{fmtSec(rpo.targetSec)}</strong>
        </span>
        <span>
          actual <strong>{fmtSec(rpo.actualSec)}</strong>
        </span>
        {rpo.met === null ? <Badge tone="neutral">{rpo.problem ?? 'no target'}</Badge> : rpo.met ? <Badge tone="ok">met</Badge> : <Badge tone="danger">missed</Badge>}
      </div>
      <dl className="ev-dl">
        <dt>Declared failure</dt>
        <dd data-testid="failure-current">{ev.failure ? `${utcDateTime(ev.failure.failureAt, true)} UTC${ev.failure.note ? ` — ${ev.failure.note}` : ''}` : '—'}</dd>
        <dt>Recovery point</dt>
        <dd data-testid="rp-current">{ev.recoveryPoint ? `${ev.recoveryPoint.backupId}, data as of ${utcDateTime(ev.recoveryPoint.backupAt, true)} UTC${ev.recoveryPoint.source ? ` (${ev.recoveryPoint.source})` : ''}` : '—'}</dd>
      </dl>
      {canRecord ? (
        <>
          <RecordForm className="ev-row" onSubmit={() => failure.submit(() => declareFailure(snap.id, failure.text('failureAt') || undefined, failure.text('note') || undefined), ['failureAt'])}>
            <TextField form={failure} name="failureAt" mono placeholder="Failure time, e.g. 2026-03-03T08:55:00Z (empty: now)" testId="failure-at" maxLength={LIMITS.isoTime} />
            <TextField form={failure} name="note" placeholder="What failed (optional)" testId="failure-note" maxLength={LIMITS.note} />
            <Button type="submit" size="sm" busy={failure.busy} data-testid="failure-declare">
              {failure.filled('failureAt') ? 'Declare failure' : 'Declare failure now'}
            </Button>
          </RecordForm>
          <RecordForm
            className="ev-row"
            onSubmit={() =>
              rp.submit(() =>
                rp.filled('backupId', 'backupAt')
                  ? setRecoveryPoint({ drillId: snap.id, backupId: rp.text('backupId'), backupAt: rp.text('backupAt'), ...(rp.text('source') ? { source: rp.text('source') } : {}) })
                  : undefined,
              )
            }
          >
            <TextField form={rp} name="backupId" placeholder="Backup ID" testId="rp-id" maxLength={LIMITS.backupId} />
            <TextField form={rp} name="backupAt" mono placeholder="Backup time (UTC), e.g. 2026-03-03T08:30:00Z" testId="rp-at" maxLength={LIMITS.isoTime} />
            <TextField form={rp} name="source" placeholder="Source (optional)" testId="rp-source" maxLength={LIMITS.backupSource} />
            <Button type="submit" size="sm" busy={rp.busy} disabled={!rp.filled('backupId', 'backupAt')} data-testid="rp-save">
              Record
            </Button>
          </RecordForm>
        </>
      ) : null}
    </Section>
  );
}

function FindingsSection({ snap, canRecord }: { snap: DrillSnapshot; canRecord: boolean }) {
  const f = useEvidenceForm({ text: '', severity: 'medium', step: '' }, 'ev:finding');
  return (
    <Section title="Findings" testId="ev-findings">
      {snap.evidence.findings.length ? (
        <ul className="ev-list">
          {snap.evidence.findings.map((f) => (
            <li key={f.id} data-testid="finding-item" data-id={f.id}>
              <span className="mono">{f.id}</span> <Badge tone={f.severity === 'high' || f.severity === 'critical' ? 'danger' : f.severity === 'medium' ? 'warn' : 'neutral'}>{f.severity}</Badge> {f.text}
              <span className="muted small">
                {' '}
                {f.stepIndex !== null ? `· step ${f.stepIndex + 1} ` : ''}· {f.by}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No findings yet: what went wrong, was slow, or was unclear.</p>
      )}
      {canRecord ? (
        <RecordForm
          className="ev-form"
          onSubmit={() =>
            f.submit(
              () => (f.filled('text') ? addFinding({ drillId: snap.id, text: f.text('text'), severity: f.values.severity as Severity, stepIndex: f.values.step === '' ? null : Number(f.values.step) }) : undefined),
              ['text'],
            )
          }
        >
          <TextField form={f} name="text" rows={2} placeholder="Finding" testId="finding-text" maxLength={LIMITS.evidenceText} />
          <div className="ev-row">
            <select className="input select" {...f.bind('severity')} data-testid="finding-severity" aria-label="Severity">
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
            <select className="input select" {...f.bind('step')} data-testid="finding-step" aria-label="Step">
              <option value="">the whole drill</option>
              {snap.steps.map((s) => (
                <option key={s.index} value={String(s.index)}>
                  step {s.index + 1}: {s.title}
                </option>
              ))}
            </select>
            <Button type="submit" size="sm" busy={f.busy} disabled={!f.filled('text')} data-testid="finding-add">
              Add finding
            </Button>
          </div>
        </RecordForm>
      ) : null}
    </Section>
  );
}

function RemediationSection({ snap, canRecord }: { snap: DrillSnapshot; canRecord: boolean }) {
  const f = useEvidenceForm({ text: '', owner: '', due: '', finding: '' }, 'ev:remediation');
  return (
    <Section title="Remediation" testId="ev-remediation">
      {snap.evidence.remediations.length ? (
        <ul className="ev-list">
          {snap.evidence.remediations.map((r) => (
            <li key={r.id} data-testid="remediation-item" data-id={r.id}>
              <span className="mono">{r.id}</span> {r.text}{' '}
              <span className="muted small">
                · owner {r.owner} · due {r.due}
                {r.findingId ? ` · for ${r.findingId}` : ''}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No remediation items yet: what will be fixed, by whom, by when.</p>
      )}
      {canRecord ? (
        <RecordForm
          className="ev-form"
          onSubmit={() =>
            f.submit(
              () =>
                f.filled('text', 'owner') && f.values.due
                  ? addRemediation({ drillId: snap.id, text: f.text('text'), owner: f.text('owner'), due: f.values.due, ...(f.values.finding ? { findingId: f.values.finding } : {}) })
                  : undefined,
              ['text', 'owner', 'due'],
            )
          }
        >
          <TextField form={f} name="text" placeholder="Action" testId="remediation-text" maxLength={LIMITS.evidenceText} />
          <div className="ev-row">
            <TextField form={f} name="owner" placeholder="Owner" testId="remediation-owner" maxLength={LIMITS.name} />
            <TextField form={f} name="due" type="date" label="Due date" testId="remediation-due" />
            <select className="input select" {...f.bind('finding')} data-testid="remediation-finding" aria-label="For finding">
              <option value="">no finding</option>
              {snap.evidence.findings.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.id}
                </option>
              ))}
            </select>
            <Button type="submit" size="sm" busy={f.busy} disabled={!f.filled('text', 'owner') || !f.values.due} data-testid="remediation-add">
              Add
            </Button>
          </div>
        </RecordForm>
      ) : null}
    </Section>
  );
}

function AttachmentsSection({ snap, canRecord }: { snap: DrillSnapshot; canRecord: boolean }) {
  return (
    <Section title="Attachments" testId="ev-attachments">
      {snap.evidence.attachments.length ? (
        <ul className="ev-list">
          {snap.evidence.attachments.map((a) => (
            <li key={`${a.seq}`} data-testid="attachment-item">
              {a.name} <span className="muted small">({a.kind}, {a.size} B, {a.stepIndex === null ? 'the drill' : `step ${a.stepIndex + 1}${a.itemIndex !== undefined ? ` item ${a.itemIndex + 1}` : ''}`} · {a.by})</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No attachments. Attach to a checklist item from the step, or to the drill here.</p>
      )}
      {canRecord ? <AttachControl target={{ drillId: snap.id, stepIndex: null }} label="Attach to the drill…" /> : null}
    </Section>
  );
}

function SignoffSection({ snap, canRecord }: { snap: DrillSnapshot; canRecord: boolean }) {
  const signed = snap.evidence.signoffs;
  const op = signed.find((s) => s.role === 'operator');
  const rev = signed.find((s) => s.role === 'reviewer');
  // Separate boxes: the reviewer's statement starts empty, never pre-filled with the operator's words.
  const opForm = useEvidenceForm({ statement: '' }, 'ev:signoff:operator');
  const revForm = useEvidenceForm({ reviewer: '', statement: '' }, 'ev:signoff:reviewer');
  return (
    <Section title="Sign-off" testId="ev-signoff">
      {signed.length ? (
        <ul className="ev-list">
          {signed.map((s) => (
            <li key={s.role} data-testid="signoff-item" data-role={s.role}>
              <CheckIcon size={12} /> <strong>{s.role}</strong> {s.name} <span className="muted small">at {utcDateTime(s.at, true)} UTC{s.statement ? ` — “${s.statement}”` : ''}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {!ended(snap) ? (
        <p className="muted small">Sign-off comes after the drill ends: first the operator, then a reviewer who is someone else.</p>
      ) : canRecord ? (
        !op ? (
          <RecordForm className="ev-row" onSubmit={() => opForm.submit(() => signOff({ drillId: snap.id, role: 'operator', name: snap.operator, ...(opForm.text('statement') ? { statement: opForm.text('statement') } : {}) }))}>
            <TextField form={opForm} name="statement" placeholder="Statement (optional), e.g. Restore performed as described" testId="signoff-statement" maxLength={LIMITS.note} />
            <Button type="submit" variant="primary" size="sm" busy={opForm.busy} data-testid="signoff-operator">
              Sign off as {snap.operator}
            </Button>
          </RecordForm>
        ) : !rev ? (
          <RecordForm
            className="ev-row"
            onSubmit={() =>
              revForm.submit(() =>
                revForm.filled('reviewer')
                  ? signOff({ drillId: snap.id, role: 'reviewer', name: revForm.text('reviewer'), ...(revForm.text('statement') ? { statement: revForm.text('statement') } : {}) })
                  : undefined,
              )
            }
          >
            <TextField form={revForm} name="reviewer" placeholder="Reviewer (not the operator)" testId="signoff-reviewer-name" maxLength={LIMITS.name} />
            <TextField form={revForm} name="statement" placeholder="Reviewer's statement (optional)" testId="signoff-reviewer-statement" maxLength={LIMITS.note} />
            <Button type="submit" variant="primary" size="sm" busy={revForm.busy} disabled={!revForm.filled('reviewer')} data-testid="signoff-reviewer">
              Sign off as reviewer
            </Button>
          </RecordForm>
        ) : null
      ) : null}
      {rev ? <p className="muted small">Signed off by the reviewer: the evidence is sealed.</p> : null}
    </Section>
  );
}

/** Attach a file, a terminal screen or a transcript excerpt (pasted text). */
export function AttachControl({ target, label }: { target: AttachTarget; label: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="linkish small ev-attach" onClick={() => setOpen(true)} data-testid="attach-open">
        <NoteIcon size={12} /> {label}
      </button>
      {open ? <AttachDialog target={target} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function AttachDialog({ target, onClose }: { target: AttachTarget; onClose: () => void }) {
  const [kind, setKind] = useState<AttachmentKind>('file');
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    try {
      let ok = null;
      if (kind === 'file') {
        const file = fileRef.current?.files?.[0];
        if (!file) return;
        ok = await attachFile(target, file, note.trim() || undefined);
      } else if (text.trim()) {
        ok = await attachText(target, kind === 'screen' ? 'screen.txt' : 'transcript-excerpt.txt', kind, text, note.trim() || undefined);
      }
      if (ok) onClose();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title="Attach evidence"
      onClose={onClose}
      onSubmit={() => void submit()}
      testId="attach-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={busy} data-testid="attach-confirm">
            Attach
          </Button>
        </>
      }
    >
      <p className="dialog-desc">Stored under its SHA-256 and exported with the bundle. Attachments are never opened or run by Drillbook.</p>
      <label className="field-label" htmlFor="ev-attach-kind">
        What
      </label>
      <select id="ev-attach-kind" className="input select" value={kind} onChange={(e) => setKind(e.target.value as AttachmentKind)} data-testid="attach-kind">
        <option value="file">a file</option>
        <option value="screen">the terminal screen (paste it)</option>
        <option value="transcript">a transcript excerpt (paste it)</option>
      </select>
      {kind === 'file' ? (
        <>
          <label className="field-label" htmlFor="ev-attach-file">
            File <span className="muted">(up to 20 MiB)</span>
          </label>
          <input id="ev-attach-file" ref={fileRef} className="input" type="file" data-testid="attach-file" />
        </>
      ) : (
        <>
          <label className="field-label" htmlFor="ev-attach-text">
            Text
          </label>
          <textarea id="ev-attach-text" className="input textarea mono" rows={8} value={text} onChange={(e) => setText(e.target.value)} data-testid="attach-text" />
        </>
      )}
      <label className="field-label" htmlFor="ev-attach-note">
        Note <span className="muted">(optional)</span>
      </label>
      <input id="ev-attach-note" className="input" value={note} onChange={(e) => setNote(e.target.value)} data-testid="attach-note" maxLength={LIMITS.note} />
    </Dialog>
  );
}

/** Under a checklist item: the command that proved it, its attachments, and (while open) tick-with-note / attach. */
export function CheckItemEvidence({ snap, stepIndex, itemIndex, canAct, readOnly = false }: { snap: DrillSnapshot; stepIndex: number; itemIndex: number; canAct: boolean; readOnly?: boolean }) {
  // readOnly: an observer's view (renderer/team/live) records nothing, evidence included.
  const canRecord = useCanRecord(snap) && !readOnly;
  const item = snap.steps[stepIndex]?.checklist[itemIndex];
  const proof = snap.evidence.checkProofs.find((p) => p.stepIndex === stepIndex && p.itemIndex === itemIndex);
  const files = snap.evidence.attachments.filter((a) => a.stepIndex === stepIndex && a.itemIndex === itemIndex);
  const [noting, setNoting] = useState(false);
  if (!item) return null;
  return (
    <div className="ev-check small" data-testid="check-evidence">
      {proof ? (
        <span className="ev-proof" data-testid="check-proof">
          <CheckIcon size={11} /> proved by {proof.name ? <code>{proof.name}</code> : 'a command'} (exit {proof.exitCode ?? '—'})
        </span>
      ) : null}
      {files.map((a) => (
        <span key={a.seq} className="ev-file muted" data-testid="check-attachment">
          attached: {a.name}
        </span>
      ))}
      {canAct && !item.checked ? (
        <button type="button" className="linkish ev-attach" onClick={() => setNoting(true)} data-testid="tick-with-note">
          tick with a note…
        </button>
      ) : null}
      {canRecord ? <AttachControl target={{ drillId: snap.id, stepIndex, itemIndex }} label="attach…" /> : null}
      {noting ? <TickNoteDialog snap={snap} stepIndex={stepIndex} itemIndex={itemIndex} onClose={() => setNoting(false)} /> : null}
    </div>
  );
}

function TickNoteDialog({ snap, stepIndex, itemIndex, onClose }: { snap: DrillSnapshot; stepIndex: number; itemIndex: number; onClose: () => void }) {
  const [note, setNote] = useState('');
  const busy = useBusy((s) => !!s.busy[`check:${stepIndex}:${itemIndex}`]);
  const text = snap.steps[stepIndex]?.checklist[itemIndex]?.text ?? '';
  return (
    <Dialog
      title="Tick with a note"
      onClose={onClose}
      onSubmit={() => void tickWithNote(snap.id, stepIndex, itemIndex, note.trim()).then((ok) => ok && onClose())}
      testId="tick-note-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="success" busy={busy} data-testid="tick-note-confirm">
            Tick
          </Button>
        </>
      }
    >
      <p className="dialog-desc">{text}</p>
      <textarea className="input textarea" rows={3} value={note} onChange={(e) => setNote(e.target.value)} placeholder="What you checked, and how" data-testid="tick-note-input" maxLength={LIMITS.note} />
    </Dialog>
  );
}

type ExportResult = Results['evidence.export'];

function ExportDialog({ snap, onClose }: { snap: DrillSnapshot; onClose: () => void }) {
  const [redact, setRedact] = useState(true);
  const [understood, setUnderstood] = useState(false);
  const [pdf, setPdf] = useState(true);
  const [result, setResult] = useState<ExportResult | null>(null);
  const busy = useBusy((s) => !!s.busy['ev:export']);
  const host = useConn((s) => s.appInfo?.host);
  const blocked = !redact && !understood;
  if (result) {
    const masked = Object.entries(result.redaction.masked);
    return (
      <Dialog title="Evidence exported" onClose={onClose} testId="export-dialog" footer={<Button variant="primary" onClick={onClose} data-autofocus>Done</Button>}>
        <div data-testid="export-result" data-name={result.name}>
          <dl className="ev-dl">
            <dt>Folder</dt>
            <dd className="mono small">{result.dir}</dd>
            {result.zipPath ? (
              <>
                <dt>Zip</dt>
                <dd className="mono small">{result.zipPath}</dd>
              </>
            ) : null}
            <dt>Files</dt>
            <dd>{result.files.length + 1} (report.html{result.pdf ? ', report.pdf' : ''}, drill.json, steps.csv, …, manifest.json)</dd>
            <dt>Redaction</dt>
            <dd>{result.redaction.applied ? (masked.length ? masked.map(([k, n]) => `${k} ×${n}`).join(', ') : 'nothing to mask') : <strong>OFF — credentials are in the bundle as recorded</strong>}</dd>
            <dt>Chain head</dt>
            <dd>
              <ChainHead value={result.chainHead} />
            </dd>
          </dl>
          {result.redaction.withheld.length ? (
            <div className="callout callout-warn small">
              Withheld: {result.redaction.withheld.join('; ')}
            </div>
          ) : null}
          {host === 'web' ? (
            <p>
              <a className="btn btn-primary btn-md" href={result.downloadPath} download data-testid="export-download">
                Download the zip
              </a>
            </p>
          ) : null}
          <p className="muted small">Check it anywhere with <code>drillbook verify &lt;bundle&gt;</code>.</p>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog
      title="Export evidence"
      onClose={onClose}
      onSubmit={() => {
        if (blocked || busy) return;
        void exportEvidence(snap.id, redact, pdf).then((r) => r && setResult(r));
      }}
      testId="export-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant={redact ? 'primary' : 'danger'} busy={busy} disabled={blocked} data-testid="export-confirm">
            {redact ? 'Export' : 'Export unredacted'}
          </Button>
        </>
      }
    >
      <p className="dialog-desc">
        Writes the report (HTML{pdf ? ' and PDF' : ''}), drill.json, steps.csv, the terminal transcripts and attachments, and a manifest with the SHA-256 of every file and the chain head.
        {snap.status === 'running' ? ' The drill is still running: the bundle shows it as it is now.' : ''}
      </p>
      <label className="ev-check-row">
        <input type="checkbox" checked={redact} onChange={(e) => { setRedact(e.target.checked); setUnderstood(false); }} data-testid="export-redact" /> Mask credentials (cloud keys, private keys, tokens, passwords) — recommended
      </label>
      {!redact ? (
        <label className="ev-check-row callout callout-danger">
          <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} data-testid="export-unredacted-confirm" /> I understand the bundle will contain credentials exactly as they were recorded.
        </label>
      ) : null}
      <label className="ev-check-row">
        <input type="checkbox" checked={pdf} onChange={(e) => setPdf(e.target.checked)} data-testid="export-pdf" /> Include report.pdf
      </label>
    </Dialog>
  );
}
