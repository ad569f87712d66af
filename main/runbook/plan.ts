/**
 * How one command block runs, decided in one pure function: which program,
 * with which arguments and script text, in which folder, or why it is not
 * run at all. The headless runner (./headless.ts) executes the plan; nothing
 * else decides these things, so `drillbook run` and a future UI Run agree.
 *
 * Runme semantics (issue 10), checked against Runme's README and tests:
 * - a leading `$ ` prompt is stripped; in a `console` block the lines without
 *   one are output and are not run;
 * - the language decides the program: shells run in a fresh
 *   `bash -e -o pipefail` (front matter `shell:` changes the shell),
 *   `python` in python3, `node` ...; `json`/`yaml`/`text`/output blocks are
 *   shown, never run, and the plan says so;
 * - `interpreter=` overrides the language's program;
 * - `ignore=true` is never run; `background=true` is started and left
 *   running while the drill moves on;
 * - a relative `cwd` is relative to the runbook's folder (or the front
 *   matter's `cwd`, itself relative to that folder); without one a block runs
 *   in the drill's work folder.
 */
import path from 'node:path';
import type { CommandBlock, Runbook } from './model';
import { languageKind } from './languages';

export interface PlanContext {
  /** The runbook file (its folder anchors relative `cwd`s). */
  runbookFile: string;
  /** Front matter `shell:` and `cwd:` (Runme), if any. */
  frontMatter: Record<string, unknown>;
  /** The drill's work folder: where blocks without `cwd` run, and where script files go. */
  workDir: string;
}

export type BlockPlan =
  | { run: false; reason: string }
  | {
      run: true;
      /** Program and its arguments (the script file, when there is one, is the last). */
      argv: string[];
      /** The text that runs (prompts stripped). */
      script: string;
      /** A file to write `script` into before running, for interpreters that read a file. */
      scriptFile: string | null;
      cwd: string;
      background: boolean;
      /** How it runs, for the log: "bash", "python3", "python3 (interpreter=)". */
      via: string;
    };

const SCRIPT_EXT: Record<string, string> = { python3: '.py', node: '.js', ruby: '.rb', perl: '.pl', php: '.php', lua: '.lua', pwsh: '.ps1', fish: '.fish', zsh: '.zsh' };

export function planBlock(block: CommandBlock, ctx: PlanContext): BlockPlan {
  const { attrs } = block;
  if (attrs.ignore === true) return { run: false, reason: 'ignore=true: shown, never run' };
  const kind = languageKind(block.lang);
  if (!attrs.interpreter && kind.kind === 'data') return { run: false, reason: `a ${block.lang} block is shown, not run (it is data or output, not a program)` };
  if (!attrs.interpreter && kind.kind === 'unknown') {
    return { run: false, reason: `Drillbook does not know how to run a "${block.lang}" block; add interpreter=PROGRAM to run it` };
  }
  const script = stripPrompts(block.text, block.lang);
  if (script.trim() === '') return { run: false, reason: 'the block has no command to run' };
  const cwd = blockCwd(attrs.cwd, ctx);
  const background = attrs.background === true;

  if (attrs.interpreter) {
    const argv = attrs.interpreter.trim().split(/\s+/);
    const file = scriptPath(ctx.workDir, block, SCRIPT_EXT[path.basename(argv[0] ?? '')] ?? '');
    return { run: true, argv: [...argv, file], script, scriptFile: file, cwd, background, via: `${attrs.interpreter} (interpreter=)` };
  }
  if (kind.kind === 'interpreter') {
    const program = kind.argv[0] ?? '';
    const file = scriptPath(ctx.workDir, block, SCRIPT_EXT[program] ?? '');
    return { run: true, argv: [...kind.argv, file], script, scriptFile: file, cwd, background, via: program };
  }
  const shell = frontMatterShell(ctx.frontMatter);
  // -e and pipefail: a block fails on its first failing command, as an operator expects
  const flags = /(^|\/)(bash|zsh|ksh)$/.test(shell) ? ['-e', '-o', 'pipefail'] : ['-e'];
  return { run: true, argv: [shell, ...flags, '-c', script], script, scriptFile: null, cwd, background, via: path.basename(shell) };
}

