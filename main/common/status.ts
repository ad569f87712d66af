/**
 * Drill modes and the statuses of drills and steps, and the one answer to
 * "is this step finished". The drill engine (service and reducer), the API
 * contract, the CLI and the renderer all read them from here: issue 14 found
 * "finished" written five times (two of them as a set named TERMINAL).
 */

export const DRILL_MODES = ['rehearsal', 'live', 'automated'] as const;
export type DrillMode = (typeof DRILL_MODES)[number];
/** What an operator starts from a UI; `automated` is `drillbook run`'s. */
export const UI_DRILL_MODES = ['rehearsal', 'live'] as const;

export const DRILL_STATUSES = ['running', 'completed', 'failed', 'aborted'] as const;
export type DrillStatus = (typeof DRILL_STATUSES)[number];

export const STEP_STATUSES = ['pending', 'running', 'completed', 'skipped', 'failed'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** A step that is completed, skipped or failed: it takes no more actions, and a drill whose steps all are has ended. */
export const FINISHED_STEP_STATUSES: readonly StepStatus[] = ['completed', 'skipped', 'failed'];

export function isStepFinished(status: string): boolean {
  return (FINISHED_STEP_STATUSES as readonly string[]).includes(status);
}
