/**
 * How one runbook block runs in a drill's terminal (Run, in
 * main/terminal/session.ts): the interpreter command line, the script text
 * and the folder, taken from the same plan `drillbook run` executes
 * (./plan.ts, planBlock: Runme semantics — language → program, `$ `
 * prompts stripped, `cwd` relative to the runbook's folder, data blocks
 * never run), so a block behaves the same in both.
 *
 * A shell block runs in a fresh `bash -e -o pipefail -c SCRIPT` (front
 * matter `shell:` changes the shell); `cd`, shell variables and `set`
 * options never carry from one block to the next, and a block stops at its
 * first failing command (runbooks/FORMAT.md, "How a block runs"). An
 * interpreter block (python → python3, node…) is fed to its program on
 * stdin by that shell, as `drillbook run` does over SSH (inlineScript). The
 * script is the block's text as the drill recorded it (variables already
 * filled in, ./vars.ts); secrets are never in it.
 */
import type { CommandBlock } from './model';
import { inlineScript, planBlock, type PlanContext } from './plan';

/** argv before the script: the script is always passed as the last argument. */
export const DEFAULT_INTERPRETER: readonly string[] = Object.freeze(['bash', '-e', '-o', 'pipefail', '-c']);

export interface BlockScript {
  /** The interpreter and its options; the script follows as one more argument. */
  argv: readonly string[];
  script: string;
  /** The folder to run in (absolute, or relative to where the terminal's blocks start), or null for that start folder. */
  cwd: string | null;
}

/** The plain default (no runbook context): a fresh bash -e -o pipefail, the block's own `cwd`. */
export function blockScript(block: Pick<CommandBlock, 'text' | 'attrs'>): BlockScript {
  return { argv: DEFAULT_INTERPRETER, script: block.text, cwd: block.attrs.cwd ?? null };
}

/**
 * The terminal Run of `block`, from `drillbook run`'s plan; or why it is
 * not run (the same reason the CLI logs). `local`: the terminal runs on this
 * machine, so the plan's folder (relative to the runbook) holds; on an SSH
 * host a `cwd` is used as written, as `drillbook run` does there.
 */
export function terminalBlockScript(block: CommandBlock, ctx: PlanContext, local: boolean): BlockScript | { refused: string } {
  const plan = planBlock(block, ctx);
  if (!plan.run) return { refused: plan.reason };
  if (plan.background) {
    return { refused: 'background=true: drillbook run starts this block and moves on; in a terminal, start it by hand (with & or in another terminal)' };
  }
  const script = inlineScript(plan);
  const argv = plan.scriptFile ? DEFAULT_INTERPRETER : plan.argv.slice(0, -1);
  const hasCwd = block.attrs.cwd !== undefined || (typeof ctx.frontMatter.cwd === 'string' && ctx.frontMatter.cwd.trim() !== '');
  const cwd = local ? (hasCwd ? plan.cwd : null) : (block.attrs.cwd ?? null);
  return { argv, script, cwd };
}
