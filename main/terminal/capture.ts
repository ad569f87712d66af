/**
 * A command's output, kept for its `expect` check and its output tail: the
 * last ~1 MiB of it (whole chunks; the oldest chunks go first), read as
 * plain text (terminalText). The transcript keeps every byte; this is only
 * what a check looks at, so a command printing gigabytes costs bounded memory.
 */
import { terminalText } from './scanner';

/** How much of a command's output is kept for its `expect` check. */
export const CAPTURE_LIMIT = 1024 * 1024;

export class OutputCapture {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly limit = CAPTURE_LIMIT) {}

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(Buffer.from(bytes));
    this.bytes += bytes.length;
    while (this.bytes - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.bytes -= this.chunks.shift()!.length;
    }
  }

  /** Bytes held now. */
  get size(): number {
    return this.bytes;
  }

  text(): string {
    return terminalText(Buffer.concat(this.chunks));
  }
}
