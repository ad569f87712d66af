import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ApiClient } from '../app/transport';
import { toApiError } from '../app/transport';
import type { TerminalInfo } from '../../main/terminal/types';
import { Button } from '../ui/Button';
import { RefreshIcon, SearchIcon, XIcon } from '../ui/Icons';
import { PromptDialog } from './PromptDialog';
import { TerminalView } from './TerminalView';
import type { XtermHandle } from './xterm';
import { refreshTerminals, removeTerminal, setActiveTerminal, upsertTerminal, useTerminals, wireTerminalState } from './state';
import './terminal.css';
import { countRender } from '../app/renders';

export interface TerminalPanelProps {
  client: ApiClient;
  drillId: string;
  /** The runbook's targets (names), for "open a terminal on…". */
  targets: string[];
  /** The target of the step on screen: its terminal is opened or brought forward. */
  stepTarget: string | null;
  /** New terminals may be opened (the drill is running and this UI is connected). */
  canOpen: boolean;
}

const STATUS_LABEL: Record<TerminalInfo['status'], string> = {
  connecting: 'connecting',
  prompting: 'waiting for you',
  open: 'connected',
  disconnected: 'disconnected',
  exited: 'exited',
  failed: 'failed',
  closed: 'closed',
};

/**
 * The size a new terminal will have once xterm.js fits it to the panel, so
 * the shell draws its first prompt at the right width (a resize follows
 * anyway when the real size is known).
 */
function estimateSize(el: HTMLElement | null): { cols: number; rows: number } {
  if (!el || el.clientWidth === 0) return { cols: 100, rows: 30 };
  const ctx = document.createElement('canvas').getContext('2d');
  let charWidth = 7.8;
  if (ctx) {
    ctx.font = '13px ui-monospace, "JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace';
    charWidth = ctx.measureText('WWWWWWWWWW').width / 10 || charWidth;
  }
  const cols = Math.max(20, Math.min(500, Math.floor((el.clientWidth - 24) / charWidth)));
  const rows = Math.max(5, Math.min(200, Math.floor((el.clientHeight - 10) / Math.ceil(13 * 1.15))));
  return { cols, rows };
}

/** Find highlights (xterm's search needs #RRGGBB colours); they also turn on the match count. */
function findDecorations() {
  return {
    matchBackground: '#6b5a1e',
    matchOverviewRuler: '#d9a400',
    activeMatchBackground: '#b8860b',
    activeMatchColorOverviewRuler: '#ffcc00',
  };
}

/**
 * The drill's terminals, beside the step: one tab per terminal (each bound
 * to a target), the step's target brought forward as the operator moves
 * through the steps, connection questions asked in dialogs, and a
 * one-click Reconnect when a connection drops.
 */
