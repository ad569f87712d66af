/**
 * Which rows of the history list are on screen (issue 15: the list of the
 * newest 100 drills took 300-500 ms in Chromium at load 7-9, of which layout
 * 85-190 ms, style 20-140 ms and script 40-150 ms for 4,300 new DOM nodes;
 * about 20 rows fit a 900 px window). The table renders these rows and two
 * spacer rows that keep the scroll height, so a page of 100 costs what 30 do.
 */
export interface RowWindow {
  /** First rendered row. */
  start: number;
  /** One past the last rendered row. */
  end: number;
  /** Height of the spacers above and below the rendered rows, in px. */
  padTop: number;
  padBottom: number;
}

/**
 * `viewTop` is how far the viewport's top is below the first row (negative
 * while the rows start lower on screen), `viewHeight` the viewport's height;
 * rows are `rowHeight` px tall; `overscan` rows are kept on each side so a
 * scroll shows rows already laid out.
 */
export function rowWindow(count: number, rowHeight: number, viewTop: number, viewHeight: number, overscan = 8): RowWindow {
  if (count <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  const h = rowHeight > 0 ? rowHeight : 1;
  const first = Math.floor(Math.max(0, viewTop) / h);
  const last = Math.ceil(Math.max(0, viewTop + Math.max(0, viewHeight)) / h);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.max(start, Math.min(count, last + overscan));
  return { start, end, padTop: start * h, padBottom: (count - end) * h };
}
