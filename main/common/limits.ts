/**
 * Field limits: what the API contract (main/api/contract.ts) accepts and
 * what the renderer's inputs let a person type (maxLength), from one place,
 * so a form never accepts text the core then refuses.
 */
export const LIMITS = {
  /** Operator, participant, reviewer, remediation owner. */
  name: 200,
  /** Why a step was skipped or failed, why the drill was paused or aborted. */
  reason: 2000,
  /** A note on a step (the drill's notes). */
  stepNote: 20_000,
  /** Scenario, scope, finding, remediation. */
  evidenceText: 10_000,
  /** Short notes: on a failure, a checklist item, an attachment, a sign-off statement. */
  note: 4000,
  /** An ISO 8601 time typed by a person. */
  isoTime: 64,
  backupId: 500,
  backupSource: 1000,
  /** A runbook variable's value (one line). */
  varValue: 4096,
} as const;
