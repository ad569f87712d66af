import { useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../app/transport';
import { toApiError } from '../app/transport';
import type { TranscriptInfo } from '../../main/terminal/types';
import type { IndexRecord } from '../../main/terminal/transcript';
import { createXterm } from './xterm';
import { exposeForTests } from './TerminalView';
import './terminal.css';

const PAGE = 1 << 20;

function hms(iso: string): string {
  return iso.slice(11, 19);
}

function describe(r: IndexRecord): string | null {
  switch (r.t) {
    case 'open':
      return `opened ${r.target} (${r.endpoint}), ${r.cols}×${r.rows}`;
    case 'step':
      return r.stepIndex === null ? 'between steps' : `step ${r.stepIndex + 1}: ${r.title ?? ''}`;
    case 'command':
      return `$ ${r.text.split('\n')[0]}${r.text.includes('\n') ? ' …' : ''}${r.name ? `  (${r.name})` : ''}`;
    case 'result':
      return `${r.exitCode === null ? 'no exit code' : `exit ${r.exitCode}`}${r.expectPassed === true ? ' ✓' : r.expectPassed === false ? ' ✗' : ''}${r.message ? ` — ${r.message}` : ''}`;
    case 'status':
      return r.status === 'open' ? 'connected' : `${r.status}${r.message ? `: ${r.message}` : ''}`;
    case 'resize':
      return `resized to ${r.cols}×${r.rows}`;
    case 'close':
      return `closed: ${r.reason}`;
    case 'typed':
      return `$ ${(r.text ?? '(not in the shell history)').split('\n')[0]}  (typed) — ${r.exitCode === null ? 'no exit code' : `exit ${r.exitCode}`}`;
    case 'input':
      return null;
  }
}

/**
 * After the drill: each terminal's transcript replayed through xterm.js
 * (the exact bytes received, so it looks as it did), beside its index of
 * commands, results, step changes and connection events.
 */
export function TranscriptViewer({ client, drillId }: { client: ApiClient; drillId: string }) {
  const [list, setList] = useState<TranscriptInfo[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    client.call('transcript.list', { drillId }).then(
      (l) => {
        if (cancelled) return;
        setList(l);
        setSelected((s) => s ?? l[0]?.terminalId ?? null);
      },
      (err) => !cancelled && setError(toApiError(err).message),
    );
    return () => {
      cancelled = true;
    };
  }, [client, drillId]);

  if (error) return <div className="term-error">{error}</div>;
  if (!list) return <div className="loading">Loading transcripts…</div>;
  if (list.length === 0) return <div className="term-empty">No terminal was used in this drill.</div>;
  return (
    <section className="transcripts" data-testid="transcripts">
      <nav className="term-tabs" role="tablist">
        {list.map((t) => (
          <button
            key={t.terminalId}
            type="button"
            role="tab"
            aria-selected={t.terminalId === selected}
            className={`term-tab ${t.terminalId === selected ? 'is-active' : ''}`}
            onClick={() => setSelected(t.terminalId)}
            data-testid="transcript-tab"
            title={`${t.endpoint} · ${t.bytes.toLocaleString()} bytes`}
          >
            {t.target}
            <span className="muted small"> {t.kind === 'exec' ? 'run' : t.openedAt ? hms(t.openedAt) : ''}</span>
          </button>
        ))}
      </nav>
      {selected ? <TranscriptPane key={selected} client={client} drillId={drillId} info={list.find((t) => t.terminalId === selected)!} /> : null}
    </section>
  );
}

function TranscriptPane({ client, drillId, info }: { client: ApiClient; drillId: string; info: TranscriptInfo }) {
  const box = useRef<HTMLDivElement>(null);
  const [records, setRecords] = useState<IndexRecord[]>([]);
  const [progress, setProgress] = useState({ loaded: 0, total: info.bytes });
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const h = createXterm(el, { readOnly: true, scrollback: 50_000 });
    exposeForTests(el, h);
    let cancelled = false;
    const write = (bytes: Uint8Array) => new Promise<void>((r) => h.term.write(bytes, r));
    void (async () => {
      try {
        let offset = 0;
        for (let page = 0; !cancelled; page++) {
          const p = await client.call('transcript.get', { drillId, terminalId: info.terminalId, offset, length: PAGE, maxRecords: page === 0 ? 20_000 : 0 });
          if (page === 0) setRecords(p.records);
          const bin = atob(p.bytes);
          const bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          await write(bytes);
          offset += bytes.length;
          setProgress({ loaded: offset, total: p.total });
          if (bytes.length === 0 || offset >= p.total) break;
        }
        el.dataset.loaded = 'true';
      } catch (err) {
        if (!cancelled) setError(toApiError(err).message);
      }
    })();
    const observer = new ResizeObserver(() => {
      try {
        h.fit.fit();
      } catch {
        /* detached */
      }
    });
    observer.observe(el);
    return () => {
      cancelled = true;
      observer.disconnect();
      h.dispose();
    };
  }, [client, drillId, info.terminalId]);

  const shown = records.map((r) => ({ r, text: describe(r) })).filter((x): x is { r: IndexRecord; text: string } => x.text !== null);
  return (
    <div className="transcript-pane">
      <div className="transcript-screen">
        <div className="term-view is-active" ref={box} data-testid="transcript-view" />
        <div className="transcript-meta muted small">
          <span className="mono">{info.endpoint}</span> · {progress.loaded.toLocaleString()} of {progress.total.toLocaleString()} bytes
          {error ? <span className="term-error"> · {error}</span> : null}
        </div>
      </div>
      <ol className="transcript-index" data-testid="transcript-index">
        {shown.map(({ r, text }, i) => (
          <li key={i} className={`ti ti-${r.t}`}>
            <span className="mono muted">{hms(r.at)}</span> <span className={r.t === 'command' ? 'mono' : ''}>{text}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
