/**
 * Routes terminal output from the transport to the xterm.js instance that
 * shows it, and carries flow-control acknowledgements back.
 *
 * Output for a terminal nobody is showing yet (a Run opened it, the panel
 * is still mounting) is held, bounded: the core stops sending once 2 MB
 * are unacknowledged (FLOW_HIGH_WATERMARK, main/terminal/flow.ts), so the
 * hold stays under HOLD_LIMIT (that plus one 1 MiB frame fits).
 * Acknowledgements are sent once xterm.js has parsed the bytes (its write
 * callback), at least ACK_SIZE at a time, like VS Code's renderer.
 */
import type { ApiClient } from '../app/transport';
import { FLOW_ACK_SIZE } from '../../main/common/flow.js';

/** The core's ack size (main/common/flow.ts), not a copy of it. */
export const ACK_SIZE = FLOW_ACK_SIZE;
const HOLD_LIMIT = 4 * 1024 * 1024;

/** `replay`: the terminal's scrollback re-sent after a reset (its old queries must not be answered). */
export type DataSink = (bytes: Uint8Array, replay?: boolean) => void;
export interface ViewSink {
  data: DataSink;
  /** The core is about to replay the terminal's scrollback: clear the screen. */
  reset: () => void;
}

export class TerminalHub {
  private readonly sinks = new Map<string, ViewSink>();
  /** Terminals this connection has received anything for (it is their viewer). */
  private readonly seen = new Set<string>();
  private readonly held = new Map<string, { chunks: { bytes: Uint8Array; replay: boolean }[]; size: number }>();
  private readonly unacked = new Map<string, number>();
  /** Terminals whose next frame is the replay that follows a reset. */
  private readonly replayNext = new Set<string>();
  private flushTimer = 0;

  constructor(private readonly client: ApiClient) {
    client.onTerminalData((terminalId, bytes) => this.route(terminalId, bytes));
    let wasOpen = false;
    client.onStatus((s) => {
      if (s.state !== 'open' && wasOpen) this.forgetAll();
      wasOpen = s.state === 'open';
    });
  }

  private route(terminalId: string, bytes: Uint8Array): void {
    this.seen.add(terminalId);
    const sink = this.sinks.get(terminalId);
    if (bytes.length === 0) {
      // Reset marker (main/terminal/frames.ts): a replay of the scrollback follows.
      this.held.delete(terminalId);
      this.replayNext.add(terminalId);
      sink?.reset();
      return;
    }
    // The core sends the replay as one non-empty frame right after the reset (main/terminal/session.ts).
    const replay = this.replayNext.delete(terminalId);
    if (sink) return sink.data(bytes, replay);
    const h = this.held.get(terminalId) ?? { chunks: [], size: 0 };
    h.chunks.push({ bytes: bytes.slice(), replay }); // the frame's buffer may be reused by the transport
    h.size += bytes.length;
    while (h.size > HOLD_LIMIT && h.chunks.length > 1) h.size -= h.chunks.shift()!.bytes.length;
    this.held.set(terminalId, h);
  }

  /** Whether this connection has been getting the terminal's output (else it must ask for it: terminal.attach). */
  receiving(terminalId: string): boolean {
    return this.seen.has(terminalId);
  }

  /** This connection was replaced (the socket reconnected): it views nothing until it re-attaches. */
  forgetAll(): void {
    this.seen.clear();
    this.held.clear();
    this.unacked.clear();
  }

  /** Starts delivering a terminal's output to `sink` (held output first). */
  attach(terminalId: string, sink: ViewSink): () => void {
    this.sinks.set(terminalId, sink);
    const h = this.held.get(terminalId);
    if (h) {
      this.held.delete(terminalId);
      for (const c of h.chunks) sink.data(c.bytes, c.replay);
    }
    return () => {
      if (this.sinks.get(terminalId) === sink) this.sinks.delete(terminalId);
    };
  }

  /** `bytes` of a terminal's output have been parsed by xterm.js. */
  ack(terminalId: string, bytes: number): void {
    const n = (this.unacked.get(terminalId) ?? 0) + bytes;
    if (n >= ACK_SIZE) {
      this.unacked.set(terminalId, 0);
      this.send(terminalId, n);
      return;
    }
    this.unacked.set(terminalId, n);
    // Small remainders go out shortly, so the core's count never lingers above zero.
    window.clearTimeout(this.flushTimer);
    this.flushTimer = window.setTimeout(() => this.flushAcks(), 50);
  }

  private flushAcks(): void {
    for (const [id, n] of this.unacked) {
      if (n > 0) this.send(id, n);
      this.unacked.set(id, 0);
    }
  }

  private send(terminalId: string, bytes: number): void {
    this.client.call('terminal.ack', { terminalId, bytes }).catch(() => {
      // A closed terminal or a dropped connection: nothing to acknowledge any more.
    });
  }

  forget(terminalId: string): void {
    this.held.delete(terminalId);
    this.unacked.delete(terminalId);
  }
}

const hubs = new WeakMap<ApiClient, TerminalHub>();
export function hubFor(client: ApiClient): TerminalHub {
  let hub = hubs.get(client);
  if (!hub) {
    hub = new TerminalHub(client);
    hubs.set(client, hub);
  }
  return hub;
}
