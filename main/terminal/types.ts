/** The terminal feature's shapes, shared by the service, the API contract and the renderer (types only). */

export type TerminalStatus =
  /** Resolving, connecting, authenticating, starting the shell. */
  | 'connecting'
  /** Waiting for the operator to answer a prompt (host key, password, …). */
  | 'prompting'
  | 'open'
  /** Was open; the connection dropped. One action (Reconnect / Enter) reconnects. */
  | 'disconnected'
  /** The shell ended (exit, logout). */
  | 'exited'
  /** Could not connect at all (DNS, refused, auth, host key). */
  | 'failed'
  | 'closed';

export interface TerminalInfo {
  terminalId: string;
  drillId: string | null;
  target: string;
  kind: 'local' | 'ssh';
  /** "local shell" or user@host:port (via jumps). */
  endpoint: string;
  status: TerminalStatus;
  /** Why it is in this status, in one sentence (errors, exit codes). */
  message: string | null;
  cols: number;
  rows: number;
  /** The shell reports prompts and exit codes (our bash integration is active). */
  shellIntegration: boolean;
  /** A command is running (started, not yet finished) according to the shell. */
  busy: boolean;
  /** Runs waiting their turn in this terminal (run ids, in order). */
  queued: string[];
  /** The run in progress, if any. */
  running: string | null;
  transcript: { out: string; index: string };
  openedAt: string;
}

export type PromptKind = 'hostkey' | 'password' | 'passphrase' | 'keyboard-interactive';

export interface PromptInfo {
  promptId: string;
  terminalId: string;
  target: string;
  kind: PromptKind;
  /** The question, in a sentence. */
  message: string;
  /** hostkey: what the operator must verify. */
  host?: string;
  port?: number;
  keyType?: string;
  fingerprint?: string;
  knownHostsFile?: string;
  /** keyboard-interactive: the server's prompts (echo false = secret). */
  name?: string;
  instructions?: string;
  prompts?: { prompt: string; echo: boolean }[];
  /** When it will be given up on. */
  expiresAt: string;
}

export interface PromptAnswer {
  /** hostkey: accept (true) or refuse. */
  accept?: boolean;
  /** password / passphrase (one value) or keyboard-interactive answers. */
  values?: string[];
  cancel?: boolean;
}

export type TerminalEvent =
  | { type: 'terminal.status'; terminal: TerminalInfo }
  | { type: 'terminal.prompt'; prompt: PromptInfo; state: 'open' | 'closed' }
  | { type: 'terminal.exit'; terminalId: string; drillId: string | null; exitCode: number | null; signal: string | null; message: string };

export interface RunResult {
  runId: string;
  terminalId: string;
  /** The exit code will be known (shell integration saw a prompt). */
  tracked: boolean;
  /** Why it is not tracked, or that it is queued (and behind what). */
  note: string | null;
  /** How many runs or commands are ahead of it in its terminal (0: it starts now). */
  queued: number;
}

export interface TranscriptInfo {
  terminalId: string;
  drillId: string | null;
  target: string;
  kind: 'local' | 'ssh' | 'exec';
  endpoint: string;
  out: string;
  index: string;
  bytes: number;
  openedAt: string | null;
}

/** Where a connection's terminal output goes (a browser tab, the Electron window, a test). */
export interface TerminalSink {
  readonly id: string;
  data(terminalId: string, bytes: Uint8Array): void;
}

/** One record of a transcript's index (<terminalId>.jsonl), written by transcript.ts. */
export type TranscriptEntry =
  | {
      t: 'open';
      terminalId: string;
      drillId: string | null;
      target: string;
      /** exec: a headless run's commands on exec channels / local bash. */
      kind: 'local' | 'ssh' | 'exec';
      endpoint: string;
      cols: number;
      rows: number;
      stepIndex: number | null;
    }
  | { t: 'status'; status: string; message: string }
  | { t: 'step'; stepIndex: number | null; title: string | null }
  | { t: 'resize'; cols: number; rows: number }
  | { t: 'input'; bytes: number; keys?: string[] }
  | {
      t: 'command';
      runId: string;
      stepIndex: number | null;
      name: string | null;
      text: string;
      target: string;
      /** script: a Run (a fresh bash child, integration.ts); typed/paste: older transcripts and headless runs. */
      mode: 'paste' | 'typed' | 'script';
      queued?: boolean;
    }
  /** A command the operator typed, as the shell reported it (text null: not in the shell's history). */
  | { t: 'typed'; text: string | null; exitCode: number | null; stepIndex: number | null; outputFrom: number; outputTo: number }
  | {
      t: 'result';
      runId: string;
      exitCode: number | null;
      expectPassed: boolean | null;
      message: string;
      outputFrom: number | null;
      outputTo: number | null;
    }
  | { t: 'close'; reason: string };

export type IndexRecord = TranscriptEntry & { at: string; offset: number };
