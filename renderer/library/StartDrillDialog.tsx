import { useCallback, useState } from 'react';
import type { Runbook } from '../../main/runbook/model';
import type { DrillMode } from '../../main/drill/model';
import { useBusy } from '../app/calls';
import { startDrill, useDrills } from '../drill/store';
import { Dialog } from '../ui/Dialog';
import { Button } from '../ui/Button';
import { AlertIcon } from '../ui/Icons';
import { targetText } from '../app/format';
import { DrillVarsFields, type VarsState } from './DrillVarsFields';
import { LIMITS } from '../../main/common/limits.js';

export function StartDrillDialog({ runbook, onClose }: { runbook: Runbook; onClose: () => void }) {
  const remembered = useDrills((s) => s.operator);
  const busy = useBusy((s) => !!s.busy['drill.start']);
  const [operator, setOperator] = useState(remembered);
  const [mode, setMode] = useState<Exclude<DrillMode, 'automated'>>('rehearsal');
  const [touched, setTouched] = useState(false);
  const [vars, setVars] = useState<VarsState>({ values: {}, ok: true });
  const onVars = useCallback((v: VarsState) => setVars(v), []);
  const invalid = !operator.trim() || !vars.ok;

  const submit = async () => {
    setTouched(true);
    if (invalid || busy) return;
    const snap = await startDrill(runbook.file, mode, operator, vars.values);
    if (snap) onClose();
  };

  return (
    <Dialog
      title={`Start a drill: ${runbook.title}`}
      onClose={onClose}
      onSubmit={() => void submit()}
      tone={mode === 'live' ? 'warning' : 'default'}
      testId="start-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant={mode === 'live' ? 'live' : 'primary'} busy={busy} data-testid="confirm-start">
            {mode === 'live' ? 'Start LIVE drill' : 'Start rehearsal'}
          </Button>
        </>
      }
    >
      <label className="field-label" htmlFor="operator">
        Operator
      </label>
      <input
        id="operator"
        className={`input ${touched && !operator.trim() ? 'is-invalid' : ''}`}
        value={operator}
        onChange={(e) => setOperator(e.target.value)}
        placeholder="Your name, as it should appear in the evidence"
        autoComplete="name"
        maxLength={LIMITS.name}
        data-testid="operator-input"
      />
      {touched && !operator.trim() ? <div className="field-error">An operator name is required.</div> : <div className="field-hint">Recorded on every event of this drill.</div>}

      <DrillVarsFields runbookPath={runbook.file} touched={touched} onChange={onVars} />

      <div className="field-label">Mode</div>
      <div className="mode-choice" role="radiogroup" aria-label="Mode">
        <button
          type="button"
          role="radio"
          aria-checked={mode === 'rehearsal'}
          className={`mode-card ${mode === 'rehearsal' ? 'is-selected' : ''}`}
          onClick={() => setMode('rehearsal')}
          data-testid="mode-rehearsal"
        >
          <strong>Rehearsal</strong>
          <span>A game-day practice run against a test environment.</span>
        </button>
        <button
          type="button"
          role="radio"
          aria-checked={mode === 'live'}
          className={`mode-card mode-live ${mode === 'live' ? 'is-selected' : ''}`}
          onClick={() => setMode('live')}
          data-testid="mode-live"
        >
          <strong>Live</strong>
          <span>A real incident. Recorded as a live recovery.</span>
        </button>
      </div>
      {mode === 'live' ? (
        <div className="callout callout-warn small">
          <AlertIcon />
          <span>Live mode: this drill is recorded as a real recovery of production.</span>
        </div>
      ) : null}
      <div className="dialog-summary muted small">
        {runbook.steps.length} steps{runbook.rto ? ` · RTO target ${targetText(runbook.rto.seconds)}` : ' · no RTO target'} · the clock starts when you
        press start.
      </div>
    </Dialog>
  );
}
