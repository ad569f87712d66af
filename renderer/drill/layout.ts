/**
 * The drill view's layout: how wide the terminal is beside the step, whether
 * the activity pane is open, and the terminal-wide layout. At 1440x900 the
 * terminal used to get 46 columns (a fixed 46% of what the step list and the
 * activity pane left); an operator restoring a database needs ~100 to read
 * `pg_restore -v` or `ls -l` without wrapping. So the default is measured in
 * columns, not percent: room for DEFAULT_COLS at the terminal's font, with
 * the step keeping at least STEP_MIN_PX. The operator's choices (splitter,
 * panes) are kept in localStorage, per browser, not per drill.
 */
import { create } from 'zustand';

/** Columns the terminal gets by default where the window allows it. */
export const DEFAULT_COLS = 104;
/** The step panel keeps at least this much by default (px)... */
export const STEP_DEFAULT_MIN_PX = 320;
/** ...and never less than this, however far the splitter is dragged (px). */
export const STEP_MIN_PX = 220;
/** Nor the terminal (px). */
export const TERM_MIN_PX = 300;
/** xterm's padding, scrollbar and the panel's inset around the character grid (px). */
export const TERM_CHROME_PX = 30;
/** The activity pane is open by default only on windows at least this wide. */
export const ACTIVITY_DEFAULT_MIN_VIEWPORT = 1700;

export interface DrillLayout {
  /** Terminal width chosen with the splitter (px); null = the default. */
  termPx: number | null;
  /** null = the default for the window's width. */
  activityOpen: boolean | null;
  /** The terminal takes the step's room (and the step list's). */
  wide: boolean;
}

/** The terminal's width for a workspace `workspacePx` wide: the choice clamped, or room for DEFAULT_COLS. */
export function termWidth(workspacePx: number, charPx: number, chosenPx: number | null): number {
  const max = Math.max(TERM_MIN_PX, workspacePx - (chosenPx == null ? STEP_DEFAULT_MIN_PX : STEP_MIN_PX));
  const want = chosenPx ?? Math.max(Math.round(DEFAULT_COLS * charPx + TERM_CHROME_PX), Math.round(workspacePx * 0.5));
  return Math.round(Math.min(max, Math.max(TERM_MIN_PX, want)));
}

export function activityOpenFor(layout: Pick<DrillLayout, 'activityOpen'>, viewportPx: number): boolean {
  return layout.activityOpen ?? viewportPx >= ACTIVITY_DEFAULT_MIN_VIEWPORT;
}

const KEY = 'drillbook.layout.v1';

/** The browser's globals this module uses, typed by hand: the unit tests load it in Node, without the DOM types. */
const web = globalThis as {
  localStorage?: { getItem(k: string): string | null; setItem(k: string, v: string): void };
  innerWidth?: number;
  document?: { createElement(tag: 'canvas'): { getContext(kind: '2d'): { font: string; measureText(t: string): { width: number } } | null } };
};

function load(): DrillLayout {
  const fallback: DrillLayout = { termPx: null, activityOpen: null, wide: false };
  try {
    const raw = JSON.parse(web.localStorage?.getItem(KEY) ?? 'null') as Partial<DrillLayout> | null;
    if (!raw || typeof raw !== 'object') return fallback;
    return {
      termPx: typeof raw.termPx === 'number' && Number.isFinite(raw.termPx) ? raw.termPx : null,
      activityOpen: typeof raw.activityOpen === 'boolean' ? raw.activityOpen : null,
      wide: raw.wide === true,
    };
  } catch {
    return fallback;
  }
}

export const useLayout = create<DrillLayout>()(() => load());

function save(patch: Partial<DrillLayout>): void {
  useLayout.setState(patch);
  try {
    web.localStorage?.setItem(KEY, JSON.stringify(useLayout.getState()));
  } catch {
    /* private mode: the layout lasts for this page only */
  }
}

export const setTermPx = (px: number | null) => save({ termPx: px });
export const toggleWide = () => save({ wide: !useLayout.getState().wide });
export function toggleActivity(): void {
  save({ activityOpen: !activityOpenFor(useLayout.getState(), web.innerWidth ?? 1440) });
}

/** The terminal font's character width in px, measured once (the same font xterm.js uses). */
let measured = 0;
export function terminalCharPx(): number {
  if (measured) return measured;
  const ctx = web.document?.createElement('canvas').getContext('2d');
  if (!ctx) return 7.9;
  ctx.font = '13px ui-monospace, "JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace';
  measured = ctx.measureText('W'.repeat(20)).width / 20 || 7.9;
  return measured;
}
