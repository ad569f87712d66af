import { useEffect, useRef, useState, type ReactNode, type PointerEvent as ReactPointerEvent, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { DrillSnapshot } from '../../main/drill/model';
import type { Step } from '../../main/runbook/model';
import type { CodeSlot } from '../ui/markdown';
import { getClient } from '../app/transport';
import { toast } from '../app/calls';
import { TerminalPanel } from './TerminalPanel';
import { TranscriptViewer } from './TranscriptViewer';
import { RunButton } from './RunButton';
import { setCollapsed, useTerminals } from './state';
import { setTermPx, termWidth, terminalCharPx, toggleWide, useLayout, STEP_MIN_PX, TERM_MIN_PX } from '../drill/layout';
import { blockIndexOf } from '../drill/commands';
import './terminal.css';
import { countRender } from '../app/renders';

/** The target a step works on: its first code block's (local when it names none). */
export function stepTarget(step: Step | undefined): string | null {
  const first = step?.commands[0];
  if (!first) return null;
  return first.attrs.target ?? 'local';
}

/** Code-block actions for a step: Run (typed into the block's target terminal). */
export function runActions(snap: DrillSnapshot, canRun: boolean) {
  return (step: Step | undefined, slot: CodeSlot): ReactNode => {
    const i = blockIndexOf(step, slot);
    if (!step || i < 0) return null;
    return <RunButton client={getClient()} snap={snap} stepIndex={step.index} commandIndex={i} block={step.commands[i]} canRun={canRun} onError={(m) => toast(m)} />;
  };
}

export interface TerminalWorkspaceProps {
  snap: DrillSnapshot;
  /** Runbook targets (names). */
  targets: string[];
  /** The step on screen, as the runbook describes it. */
  step: Step | undefined;
  canAct: boolean;
  /** Terminal-wide layout: the step folds to a strip and the terminal takes its room. */
  wide?: boolean;
  /** "Step 2: Restore", for the folded strip. */
  stepLabel?: string;
  children: ReactNode;
}

/** Below this the terminal sits under the step (terminal.css has the same query). */
const STACKED_QUERY = '(max-width: 1180px)';

/**
 * The step and, beside it, the drill's terminals (or, once the drill has
 * ended, their transcripts). The panel can be folded away.
 */
export function TerminalWorkspace({ snap, targets, step, canAct, wide = false, stepLabel, children }: TerminalWorkspaceProps) {
  countRender('TerminalWorkspace');
  const collapsed = useTerminals((s) => s.collapsed[snap.id] ?? false);
  const chosenPx = useLayout((s) => s.termPx);
  const running = snap.status === 'running';
  const ref = useRef<HTMLDivElement>(null);
  const [widthPx, setWidthPx] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [stacked, setStacked] = useState(() => window.matchMedia(STACKED_QUERY).matches);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      setWidthPx(el.clientWidth);
      setStacked(window.matchMedia(STACKED_QUERY).matches);
    });
    observer.observe(el);
    setWidthPx(el.clientWidth);
    return () => observer.disconnect();
  }, []);

  const split = !collapsed && !wide && !stacked && widthPx > 0;
  const termPx = termWidth(widthPx, terminalCharPx(), chosenPx);
  const style = split ? { gridTemplateColumns: `minmax(0, 1fr) 6px ${termPx}px` } : undefined;

  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    const el = ref.current;
    if (!el || e.button !== 0) return;
    e.preventDefault();
    const right = el.getBoundingClientRect().right;
    const handle = e.currentTarget;
    handle.setPointerCapture(e.pointerId);
    setDragging(true);
    const move = (ev: PointerEvent) => setTermPx(Math.min(el.clientWidth - STEP_MIN_PX, Math.max(TERM_MIN_PX, right - ev.clientX)));
    const up = () => {
      setDragging(false);
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      handle.removeEventListener('pointercancel', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    handle.addEventListener('pointercancel', up);
  };
  const onSplitKey = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? 80 : 20;
    if (e.key === 'ArrowLeft') setTermPx(termPx + step);
    else if (e.key === 'ArrowRight') setTermPx(termPx - step);
    else if (e.key === 'Home' || e.key === 'Enter') setTermPx(null);
    else return;
    e.preventDefault();
  };

  return (
    <div
      ref={ref}
      className={`term-workspace ${collapsed ? 'is-collapsed' : ''} ${wide && !collapsed ? 'is-wide' : ''} ${dragging ? 'is-dragging' : ''}`}
      style={style}
      data-testid="terminal-workspace"
    >
      {wide && !collapsed ? (
        <button type="button" className="term-step-strip" onClick={toggleWide} title="Show the step beside the terminal (w)" data-testid="step-strip">
          <span>{stepLabel ?? 'Step'}</span>
        </button>
      ) : null}
      <div className="term-workspace-step" data-testid="step-panel-pane" tabIndex={-1}>
        {children}
      </div>
      {split ? (
        <div
          className="term-splitter"
          role="separator"
          aria-orientation="vertical"
          aria-label="Resize the terminal (arrow keys; Home for the default)"
          aria-valuenow={termPx}
          tabIndex={0}
          onPointerDown={onPointerDown}
          onDoubleClick={() => setTermPx(null)}
          onKeyDown={onSplitKey}
          data-testid="term-splitter"
        />
      ) : null}
      <aside className="term-workspace-side" aria-label={running ? 'Terminals' : 'Transcripts'}>
        <button
          type="button"
          className="term-fold"
          onClick={() => setCollapsed(snap.id, !collapsed)}
          aria-expanded={!collapsed}
          title={collapsed ? 'Show terminals' : 'Hide terminals'}
          data-testid="terminal-fold"
        >
          {collapsed ? '‹' : '›'}
          <span className="term-fold-label">{running ? 'Terminals' : 'Transcripts'}</span>
        </button>
        {collapsed ? null : running ? (
          <TerminalPanel client={getClient()} drillId={snap.id} targets={targets} stepTarget={stepTarget(step)} canOpen={canAct} />
        ) : (
          <TranscriptViewer client={getClient()} drillId={snap.id} />
        )}
      </aside>
    </div>
  );
}
