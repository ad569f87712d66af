/**
 * `drillbook` — the command-line host. Each command is a thin adapter over
 * the same core the desktop app and the browser use.
 *
 * Start-up is kept small on purpose (cron and CI call this hundreds of
 * times): this file loads only the command table, the help and the output
 * helpers; a command's own code — and zod, ssh2, better-sqlite3,
 * markdown-it behind it — is required only when that command runs
 * (./commands.ts; `npm run bench -- cli` measures it).
 *
 * Exit codes (stable; schedulers act on them):
 *   0 ok · 1 a drill step failed / lint found errors · 2 RTO missed
 *   3 bad input (usage, unreadable runbook) · 4 internal error
 */
import { parseArgs } from 'node:util';
import { EXIT, CliError } from './common';
import { COMMANDS, GLOBAL_FLAGS, findCommand, parseOptions, type Command } from './commands';
import { commandHelp, didYouMean, generalHelp } from './help';
import { guardPipes, setUi, uiOptions } from './output';
import { VERSION } from '../version';

/** Global flags given before the command name, and where the command starts. */
export function splitArgs(argv: string[]): { globals: string[]; name: string | undefined; rest: string[] } {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--' || !a.startsWith('-') || a === '-') break;
    globals.push(a);
    const long = a.startsWith('--') ? a.slice(2).split('=')[0]! : null;
    const flag = long !== null ? GLOBAL_FLAGS[long] : Object.values(GLOBAL_FLAGS).find((f) => f.short === a.slice(1));
    if (flag?.type === 'string' && !a.includes('=') && i + 1 < argv.length) globals.push(argv[++i]!);
  }
  if (argv[i] === '--') i++;
  return { globals, name: argv[i], rest: argv.slice(i + 1) };
}

function usageError(prefix: string, message: string): number {
  process.stderr.write(`${prefix}: ${message}\n`);
  return EXIT.badInput;
}

/** One sentence for a parseArgs error, with the flag that was probably meant. */
function flagError(cmd: Command | null, err: Error & { code?: string }): string {
  const unknown = /Unknown option '(-{1,2})([^']+)'/.exec(err.message);
  if (unknown) {
    const given = unknown[1] + unknown[2]!;
    const names = Object.keys({ ...GLOBAL_FLAGS, ...cmd?.flags });
    const guess = unknown[1] === '--' ? didYouMean(unknown[2]!, names) : null;
    const where = cmd ? `drillbook ${cmd.name} --help` : 'drillbook --help';
    return `unknown option ${given}.${guess ? ` Did you mean --${guess}?` : ''} (see ${where})`;
  }
  const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(err.message);
  if (missing) return `${missing[1]} needs a value`;
  return err.message.replace(/\.?\s*$/, '') + (cmd ? ` (see drillbook ${cmd.name} --help)` : '');
}

export async function main(argv: string[]): Promise<number> {
  const { globals, name, rest } = splitArgs(argv);
  let pre: Record<string, unknown>;
  try {
    pre = parseArgs({ args: globals, options: parseOptions(null), allowPositionals: false, strict: true }).values;
  } catch (err) {
    return usageError('drillbook', flagError(null, err as Error));
  }
  if (pre.version) {
    process.stdout.write(`drillbook ${VERSION}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined) {
      const cmd = findCommand(topic);
      if (!cmd) return unknownCommand(topic);
      process.stdout.write(commandHelp(cmd) + '\n');
      return EXIT.ok;
    }
    process.stdout.write(generalHelp(VERSION) + '\n');
    return name === 'help' || pre.help ? EXIT.ok : EXIT.badInput;
  }
  const cmd = findCommand(name);
  if (!cmd) return unknownCommand(name);

  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...globals, ...rest], options: parseOptions(cmd), allowPositionals: true, strict: true }));
  } catch (err) {
    return usageError(`drillbook ${name}`, flagError(cmd, err as Error));
  }
  if (values.help) {
    process.stdout.write(commandHelp(cmd) + '\n');
    return EXIT.ok;
  }
  if (values.version) {
    process.stdout.write(`drillbook ${VERSION}\n`);
    return EXIT.ok;
  }
  setUi(uiOptions(values));
  guardPipes(cmd.survivesClosedStdout === true);
  try {
    return await cmd.load()(values, positionals);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`drillbook ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    // Unexpected: one line, no stack; DRILLBOOK_DEBUG=1 shows the stack for bug reports.
    process.stderr.write(`drillbook ${name}: internal error: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.DRILLBOOK_DEBUG) process.stderr.write(String((err as Error).stack) + '\n');
    return EXIT.internal;
  }
}

function unknownCommand(name: string): number {
  const guess = didYouMean(name, [...COMMANDS.map((c) => c.name), 'help']);
  return usageError('drillbook', `unknown command "${name}".${guess ? ` Did you mean "${guess}"?` : ''} (see drillbook --help)`);
}

/** The process entry (bin/drillbook and `node dist/main/cli/index.js`). */
export function runMain(argv: string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => {
      // `web` keeps the process alive itself; everything else exits with its code.
      if (code >= 0) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`drillbook: internal error: ${(err as Error).message}\n`);
      process.exitCode = EXIT.internal;
    },
  );
}

if (require.main === module) runMain();
