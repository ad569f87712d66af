/** Embedded terminals in the UI (xterm.js): the panel, Run buttons, prompts and transcripts. */
export { TerminalPanel, type TerminalPanelProps } from './TerminalPanel';
export { TerminalWorkspace, runActions, stepTarget } from './Workspace';
export { blockIndexOf } from '../drill/commands';
export { TranscriptViewer } from './TranscriptViewer';
export { RunButton } from './RunButton';
export { hubFor, TerminalHub, ACK_SIZE } from './hub';
export { createXterm } from './xterm';
export { useTerminals, requestTerminal, wireTerminalState } from './state';
