/**
 * What the operator typed, as the transcript records it: never the text
 * (it may be a password typed at a prompt), only how many bytes and which
 * editing/control keys, one record per line (Enter or a Ctrl key ends it at
 * once) or per second of typing, whichever comes first.
 */

/** The named keys in a piece of input: Enter, Esc, Backspace, Tab, Ctrl-X; printable text is not named. */
export function namedKeys(s: string): string[] {
  const keys: string[] = [];
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c === 0x0d) keys.push('Enter');
    else if (c === 0x1b) keys.push('Esc');
    else if (c === 0x7f) keys.push('Backspace');
    else if (c === 0x09) keys.push('Tab');
    else if (c < 0x20) keys.push('Ctrl-' + String.fromCharCode(c + 0x40));
  }
  return keys;
}

export interface InputRecord {
  bytes: number;
  keys?: string[];
}

/** Gathers input and hands a record to `write` at the end of a line, on a Ctrl key, or after `windowMs`. */
export class InputLog {
  private pending: { bytes: number; keys: string[]; timer: NodeJS.Timeout } | null = null;

  constructor(
    private readonly write: (rec: InputRecord) => void,
    private readonly windowMs = 1000,
  ) {}

  note(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const keys = namedKeys(typeof data === 'string' ? data : Buffer.from(data).toString('latin1'));
    if (!this.pending) this.pending = { bytes: 0, keys: [], timer: setTimeout(() => this.flush(), this.windowMs) };
    this.pending.bytes += bytes;
    this.pending.keys.push(...keys.slice(0, 32));
    if (keys.includes('Enter') || keys.some((k) => k.startsWith('Ctrl-'))) this.flush();
  }

  flush(): void {
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending = null;
    this.write({ bytes: p.bytes, ...(p.keys.length ? { keys: p.keys.slice(0, 64) } : {}) });
  }
}
