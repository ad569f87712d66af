/**
 * Where a runbook's steps come from, in words (lint's summary line and the
 * runbook preview say the same thing). Pure, no Node imports: the renderer
 * uses it too.
 */
import type { Runbook } from './model';

export function describeStepSource(rb: Runbook): string {
  const p = rb.procedure;
  if (p) {
    const what = p.how === 'list' ? 'the numbered list' : 'the sub-headings';
    const why = p.chosen === 'override' ? ' (your choice)' : p.chosen === 'front-matter' ? ' (steps: in the front matter)' : '';
    return `${what} in “${p.title}”${why}`;
  }
  switch (rb.stepSource) {
    case 'h2':
      return 'every ## section';
    case 'heading':
      return `every ${'#'.repeat(rb.stepLevel ?? 3)} section`;
    case 'ordered-list':
      return 'the numbered list';
    case 'blocks':
      return 'each code block, with the sentence that leads into it';
    case 'document':
      return 'the whole document (no headings or numbered list found)';
    default:
      return 'the sections';
  }
}
