/**
 * The views (sinks) attached to one terminal: every view gets the output
 * (mirrored, as tmux does) and may type into it; each acknowledges on its
 * own, and the source pauses while any view is too far behind (flow.ts:
 * 2 MB unacknowledged pauses, 500 kB resumes). A view that attaches with
 * `replay` first gets the last 256 KiB of the transcript, from a line
 * boundary, then the output that arrived meanwhile, in order: a reloaded
 * window gets its scrollback back and misses nothing.
 */
import { FlowControl } from './flow';
import { readTranscriptBytes, type TranscriptWriter } from './transcript';
import type { TerminalSink } from './types';

/** How much of the transcript a re-attaching viewer is shown. */
const REPLAY_BYTES = 256 * 1024;

interface View {
  flow: FlowControl;
  /** Frames that arrived while the replay was read from disk; sent right after it. */
  replayQueue: Uint8Array[] | null;
}

export class TerminalViews {
  private readonly sinks = new Map<TerminalSink, View>();
  private anyPaused = false;

  /**
   * `flushOutput` sends what the batcher holds (so the transcript has it
   * before a replay is read); `onPausedChange` is told when `paused` may
   * have changed.
   */
  constructor(
    private readonly terminalId: string,
    private readonly transcript: TranscriptWriter,
    private readonly flushOutput: () => void,
    private readonly onPausedChange: () => void,
  ) {}

  /** Some view is too far behind: the source should pause. */
  get paused(): boolean {
    return this.anyPaused;
  }

  /** The largest backlog of any attached view. */
  get backlog(): number {
    let max = 0;
    for (const v of this.sinks.values()) max = Math.max(max, v.flow.backlog);
    return max;
  }

  get list(): TerminalSink[] {
    return [...this.sinks.keys()];
  }

  private update(): void {
    this.anyPaused = [...this.sinks.values()].some((v) => v.flow.paused);
    this.onPausedChange();
  }

  private newFlow(): FlowControl {
    const update = () => this.update();
    return new FlowControl(update, update);
  }

  /** A new source: nothing it sends is unacknowledged yet. */
  reset(): void {
    this.anyPaused = false;
    for (const v of this.sinks.values()) v.flow.reset();
  }

  /** One frame of output, to every view (queued behind a replay still being read). */
  deliver(frame: Uint8Array): void {
    for (const [sink, v] of this.sinks) {
      if (v.replayQueue) v.replayQueue.push(frame);
      else sink.data(this.terminalId, frame);
      v.flow.sent(frame.length);
    }
  }

  /** The viewer has parsed `bytes` more bytes. */
  ack(sink: TerminalSink, bytes: number): void {
    this.sinks.get(sink)?.flow.ack(bytes);
  }

  /**
   * Adds `sink` to this terminal's views (the others keep theirs). With
   * `replay`, it is first sent the tail of the transcript (a reloaded window
   * gets its scrollback back).
   */
  attach(sink: TerminalSink, replay: boolean): void {
    const existing = this.sinks.get(sink);
    const view = existing ?? { flow: this.newFlow(), replayQueue: null };
    if (!existing) this.sinks.set(sink, view);
    else view.flow.reset();
    if (!replay) return;
    // Everything before `upTo` is in the transcript; later output is queued and follows the replay.
    this.flushOutput();
    const upTo = this.transcript.offset;
    view.replayQueue = [];
    this.transcript.onDrain(() => {
      if (this.sinks.get(sink) !== view) return;
      let bytes: Buffer = Buffer.alloc(0);
      try {
        const from = Math.max(0, upTo - REPLAY_BYTES);
        bytes = readTranscriptBytes(this.transcript.paths.out, from, upTo - from).bytes;
        if (from > 0) {
          // Start on a line boundary: never mid escape sequence or mid UTF-8 character.
          const nl = bytes.indexOf(0x0a);
          bytes = nl >= 0 ? bytes.subarray(nl + 1) : Buffer.alloc(0);
        }
      } catch {
        /* nothing on disk yet */
      }
      const queued = view.replayQueue ?? [];
      view.replayQueue = null;
      sink.data(this.terminalId, new Uint8Array(0)); // reset: what the viewer had is replaced by the replay
      // The replay is always one non-empty frame right after the reset: the viewer drops its terminal's
      // automatic replies (DA, DSR, DECRQSS…) to it, so old queries never answer into the live shell.
      if (bytes.length === 0) bytes = Buffer.from('\x1b[0m');
      sink.data(this.terminalId, bytes);
      view.flow.sent(bytes.length);
      for (const f of queued) sink.data(this.terminalId, f);
    });
  }

  detach(sink: TerminalSink): void {
    const view = this.sinks.get(sink);
    if (!view) return;
    this.sinks.delete(sink);
    // A view that is gone holds nobody back; with none left, the drill goes on and the transcript keeps everything.
    view.flow.reset();
    this.update();
  }
}
