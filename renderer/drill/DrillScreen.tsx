import { useEffect, useRef, useState } from 'react';
import type { DrillSnapshot, StepState } from '../../main/drill/model';
import type { Runbook, Step } from '../../main/runbook/model';
import {
  abortDrill,
  failStep,
  finishDrill,
  loadDrillRunbook,
  pauseDrill,
  recoverDrill,
  refreshDrill,
  resumeDrill,
  selectStep,
  setCheck,
  skipStep,
  startStep,
  completeStep,
  useDrills,
} from './store';
import { useBusy, useConn } from '../app/calls';
import { navigate } from '../app/nav';
import { humanDuration, localTimeHint, plural, utcDateTime, utcTime } from '../app/format';
import { Button } from '../ui/Button';
import { Badge } from '../ui/Badge';
import { Dialog } from '../ui/Dialog';
import { AlertIcon, GapIcon, KeyboardIcon, PauseIcon, PlayIcon, StopIcon, CheckIcon } from '../ui/Icons';
import { DrillClock } from './DrillClock';
import { StepList } from './StepList';
import { StepPanel } from './StepPanel';
import { ActivityLog } from './ActivityLog';
import { ReasonDialog } from './ReasonDialog';
import { ShortcutsOverlay } from './ShortcutsOverlay';
import { ChainHeadNotice, EvidencePanel, EvidenceToggle, useEvidenceOpen } from '../evidence/EvidencePanel';
import { TerminalWorkspace, runActions } from '../terminal';
import { lastBlockFailure } from '../../main/drill/headline';
import { keyLabel } from './keymap';
import { KEY_ACTIONS, footerBindings, viewBinding, type KeyDeps, type KeyState } from './key-actions';
import { activityOpenFor, toggleActivity, toggleWide, useLayout } from './layout';
import { countRender } from '../app/renders';

/** Focus back on the step (out of the terminal or a field), so the single-key shortcuts work. */
function focusStep(): void {
  const target = document.querySelector<HTMLElement>('[data-testid="step-panel-pane"]') ?? document.querySelector<HTMLElement>('[data-testid="drill-view"]');
  if (target) target.focus({ preventScroll: true });
  else (document.activeElement as HTMLElement | null)?.blur?.();
}

type DialogState = { kind: 'skip' | 'fail' | 'complete'; step: number } | { kind: 'pause' | 'abort' | 'finish' | 'help' } | null;

function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
  }
  return false;
}

export function matchRunbookStep(runbook: Runbook | undefined, step: StepState): Step | undefined {
  if (!runbook) return undefined;
  return runbook.steps.find((s) => s.key === step.key) ?? runbook.steps.find((s) => s.index === step.index && s.title === step.title);
}

