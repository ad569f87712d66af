import type { ButtonHTMLAttributes, ReactNode } from 'react';

export type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger' | 'warning' | 'success' | 'live';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: 'sm' | 'md' | 'lg';
  /** Keyboard shortcut shown as a subtle hint inside the button. */
  kbd?: string;
  icon?: ReactNode;
  busy?: boolean;
}

export function Button({ variant = 'secondary', size = 'md', kbd, icon, busy, className, children, disabled, type, ...rest }: ButtonProps) {
  const cls = ['btn', `btn-${variant}`, `btn-${size}`, busy ? 'is-busy' : '', className ?? ''].filter(Boolean).join(' ');
  return (
    <button type={type ?? 'button'} className={cls} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {icon ? <span className="btn-icon" aria-hidden="true">{icon}</span> : null}
      {children != null ? <span className="btn-label">{children}</span> : null}
      {kbd ? <kbd className="btn-kbd" aria-hidden="true">{kbd}</kbd> : null}
    </button>
  );
}
