/**
 * MkDocs content tabs (`=== "Ubuntu"`), admonitions (`!!! note`, `??? example`)
 * and Docusaurus admonitions (`:::note ... :::`), read as their sites render
 * them. Plain CommonMark sees their 4-space indented content as an indented
 * code block (or a paragraph continuation), so the commands inside were
 * dropped: 6 of 20 unseen real runbooks lost commands that way (issue 10).
 *
 * Pure pre-pass over the lines before markdown-it runs: each container's
 * body is dedented in place (same number of lines, so every line number
 * stays the author's), and each line remembers the tab label it sits under,
 * so a command found there carries "Ubuntu" with it. Linear in the file
 * size times the container depth.
 */

export interface Unwrapped {
  /** The lines to give markdown-it. */
  lines: string[];
  /** 0-based line → the innermost tab label (`=== "Ubuntu"`) around it. */
  tabOf: Map<number, string>;
  /** 0-based lines inside an MkDocs/Docusaurus container (their indentation is the site's, not a code block). */
  inside: Set<number>;
}

const TAB = /^(\s*)===\+?\s+"([^"]*)"\s*$/;
const ADMONITION = /^(\s*)(?:!!!|\?\?\?\+?)\s+[A-Za-z][\w-]*(?:\s+[^\n]*)?$/;
const DOCUSAURUS_OPEN = /^(\s*):::+\s*[A-Za-z][\w-]*.*$/;
const DOCUSAURUS_CLOSE = /^(\s*):::+\s*$/;

export function unwrapContainers(source: string[]): Unwrapped {
  const lines = source.slice();
  const tabOf = new Map<number, string>();
  const inside = new Set<number>();
  if (!source.some((l) => /^\s*(?:===|!!!|\?\?\?|:::)/.test(l))) return { lines, tabOf, inside };
  unwrap(lines, tabOf, inside);
  return { lines, tabOf, inside };
}

/**
 * One pass, top to bottom: a container's body is dedented, then scanned in
 * turn, so a tab inside an admonition is unwrapped as well.
 */
function unwrap(lines: string[], tabOf: Map<number, string>, inside: Set<number>): void {
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fenceMark = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== null) {
      if (fenceMark && fenceMark[0] === fence[0] && fenceMark.length >= fence.length && line.trim() === fenceMark) fence = null;
      continue;
    }
    if (fenceMark) {
      fence = fenceMark;
      continue;
    }
    const tab = TAB.exec(line);
    const admonition = tab ? null : ADMONITION.exec(line);
    if (tab || admonition) {
      const indent = ((tab ?? admonition)?.[1] ?? '').length;
      const end = indentedBodyEnd(lines, i + 1, indent + 4);
      if (end > i + 1) {
        for (let k = i + 1; k < end; k++) {
          lines[k] = dedent(lines[k] ?? '', indent, 4);
          inside.add(k);
          if (tab && !tabOf.has(k)) tabOf.set(k, tab[2] ?? '');
        }
      }
      continue;
    }
    const open = DOCUSAURUS_OPEN.exec(line);
    if (open) {
      let close = -1;
      for (let k = i + 1; k < lines.length; k++) {
        if (DOCUSAURUS_CLOSE.test(lines[k] ?? '')) {
          close = k;
          break;
        }
      }
      if (close < 0) continue;
      const body = lines.slice(i + 1, close).filter((l) => l.trim() !== '');
      const common = Math.min(...body.map((l) => /^ */.exec(l)?.[0].length ?? 0));
      if (body.length > 0 && common >= 4) {
        for (let k = i + 1; k < close; k++) lines[k] = lines[k]!.slice(Math.min(common, /^ */.exec(lines[k]!)?.[0].length ?? 0));
      }
      for (let k = i + 1; k < close; k++) inside.add(k);
      i = close;
    }
  }
}

/** First line after `from` that is not blank and indented less than `minIndent` (trailing blanks excluded). */
function indentedBodyEnd(lines: string[], from: number, minIndent: number): number {
  let end = from;
  for (let k = from; k < lines.length; k++) {
    const line = lines[k] ?? '';
    if (line.trim() === '') continue;
    if (columns(line) < minIndent) break;
    end = k + 1;
  }
  return end;
}

function columns(line: string): number {
  let n = 0;
  for (const ch of line) {
    if (ch === ' ') n++;
    else if (ch === '\t') n += 4 - (n % 4);
    else break;
  }
  return n;
}

/** Removes `width` columns of indentation after the first `at` columns. */
function dedent(line: string, at: number, width: number): string {
  if (line.trim() === '') return '';
  const expanded = line.replace(/^[ \t]+/, (ws) => ' '.repeat(columns(ws)));
  return expanded.slice(0, at) + expanded.slice(at + width);
}
