/**
 * Command detection, apart from the pty and the run queue (as VS Code keeps
 * its CommandDetectionCapability apart from the pty host): the OSC 633 marks
 * that our bash integration prints (integration.ts; scanner.ts finds them in
 * the bytes, split across chunks or not) become the shell's state, and a
 * short list of what happened, each at its absolute transcript offset.
 *
 * State: has the shell shown our integration at all; is it at a prompt, or
 * running a command, or unknown (before the first mark, after it ended); and
 * is the prompt settled (B, or bracketed paste switched on at the prompt:
 * line editing has started, so a typed Run line is not lost to a prompt
 * still being drawn).
 *
 * Pure: no timers, no clock, no I/O. The session (session.ts) owns the
 * prompt's 2 s settle fallback, the runs and the operator's typed commands,
 * and acts on each event as feed() reports it. The state is updated just
 * before each event is reported, so a handler that looks at it (is the
 * shell at a settled prompt?) sees it as of that mark, not as of the end of
 * the chunk. This layer only sees the marks, a handful per command; the
 * bytes in between are the scanner's (it jumps from ESC to ESC).
 */
import { SequenceScanner } from './scanner';

export type ShellState = 'unknown' | 'prompt' | 'running';

/** What the output told us; `offset` is the transcript offset just past the mark. */
export type TrackerEvent =
  /** A: a prompt is being drawn (not yet ready for input). `changed`: the terminal's status shows something new. */
  | { kind: 'prompt-start'; offset: number; changed: boolean }
  /** B, or bracketed paste switched on at a prompt: ready for input. */
  | { kind: 'settled'; offset: number; changed: boolean }
  /** C: the shell runs the command line. */
  | { kind: 'command-start'; offset: number; changed: boolean }
  /** E: the command line the shell ran, from its history. */
  | { kind: 'command-line'; offset: number; text: string }
  /** D: the command finished. */
  | { kind: 'command-done'; offset: number; exitCode: number | null }
  /** P: a property (Drillbook's Run handshake: DrillbookReady / DrillbookOutput / DrillbookRefused = run id). */
  | { kind: 'property'; offset: number; key: string; value: string };

export class CommandTracker {
  private scanner = new SequenceScanner();
  /** Transcript offset of the first byte the current scanner saw. */
  private base = 0;
  private isIntegrated = false;
  private state: ShellState = 'unknown';
  private isSettled = false;
  private paste = false;
  /** The shell's state at a reattach (prime), applied when the next source attaches. */
  private primed: ShellState = 'unknown';

  /** The shell has shown our integration (or we know it had, before a restart). */
  get integrated(): boolean {
    return this.isIntegrated;
  }

  get shell(): ShellState {
    return this.state;
  }

  /** At a prompt that is ready for input. */
  get ready(): boolean {
    return this.state === 'prompt' && this.isSettled;
  }

  get bracketedPaste(): boolean {
    return this.paste;
  }

  /** We know the shell is integrated without having seen a mark (a Run of ours is in flight across a restart). */
  markIntegrated(): void {
    this.isIntegrated = true;
  }

  /** A re-adopted shell: what its transcript's tail said (service.ts, reattachState); used at the next attach. */
  prime(shell: ShellState): void {
    this.isIntegrated = true;
    this.primed = shell;
  }

  /**
   * A new source starts writing at transcript offset `base`. `integrated`:
   * false when the source is known to have no integration, null when unknown.
   */
  attach(base: number, integrated: boolean | null): void {
    this.scanner = new SequenceScanner();
    this.base = base;
    this.state = this.primed;
    this.isSettled = this.primed === 'prompt';
    this.primed = 'unknown';
    this.paste = false;
    if (integrated === false) this.isIntegrated = false;
  }

  /** The source ended: nothing is known about a shell that is gone. */
  ended(): void {
    this.state = 'unknown';
  }

  /** The settle fallback (a prompt command that rewrote PS1 lost our B mark): settles if still at the prompt. */
  settle(): boolean {
    if (this.state !== 'prompt') return false;
    this.isSettled = true;
    return true;
  }

  /** Feeds a chunk of the source's output (as written to the transcript, in order); reports each event in order. */
  feed(chunk: Uint8Array, report: (ev: TrackerEvent) => void): void {
    for (const ev of this.scanner.feed(chunk)) {
      const offset = this.base + ev.offset;
      switch (ev.kind) {
        case 'bracketed-paste':
          this.paste = ev.on;
          if (ev.on && this.settle()) report({ kind: 'settled', offset, changed: false });
          break;
        case 'prompt-start':
        case 'prompt-end': {
          const changed = !this.isIntegrated || this.state === 'running';
          this.isIntegrated = true;
          this.state = 'prompt';
          this.isSettled = ev.kind === 'prompt-end';
          report({ kind: ev.kind === 'prompt-start' ? 'prompt-start' : 'settled', offset, changed });
          break;
        }
        case 'command-start': {
          const changed = this.state !== 'running';
          this.isIntegrated = true;
          this.isSettled = false;
          this.state = 'running';
          report({ kind: 'command-start', offset, changed });
          break;
        }
        case 'command-done':
          this.isIntegrated = true;
          report({ kind: 'command-done', offset, exitCode: ev.exitCode });
          break;
        case 'command-line':
          report({ kind: 'command-line', offset, text: ev.text });
          break;
        case 'property':
          report({ kind: 'property', offset, key: ev.key, value: ev.value });
          break;
      }
    }
  }
}
