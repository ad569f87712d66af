import { memo, useCallback } from 'react';
import type { DrillSnapshot, StepState } from '../../main/drill/model';
import { selectStep, useDrills } from './store';
import { clockShort, plural } from '../app/format';
import { StepStatusIcon } from '../ui/Icons';
import { LiveDuration } from '../ui/Clock';
import { isStepFinished } from '../../main/common/status.js';
import { countRender } from '../app/renders';

const STATUS_LABEL: Record<StepState['status'], string> = {
  pending: 'Not started',
  running: 'Running',
  completed: 'Completed',
  skipped: 'Skipped',
  failed: 'Failed',
};

export function statusLabel(s: StepState['status']): string {
  return STATUS_LABEL[s];
}

export function StepList({ drillId }: { drillId: string }) {
  const entry = useDrills((s) => s.drills[drillId]);
  const selected = useDrills((s) => s.selectedStep[drillId] ?? 0);
  // Stable, so the memoised rows do not re-render when the list does.
  const onSelect = useCallback((i: number) => selectStep(drillId, i), [drillId]);
  if (!entry) return null;
  return <StepListView snap={entry.snap} receivedAt={entry.receivedAt} selected={selected} onSelect={onSelect} />;
}

/**
 * The step list from a snapshot. Selecting a step only chooses what is shown
 * beside it (it records nothing), so the observer's read-only view uses it as
 * the drill screen does, with its own selection.
 */
export function StepListView({ snap, receivedAt, selected, onSelect }: { snap: DrillSnapshot; receivedAt: number; selected: number; onSelect: (index: number) => void }) {
  countRender('StepList');
  const done = snap.steps.filter((s) => isStepFinished(s.status)).length;
  return (
    <nav className="step-list" aria-label="Steps">
      <div className="step-list-head">
        <span>Steps</span>
        <span className="muted mono small" data-testid="steps-done">
          {done}/{snap.steps.length}
        </span>
      </div>
      <ol role="listbox" aria-label="Steps">
        {snap.steps.map((st) => (
          <StepRow
            key={st.index}
            onSelect={onSelect}
            step={st}
            selected={st.index === selected}
            receivedAt={receivedAt}
            ticking={snap.clock.ticking}
          />
        ))}
      </ol>
    </nav>
  );
}

const StepRow = memo(function StepRow({
  onSelect,
  step,
  selected,
  receivedAt,
  ticking,
}: {
  onSelect: (index: number) => void;
  step: StepState;
  selected: boolean;
  receivedAt: number;
  ticking: boolean;
}) {
  const checked = step.checklist.filter((c) => c.checked).length;
  return (
    <li>
      <button
        type="button"
        role="option"
        aria-selected={selected}
        className={`step-row st-${step.status} ${selected ? 'is-selected' : ''}`}
        onClick={() => onSelect(step.index)}
        data-testid="step-item"
        data-status={step.status}
        data-index={step.index}
        title={`${step.index + 1}. ${step.title} — ${STATUS_LABEL[step.status]}`}
        ref={(el) => {
          if (el && selected) el.scrollIntoView({ block: 'nearest' });
        }}
      >
        <span className="step-row-icon">
          <StepStatusIcon status={step.status} />
        </span>
        <span className="step-row-body">
          <span className="step-row-title">
            <span className="step-row-num">{step.index + 1}</span>
            {step.title}
          </span>
          <span className="step-row-meta">
            {step.checklist.length ? (
              <span className={checked === step.checklist.length ? 'is-all' : ''}>
                {checked}/{plural(step.checklist.length, 'check')}
              </span>
            ) : null}
            {step.rtoStart ? <span className="rto-mark">RTO ▸</span> : null}
            {step.rtoEnd ? <span className="rto-mark">▸ RTO</span> : null}
          </span>
        </span>
        <span className="step-row-time mono" data-testid="step-time" data-ms={step.durationMs ?? ''}>
          {step.status === 'running' ? (
            <LiveDuration baseMs={step.durationMs ?? 0} receivedAt={receivedAt} ticking={ticking} format={clockShort} />
          ) : step.durationMs != null && step.status !== 'pending' ? (
            clockShort(step.durationMs)
          ) : (
            ''
          )}
        </span>
      </button>
    </li>
  );
});
