import type { ReactNode } from 'react';
import type { DrillSnapshot } from '../../main/drill/model';
import type { Step } from '../../main/runbook/model';
import type { CodeSlot } from '../ui/markdown';
import { getClient } from '../app/transport';
import { toast } from '../app/store';
import { TerminalPanel } from './TerminalPanel';
import { TranscriptViewer } from './TranscriptViewer';
import { RunButton } from './RunButton';
import { setCollapsed, useTerminals } from './state';
import { blockIndexOf } from '../drill/commands';
import './terminal.css';

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
  children: ReactNode;
}

/**
 * The step and, beside it, the drill's terminals (or, once the drill has
 * ended, their transcripts). The panel can be folded away.
 */
export function TerminalWorkspace({ snap, targets, step, canAct, children }: TerminalWorkspaceProps) {
  const collapsed = useTerminals((s) => s.collapsed[snap.id] ?? false);
  const running = snap.status === 'running';
  return (
    <div className={`term-workspace ${collapsed ? 'is-collapsed' : ''}`} data-testid="terminal-workspace">
      <div className="term-workspace-step">{children}</div>
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
