import { useEffect, useId, useLayoutEffect, useRef, type FormEvent, type ReactNode } from 'react';

export interface DialogProps {
  title: ReactNode;
  onClose: () => void;
  /** When given, the body is a form and Enter submits it. */
  onSubmit?: () => void;
  children: ReactNode;
  footer?: ReactNode;
  tone?: 'default' | 'danger' | 'warning';
  testId?: string;
  width?: number;
  /** Give focus back to where it was on close (default). Off where that element would reopen the dialog on Enter. */
  restoreFocus?: boolean;
}

/**
 * A modal dialog: focus moves in (first field, else first button), Tab
 * stays inside, Escape closes, focus returns to where it was.
 */
export function Dialog({ title, onClose, onSubmit, children, footer, tone = 'default', testId, width, restoreFocus = true }: DialogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const closeRef = useRef(onClose);
  const restoreRef = useRef(restoreFocus);
  // The latest props, for the key handler and the unmount; set after render (a ref is not written during render).
  useLayoutEffect(() => {
    closeRef.current = onClose;
    restoreRef.current = restoreFocus;
  });

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const el = ref.current;
    const first =
      el?.querySelector<HTMLElement>('[data-autofocus]') ??
      el?.querySelector<HTMLElement>('input:not([disabled]), textarea:not([disabled]), select:not([disabled])') ??
      el?.querySelector<HTMLElement>('button:not([disabled])');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        e.preventDefault();
        closeRef.current();
      } else if (e.key === 'Tab' && el) {
        const items = [...el.querySelectorAll<HTMLElement>('button, input, textarea, select, a[href], [tabindex]:not([tabindex="-1"])')].filter(
          (n) => !n.hasAttribute('disabled'),
        );
        if (items.length === 0) return;
        const firstItem = items[0]!;
        const lastItem = items[items.length - 1]!;
        if (e.shiftKey && document.activeElement === firstItem) {
          e.preventDefault();
          lastItem.focus();
        } else if (!e.shiftKey && document.activeElement === lastItem) {
          e.preventDefault();
          firstItem.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      if (restoreRef.current) previous?.focus?.();
    };
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit?.();
  };

  const body = (
    <>
      <header className="dialog-header">
        <h2 id={titleId}>{title}</h2>
      </header>
      <div className="dialog-body">{children}</div>
      {footer ? <footer className="dialog-footer">{footer}</footer> : null}
    </>
  );

  return (
    <div
      className="dialog-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={ref}
        className={`dialog dialog-${tone}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        style={width ? { width } : undefined}
      >
        {onSubmit ? (
          <form onSubmit={submit} noValidate>
            {body}
          </form>
        ) : (
          body
        )}
      </div>
    </div>
  );
}
