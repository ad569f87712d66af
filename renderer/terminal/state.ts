/**
 * Terminal UI state: the terminals and open questions the core reports
 * (kept current from its events), and per drill which terminal is in
 * front. Separate from the app store so the terminal feature stays
 * self-contained.
 */
import { create } from 'zustand';
import type { ApiClient } from '../app/transport';
import type { PromptInfo, TerminalInfo } from '../../main/terminal/types';

export interface TerminalUiState {
  terminals: Record<string, TerminalInfo>;
  prompts: Record<string, PromptInfo>;
  /** drillId (or '' for none) → terminalId in front. */
  active: Record<string, string>;
  /** drillId → the panel is collapsed. */
  collapsed: Record<string, boolean>;
  /** Bumped to ask a panel to bring a target's terminal forward. */
  focus: { drillId: string; target: string; nonce: number } | null;
}

export const useTerminals = create<TerminalUiState>()(() => ({ terminals: {}, prompts: {}, active: {}, collapsed: {}, focus: null }));

const set = useTerminals.setState;

let wired: ApiClient | null = null;

/** Follows the core's terminal events; idempotent. */
export function wireTerminalState(client: ApiClient): void {
  if (wired === client) return;
  wired = client;
  client.onEvent((e) => {
    if (e.type === 'terminal.status') {
      const t = e.terminal;
      set((s) => {
        if (t.status === 'closed') {
          const terminals = { ...s.terminals };
          delete terminals[t.terminalId];
          return { terminals };
        }
        return { terminals: { ...s.terminals, [t.terminalId]: t } };
      });
    } else if (e.type === 'terminal.prompt') {
      set((s) => {
        const prompts = { ...s.prompts };
        if (e.state === 'open') prompts[e.prompt.promptId] = e.prompt;
        else delete prompts[e.prompt.promptId];
        return { prompts };
      });
    }
  });
  client.onStatus((st) => {
    if (st.state === 'open') void refreshTerminals(client);
  });
}

/** Reloads the list (after a reconnect of the UI's own connection, events may have been missed). */
export async function refreshTerminals(client: ApiClient, drillId?: string): Promise<void> {
  try {
    const r = await client.call('terminal.list', drillId ? { drillId } : {});
    set((s) => {
      const terminals = drillId ? Object.fromEntries(Object.entries(s.terminals).filter(([, t]) => t.drillId !== drillId)) : {};
      for (const t of r.terminals) terminals[t.terminalId] = t;
      return { terminals, prompts: Object.fromEntries(r.prompts.map((p) => [p.promptId, p])) };
    });
  } catch {
    /* offline: the next status event brings it back */
  }
}

export function upsertTerminal(t: TerminalInfo): void {
  set((s) => ({ terminals: { ...s.terminals, [t.terminalId]: t } }));
}

export function setActiveTerminal(drillId: string | null, terminalId: string): void {
  set((s) => ({ active: { ...s.active, [drillId ?? '']: terminalId } }));
}

export function setCollapsed(drillId: string, collapsed: boolean): void {
  set((s) => ({ collapsed: { ...s.collapsed, [drillId]: collapsed } }));
}

/** Asks the drill's panel to open (or bring forward) the target's terminal. */
export function requestTerminal(drillId: string, target: string): void {
  set((s) => ({ focus: { drillId, target, nonce: (s.focus?.nonce ?? 0) + 1 }, collapsed: { ...s.collapsed, [drillId]: false } }));
}

export function removeTerminal(terminalId: string): void {
  set((s) => {
    const terminals = { ...s.terminals };
    delete terminals[terminalId];
    return { terminals };
  });
}
