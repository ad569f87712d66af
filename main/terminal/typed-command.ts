/**
 * A command the operator typed and the shell ran, from its start mark (C)
 * to its end mark (D): known from the shell integration, never from
 * keystrokes. Its text comes from the shell's history (E; null when the
 * shell did not save it), its duration from the monotonic clock, its output
 * range from transcript offsets; the tail of its output (4000 characters)
 * goes with the record.
 */
import { OutputCapture } from './capture';

/** How much of a typed command's output goes with its record. */
const TAIL_CHARS = 4000;

export interface TypedCommand {
  /** The command line from the shell's history; null when the shell did not save it (a leading space, HISTIGNORE, history off). */
  text: string | null;
  exitCode: number | null;
  stepIndex: number | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  outputFrom: number;
  outputTo: number;
  outputTail: string;
}

export class OperatorCommand {
  /** E: the command line, when the shell reports it. */
  text: string | null = null;
  readonly capture = new OutputCapture();

  private constructor(
    private readonly startedAt: string,
    /** performance.now() at the start. */
    private readonly t0: number,
    private readonly outputFrom: number,
    private readonly stepIndex: number | null,
  ) {}

  /** C arrived now, at transcript offset `outputFrom`. */
  static started(outputFrom: number, stepIndex: number | null): OperatorCommand {
    return new OperatorCommand(new Date().toISOString(), performance.now(), outputFrom, stepIndex);
  }

  /** A command that was running when the server restarted (its start from the transcript): timed from its wall-clock start. */
  static resumed(startedAt: string, outputFrom: number, stepIndex: number | null): OperatorCommand {
    return new OperatorCommand(startedAt, performance.now() - Math.max(0, Date.now() - Date.parse(startedAt)), outputFrom, stepIndex);
  }

  /** D arrived at transcript offset `outputTo`. */
  finish(exitCode: number | null, outputTo: number): TypedCommand {
    return {
      text: this.text,
      exitCode,
      stepIndex: this.stepIndex,
      startedAt: this.startedAt,
      endedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - this.t0),
      outputFrom: this.outputFrom,
      outputTo,
      outputTail: this.capture.text().slice(-TAIL_CHARS),
    };
  }
}
