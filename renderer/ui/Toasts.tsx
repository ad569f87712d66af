import { dismissToast, useStore } from '../app/store';
import { AlertIcon, InfoIcon, XIcon } from './Icons';

/** API errors and notices, bottom-right, dismissible. Never a stack trace. */
export function Toasts() {
  const toasts = useStore((s) => s.toasts);
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" role="region" aria-label="Notifications">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-testid="toast" data-kind={t.kind}>
          <span className="toast-icon">{t.kind === 'error' ? <AlertIcon /> : <InfoIcon />}</span>
          <span className="toast-msg" data-testid="toast-message">
            {t.message}
          </span>
          <button type="button" className="toast-close" onClick={() => dismissToast(t.id)} aria-label="Dismiss" data-testid="toast-dismiss">
            <XIcon size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