export function DrillScreen({ drillId, onBack }: { drillId: string; onBack: () => void }) {
  countRender('DrillScreen');
  const entry = useDrills((s) => s.drills[drillId]);
  const snap = entry?.snap;
  const selected = useDrills((s) => s.selectedStep[drillId] ?? 0);
  const rbCache = useDrills((s) => s.drillRunbooks[drillId]);
  const connOpen = useConn((s) => s.conn.state === 'open');
  const busy = useBusy((s) => s.busy);
  const dismissedInterrupted = useDrills((s) => s.dismissedInterrupted.includes(drillId));
  const [dialog, setDialog] = useState<DialogState>(null);
  const [notFound, setNotFound] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const showEvidence = useEvidenceOpen(drillId);
  const layout = useLayout();
  const [viewportPx, setViewportPx] = useState(() => window.innerWidth);
  useEffect(() => {
    const onResize = () => setViewportPx(window.innerWidth);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  const activityOpen = activityOpenFor(layout, viewportPx);

  /** Completing a step whose last block failed its check asks first. */
  const requestComplete = (index: number) => {
    const cur = useDrills.getState().drills[drillId]?.snap;
    if (cur && lastBlockFailure(cur, index)) setDialog({ kind: 'complete', step: index });
    else void completeStep(drillId, index);
  };

  // The drill shows the runbook as it started (variables filled in), even if the file changed since.
  const known = !!snap;
  useEffect(() => {
    if (known) void loadDrillRunbook(drillId);
  }, [drillId, known]);

  const haveEntry = !!entry;
  useEffect(() => {
    if (haveEntry || !connOpen) return;
    let cancelled = false;
    void refreshDrill(drillId).then(() => {
      if (!cancelled && !useDrills.getState().drills[drillId]) setNotFound(true);
    });
    return () => {
      cancelled = true;
    };
  }, [drillId, connOpen, haveEntry]);

  const canAct = !!snap && snap.status === 'running' && !snap.interrupted && connOpen;

  // Keyboard shortcuts, from the one keymap (./keymap.ts), each done by its handler (./key-actions.ts): single keys
  // are ignored while typing and while a dialog is open; the 'anywhere' keys (the way out of the terminal) work
  // everywhere but in a dialog.
  useEffect(() => {
    const deps: KeyDeps = {
      select: (i) => selectStep(drillId, i),
      help: () => setDialog({ kind: 'help' }),
      wide: toggleWide,
      activity: toggleActivity,
      focusTerminal: () => {
        const term = document.querySelector<HTMLElement>('[data-testid="terminal-view"].is-active textarea');
        term?.focus();
        return !!term;
      },
      leaveTerminal: focusStep,
      start: (i) => void startStep(drillId, i),
      complete: (i) => requestComplete(i),
      skip: (i) => setDialog({ kind: 'skip', step: i }),
      fail: (i) => setDialog({ kind: 'fail', step: i }),
      pause: () => setDialog({ kind: 'pause' }),
      resume: () => void resumeDrill(drillId),
      note: () => noteRef.current?.focus(),
      tick: (i, item) => void setCheck(drillId, i, item, true),
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if (document.querySelector('[role="dialog"]')) return;
      const binding = viewBinding(e, isTyping(e.target));
      if (!binding) return;
      const st = useDrills.getState();
      const busyNow = useBusy.getState().busy;
      const cur = st.drills[drillId]?.snap;
      if (!cur && binding.scope !== 'anywhere') return;
      const sel = st.selectedStep[drillId] ?? 0;
      const state: KeyState = {
        sel,
        step: cur?.steps[sel],
        canAct: !!cur && cur.status === 'running' && !cur.interrupted && useConn.getState().conn.state === 'open',
        paused: !!cur?.paused,
        busy: (key) => !!busyNow[key],
        onControl: e.target instanceof HTMLElement && !!e.target.closest('button, a, summary, label'),
      };
      if (KEY_ACTIONS[binding.action](state, deps)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the handler reads the store when a key is pressed; one listener per drill
  }, [drillId]);

  if (!snap) {
    return (
      <div className="empty">
        {notFound ? (
          <>
            <h2>Drill not found</h2>
            <p className="muted mono">{drillId}</p>
            <Button onClick={onBack}>Back to runbooks</Button>
          </>
        ) : (
          <div className="loading">Loading drill…</div>
        )}
      </div>
    );
  }

  const step = snap.steps[Math.min(selected, snap.steps.length - 1)];
  const runbook = rbCache?.runbook;
  const running = snap.status === 'running';
  const pendingCount = snap.steps.filter((s) => s.status === 'pending' || s.status === 'running').length;

  return (
    <div
      className={`drill ${running ? 'is-running' : 'is-ended'} ${snap.paused ? 'is-paused' : ''} ${snap.mode === 'live' ? 'is-live' : ''}`}
      data-testid="drill-view"
      data-drill-id={snap.id}
      data-status={snap.status}
      tabIndex={-1}
    >
      <header className="drill-top">
        <div className="drill-ident">
          <div className="drill-kicker">
            {snap.mode === 'live' ? (
              <Badge tone="live" testId="drill-mode">
                LIVE
              </Badge>
            ) : (
              <Badge tone="neutral" testId="drill-mode">
                {snap.mode === 'automated' ? 'Automated' : 'Rehearsal'}
              </Badge>
            )}
            <DrillStatusBadge snap={snap} />
          </div>
          <h1 className="drill-title" data-testid="drill-title">
            {snap.runbook.title}
          </h1>
          <div className="drill-facts small">
            <span>
              <span className="muted">Operator</span> <span data-testid="drill-operator">{snap.operator}</span>
            </span>
            <span>
              <span className="muted">Started</span> <span data-testid="drill-started">{utcDateTime(snap.startedAt, true)} UTC</span>
              {localTimeHint(snap.startedAt) ? <span className="muted"> ({localTimeHint(snap.startedAt)})</span> : null}
            </span>
            {snap.endedAt ? (
              <span>
                <span className="muted">Ended</span> {utcTime(snap.endedAt)} UTC
              </span>
            ) : null}
          </div>
        </div>
        <DrillClock drillId={snap.id} />
        <div className="drill-controls">
          <EvidenceToggle snap={snap} />
          {canAct ? (
            <>
              {snap.paused ? (
                <Button variant="primary" icon={<PlayIcon />} kbd="p" onClick={() => void resumeDrill(snap.id)} busy={!!busy.pause} data-testid="resume">
                  Resume
                </Button>
              ) : (
                <Button variant="secondary" icon={<PauseIcon />} kbd="p" onClick={() => setDialog({ kind: 'pause' })} busy={!!busy.pause} data-testid="pause">
                  Pause…
                </Button>
              )}
              <Button
                variant={pendingCount === 0 ? 'success' : 'secondary'}
                icon={<CheckIcon />}
                onClick={() => setDialog({ kind: 'finish' })}
                busy={!!busy.finish}
                title={pendingCount ? `${plural(pendingCount, "step")} still open` : 'All steps done: finish and record the drill'}
                data-testid="finish"
              >
                Finish drill
              </Button>
              <Button variant="ghost" className="btn-danger-text" icon={<StopIcon />} onClick={() => setDialog({ kind: 'abort' })} busy={!!busy.abort} data-testid="abort">
                Abort…
              </Button>
            </>
          ) : !running ? (
            <Button variant="ghost" onClick={() => navigate({ name: 'history' })} data-testid="back-to-history">
              History
            </Button>
          ) : null}
        </div>
      </header>

      <div className="drill-notices">
        {snap.paused && running ? (
          <div className="notice notice-paused" role="status" data-testid="paused-banner">
            <PauseIcon />
            <span>
              <strong>PAUSED</strong> — {snap.pauseReason ?? 'no reason given'}
              <span className="muted small"> · since {snap.pauses.at(-1) ? `${utcTime(snap.pauses.at(-1)!.startedAt)} UTC` : '—'} · the net clock is stopped</span>
            </span>
            {canAct ? (
              <Button size="sm" variant="primary" icon={<PlayIcon />} onClick={() => void resumeDrill(snap.id)} busy={!!busy.pause}>
                Resume
              </Button>
            ) : null}
          </div>
        ) : null}
        {snap.gaps.map((g, i) => (
          <div key={i} className="notice notice-gap" data-testid="gap-notice" data-duration-ms={g.durationMs}>
            <GapIcon />
            <span>
              Drillbook was not running for <strong>{humanDuration(g.durationMs)}</strong> ({utcTime(g.from)}–{utcTime(g.to)} UTC); the clock kept running.
              {g.measuredBy === 'wall-clock' ? <span className="muted"> Measured by the wall clock (the machine restarted in between).</span> : null}
            </span>
          </div>
        ))}
        {snap.interrupted && dismissedInterrupted ? (
          <div className="notice notice-warn" data-testid="interrupted-inline">
            <AlertIcon />
            <span>This drill was interrupted. Resume it to continue; until then it is read-only.</span>
            <Button size="sm" variant="warning" onClick={() => void recoverDrill(snap.id)} busy={!!busy[`recover:${snap.id}`]} data-testid="recover-drill-inline">
              Resume drill
            </Button>
          </div>
        ) : null}
        {!running ? (
          <div className={`notice ${snap.status === 'completed' ? 'notice-ok' : 'notice-danger'}`} data-testid="ended-notice">
            {snap.status === 'completed' ? <CheckIcon /> : <StopIcon />}
            <span>
              Drill {snap.status}
              {snap.endedAt ? ` at ${utcDateTime(snap.endedAt, true)} UTC` : ''}
              {snap.endReason ? ` — ${snap.endReason}` : ''}. Steps and times are final; evidence can be added until the reviewer signs off.
            </span>
          </div>
        ) : null}
        <ChainHeadNotice snap={snap} />
      </div>

      <div
        className={`drill-grid ${activityOpen ? 'has-activity' : 'no-activity'} ${layout.wide && !showEvidence ? 'is-wide' : ''}`}
        data-testid="drill-grid"
        data-activity={activityOpen ? 'open' : 'closed'}
        data-wide={String(layout.wide)}
      >
        <StepList drillId={snap.id} />
        <main className="drill-centre">
          {showEvidence ? (
            <EvidencePanel snap={snap} />
          ) : step ? (
            <TerminalWorkspace
              snap={snap}
              targets={runbook?.meta.targets.map((t) => t.name) ?? ['local']}
              step={matchRunbookStep(runbook, step)}
              canAct={canAct}
              wide={layout.wide}
              stepLabel={`Step ${step.index + 1}: ${step.title}`}
            >
              <StepPanel
                key={step.index}
                ref={noteRef}
                snap={snap}
                receivedAt={entry.receivedAt}
                step={step}
                runbookStep={matchRunbookStep(runbook, step)}
                runbook={rbCache}
                canAct={canAct}
                onSkip={() => setDialog({ kind: 'skip', step: step.index })}
                onFail={() => setDialog({ kind: 'fail', step: step.index })}
                onComplete={() => requestComplete(step.index)}
                codeActions={runActions(snap, canAct)}
              />
            </TerminalWorkspace>
          ) : (
            <div className="empty">This runbook has no steps.</div>
          )}
        </main>
        {activityOpen ? (
          <ActivityLog snap={snap} onHide={toggleActivity} />
        ) : (
          <button type="button" className="activity-rail" onClick={toggleActivity} title="Show the activity pane (a)" aria-expanded={false} data-testid="activity-toggle">
            <span>Activity</span>
          </button>
        )}
      </div>

      <footer className="kbd-hints" aria-hidden="true" data-testid="kbd-hints">
        {footerBindings(canAct).map((b) => (
          <span key={b.action} data-action={b.action}>
            {(b.hintKeys ?? b.keys).map((k) => (
              <kbd key={k}>{keyLabel(k)}</kbd>
            ))}{' '}
            {b.hint}
          </span>
        ))}
        <button type="button" className="linkish" onClick={() => setDialog({ kind: 'help' })} data-testid="show-shortcuts">
          <KeyboardIcon size={14} /> <kbd>?</kbd> all shortcuts
        </button>
      </footer>

      <DrillDialogs snap={snap} dialog={dialog} setDialog={setDialog} busy={busy} />
    </div>
  );
}

function DrillStatusBadge({ snap }: { snap: DrillSnapshot }) {
  if (snap.status === 'running') {
    if (snap.interrupted) return <Badge tone="warn" testId="drill-status">Interrupted</Badge>;
    if (snap.paused) return <Badge tone="warn" testId="drill-status">Paused</Badge>;
    return <Badge tone="accent" testId="drill-status">Running</Badge>;
  }
  const tone = snap.status === 'completed' ? 'ok' : 'danger';
  return (
    <Badge tone={tone} testId="drill-status">
      {snap.status[0]!.toUpperCase() + snap.status.slice(1)}
    </Badge>
  );
}

function DrillDialogs({
  snap,
  dialog,
  setDialog,
  busy,
}: {
  snap: DrillSnapshot;
  dialog: DialogState;
  setDialog: (d: DialogState) => void;
  busy: Record<string, true>;
}) {
  if (!dialog) return null;
  const close = () => setDialog(null);
  switch (dialog.kind) {
    case 'help':
      return (
        <ShortcutsOverlay
          onClose={() => {
            close();
            // Not back to the button that opened it: Enter there would reopen the sheet instead of starting the step.
            requestAnimationFrame(focusStep);
          }}
        />
      );
    case 'complete': {
      const st = snap.steps[dialog.step];
      const failed = lastBlockFailure(snap, dialog.step);
      return (
        <Dialog
          title={`Complete step ${dialog.step + 1} anyway?`}
          tone="warning"
          onClose={close}
          onSubmit={async () => {
            const ok = await completeStep(snap.id, dialog.step);
            if (ok) close();
          }}
          testId="complete-failed-dialog"
          footer={
            <>
              <Button variant="ghost" onClick={close} data-autofocus>
                Cancel
              </Button>
              <Button type="submit" variant="warning" busy={!!busy[`step:${dialog.step}`]} data-testid="confirm-complete">
                Complete anyway
              </Button>
            </>
          }
        >
          <p className="dialog-desc">
            The last block run in <strong>{st?.title}</strong> failed its check
            {failed ? (
              <>
                : <span className="mono">{failed.name ?? failed.text.split('\n')[0]}</span>
                {failed.note ? ` (${failed.note})` : failed.exitCode != null ? ` (exit ${failed.exitCode})` : ''}
              </>
            ) : null}
            . Completing the step records it as completed; the drill's result will say the check failed until it passes.
          </p>
        </Dialog>
      );
    }
    case 'skip': {
      const st = snap.steps[dialog.step];
      return (
        <ReasonDialog
          title={`Skip step ${dialog.step + 1}: ${st?.title ?? ''}`}
          description="The step is recorded as skipped, with your reason."
          confirmLabel="Skip step"
          placeholder="e.g. Not applicable: replica already promoted"
          busy={!!busy[`step:${dialog.step}`]}
          onConfirm={(r) => skipStep(snap.id, dialog.step, r)}
          onClose={close}
        />
      );
    }
    case 'fail': {
      const st = snap.steps[dialog.step];
      return (
        <ReasonDialog
          title={`Fail step ${dialog.step + 1}: ${st?.title ?? ''}`}
          description="The step is recorded as failed. The drill keeps running; you decide whether to continue or abort."
          confirmLabel="Mark as failed"
          tone="danger"
          placeholder="What went wrong?"
          busy={!!busy[`step:${dialog.step}`]}
          onConfirm={(r) => failStep(snap.id, dialog.step, r)}
          onClose={close}
        />
      );
    }
    case 'pause':
      return (
        <ReasonDialog
          title="Pause the drill"
          description="The net clock stops while paused; the pause and its reason are kept in the record."
          confirmLabel="Pause"
          tone="warning"
          placeholder="e.g. Waiting for the storage team"
          busy={!!busy.pause}
          onConfirm={(r) => pauseDrill(snap.id, r)}
          onClose={close}
        />
      );
    case 'abort':
      return (
        <ReasonDialog
          title="Abort the drill"
          description="The drill ends now and is recorded as aborted. This cannot be undone."
          confirmLabel="Abort drill"
          tone="danger"
          placeholder="Why is the drill being abandoned?"
          busy={!!busy.abort}
          onConfirm={(r) => abortDrill(snap.id, r)}
          onClose={close}
        />
      );
    case 'finish': {
      const open = snap.steps.filter((st) => st.status === 'pending' || st.status === 'running');
      if (open.length > 0) {
        return (
          <Dialog
            title="Steps still open"
            onClose={close}
            testId="finish-dialog"
            footer={
              <Button variant="primary" onClick={close} data-autofocus>
                OK
              </Button>
            }
          >
            <p className="dialog-desc">
              A drill finishes once every step is completed, skipped or failed. Still open:
            </p>
            <ul className="open-steps">
              {open.map((st) => (
                <li key={st.index}>
                  <span className="mono muted">{st.index + 1}</span> {st.title} <span className="muted small">({st.status === 'running' ? 'running' : 'not started'})</span>
                </li>
              ))}
            </ul>
            <p className="muted small">To stop now without finishing the steps, abort the drill with a reason.</p>
          </Dialog>
        );
      }
      return (
        <Dialog
          title="Finish the drill"
          onClose={close}
          onSubmit={async () => {
            const ok = await finishDrill(snap.id);
            if (ok) close();
          }}
          testId="finish-dialog"
          footer={
            <>
              <Button variant="ghost" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" variant="success" busy={!!busy.finish} data-testid="confirm-finish">
                Finish drill
              </Button>
            </>
          }
        >
          <p className="dialog-desc">The clock stops and the drill is recorded with its RTO result. This cannot be undone.</p>
        </Dialog>
      );
    }
  }
}
