/**
 * "A run is a send plus a result": a terminal records a Run twice — when the
 * command is sent (`command.run` with `runId`, no result yet) and when its
 * exit status is known (`command.run` with `resultOf` = that runId) — and a
 * queued Run's turn as `command.started`. The drill snapshot (./reduce.ts)
 * and the evidence report (main/evidence/report-model.ts) both show one row
 * per run; before this helper each wrote the join itself, and the two
 * disagreed on which send a duplicated runId names (the report took the
 * last). Here the first send with a runId is the one its result and its
 * start attach to, as the snapshot always did. A headless run is one event
 * (it is recorded when it ends), so it never joins.
 *
 * Generic over what a caller keeps per run: the fold keeps an index into its
 * command list (it replaces records, never mutates them), the report a row.
 */
import type { CommandStartedData, StoredCommandRunData } from './events';

export class RunJoin<T> {
  private readonly sends = new Map<string, T>();

  /** The send this `command.run` is the result of, or undefined: a send itself, a headless run, or a result whose send is not in the log. */
  resultOf(d: StoredCommandRunData): T | undefined {
    return typeof d.resultOf === 'string' ? this.sends.get(d.resultOf) : undefined;
  }

  /** Remembers a `command.run` that is not a joined result under its runId (if it has one); the first send with a runId wins. */
  sent(d: StoredCommandRunData, row: T): void {
    if (typeof d.runId === 'string' && !this.sends.has(d.runId)) this.sends.set(d.runId, row);
  }

  /** The send a `command.started` names (its queued turn came). */
  started(d: CommandStartedData): T | undefined {
    return typeof d.runId === 'string' ? this.sends.get(d.runId) : undefined;
  }
}

/** What a result says about its run, each field null when the event does not hold it. */
export interface RunOutcome {
  exitCode: number | null;
  durationMs: number | null;
  expectPassed: boolean | null;
}

export function runOutcome(d: StoredCommandRunData): RunOutcome {
  return {
    exitCode: typeof d.exitCode === 'number' ? d.exitCode : null,
    durationMs: typeof d.durationMs === 'number' ? d.durationMs : null,
    expectPassed: typeof d.expectPassed === 'boolean' ? d.expectPassed : null,
  };
}