/**
 * The plan as shell text, for a shell that runs it (`drillbook run` over
 * SSH, and Run in a terminal, ./block-script.ts): an interpreter block is
 * fed to its program on stdin instead of from a script file.
 */
export function inlineScript(plan: Extract<BlockPlan, { run: true }>): string {
  if (!plan.scriptFile) return plan.script;
  const program = plan.argv.slice(0, -1).join(' ');
  return `${program} /dev/stdin <<'DRILLBOOK_BLOCK_EOF'\n${plan.script}\nDRILLBOOK_BLOCK_EOF`;
}

/**
 * `$ cmd` → `cmd`. In a console/shell-session block, lines without a prompt
 * are the output the author pasted (continuations of a prompted line ending
 * in `\` excepted). In other shell blocks every line is a command.
 */
export function stripPrompts(text: string, lang: string): string {
  const lines = text.split('\n');
  const prompt = /^(\s*)\$ ?/;
  if (!lines.some((l) => /^\s*\$ /.test(l))) return text;
  const isSession = ['console', 'shell-session', 'shellsession', 'terminal'].includes(lang.toLowerCase());
  const kept: string[] = [];
  let continued = false;
  for (const line of lines) {
    if (prompt.test(line) && /^\s*\$( |$)/.test(line)) {
      kept.push(line.replace(prompt, '$1'));
      continued = line.endsWith('\\');
    } else if (!isSession || continued) {
      kept.push(line);
      continued = continued && line.endsWith('\\');
    }
  }
  return kept.join('\n');
}

function frontMatterShell(fm: Record<string, unknown>): string {
  const shell = fm.shell;
  return typeof shell === 'string' && shell.trim() !== '' ? shell.trim() : 'bash';
}

/** A relative `cwd`: from the front matter's `cwd` (relative to the runbook's folder) or the runbook's folder. */
function blockCwd(cwd: string | undefined, ctx: PlanContext): string {
  const runbookDir = path.dirname(ctx.runbookFile);
  const fmCwd = typeof ctx.frontMatter.cwd === 'string' && ctx.frontMatter.cwd.trim() !== '' ? path.resolve(runbookDir, ctx.frontMatter.cwd.trim()) : null;
  if (cwd === undefined) return fmCwd ?? ctx.workDir;
  return path.resolve(fmCwd ?? runbookDir, cwd);
}

function scriptPath(workDir: string, block: CommandBlock, ext: string): string {
  return path.join(workDir, '.drillbook', `block-${block.line}${ext}`);
}

/** The plan context of a runbook in a drill. */
export function planContext(runbook: Runbook, workDir: string): PlanContext {
  return { runbookFile: runbook.file, frontMatter: runbook.meta.extra, workDir };
}

/**
 * The blocks an unattended run performs: `auto` ones (every one with --all,
 * except excludeFromRunAll), narrowed to `--tag` when given (a block's `tag`
 * or Runme's `category`, comma-separated).
 */
export function blocksToRun(blocks: readonly CommandBlock[], all: boolean, tags: readonly string[] = []): CommandBlock[] {
  return blocks.filter((b) => (b.attrs.auto === true || (all && b.attrs.excludeFromRunAll !== true)) && hasTag(b, tags));
}

export function hasTag(block: CommandBlock, tags: readonly string[]): boolean {
  if (tags.length === 0) return true;
  const own = [block.attrs.tag, block.attrs.extra?.category]
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  return tags.some((t) => own.includes(t.trim().toLowerCase()));
}

/** Why a step has nothing to run, in words that match the flags used. */
export function nothingToRunReason(blocks: readonly CommandBlock[], all: boolean, tags: readonly string[] = []): string {
  if (blocks.length === 0) return 'manual step: it has no command to run';
  if (tags.length > 0 && !blocks.some((b) => hasTag(b, tags))) return `no block of this step has the tag ${tags.join(' or ')}`;
  if (!all) return 'manual step: no block is marked auto (use --all to run every block)';
  return 'every block of this step is marked excludeFromRunAll, so --all leaves it to a person';
}
