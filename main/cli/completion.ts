/**
 * `drillbook completion bash|zsh|fish`: completion scripts generated from the
 * command table (./commands.ts), the same one `--help` and the parser read, so
 * a new flag completes the day it is added. Each script completes commands,
 * sub-commands, flags (with their allowed values) and file or folder
 * arguments; test/unit/cli/completion.test.ts runs them in the real shells.
 */
import { COMMANDS, GLOBAL_FLAGS, type Command, type Flag } from './commands';
import { CliError, EXIT } from './common';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

export async function completionCommand(_values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const shell = positionals[0];
  if (positionals.length !== 1 || !(SHELLS as readonly string[]).includes(shell!)) throw new CliError(`name one shell: ${SHELLS.join(', ')}`);
  process.stdout.write(completionScript(shell as (typeof SHELLS)[number]));
  return EXIT.ok;
}

export function completionScript(shell: 'bash' | 'zsh' | 'fish'): string {
  return shell === 'bash' ? bash() : shell === 'zsh' ? zsh() : fish();
}

const allFlags = (c: Command): [string, Flag][] => Object.entries({ ...c.flags, ...GLOBAL_FLAGS });
const names = COMMANDS.map((c) => c.name);
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(): string {
  const cases = COMMANDS.map((c) => {
    const flags = allFlags(c).map(([n]) => `--${n}`).join(' ');
    const valued = allFlags(c)
      .filter(([, f]) => f.type === 'string')
      .map(([n, f]) => `      --${n}) ${f.choices ? `COMPREPLY=($(compgen -W ${q(f.choices.join(' '))} -- "$cur"))` : f.complete === 'dir' ? 'COMPREPLY=($(compgen -d -- "$cur"))' : f.complete === 'file' ? 'COMPREPLY=($(compgen -f -- "$cur"))' : 'COMPREPLY=()'}; return ;;`)
      .join('\n');
    const pos = c.subcommands ? `compgen -W ${q(c.subcommands.join(' '))} -- "$cur"` : c.positionals === 'dir' ? 'compgen -d -- "$cur"' : c.positionals === 'file' ? 'compgen -f -- "$cur"' : 'true';
    const posFirst = c.subcommands && c.positionals === 'file' ? `if [ "$npos" -eq 0 ]; then COMPREPLY=($(${pos})); else COMPREPLY=($(compgen -f -- "$cur")); fi` : `COMPREPLY=($(${pos}))`;
    return `    ${c.name})
      case "$prev" in
${valued}
      esac
      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${q(flags)} -- "$cur")); return; fi
      ${posFirst}
      ;;`;
  }).join('\n');
  return `# bash completion for drillbook (drillbook completion bash)
_drillbook() {
  local cur prev cmd="" npos=0 i w
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      --data) ((i++)) ;;
      -*) ;;
      *) if [ -z "$cmd" ]; then cmd="$w"; else ((npos++)); fi ;;
    esac
  done
  if [ -z "$cmd" ]; then
    if [ "$prev" = "--data" ]; then COMPREPLY=($(compgen -d -- "$cur")); return; fi
    COMPREPLY=($(compgen -W ${q([...names, 'help', ...Object.keys(GLOBAL_FLAGS).map((n) => `--${n}`)].join(' '))} -- "$cur"))
    return
  fi
  case "$cmd" in
    help) COMPREPLY=($(compgen -W ${q(names.join(' '))} -- "$cur")) ;;
${cases}
  esac
}
complete -o filenames -F _drillbook drillbook
`;
}

function zshFlag([n, f]: [string, Flag]): string {
  const desc = f.help.replace(/[[\]:'\\]/g, ' ');
  const action = f.type === 'boolean' ? '' : f.choices ? `:${n}:(${f.choices.join(' ')})` : f.complete === 'dir' ? `:${n}:_files -/` : f.complete === 'file' ? `:${n}:_files` : `:${n}: `;
  return `${f.multiple ? '*' : ''}--${n}[${desc}]${action}`;
}

function zsh(): string {
  const cases = COMMANDS.map((c) => {
    const pos = c.subcommands ? `'1:${c.name} command:(${c.subcommands.join(' ')})' '*:file:_files'` : c.positionals === 'file' ? `'*:file:_files'` : c.positionals === 'dir' ? `'*:folder:_files -/'` : '';
    return `    ${c.name}) _arguments -s ${allFlags(c).map((f) => q(zshFlag(f))).join(' ')} ${pos} ;;`;
  }).join('\n');
  return `#compdef drillbook
# zsh completion for drillbook (drillbook completion zsh)
_drillbook() {
  local -a commands
  commands=(
${COMMANDS.map((c) => `    ${q(`${c.name}:${c.summary.replace(/:/g, ' ')}`)}`).join('\n')}
    'help:show help for a command'
  )
  local cmd i=2
  while (( i < CURRENT )); do
    case "\${words[i]}" in
      --data) (( i += 2 )); continue ;;
      -*) ;;
      *) cmd="\${words[i]}"; break ;;
    esac
    (( i++ ))
  done
  if [[ -z "$cmd" ]]; then
    _arguments -s ${Object.entries(GLOBAL_FLAGS).map((f) => q(zshFlag(f))).join(' ')} '1:command:->cmds'
    [[ "$state" == cmds ]] && _describe -t commands 'drillbook command' commands
    return
  fi
  (( CURRENT -= i - 1 )); shift $(( i - 1 )) words
  case "$cmd" in
    help) _describe -t commands 'drillbook command' commands ;;
${cases}
  esac
}
if [[ "\${funcstack[1]}" == _drillbook ]]; then _drillbook "$@"; else compdef _drillbook drillbook; fi
`;
}

function fish(): string {
  const lines = [
    '# fish completion for drillbook (drillbook completion fish)',
    'complete -c drillbook -f',
    `complete -c drillbook -n __fish_use_subcommand -a help -d 'show help for a command'`,
    `complete -c drillbook -n '__fish_seen_subcommand_from help' -a ${q(names.join(' '))}`,
  ];
  for (const [n, f] of Object.entries(GLOBAL_FLAGS)) lines.push(`complete -c drillbook -l ${n}${f.short ? ` -s ${f.short}` : ''}${f.type === 'string' ? ' -r' : ''}${f.complete === 'dir' ? " -a '(__fish_complete_directories)'" : ''} -d ${q(f.help)}`);
  for (const c of COMMANDS) {
    lines.push(`complete -c drillbook -n __fish_use_subcommand -a ${c.name} -d ${q(c.summary)}`);
    const when = `-n '__fish_seen_subcommand_from ${c.name}'`;
    if (c.subcommands) {
      const subs = c.subcommands.join(' ');
      lines.push(`complete -c drillbook -n '__fish_seen_subcommand_from ${c.name}; and not __fish_seen_subcommand_from ${subs}' -a ${q(subs)}`);
      if (c.positionals === 'file') lines.push(`complete -c drillbook -n '__fish_seen_subcommand_from ${c.name}; and __fish_seen_subcommand_from ${subs}' -F`);
    } else if (c.positionals === 'file') {
      lines.push(`complete -c drillbook ${when} -F`);
    }
    for (const [n, f] of Object.entries(c.flags)) {
      const value = f.type === 'boolean' ? '' : f.choices ? ` -x -a ${q(f.choices.join(' '))}` : f.complete === 'file' ? ' -r -F' : f.complete === 'dir' ? " -x -a '(__fish_complete_directories)'" : ' -x';
      lines.push(`complete -c drillbook ${when} -l ${n}${value} -d ${q(f.help)}`);
    }
  }
  return lines.join('\n') + '\n';
}
