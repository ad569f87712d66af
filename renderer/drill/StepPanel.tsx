import { forwardRef, useState } from 'react';
import type { DrillSnapshot, StepState } from '../../main/drill/model';
import type { Runbook, Step } from '../../main/runbook/model';
import { countRender } from '../app/renders';
import { useBusy } from '../app/calls';
import { addNote, completeStep, setCheck, startStep } from './store';
import { clockShort, utcTime } from '../app/format';
import { Markdown } from '../ui/Markdown';
import { Button } from '../ui/Button';
import { Badge } from '../ui/Badge';
import { CheckIcon, FlagIcon, PlayIcon, SkipIcon, XIcon } from '../ui/Icons';
import { LiveDuration } from '../ui/Clock';
import { blockIndexOf, blockText, commandCaption } from './commands';
import { statusLabel } from './StepList';
import type { CodeSlot } from '../ui/markdown';
import type { ReactNode } from 'react';
import { CheckItemEvidence } from '../evidence/EvidencePanel';
import { isStepFinished } from '../../main/common/status.js';
import { LIMITS } from '../../main/common/limits.js';

export interface StepPanelProps {
  snap: DrillSnapshot;
  receivedAt: number;
  step: StepState;
  runbookStep: Step | undefined;
  runbook: { runbook?: Runbook; error?: string; loading: boolean } | undefined;
  /** Actions allowed (drill running, recovered, connected). */
  canAct: boolean;
  onSkip: () => void;
  onFail: () => void;
  /** Complete (the drill view asks first when the step's last block failed its check). */
  onComplete?: () => void;
  /** Slot for a future per-code-block "Run" button. */
  codeActions?: (step: Step | undefined, block: CodeSlot) => ReactNode;
  /**
   * An observer's view (renderer/team/live): nothing that records, evidence
   * included, whatever `canAct` says; the notes are shown, never a form.
   */
  readOnly?: boolean;
}

const STATUS_TONE = { pending: 'neutral', running: 'accent', completed: 'ok', skipped: 'neutral', failed: 'danger' } as const;

