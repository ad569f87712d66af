/**
 * Shell integration: how Drillbook learns when a command it typed has
 * finished, and with which exit status, without changing the text typed.
 *
 * The choice (documented in the README): like VS Code, we start bash with
 * an rc file of our own that first loads the user's usual startup files and
 * then reports, through OSC 633 escape sequences that terminals ignore,
 * "prompt shown" (A, from PROMPT_COMMAND), "command started" (C, from
 * PS0) and "command finished with status N" (D;N). The output between C and
 * D is the command's output, which `expect` patterns are checked against
 * (the echo of the typed text comes before C, so a pattern can never match
 * the command itself).
 *
 * Locally the rc file is passed with --rcfile. Over SSH the shell is
 * started on an exec channel with a pty, running a short POSIX sh launcher
 * that writes the rc to a private temp file (removed by the rc as it
 * loads), emulates a login shell (/etc/profile, ~/.bash_profile…) and
 * execs bash. A host without bash gets its login shell, without exit codes:
 * runs there are recorded with the exit code unknown, and say so.
 */

import { shQuote } from '../common/shell';

export const BASH_INTEGRATION = String.raw`# Drillbook shell integration for bash (see main/terminal/integration.ts).
if [ -n "$DRILLBOOK_RC" ]; then rm -f -- "$DRILLBOOK_RC"; unset DRILLBOOK_RC; fi
if [ -n "$DRILLBOOK_LOGIN" ]; then
  unset DRILLBOOK_LOGIN
  [ -r /etc/profile ] && . /etc/profile
  if [ -r ~/.bash_profile ]; then . ~/.bash_profile
  elif [ -r ~/.bash_login ]; then . ~/.bash_login
  elif [ -r ~/.profile ]; then . ~/.profile
  fi
else
  [ -r ~/.bashrc ] && . ~/.bashrc
fi
if [ -z "$__drillbook_integrated" ]; then
  __drillbook_integrated=1
  __drillbook_ran=
  # Where a Run starts (as drillbook run starts its blocks), whatever the operator cd's to by hand.
  __drillbook_start_dir=$PWD
  __drillbook_hn=
  # A drill terminal keeps duplicates in its history, so a repeated command's text is known
  # (ignorespace stays: a line typed with a leading space is deliberately left out, text and all).
  case ":${"$"}{HISTCONTROL-}:" in *ignoreboth*) HISTCONTROL=${"$"}{HISTCONTROL//ignoreboth/ignorespace} ;; esac
  HISTCONTROL=${"$"}{HISTCONTROL//ignoredups/}
  HISTCONTROL=${"$"}{HISTCONTROL//erasedups/}
  HISTIGNORE="${"$"}{HISTIGNORE:+$HISTIGNORE:}__drillbook_block *"
  __drillbook_cmdline() {
    # E: the command line just run, from the history (never from keystrokes); nothing when it was not saved.
    local h
    if [ -z "$HISTCMD" ] || [ "$HISTCMD" = "$__drillbook_hn" ]; then return; fi
    h=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null) || return
    [[ $h =~ ^[[:space:]]*[0-9]+\*?[[:space:]][[:space:]](.*)$ ]] || return
    h=${"$"}{BASH_REMATCH[1]}
    h=${"$"}{h//\\/\\\\}; h=${"$"}{h//;/\\x3b}; h=${"$"}{h//$'\n'/\\x0a}; h=${"$"}{h//$'\r'/\\x0d}
    h=${"$"}{h//$'\a'/\\x07}; h=${"$"}{h//$'\e'/\\x1b}; h=${"$"}{h//$'\x18'/\\x18}; h=${"$"}{h//$'\x1a'/\\x1a}
    printf '\033]633;E;%s\007' "${"$"}{h:0:16000}"
  }
  __drillbook_prompt() {
    local s=$?
    if [ -n "$__drillbook_ran" ]; then __drillbook_cmdline; printf '\033]633;D;%s\007' "$s"; __drillbook_ran=; fi
    __drillbook_hn=$HISTCMD
    printf '\033]633;A\007'
    return $s
  }
  # Run: Drillbook types "__drillbook_block ID", then, once this has turned echo off and said it is
  # ready, sends escaped lines: "-" an argv word, "=" NAME=VALUE for the block's environment, "@" a
  # folder, then the block ("|" line, "+" continued line) and ".N" (the block's escaped length).
  # The block then runs as ARGV... SCRIPT in a child process, from the start directory (then the folder).
  __drillbook_block() {
    local id=$1 saved l enc= n= s cwd= a
    local -a argv envs
    argv=() envs=()
    saved=$(stty -g 2>/dev/null)
    stty -echo 2>/dev/null
    printf '\033]633;P;DrillbookReady=%s\007' "$id"
    while IFS= read -r -t 20 l; do
      l=${"$"}{l%$'\r'}
      case $l in
        .*) n=${"$"}{l:1}; break ;;
        '|'*) enc+=${"$"}{l:1}$'\n' ;;
        '+'*) enc+=${"$"}{l:1} ;;
        -*) printf -v a '%b' "${"$"}{l:1}"; argv+=("$a") ;;
        =*) printf -v a '%b' "${"$"}{l:1}"; envs+=("$a") ;;
        @*) printf -v cwd '%b' "${"$"}{l:1}" ;;
        *) break ;;
      esac
    done
    [ -n "$saved" ] && stty "$saved" 2>/dev/null
    case $n in
      '' | *[!0-9]* | -*)
        printf 'drillbook: nothing to run here (a Run is started from the Run button).\n' >&2
        printf '\033]633;P;DrillbookRefused=%s\007' "$id"
        return 2 ;;
    esac
    if [ "$(( $(printf %s "$enc" | wc -c) ))" != "$n" ]; then
      printf 'drillbook: the block did not arrive intact (keys typed while it was sent?); nothing was run.\n' >&2
      printf '\033]633;P;DrillbookRefused=%s\007' "$id"
      return 2
    fi
    printf -v s '%b' "${"$"}{enc%$'\n'}"
    printf '\033[2m%s\033[22m\n' "${"$"}{s//$'\e'/^[}"
    printf '\033]633;P;DrillbookOutput=%s\007' "$id"
    ( cd -- "$__drillbook_start_dir" && { [ -z "$cwd" ] || cd -- "$cwd"; } && { [ ${"$"}{#envs[@]} -eq 0 ] || export "${"$"}{envs[@]}"; } && exec "${"$"}{argv[@]}" "$s" )
  }
  PROMPT_COMMAND="__drillbook_prompt${"$"}{PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  PS1="${"$"}{PS1}\[\033]633;B\007\]"
  # PS0 is expanded in the shell itself just before a command runs: the array subscript sets the flag as a side effect and expands to nothing.
  PS0='${"$"}{__drillbook_mark[__drillbook_ran=1]-}\033]633;C\007'"${"$"}{PS0-}"
  bind 'set enable-bracketed-paste on' 2>/dev/null
fi
`;

