/**
 * Binding a command block to the checklist items it proves:
 *
 *     ```sh {name=verify-integrity expect="/^ok$/m" check=1}
 *     ```sh {name=verify expect=0 check="1,3"}
 *     ```sh {expect=0 check=all}
 *
 * `check` names checklist items of the block's own step by their 1-based
 * position (runbooks/FORMAT.md). When the block runs and its `expect` passes,
 * the items are ticked, and the recorded command run (its output included) is
 * the proof. The parser keeps unknown attributes in `attrs.extra`, so `check`
 * arrives there. Pure.
 */
import type { CommandBlock, Runbook, Step } from '../runbook/model';

export interface CheckBinding {
  /** 0-based checklist item indexes. */
  items: number[];
  /** Problems with the attribute, for lint-style reporting. */
  problems: string[];
}

/** Reads `check` from a block against its step's checklist. */
export function blockChecks(block: CommandBlock, step: Step): CheckBinding {
  const raw = block.attrs.extra?.check;
  if (raw === undefined) return { items: [], problems: [] };
  const count = step.checklist.length;
  if (count === 0) return { items: [], problems: [`check=${raw}: step "${step.title}" has no checklist`] };
  if (raw === 'all') return { items: step.checklist.map((_, i) => i), problems: [] };
  const parts = String(raw)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const items: number[] = [];
  const problems: string[] = [];
  for (const p of parts) {
    const n = /^\d+$/.test(p) ? Number(p) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > count) {
      problems.push(`check=${raw}: "${p}" is not a checklist item of step "${step.title}" (1-${count}, or all)`);
    } else if (!items.includes(n - 1)) {
      items.push(n - 1);
    }
  }
  if (parts.length === 0) problems.push('check is empty');
  return { items, problems };
}

/** Every `check` problem in a runbook, with the block's line. */
export function checkBindingProblems(runbook: Runbook): { line: number; message: string }[] {
  return runbook.steps.flatMap((step) => step.commands.flatMap((b) => blockChecks(b, step).problems.map((message) => ({ line: b.line, message }))));
}

/**
 * Which block of the step a recorded command run came from: by the block's
 * line (what the runner and terminals record), else by name, else by its
 * exact text. A command typed by hand matches none.
 */
export function findBlock(step: Step, data: Record<string, unknown>): CommandBlock | null {
  if (typeof data.line === 'number') {
    const byLine = step.commands.find((b) => b.line === data.line);
    if (byLine && (typeof data.text !== 'string' || byLine.text.trim() === data.text.trim())) return byLine;
  }
  if (typeof data.name === 'string' && data.name) {
    const byName = step.commands.find((b) => (b.attrs.name ?? b.attrs.id) === data.name);
    if (byName) return byName;
  }
  if (typeof data.text === 'string') {
    const text = data.text.trim();
    return step.commands.find((b) => b.text.trim() === text) ?? null;
  }
  return null;
}

/** The items a passing command run ticks (0-based); none when it did not pass or is not bound. */
export function itemsProvedBy(runbook: Runbook, stepIndex: number | null, data: Record<string, unknown>): number[] {
  if (stepIndex === null || data.expectPassed !== true) return [];
  const step = runbook.steps[stepIndex];
  if (!step) return [];
  const block = findBlock(step, data);
  return block ? blockChecks(block, step).items : [];
}

/** Whether a command run matches any block of the runbook (for "deviations": commands run that are not in it). */
export function inRunbook(runbook: Runbook, stepIndex: number | null, data: Record<string, unknown>): boolean {
  const steps = stepIndex !== null && runbook.steps[stepIndex] ? [runbook.steps[stepIndex]!] : runbook.steps;
  const text = typeof data.text === 'string' ? data.text.trim() : null;
  if (text === null) return false;
  return steps.some((s) => s.commands.some((b) => b.text.trim() === text));
}
