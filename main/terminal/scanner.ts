/**
 * Watches a terminal's output bytes for the few control sequences the core
 * acts on, without altering the stream:
 *
 * - OSC 633 shell-integration marks (the sequences VS Code defined, emitted
 *   by our bash integration): A prompt start, B prompt end, C command
 *   executed, D[;exit] command finished.
 * - DECSET/DECRST 2004 (bracketed paste on/off), so a Run pastes a block
 *   the way xterm.js would paste it.
 *
 * A byte-level state machine: sequences split across chunks are found, and
 * UTF-8 text never needs decoding here.
 */

export type ScanEvent =
  | { kind: 'prompt-start'; offset: number }
  | { kind: 'prompt-end'; offset: number }
  | { kind: 'command-start'; offset: number }
  | { kind: 'command-done'; offset: number; exitCode: number | null }
  /** E: the command line the shell just ran (from its history, unescaped). */
  | { kind: 'command-line'; offset: number; text: string }
  /** P: a property; Drillbook's Run handshake (DrillbookReady / DrillbookOutput / DrillbookRefused = run id). */
  | { kind: 'property'; offset: number; key: string; value: string }
  | { kind: 'bracketed-paste'; offset: number; on: boolean };

const ESC = 0x1b;
const BEL = 0x07;
const MAX_OSC = 512;
/** OSC 633 carries whole command lines (E): the shell sends at most 16,000 characters, escaped. */
const MAX_OSC_633 = 80_000;
const MAX_CSI = 64;

const enum S {
  Ground,
  Esc,
  Osc,
  OscEsc,
  OscSkip,
  OscSkipEsc,
  Csi,
}

export class SequenceScanner {
  private state = S.Ground;
  private buf: number[] = [];
  /** Absolute offset of the next byte fed. */
  private pos = 0;

  /** Feeds a chunk; returns the events it completed, with the absolute offset just past each sequence. */
  feed(chunk: Uint8Array): ScanEvent[] {
    const events: ScanEvent[] = [];
    if (!(chunk instanceof Buffer)) chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case S.Ground: {
          if (b === ESC) {
            this.state = S.Esc;
            break;
          }
          // Plain text is most of the stream: jump to the next ESC natively.
          const next = chunk.indexOf(ESC, i + 1);
          if (next < 0) i = chunk.length;
          else {
            i = next;
            this.state = S.Esc;
          }
          break;
        }
        case S.Esc:
          if (b === 0x5d /* ] */) {
            this.state = S.Osc;
            this.buf = [];
          } else if (b === 0x5b /* [ */) {
            this.state = S.Csi;
            this.buf = [];
          } else if (b !== ESC) {
            this.state = S.Ground;
          }
          break;
        case S.Osc:
          if (b === BEL) {
            this.endOsc(events, this.pos + i + 1);
          } else if (b === ESC) {
            this.state = S.OscEsc;
          } else if (b === 0x18 || b === 0x1a) {
            this.state = S.Ground; // CAN / SUB abort a sequence
          } else if (this.buf.length >= MAX_OSC && (this.buf.length >= MAX_OSC_633 || !this.is633())) {
            this.state = S.OscSkip; // not ours (title with a long path, hyperlinks): wait for its end
          } else {
            this.buf.push(b);
          }
          break;
        case S.OscEsc:
          if (b === 0x5c /* \ : ST */) this.endOsc(events, this.pos + i + 1);
          else if (b === 0x5d) {
            this.state = S.Osc;
            this.buf = [];
          } else if (b === 0x5b) {
            this.state = S.Csi;
            this.buf = [];
          } else this.state = b === ESC ? S.Esc : S.Ground;
          break;
        case S.OscSkip:
          if (b === BEL || b === 0x18 || b === 0x1a) this.state = S.Ground;
          else if (b === ESC) this.state = S.OscSkipEsc;
          break;
        case S.OscSkipEsc:
          this.state = b === 0x5c ? S.Ground : b === ESC ? S.Esc : S.OscSkip;
          break;
        case S.Csi:
          if (b >= 0x40 && b <= 0x7e) {
            if ((b === 0x68 /* h */ || b === 0x6c) /* l */ && this.buf[0] === 0x3f /* ? */) {
              const params = String.fromCharCode(...this.buf.slice(1)).split(';');
              if (params.includes('2004')) events.push({ kind: 'bracketed-paste', offset: this.pos + i + 1, on: b === 0x68 });
            }
            this.state = S.Ground;
          } else if (b === ESC) {
            this.state = S.Esc;
          } else if (b < 0x20 || this.buf.length >= MAX_CSI) {
            // C0 controls inside CSI are executed by terminals; we just stop looking.
            this.state = b === 0x18 || b === 0x1a ? S.Ground : this.buf.length >= MAX_CSI ? S.Ground : S.Csi;
          } else {
            this.buf.push(b);
          }
          break;
      }
    }
    this.pos += chunk.length;
    return events;
  }

  private is633(): boolean {
    const b = this.buf;
    return b[0] === 0x36 && b[1] === 0x33 && b[2] === 0x33 && b[3] === 0x3b;
  }

  private endOsc(events: ScanEvent[], offset: number): void {
    this.state = S.Ground;
    const is633 = this.is633();
    const raw = is633 ? Buffer.from(this.buf) : null;
    this.buf = [];
    if (!raw) return;
    const body = raw.toString('utf8');
    const [, code, arg] = body.split(';');
    switch (code) {
      case 'A':
        events.push({ kind: 'prompt-start', offset });
        break;
      case 'B':
        events.push({ kind: 'prompt-end', offset });
        break;
      case 'C':
        events.push({ kind: 'command-start', offset });
        break;
      case 'D': {
        const n = arg === undefined || arg === '' ? null : Number(arg);
        events.push({ kind: 'command-done', offset, exitCode: n !== null && Number.isInteger(n) ? n : null });
        break;
      }
      case 'E':
        events.push({ kind: 'command-line', offset, text: unescape633(body.slice('633;E;'.length).split(';')[0] ?? '') });
        break;
      case 'P': {
        const eq = (arg ?? '').indexOf('=');
        if (eq > 0) events.push({ kind: 'property', offset, key: arg!.slice(0, eq), value: arg!.slice(eq + 1) });
        break;
      }
    }
  }
}

/** OSC 633 escaping (VS Code's): \\ for a backslash, \xHH for ; and control characters. */
export function unescape633(s: string): string {
  return s.replace(/\\(\\|x[0-9a-fA-F]{2})/g, (_m, e: string) => (e === '\\' ? '\\' : String.fromCharCode(parseInt(e.slice(1), 16))));
}

/**
 * Terminal output as plain text, for `expect` patterns: escape sequences
 * removed, CRLF folded to LF, carriage-return overwrites resolved to the
 * final text of each line.
 */
export function terminalText(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const stripped = text
    // OSC … BEL/ST, DCS/SOS/PM/APC … ST
    /* eslint-disable no-control-regex -- terminal escape sequences and C0 controls are stripped to get the text */
    .replace(/\x1b[\]P^_X][\s\S]*?(?:\x07|\x1b\\)/g, '')
    // CSI
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    // two-byte escapes (charset selection, keypad modes, …)
    .replace(/\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78]/g, '')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '');
    /* eslint-enable no-control-regex */
  return stripped
    .split('\n')
    .map((line) => {
      const l = line.endsWith('\r') ? line.slice(0, -1) : line;
      const parts = l.split('\r');
      return parts.length === 1 ? l : parts.reduce((acc, p) => p + acc.slice(p.length));
    })
    .join('\n');
}
