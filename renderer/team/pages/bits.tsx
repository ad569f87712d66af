/** Small pieces the team pages share. */
import type { ReactNode } from 'react';
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
