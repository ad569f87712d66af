import { useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../app/transport';
import { toApiError } from '../app/transport';
import type { TranscriptInfo } from '../../main/terminal/types';
import type { IndexRecord } from '../../main/terminal/types';
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

/**
 * The bytes a pane shows at once. A 50 MB transcript used to be replayed whole
 * from byte 0 (50 calls, 50 MB through xterm.js) before its end, where the
 * interesting part usually is, could be seen; now the pane opens on the last
 * WINDOW bytes, and Start / Earlier / Later / End and the index move the window.
 */
export const WINDOW = 2 * PAGE;

/** Where a window starting near `offset` begins, in a transcript of `total` bytes. */
export function windowAt(offset: number, total: number): { start: number; end: number } {
  const start = Math.max(0, Math.min(offset, total - WINDOW));
  return { start, end: Math.min(total, start + WINDOW) };
}

function decode(b64: string): Uint8Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function mb(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`;
}

function TranscriptPane({ client, drillId, info }: { client: ApiClient; drillId: string; info: TranscriptInfo }) {
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<ReturnType<typeof createXterm> | null>(null);
  const [records, setRecords] = useState<IndexRecord[]>([]);
  const [total, setTotal] = useState(info.bytes);
  const [win, setWin] = useState(() => windowAt(info.bytes - WINDOW, info.bytes));
  const [loaded, setLoaded] = useState(0);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const h = createXterm(el, { readOnly: true, scrollback: 50_000 });
    term.current = h;
    exposeForTests(el, h);
    let cancelled = false;
    // The index (commands, results, steps), once.
    client.call('transcript.get', { drillId, terminalId: info.terminalId, offset: 0, length: 0, maxRecords: 20_000 }).then(
      (p) => {
        if (cancelled) return;
        setRecords(p.records);
        setTotal(p.total);
      },
      (err) => !cancelled && setError(toApiError(err).message),
    );
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
      term.current = null;
      h.dispose();
    };
  }, [client, drillId, info.terminalId]);

  // The window's bytes, in 1 MiB calls, into a fresh screen.
  useEffect(() => {
    const el = box.current;
    const h = term.current;
    if (!el || !h) return;
    let cancelled = false;
    el.dataset.loaded = 'false';
    el.dataset.windowStart = String(win.start);
    h.term.reset();
    const write = (bytes: Uint8Array) => new Promise<void>((r) => h.term.write(bytes, r));
    void (async () => {
      try {
        let offset = win.start;
        let first = true;
        while (!cancelled && offset < win.end) {
          const p = await client.call('transcript.get', { drillId, terminalId: info.terminalId, offset, length: Math.min(PAGE, win.end - offset), maxRecords: 0 });
          if (cancelled) return;
          let bytes = decode(p.bytes);
          offset += bytes.length;
          if (first && win.start > 0) {
            // Mid-stream: start at the next line, not inside a character or an escape sequence.
            const nl = bytes.indexOf(0x0a);
            if (nl >= 0 && nl < 64 * 1024) bytes = bytes.subarray(nl + 1);
            await write(new TextEncoder().encode(`\x1b[2m… ${mb(win.start)} earlier not shown (Earlier / Start above)\x1b[0m\r\n`));
          }
          first = false;
          await write(bytes);
          setLoaded(offset - win.start);
          if (p.bytes.length === 0) break;
        }
        if (cancelled) return;
        h.term.scrollToBottom();
        el.dataset.loaded = 'true';
      } catch (err) {
        if (!cancelled) setError(toApiError(err).message);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [client, drillId, info.terminalId, win.start, win.end]);

  const move = (offset: number) => setWin(windowAt(offset, total));
  const paged = total > WINDOW;
  const shown = records.map((r) => ({ r, text: describe(r) })).filter((x): x is { r: IndexRecord; text: string } => x.text !== null);
  return (
    <div className="transcript-pane">
      <div className="transcript-screen">
        <div className="term-view is-active" ref={box} data-testid="transcript-view" />
        <div className="transcript-meta muted small" data-testid="transcript-meta">
          <span className="mono">{info.endpoint}</span> ·{' '}
          {paged ? `${mb(win.start)}–${mb(win.start + loaded)} of ${mb(total)}` : `${loaded.toLocaleString()} of ${total.toLocaleString()} bytes`}
          {paged ? (
            <span className="transcript-nav">
              <button type="button" className="linkish" disabled={win.start === 0} onClick={() => move(0)} data-testid="transcript-start">
                Start
              </button>
              <button type="button" className="linkish" disabled={win.start === 0} onClick={() => move(win.start - WINDOW)}>
                Earlier
              </button>
              <button type="button" className="linkish" disabled={win.end >= total} onClick={() => move(win.end)}>
                Later
              </button>
              <button type="button" className="linkish" disabled={win.end >= total} onClick={() => move(total)} data-testid="transcript-end">
                End
              </button>
            </span>
          ) : null}
          {error ? <span className="term-error"> · {error}</span> : null}
        </div>
      </div>
      <ol className="transcript-index" data-testid="transcript-index">
        {shown.map(({ r, text }, i) => (
          <li key={i} className={`ti ti-${r.t}`}>
            {paged ? (
              <button type="button" className="linkish ti-jump" onClick={() => move(r.offset - 4096)} title="Show the output from here">
                <span className="mono muted">{hms(r.at)}</span> <span className={r.t === 'command' ? 'mono' : ''}>{text}</span>
              </button>
            ) : (
              <>
                <span className="mono muted">{hms(r.at)}</span> <span className={r.t === 'command' ? 'mono' : ''}>{text}</span>
              </>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
