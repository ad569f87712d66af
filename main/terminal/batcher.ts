/**
 * Coalesces a terminal's output into frames: the first chunk after a quiet
 * spell goes out at once (a keystroke's echo is not delayed), and chunks
 * arriving in a burst are gathered for `windowMs` (VS Code's
 * TerminalDataBufferer uses 5 ms; the session uses 16 ms, one display
 * frame) or until `maxBytes`, so a flood becomes tens of frames a second
 * instead of tens of thousands.
 */
export class OutputBatcher {
  private parts: Uint8Array[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastFlush = 0;

  constructor(
    private readonly onFlush: (frame: Uint8Array) => void,
    readonly windowMs = 5,
    readonly maxBytes = 256 * 1024,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.maxBytes) return this.flush();
    if (this.timer) return;
    const since = this.clock() - this.lastFlush;
    if (since >= this.windowMs) return this.flush();
    this.timer = setTimeout(() => this.flush(), this.windowMs - since);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.lastFlush = this.clock();
    if (this.size === 0) return;
    const frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.onFlush(frame);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.parts = [];
    this.size = 0;
  }
}
