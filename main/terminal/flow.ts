/**
 * Flow control between a terminal's source (a pty or an SSH channel) and
 * the renderer that draws it, modelled on VS Code's terminal: the renderer
 * acknowledges bytes once xterm.js has parsed them (its write callback);
 * when more than `high` bytes are sent but unacknowledged the source is
 * paused, and it resumes when the backlog falls below `low`. A paused pty
 * or SSH channel stops reading, so the kernel / SSH window pushes back on
 * the producing program: `cat` of a huge file neither freezes the UI nor
 * queues unbounded output in memory.
 *
 * VS Code counts UTF-16 characters (pause above 100k, resume below 5k,
 * acks every 5k). Drillbook counts bytes and sends output in frames of up
 * to 1 MiB every 16 ms, and a window that small starved xterm.js between
 * round trips: measured with `npm run bench` (sshd → Drillbook → xterm.js
 * in Chromium, 2 cores), 100k/5k gave 5.8–7.5 MiB/s and 2M/500k gave
 * 11.9–13.3 MiB/s, close to what xterm.js manages in that browser with no
 * transport at all. Memory stays bounded: at most `high` plus one frame
 * per terminal is in flight.
 */
import { FLOW_ACK_SIZE, FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK } from '../common/flow';

// The numbers are in main/common/flow.ts, where the renderer reads the ack size too.
export { FLOW_ACK_SIZE, FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK };

export class FlowControl {
  private unacked = 0;
  private pausedByUs = false;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
    readonly high = FLOW_HIGH_WATERMARK,
    readonly low = FLOW_LOW_WATERMARK,
  ) {}

  get backlog(): number {
    return this.unacked;
  }

  get paused(): boolean {
    return this.pausedByUs;
  }

  sent(bytes: number): void {
    this.unacked += bytes;
    if (!this.pausedByUs && this.unacked > this.high) {
      this.pausedByUs = true;
      this.pause();
    }
  }

  ack(bytes: number): void {
    // A confused or malicious client cannot drive the count negative and buy unbounded credit.
    this.unacked = Math.max(0, this.unacked - Math.max(0, bytes));
    if (this.pausedByUs && this.unacked < this.low) {
      this.pausedByUs = false;
      this.resume();
    }
  }

  /** Nobody is watching (viewer gone): forget the backlog and let the source run. */
  reset(): void {
    this.unacked = 0;
    if (this.pausedByUs) {
      this.pausedByUs = false;
      this.resume();
    }
  }
}
