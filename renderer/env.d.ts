/** What the Electron preload script exposes (absent in a plain browser). */
interface DrillbookBridge {
  /** The call's result, or a drill snapshot as a patch (main/api/wire.ts), for the transport to apply. */
  call(method: string, params: unknown): Promise<{ result: unknown } | { drill: unknown }>;
  onEvent(cb: (event: unknown) => void): () => void;
  /** Terminal output as bytes (preload.ts); absent in older builds. */
  onTerminalData?(cb: (terminalId: string, bytes: Uint8Array) => void): () => void;
}

interface Window {
  drillbook?: DrillbookBridge;
}

declare module '*.css';