/**
 * The command run on an SSH exec channel (with a pty) to get bash with our
 * integration, or the login shell when there is no bash.
 */
export function remoteShellCommand(): string {
  const launcher = [
    'if command -v bash >/dev/null 2>&1; then',
    '  f=$(mktemp "${TMPDIR:-/tmp}/drillbook-rc.XXXXXX" 2>/dev/null) || f="${TMPDIR:-/tmp}/drillbook-rc.$$"',
    '  if printf "%s\\n" "$1" > "$f"; then DRILLBOOK_RC="$f" DRILLBOOK_LOGIN=1 exec bash --rcfile "$f" -i; fi',
    'fi',
    'exec "${SHELL:-/bin/sh}" -l',
  ].join('\n');
  return `sh -c ${shQuote(launcher)} drillbook ${shQuote(BASH_INTEGRATION)}`;
}

/** The line Drillbook types for a Run: one short line, never a multi-line paste through readline. */
export function blockCommandLine(runId: string): string {
  return `__drillbook_block ${runId}`;
}

export interface BlockTransfer {
  script: string;
  argv: readonly string[];
  cwd: string | null;
  env: Readonly<Record<string, string>>;
}

const TRANSFER_CHUNK = 200;

/**
 * The block as `__drillbook_block` reads it with echo off, in canonical
 * mode: backslashes and control bytes escaped for bash's `printf %b`
 * (so ^C, ^U, DEL… in a block are data, not line editing), one line per
 * script line, long lines split into `+` pieces of 200 characters (under
 * any tty's line limit), then `.N` with the escaped length in bytes, which
 * the shell checks before running anything.
 */
export function blockTransfer({ script, argv, cwd, env }: BlockTransfer): string {
  const escape = (line: string) =>
    // eslint-disable-next-line no-control-regex -- control characters in a command line are escaped
    line.replace(/\\/g, '\\\\').replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\x00' ? '' : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')));
  // Header words are short (an interpreter's options, a folder, one variable): under any tty's line limit.
  const out: string[] = [...argv.map((a) => '-' + escape(a)), ...Object.entries(env).map(([k, v]) => `=${escape(`${k}=${v}`)}`), ...(cwd ? ['@' + escape(cwd)] : [])];
  let bytes = 0;
  for (const raw of script.split('\n')) {
    const chars = Array.from(escape(raw));
    // The shell joins the pieces before decoding, so a piece may end anywhere.
    let i = 0;
    do {
      const end = Math.min(chars.length, i + TRANSFER_CHUNK);
      const piece = chars.slice(i, end).join('');
      const last = end >= chars.length;
      out.push((last ? '|' : '+') + piece);
      bytes += Buffer.byteLength(piece) + (last ? 1 : 0);
      i = end;
    } while (i < chars.length);
  }
  out.push(`.${bytes}`);
  return out.map((l) => l + '\r').join('');
}
