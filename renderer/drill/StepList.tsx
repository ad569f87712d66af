import { memo } from 'react';
import type { StepState } from '../../main/drill/model';
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
  countRender('StepList');
  const entry = useDrills((s) => s.drills[drillId]);
  const selected = useDrills((s) => s.selectedStep[drillId] ?? 0);
  if (!entry) return null;
  const { snap, receivedAt } = entry;
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
            drillId={drillId}
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
  drillId,
  step,
  selected,
  receivedAt,
  ticking,
}: {
  drillId: string;
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
        onClick={() => selectStep(drillId, step.index)}
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
