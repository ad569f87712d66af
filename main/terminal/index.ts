/**
 * Embedded terminals: local shells (node-pty) and SSH shells (ssh2), bytes
 * end to end, flow control, shell integration for exit codes, transcripts.
 */
export { listTranscripts } from './transcript';
export { TerminalService, currentStep, type TerminalServiceOptions, type TerminalSshOptions, type OpenParams } from './service';
export { TranscriptWriter, transcriptPaths, readTranscriptIndex, readTranscriptBytes, type TranscriptEntry, type IndexRecord, type TranscriptPaths } from './transcript';
export { SequenceScanner, terminalText, type ScanEvent } from './scanner';
export { FlowControl, FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK, FLOW_ACK_SIZE } from './flow';
export { OutputBatcher } from './batcher';
export { BASH_INTEGRATION, remoteShellCommand } from './integration';
export { encodeFrame, decodeFrame, FRAME_OUTPUT } from './frames';
export type * from './types';
