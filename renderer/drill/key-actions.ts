/**
 * What each drill-view shortcut does: one handler per keymap action
 * (keymap.ts declares the keys, labels, footer hints and when each applies),
 * so a shortcut the footer or the sheet shows cannot be left unhandled:
 * KEY_ACTIONS is typed by the keymap's actions, and a unit test walks every
 * binding through it (test/e2e/renderer-drill-units.test.ts).
 *
 * Pure: the state a key acts on and the things it may do are passed in
 * (DrillScreen gives the store's state and actions), so this runs in Node.
 * A handler returns whether it acted (then the key's default is prevented).
 */
import { KEYMAP, bindingFor, type DrillAction, type KeyBinding, type KeyLike } from './keymap.js';
import { isStepFinished } from '../../main/common/status.js';

/** The terminal (TerminalView), a dialog (Dialog) or a field handles these itself; the view never sees them. */
export type OwnAction = Extract<DrillAction, 'copy' | 'paste' | 'find' | 'escape'>;
export type ViewAction = Exclude<DrillAction, OwnAction>;

export interface KeyStep {
  status: 'pending' | 'running' | 'completed' | 'skipped' | 'failed';
  checklist: readonly { index: number; checked: boolean }[];
}

/** The drill as a key sees it, read from the store when the key is pressed. */
export interface KeyState {
  /** The selected step's index, and that step (undefined past the end). */
  sel: number;
  step: KeyStep | undefined;
  /** The drill is running, not interrupted, and the connection is open. */
  canAct: boolean;
  paused: boolean;
  /** A request for this key (`step:N`, `check:N:I`) is in flight. */
  busy: (key: string) => boolean;
  /** Enter landed on a button, link or label: that control acts, not the shortcut. */
  onControl: boolean;
}

export interface KeyDeps {
  select(index: number): void;
  help(): void;
  wide(): void;
  activity(): void;
  /** Focuses the active terminal; false when there is none. */
  focusTerminal(): boolean;
  leaveTerminal(): void;
  start(index: number): void;
  complete(index: number): void;
  skip(index: number): void;
  fail(index: number): void;
  pause(): void;
  resume(): void;
  note(): void;
  tick(index: number, item: number): void;
}

type Handler = (s: KeyState, d: KeyDeps) => boolean;

const ended = (st: KeyStep) => isStepFinished(st.status);

/** For the keys that change the drill: only while it can be acted on, with a step selected. */
function onStep(h: (s: KeyState & { step: KeyStep }, d: KeyDeps) => boolean): Handler {
  return (s, d) => (s.canAct && s.step ? h(s as KeyState & { step: KeyStep }, d) : false);
}

const done = (f: () => void): true => {
  f();
  return true;
};

export const KEY_ACTIONS: Record<ViewAction, Handler> = {
  next: (s, d) => done(() => d.select(s.sel + 1)),
  prev: (s, d) => done(() => d.select(s.sel - 1)),
  help: (_s, d) => done(d.help),
  wide: (_s, d) => done(d.wide),
  activity: (_s, d) => done(d.activity),
  focusTerminal: (_s, d) => d.focusTerminal(),
  leaveTerminal: (_s, d) => done(d.leaveTerminal),
  startOrComplete: onStep((s, d) => {
    if (s.onControl || s.paused || s.busy(`step:${s.sel}`)) return false;
    if (s.step.status === 'pending') d.start(s.sel);
    else if (s.step.status === 'running') d.complete(s.sel);
    return true;
  }),
  skip: onStep((s, d) => !ended(s.step) && done(() => d.skip(s.sel))),
  fail: onStep((s, d) => !ended(s.step) && done(() => d.fail(s.sel))),
  pause: onStep((s, d) => done(() => (s.paused ? d.resume() : d.pause()))),
  note: onStep((_s, d) => done(d.note)),
  tick: onStep((s, d) => {
    const next = s.step.checklist.find((c) => !c.checked);
    if (next && !s.busy(`check:${s.sel}:${next.index}`)) d.tick(s.sel, next.index);
    return true;
  }),
};

/**
 * The binding a key press is for, in the view: 'anywhere' keys always (the
 * way out of the terminal), the single keys only when not typing in a field.
 */
export function viewBinding(e: KeyLike, typing: boolean, mac?: boolean): (KeyBinding & { action: ViewAction }) | undefined {
  const b = bindingFor(e, 'anywhere', mac) ?? (typing ? undefined : bindingFor(e, 'view', mac));
  return b as (KeyBinding & { action: ViewAction }) | undefined;
}

/** The footer's hints: the bindings that have one and apply now. */
export function footerBindings(canAct: boolean): KeyBinding[] {
  return KEYMAP.filter((b) => b.hint && (b.when === 'always' || canAct));
}
