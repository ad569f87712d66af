/**
 * The drill view's keyboard, declared once: the key handler (DrillScreen),
 * the footer hints and the shortcut sheet all read this list, so what the
 * screen says is what the keys do. `scope: 'anywhere'` keys work with focus
 * in the terminal or a text field too: that is the way out of a terminal
 * (xterm.js otherwise takes every key), so the terminal lets them through
 * (TerminalView). `scope: 'terminal'` keys are handled by the terminal itself,
 * `scope: 'local'` ones by the dialog or field that has the focus.
 * What each view key does is in key-actions.ts, one handler per action.
 */

export type DrillAction =
  | 'next'
  | 'prev'
  | 'startOrComplete'
  | 'tick'
  | 'skip'
  | 'fail'
  | 'pause'
  | 'note'
  | 'focusTerminal'
  | 'leaveTerminal'
  | 'wide'
  | 'activity'
  | 'help'
  | 'copy'
  | 'paste'
  | 'find'
  | 'escape';

export interface KeyBinding {
  action: DrillAction;
  /** Key specs: 'j', 'ArrowDown', 'Ctrl+Shift+E', 'Mod+C' (Cmd on macOS, Ctrl+Shift elsewhere). */
  keys: string[];
  /** The shortcut sheet's description. */
  label: string;
  /** The footer's short hint (absent: not in the footer). */
  hint?: string;
  /** The keys the footer shows with the hint, when not all of `keys` (and maybe a sibling's). */
  hintKeys?: string[];
  /** 'running': only while the drill can be acted on (running, not interrupted, connected); else always. */
  when: 'always' | 'running';
  /** 'view': not while typing; 'anywhere': also in the terminal and text fields; 'terminal': the terminal's own; 'local': the focused dialog's or field's. */
  scope: 'view' | 'anywhere' | 'terminal' | 'local';
}

export const KEYMAP: readonly KeyBinding[] = [
  { action: 'next', keys: ['j', 'ArrowDown'], label: 'Select next step', hint: 'select', scope: 'view', hintKeys: ['j', 'k'], when: 'always' },
  { action: 'prev', keys: ['k', 'ArrowUp'], label: 'Select previous step', scope: 'view', when: 'always' },
  { action: 'startOrComplete', keys: ['Enter'], label: 'Start the selected step, or complete it if running', hint: 'start / complete', scope: 'view', when: 'running' },
  { action: 'tick', keys: ['x'], label: 'Tick the next unticked checklist item', hint: 'tick', scope: 'view', when: 'running' },
  { action: 'skip', keys: ['s'], label: 'Skip the selected step… (reason)', hint: 'skip', scope: 'view', when: 'running' },
  { action: 'fail', keys: ['f'], label: 'Fail the selected step… (reason)', hint: 'fail', scope: 'view', when: 'running' },
  { action: 'pause', keys: ['p'], label: 'Pause… / resume the drill', hint: 'pause', scope: 'view', when: 'running' },
  { action: 'note', keys: ['n'], label: 'Write a note on the selected step', hint: 'note', scope: 'view', when: 'running' },
  { action: 'focusTerminal', keys: ['t'], label: 'Move focus into the terminal', hint: 'terminal', scope: 'view', when: 'always' },
  { action: 'leaveTerminal', keys: ['Ctrl+Shift+E'], label: 'Leave the terminal (or a text field): focus back to the step', hint: 'leave terminal', scope: 'anywhere', when: 'always' },
  { action: 'wide', keys: ['w'], label: 'Terminal-wide layout on / off', hint: 'wide terminal', scope: 'view', when: 'always' },
  { action: 'activity', keys: ['a'], label: 'Show / hide the activity pane', scope: 'view', when: 'always' },
  { action: 'help', keys: ['?'], label: 'Show this list', scope: 'view', when: 'always' },
  { action: 'copy', keys: ['Mod+C'], label: 'Copy the terminal selection', scope: 'terminal', when: 'always' },
  { action: 'paste', keys: ['Mod+V', 'Ctrl+V', 'right-click'], label: 'Paste into the terminal (bracketed, as one paste)', scope: 'terminal', when: 'always' },
  { action: 'find', keys: ['Mod+F'], label: 'Find in the terminal', scope: 'terminal', when: 'always' },
  { action: 'escape', keys: ['Escape'], label: 'Close a dialog / leave a text field', scope: 'local', when: 'always' },
];

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

export function isMac(): boolean {
  // Typed by hand: this module is also loaded in Node by the unit tests (no DOM types there).
  const nav = (globalThis as { navigator?: { platform?: string; userAgentData?: { platform?: string } } }).navigator;
  return /mac/i.test(nav?.userAgentData?.platform ?? nav?.platform ?? '');
}

/** Does one key spec match a keyboard event? Plain keys ignore Shift ('?' needs it on most layouts). */
export function matchKey(spec: string, e: KeyLike, mac = isMac()): boolean {
  if (spec === 'right-click') return false;
  const parts = spec.split('+');
  const key = parts.pop()!;
  let ctrl = parts.includes('Ctrl');
  let shift = parts.includes('Shift');
  let meta = parts.includes('Cmd');
  const alt = parts.includes('Alt');
  if (parts.includes('Mod')) {
    if (mac) meta = true;
    else {
      ctrl = true;
      shift = true;
    }
  }
  const sameKey = key.length === 1 ? e.key.toLowerCase() === key.toLowerCase() : e.key === key;
  if (!sameKey) return false;
  if (e.ctrlKey !== ctrl || e.metaKey !== meta || e.altKey !== alt) return false;
  return parts.length === 0 ? true : e.shiftKey === shift;
}

export function bindingFor(e: KeyLike, scope?: KeyBinding['scope'], mac = isMac()): KeyBinding | undefined {
  return KEYMAP.find((b) => (!scope || b.scope === scope) && b.keys.some((k) => matchKey(k, e, mac)));
}

/** How a key spec is shown, for this platform. */
export function keyLabel(spec: string, mac = isMac()): string {
  const names: Record<string, string> = { ArrowDown: '↓', ArrowUp: '↑', Enter: '↵', Escape: 'Esc' };
  if (spec === 'right-click') return 'right-click';
  const parts = spec.split('+');
  const key = parts.pop()!;
  const mods = parts.flatMap((p) => (p === 'Mod' ? (mac ? ['Cmd'] : ['Ctrl', 'Shift']) : [p]));
  return [...mods, names[key] ?? (key.length === 1 ? key.toUpperCase() === key.toLowerCase() ? key : mods.length ? key.toUpperCase() : key : key)].join('+');
}
