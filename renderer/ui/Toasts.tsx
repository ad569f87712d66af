import { useEffect, useRef, useState } from 'react';
import { dismissToast, useToasts, type Toast } from '../app/calls';
import { AlertIcon, InfoIcon, XIcon } from './Icons';

/** How long a toast stays, unless the pointer or focus is on it. Errors stay longer: they are read, then acted on. */
export const TOAST_MS = { error: 10_000, info: 5_000 } as const;

/**
 * API errors and notices, dismissible and gone by themselves. They sit above
 * the bottom bars (the terminal's status bar with Reconnect / Close, the
 * shortcut hints), so they never cover a control there; a toast held by the
 * pointer or focus stays until let go. Never a stack trace.
 */
export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" role="region" aria-label="Notifications">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </div>
  );
}

function ToastItem({ toast: t }: { toast: Toast }) {
  const [held, setHeld] = useState(false);
  const timer = useRef(0);
  useEffect(() => {
    if (held) return;
    timer.current = window.setTimeout(() => dismissToast(t.id), TOAST_MS[t.kind]);
    return () => window.clearTimeout(timer.current);
  }, [held, t.id, t.kind]);
  return (
    <div
      className={`toast toast-${t.kind}`}
      role={t.kind === 'error' ? 'alert' : 'status'}
      data-testid="toast"
      data-kind={t.kind}
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={() => setHeld(false)}
    >
      <span className="toast-icon">{t.kind === 'error' ? <AlertIcon /> : <InfoIcon />}</span>
      <span className="toast-msg" data-testid="toast-message">
        {t.message}
      </span>
      <button type="button" className="toast-close" onClick={() => dismissToast(t.id)} aria-label="Dismiss" title="Dismiss" data-testid="toast-dismiss">
        <XIcon size={14} />
      </button>
    </div>
  );
}
