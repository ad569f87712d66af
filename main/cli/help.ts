/**
 * Help text and "did you mean", generated from the command table
 * (./commands.ts). Pure functions of the table: no I/O, no imports beyond it.
 */
import { COMMANDS, GLOBAL_FLAGS, type Command, type Flag } from './commands';

export function generalHelp(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `drillbook ${version} — disaster-recovery runbooks and timed restore rehearsals`,
    '',
    'Usage: drillbook <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  show help for a command: drillbook help run`,
    '',
    'Global options (before or after the command):',
    ...flagLines(GLOBAL_FLAGS),
    '',
    'Examples:',
    '  drillbook lint runbooks/*.md',
    '  drillbook run runbooks/sqlite-backup-restore.md',
    '  drillbook history | head',
    '',
    'Exit codes: 0 ok · 1 a step failed (or lint found errors) · 2 the RTO was missed · 3 bad input · 4 internal error',
    'Run `drillbook help COMMAND` or `drillbook COMMAND --help` for a command\'s options.',
  ].join('\n');
}

export function commandHelp(cmd: Command): string {
  const lines = [`drillbook ${cmd.name} — ${cmd.summary}`, '', 'Usage:'];
  for (const u of cmd.usage) lines.push(`  drillbook ${u}`);
  if (Object.keys(cmd.flags).length) lines.push('', 'Options:', ...flagLines(cmd.flags));
  lines.push('', 'Global options:', ...flagLines(GLOBAL_FLAGS));
  lines.push('', cmd.examples.length > 1 ? 'Examples:' : 'Example:', ...cmd.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

function flagLines(flags: Record<string, Flag>): string[] {
  const heads = Object.entries(flags).map(([name, f]) => {
    const short = f.short ? `-${f.short}, ` : '    ';
    const value = f.type === 'string' ? ` ${f.arg ?? 'VALUE'}` : '';
    return [`  ${short}--${name}${value}${f.multiple ? '...' : ''}`, f.help] as const;
  });
  const width = Math.min(36, Math.max(...heads.map(([h]) => h.length)));
  return heads.map(([h, text]) => (h.length > width ? `${h}\n${' '.repeat(width + 2)}${text}` : `${h.padEnd(width)}  ${text}`));
}

/** Optimal string alignment distance (Levenshtein with transpositions): "lnit" is one edit from "lint". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, if it is close enough to be what was meant (as git and gh do); a prefix counts too. */
export function didYouMean(input: string, candidates: readonly string[]): string | null {
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(input) && input.length >= 2 ? 0.5 : editDistance(input.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== null && bestD <= limit ? best : null;
}
