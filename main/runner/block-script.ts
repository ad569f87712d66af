/**
 * How one runbook block runs: the interpreter command line and the script
 * text, in one pure function that both paths call — `drillbook run`
 * (./exec.ts, ./ssh.ts) and Run in a drill's terminal
 * (main/terminal/session.ts), so a block behaves the same in both.
 *
 * The default is a fresh `bash -e -o pipefail -c SCRIPT` per block
 * (runbooks/FORMAT.md, "How a block runs"): `cd`, shell variables and
 * `set` options never carry from one block to the next, and a block stops at
 * its first failing command. The script is the block's text exactly as the
 * drill recorded it (variables already filled in, ./vars.ts); secrets are
 * never in it, they reach the block as environment variables.
 */
import type { CommandBlock } from '../runbook/model';

/** argv before the script: the script is always passed as the last argument. */
export const DEFAULT_INTERPRETER: readonly string[] = Object.freeze(['bash', '-e', '-o', 'pipefail', '-c']);

export interface BlockScript {
  /** The interpreter and its options; the script follows as one more argument. */
  argv: readonly string[];
  script: string;
  /** The block's `cwd` attribute (relative to where blocks start), or null. */
  cwd: string | null;
}

export function blockScript(block: Pick<CommandBlock, 'text' | 'attrs'>): BlockScript {
  return { argv: DEFAULT_INTERPRETER, script: block.text, cwd: block.attrs.cwd ?? null };
}
