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
  __drillbook_prompt() {
    local s=$?
    if [ -n "$__drillbook_ran" ]; then printf '\033]633;D;%s\007' "$s"; __drillbook_ran=; fi
    printf '\033]633;A\007'
    return $s
  }
  PROMPT_COMMAND="__drillbook_prompt${"$"}{PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  PS1="${"$"}{PS1}\[\033]633;B\007\]"
  # PS0 is expanded in the shell itself just before a command runs: the
  # array subscript sets the flag as a side effect and expands to nothing.
  PS0='${"$"}{__drillbook_mark[__drillbook_ran=1]-}\033]633;C\007'"${"$"}{PS0-}"
  bind 'set enable-bracketed-paste on' 2>/dev/null
fi
`;

/** Single-quotes a string for POSIX sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

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
