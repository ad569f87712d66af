/** Small pieces the team pages share. */
import { useState, type ReactNode } from 'react';
import { Badge } from '../../ui/Badge';
import type { Load } from '../hooks';

export function ResultBadge({ result }: { result: 'pass' | 'fail' | null }) {
  if (result === null) return <Badge tone="neutral">—</Badge>;
  return <Badge tone={result === 'pass' ? 'ok' : 'danger'}>{result}</Badge>;
}

export function Tile({ label, value, sub, tone, testId }: { label: string; value: ReactNode; sub?: ReactNode; tone?: 'danger' | 'ok'; testId?: string }) {
  return (
    <div className="hist-tile" data-testid={testId}>
      <div className="hist-tile-label">{label}</div>
      <div className={`hist-tile-value ${tone ? `${tone}-text` : ''}`}>{value}</div>
      {sub ? <div className="team-tile-sub">{sub}</div> : null}
    </div>
  );
}

/** Loading text, the server's sentence on error, or the page. */
export function Loaded<T>({ load, children }: { load: Load<T>; children: (value: T) => ReactNode }) {
  if (load.state === 'loading') return <p className="muted">Loading…</p>;
  if (load.state === 'error')
    return (
      <p className="team-error" role="alert">
        {load.message}
      </p>
    );
  return <>{children(load.value)}</>;
}

/** A table column: its heading, or the heading with a class (`num` right-aligns figures). */
export type Column = string | { label: string; className: string };
export const num = (label: string): Column => ({ label, className: 'num' });

/** The team pages' table: scrolls sideways on a narrow window; `columns` gives the head row. */
export function TeamTable({ testId, columns, children }: { testId: string; columns?: readonly Column[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="history-table team-table" data-testid={testId}>
        {columns ? (
          <thead>
            <tr>
              {columns.map((c, i) => (typeof c === 'string' ? <th key={i}>{c || null}</th> : <th key={i} className={c.className}>{c.label}</th>))}
            </tr>
          </thead>
        ) : null}
        {children}
      </table>
    </div>
  );
}

/** A select whose empty value means "any": `any` names it, then one option per value. */
export function Choice({ value, onChange, any, options, name, testId }: { value: string; onChange: (value: string) => void; any: string; options: readonly string[]; name?: string; testId?: string }) {
  return (
    <select className="input" name={name} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      <option value="">{any}</option>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
}

/** A form's request: busy while it runs, the server's sentence as `error` if it fails (cleared when the next one starts). */
export function useAction(): { busy: boolean; error: string | null; setError: (e: string | null) => void; run: (f: () => Promise<void>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (f: () => Promise<void>) => {
    setError(null);
    setBusy(true);
    try {
      await f();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** A filter field: its name above the control. */
export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label>
      <span>{label}</span>
      {children}
    </label>
  );
}