export function TerminalPanel({ client, drillId, targets, stepTarget, canOpen }: TerminalPanelProps) {
  countRender('TerminalPanel');
  const all = useTerminals((s) => s.terminals);
  const prompts = useTerminals((s) => s.prompts);
  const activeId = useTerminals((s) => s.active[drillId]);
  const focus = useTerminals((s) => s.focus);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState<XtermHandle['search'] | null>(null);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ index: number; count: number } | null>(null);
  // The message whose details are unfolded: a new message starts folded.
  const [unfolded, setUnfolded] = useState<string | null>(null);
  const stackRef = useRef<HTMLDivElement>(null);
  const findRef = useRef<HTMLInputElement>(null);

  const terminals = useMemo(
    () => Object.values(all).filter((t) => t.drillId === drillId).sort((a, b) => a.openedAt.localeCompare(b.openedAt)),
    [all, drillId],
  );
  const active = terminals.find((t) => t.terminalId === activeId) ?? terminals[terminals.length - 1] ?? null;
  const mine = new Set(terminals.map((t) => t.terminalId));
  const openPrompts = Object.values(prompts).filter((p) => mine.has(p.terminalId));

  useEffect(() => {
    wireTerminalState(client);
    void refreshTerminals(client, drillId);
  }, [client, drillId]);

  const openTarget = useCallback(
    async (target: string, reuse = true) => {
      setError(null);
      const existing = reuse ? terminals.find((t) => t.target === target) : undefined;
      if (existing) return setActiveTerminal(drillId, existing.terminalId);
      if (!canOpen) return;
      try {
        const size = estimateSize(stackRef.current);
        const t = await client.call('terminal.open', { drillId, target, cols: size.cols, rows: size.rows, reuse });
        upsertTerminal(t);
        setActiveTerminal(drillId, t.terminalId);
      } catch (err) {
        setError(toApiError(err).message);
      }
    },
    [client, drillId, terminals, canOpen],
  );

  // Moving to a step opens (or brings forward) its target's terminal.
  useEffect(() => {
    // eslint-disable-next-line react/set-state-in-effect -- opening a terminal is the effect; it clears the last error first
    if (stepTarget) void openTarget(stepTarget);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new step (or drill) opens its target, not a new terminal list
  }, [stepTarget, drillId]);

  // A Run (or anything else) asked for a target's terminal.
  useEffect(() => {
    // eslint-disable-next-line react/set-state-in-effect -- opening a terminal is the effect; it clears the last error first
    if (focus && focus.drillId === drillId) void openTarget(focus.target);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new request (its nonce) opens a terminal
  }, [focus?.nonce]);

  const act = async (method: 'terminal.reconnect' | 'terminal.close', t: TerminalInfo) => {
    setError(null);
    try {
      if (method === 'terminal.reconnect') upsertTerminal(await client.call('terminal.reconnect', { terminalId: t.terminalId }));
      else {
        await client.call('terminal.close', { terminalId: t.terminalId });
        removeTerminal(t.terminalId);
      }
    } catch (err) {
      setError(toApiError(err).message);
    }
  };

  const dead = active && (active.status === 'disconnected' || active.status === 'exited' || active.status === 'failed');
  const onSearchReady = useCallback((s: XtermHandle['search'] | null) => setSearch(() => s), []);
  const onFind = useCallback(() => {
    findRef.current?.focus();
    findRef.current?.select();
  }, []);
  const onNotice = useCallback((m: string) => setError(m), []);

  // The match count: xterm's search reports it when decorations are on.
  useEffect(() => {
    if (!search) return;
    const sub = search.onDidChangeResults((r) => setResults(r.resultCount ? { index: r.resultIndex, count: r.resultCount } : { index: -1, count: 0 }));
    return () => sub.dispose();
  }, [search]);
  const find = (q: string, dir: 'next' | 'previous', incremental = false) => {
    if (!search) return;
    if (!q) {
      search.clearDecorations();
      setResults(null);
      return;
    }
    const opts = { incremental, decorations: findDecorations() };
    if (dir === 'next') search.findNext(q, opts);
    else search.findPrevious(q, opts);
  };
  const message = active?.message && active.status !== 'open' ? active.message : null;
  const details = message !== null && unfolded === message;

  return (
    <section className="term-panel" data-testid="terminal-panel" aria-label="Terminals">
      <header className="term-tabs" role="tablist">
        {terminals.map((t) => (
          <button
            key={t.terminalId}
            type="button"
            role="tab"
            aria-selected={t.terminalId === active?.terminalId}
            className={`term-tab ${t.terminalId === active?.terminalId ? 'is-active' : ''}`}
            onClick={() => setActiveTerminal(drillId, t.terminalId)}
            data-testid="terminal-tab"
            data-target={t.target}
            data-status={t.status}
            title={`${t.endpoint} — ${STATUS_LABEL[t.status]}`}
          >
            <span className={`term-dot term-dot-${t.status}`} aria-hidden="true" />
            {t.target}
          </button>
        ))}
        {canOpen ? (
          <select
            className="term-new"
            value=""
            aria-label="Open a terminal"
            onChange={(e) => {
              if (e.target.value) void openTarget(e.target.value, false);
            }}
            data-testid="terminal-new"
          >
            <option value="">+ terminal…</option>
            {targets.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        ) : null}
        <span className="term-search">
          <SearchIcon size={13} />
          <input
            className="term-search-input"
            placeholder="Find"
            value={query}
            ref={findRef}
            onChange={(e) => {
              setQuery(e.target.value);
              find(e.target.value, 'next', true);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && query) find(query, e.shiftKey ? 'previous' : 'next');
              else if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                setQuery('');
                find('', 'next');
                document.querySelector<HTMLElement>('[data-testid="terminal-view"].is-active textarea')?.focus();
              }
            }}
            aria-label="Find in terminal"
            data-testid="terminal-find"
          />
          {query && results ? (
            <span className={`term-search-count ${results.count === 0 ? 'is-none' : ''}`} data-testid="terminal-find-count" data-count={results.count} aria-live="polite">
              {results.count === 0 ? 'no match' : `${results.index + 1} of ${results.count}`}
            </span>
          ) : null}
        </span>
      </header>

      <div className="term-stack" ref={stackRef}>
        {terminals.length === 0 ? (
          <div className="term-empty">
            <p>Terminals for this drill open here, on the machine each step names.</p>
            {canOpen ? (
              <p>
                {targets.map((t) => (
                  <Button key={t} size="sm" onClick={() => void openTarget(t)} data-testid={`terminal-open-${t}`}>
                    Open {t}
                  </Button>
                ))}
              </p>
            ) : null}
          </div>
        ) : (
          terminals.map((t) => (
            <TerminalView
              key={t.terminalId}
              client={client}
              terminalId={t.terminalId}
              active={t.terminalId === active?.terminalId}
              onSearchReady={onSearchReady}
              onFind={onFind}
              onNotice={onNotice}
            />
          ))
        )}
      </div>

      {active ? (
        <footer className={`term-status term-status-${active.status}`} data-testid="terminal-status" data-status={active.status}>
          <div className="term-status-line">
            <span className="mono term-endpoint">{active.endpoint}</span>
            <span className="term-state">{STATUS_LABEL[active.status]}</span>
            {message ? (
              <span className="term-message" data-testid="terminal-message" title={message}>
                {message}
              </span>
            ) : !active.shellIntegration && active.status === 'open' ? (
              <span className="term-message muted">exit codes unavailable (no shell integration)</span>
            ) : null}
            <span className="term-actions">
              {message && message.length > 60 ? (
                <Button size="sm" variant="ghost" onClick={() => setUnfolded(details ? null : message)} aria-expanded={details} data-testid="terminal-message-toggle">
                  {details ? 'Less' : 'Details'}
                </Button>
              ) : null}
              {dead ? (
                <Button size="sm" variant="primary" icon={<RefreshIcon />} onClick={() => void act('terminal.reconnect', active)} data-testid="terminal-reconnect">
                  Reconnect
                </Button>
              ) : null}
              <Button size="sm" variant="ghost" icon={<XIcon />} onClick={() => void act('terminal.close', active)} title="Close this terminal (its transcript is kept)">
                Close
              </Button>
            </span>
          </div>
          {message && details ? (
            <div className="term-message-details" data-testid="terminal-message-details" tabIndex={0}>
              {message}
            </div>
          ) : null}
        </footer>
      ) : null}
      {error ? (
        <div className="term-error" role="alert" data-testid="terminal-error">
          {error}
        </div>
      ) : null}
      {openPrompts[0] ? <PromptDialog key={openPrompts[0].promptId} client={client} prompt={openPrompts[0]} /> : null}
    </section>
  );
}