export const StepPanel = forwardRef<HTMLTextAreaElement, StepPanelProps>(function StepPanel(
  { snap, receivedAt, step, runbookStep, runbook, canAct: canActProp, onSkip, onFail, onComplete, codeActions, readOnly = false },
  noteRef,
) {
  countRender('StepPanel');
  const canAct = canActProp && !readOnly;
  const busy = useBusy((s) => s.busy);
  const stepBusy = !!busy[`step:${step.index}`];
  const ended = isStepFinished(step.status);
  const stepNotes = snap.notes.filter((n) => n.stepIndex === step.index);
  const checkedCount = step.checklist.filter((c) => c.checked).length;
  const blocked = snap.paused;

  return (
    <article className="step-panel" data-testid="step-panel" data-index={step.index} data-status={step.status}>
      <header className="step-panel-head">
        <div className="step-panel-title">
          <span className="step-kicker">
            Step {step.index + 1} of {snap.steps.length}
          </span>
          <h1 data-testid="step-title">{step.title}</h1>
          <div className="step-panel-meta">
            <Badge tone={STATUS_TONE[step.status]} testId="step-status">
              {statusLabel(step.status)}
            </Badge>
            {step.startedAt ? <span className="muted small">started {utcTime(step.startedAt)} UTC</span> : null}
            {step.endedAt ? <span className="muted small">ended {utcTime(step.endedAt)} UTC</span> : null}
            {step.status === 'running' || step.durationMs != null ? (
              <span className="mono small step-duration" data-testid="step-duration">
                {step.status === 'running' ? (
                  <LiveDuration baseMs={step.durationMs ?? 0} receivedAt={receivedAt} ticking={snap.clock.ticking} format={clockShort} />
                ) : (
                  clockShort(step.durationMs ?? 0)
                )}
              </span>
            ) : null}
            {step.rtoStart ? <Badge tone="accent">RTO clock starts here</Badge> : null}
            {step.rtoEnd ? <Badge tone="accent">RTO clock stops here</Badge> : null}
            {runbookStep?.always ? (
              <Badge tone="neutral" testId="step-cleanup" title="Unattended runs perform this step even after an earlier step failed">
                clean-up
              </Badge>
            ) : null}
          </div>
        </div>
        {canAct && !ended ? (
          <div className="step-actions">
            {step.status === 'pending' ? (
              <Button variant="primary" size="lg" icon={<PlayIcon />} kbd="↵" onClick={() => void startStep(snap.id, step.index)} busy={stepBusy} disabled={blocked} data-testid="step-start">
                Start step
              </Button>
            ) : null}
            {step.status === 'running' ? (
              <Button variant="success" size="lg" icon={<CheckIcon />} kbd="↵" onClick={() => (onComplete ? onComplete() : void completeStep(snap.id, step.index))} busy={stepBusy} disabled={blocked} data-testid="step-complete">
                Complete
              </Button>
            ) : null}
            <Button variant="secondary" icon={<SkipIcon />} kbd="s" onClick={onSkip} disabled={stepBusy || blocked} data-testid="step-skip">
              Skip…
            </Button>
            <Button variant="secondary" className="btn-danger-text" icon={<XIcon />} kbd="f" onClick={onFail} disabled={stepBusy || blocked} data-testid="step-fail">
              Fail…
            </Button>
          </div>
        ) : null}
      </header>

      {blocked && canAct && !ended ? <div className="callout callout-warn small">The drill is paused. Resume it to start or complete steps.</div> : null}

      {step.reason ? (
        <div className={`callout ${step.status === 'failed' ? 'callout-danger' : 'callout-neutral'}`} data-testid="step-reason">
          {step.status === 'failed' ? <XIcon /> : <SkipIcon />}
          <div>
            <strong>{step.status === 'failed' ? 'Failed' : 'Skipped'}:</strong> {step.reason}
          </div>
        </div>
      ) : null}

      {step.checklist.length ? (
        <section className="checklist" aria-label="Checklist">
          <div className="section-head">
            <h2>Checklist</h2>
            <span className="muted small mono" data-testid="checklist-count">
              {checkedCount}/{step.checklist.length}
            </span>
            {canAct ? <span className="hint">x ticks the next</span> : null}
          </div>
          <ul>
            {step.checklist.map((item) => {
              const key = `check:${step.index}:${item.index}`;
              return (
                <li key={item.index}>
                  <label className={`check-item ${item.checked ? 'is-checked' : ''}`} data-testid="check-item" data-checked={String(item.checked)} data-index={item.index}>
                    <input
                      type="checkbox"
                      checked={item.checked}
                      disabled={!canAct || !!busy[key]}
                      onChange={(e) => void setCheck(snap.id, step.index, item.index, e.target.checked)}
                    />
                    <span className="check-box" aria-hidden="true">
                      {item.checked ? <CheckIcon size={12} /> : null}
                    </span>
                    <span className="check-text">
                      <Markdownish text={item.text} />
                    </span>
                    {item.checked && item.at ? (
                      <span className="check-when muted small">
                        {utcTime(item.at)} UTC{item.by && item.by !== snap.operator ? ` · ${item.by}` : ''}
                      </span>
                    ) : null}
                  </label>
                  {item.note ? <div className="check-note small muted">{item.note}</div> : null}
                  <CheckItemEvidence snap={snap} stepIndex={step.index} itemIndex={item.index} canAct={canAct && !blocked} readOnly={readOnly} />
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}

      <section className="step-body">
        {runbookStep ? (
          <Markdown
            source={runbookStep.body}
            className="step-md hide-tasks"
            testId="step-markdown"
            codeCaption={(b) => commandCaption(runbookStep, blockIndexOf(runbookStep, b))}
            codeActions={codeActions ? (b) => codeActions(runbookStep, b) : undefined}
            codeText={(b) => blockText(runbookStep, b)}
          />
        ) : runbook?.loading ? (
          <div className="loading">Loading step text…</div>
        ) : (
          <div className="callout callout-neutral small">
            Step text unavailable{runbook?.error ? `: ${runbook.error}` : ' — this step is not in the current version of the runbook.'}
          </div>
        )}
      </section>

      <NotesSection drillId={snap.id} stepIndex={step.index} notes={stepNotes} canAct={canAct} ref={noteRef} />
    </article>
  );
});

/** Checklist text: plain, with `code` spans. Never HTML. */
function Markdownish({ text }: { text: string }) {
  const parts = text.split(/(`[^`]+`)/g);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith('`') && p.endsWith('`') && p.length > 2 ? (
          <code key={i}>{p.slice(1, -1)}</code>
        ) : (
          <span key={i}>{p.replace(/\*\*([^*]+)\*\*/g, '$1')}</span>
        ),
      )}
    </>
  );
}

const NotesSection = forwardRef<
  HTMLTextAreaElement,
  { drillId: string; stepIndex: number; notes: DrillSnapshot['notes']; canAct: boolean }
>(function NotesSection({ drillId, stepIndex, notes, canAct }, ref) {
  const [text, setText] = useState('');
  const busy = useBusy((s) => !!s.busy.note);
  const submit = async () => {
    if (!text.trim() || busy) return;
    const ok = await addNote(drillId, stepIndex, text.trim());
    if (ok) setText('');
  };
  if (!canAct && notes.length === 0) return null;
  return (
    <section className="notes" aria-label="Notes">
      <div className="section-head">
        <h2>Notes</h2>
        {canAct ? <span className="hint">n to write</span> : null}
      </div>
      {notes.length ? (
        <ul className="note-list">
          {notes.map((n, i) => (
            <li key={i} className="note" data-testid="note-item">
              <div className="note-meta small muted">
                <FlagIcon size={12} /> {utcTime(n.at)} UTC · {n.operator}
              </div>
              <div className="note-text">{n.text}</div>
            </li>
          ))}
        </ul>
      ) : null}
      {canAct ? (
        <form
          className="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <textarea
            ref={ref}
            className="input textarea"
            rows={2}
            placeholder="Add a note to this step — what you saw, what you changed…"
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
                e.preventDefault();
                void submit();
              } else if (e.key === 'Escape') {
                (e.target as HTMLTextAreaElement).blur();
              }
            }}
            data-testid="note-input"
            maxLength={LIMITS.stepNote}
          />
          <div className="note-form-row">
            <span className="hint">Ctrl+Enter to add</span>
            <Button type="submit" size="sm" variant="secondary" busy={busy} disabled={!text.trim()} data-testid="note-submit">
              Add note
            </Button>
          </div>
        </form>
      ) : null}
    </section>
  );
});
