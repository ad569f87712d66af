import { useState } from 'react';
import { Dialog } from '../ui/Dialog';
import { Button } from '../ui/Button';
import { LIMITS } from '../../main/common/limits.js';

export interface ReasonDialogProps {
  title: string;
  description?: string;
  confirmLabel: string;
  tone?: 'default' | 'danger' | 'warning';
  placeholder?: string;
  busy?: boolean;
  onConfirm: (reason: string) => Promise<unknown> | void;
  onClose: () => void;
}

/** Asks for a reason (required) before skip / fail / pause / abort. */
export function ReasonDialog({ title, description, confirmLabel, tone = 'default', placeholder, busy, onConfirm, onClose }: ReasonDialogProps) {
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const invalid = !reason.trim();
  const submit = async () => {
    setTouched(true);
    if (invalid || busy) return;
    const ok = await onConfirm(reason.trim());
    if (ok !== null) onClose();
  };
  return (
    <Dialog
      title={title}
      tone={tone}
      onClose={onClose}
      onSubmit={() => void submit()}
      testId="reason-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={onClose} data-testid="cancel-reason">
            Cancel
          </Button>
          <Button type="submit" variant={tone === 'danger' ? 'danger' : tone === 'warning' ? 'warning' : 'primary'} busy={busy} data-testid="confirm-reason">
            {confirmLabel}
          </Button>
        </>
      }
    >
      {description ? <p className="dialog-desc">{description}</p> : null}
      <label className="field-label" htmlFor="reason">
        Reason <span className="muted">(required, recorded in the evidence)</span>
      </label>
      <textarea
        id="reason"
        className={`input textarea ${touched && invalid ? 'is-invalid' : ''}`}
        rows={3}
        value={reason}
        placeholder={placeholder}
        maxLength={LIMITS.reason}
        onChange={(e) => setReason(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            void submit();
          }
        }}
        data-testid="reason-input"
      />
      {touched && invalid ? <div className="field-error">A reason is required.</div> : <div className="field-hint">Enter to confirm · Shift+Enter for a new line</div>}
    </Dialog>
  );
}
