/**
 * The one table of CLI commands: their flags (for node:util parseArgs), their
 * usage, one-line summary and examples (for `--help`), and what their
 * arguments are (for the shell completions). Help, parsing and completions
 * are all generated from here, so they cannot drift apart.
 *
 * Why parseArgs and this table rather than commander or yargs: parseArgs is in
 * Node (0 ms to load; commander adds ~8 ms and yargs ~35 ms to every start on
 * this project's build machines), and everything a library would add on top —
 * per-command help, suggestions, completions — is ~200 lines that read this
 * table. This module must stay free of imports: it is loaded on every call,
 * and a command's code (zod, ssh2, better-sqlite3, markdown-it) is loaded only
 * by `load()` when that command runs (measured: `lint` went from 0.82 s to
 * 0.27 s wall on a loaded 2-core machine, see `npm run bench -- cli`).
 */
import { DRILL_MODES } from '../common/status';

export type Handler = (values: Record<string, unknown>, positionals: string[]) => Promise<number>;

export interface Flag {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help for a string flag: FILE, DIR, N… */
  arg?: string;
  /** Allowed values (completions offer them; the command checks them). */
  choices?: readonly string[];
  /** What the value is, for completions: a file, a folder. */
  complete?: 'file' | 'dir';
  help: string;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage lines, without the leading "drillbook ". */
  usage: string[];
  flags: Record<string, Flag>;
  examples: string[];
  /** First positional words that are sub-commands (completions offer them). */
  subcommands?: readonly string[];
  /** What the positional arguments are, for completions. */
  positionals?: 'file' | 'dir' | 'none' | 'shell';
  /** Keep going when stdout is closed (a drill in progress must not stop because `| head` exited). */
  survivesClosedStdout?: boolean;
  load: () => Handler;
}

/** Flags every command takes, before or after the command name. */
export const GLOBAL_FLAGS: Record<string, Flag> = {
  data: { type: 'string', arg: 'DIR', complete: 'dir', help: 'where the history lives (default: $DRILLBOOK_DATA, else the per-user app data folder)' },
  quiet: { type: 'boolean', short: 'q', help: 'print only results and errors: no progress, no banners' },
  'no-color': { type: 'boolean', help: 'no colour (also when NO_COLOR is set or output is not a terminal)' },
  help: { type: 'boolean', short: 'h', help: 'show help for the command' },
  version: { type: 'boolean', short: 'V', help: 'print the version' },
};

const MODES = DRILL_MODES;

/* eslint-disable @typescript-eslint/no-require-imports -- each command loads its module on first use, so `drillbook --help` stays fast */
export const COMMANDS: Command[] = [
  {
    name: 'lint',
    summary: 'check runbooks; errors as FILE:LINE: message',
    usage: ['lint FILE... [--json]'],
    flags: { json: { type: 'boolean', help: 'print the parsed runbooks as JSON' } },
    examples: ['drillbook lint runbooks/*.md', 'drillbook lint --json runbooks/sqlite-backup-restore.md | jq .[0].steps'],
    positionals: 'file',
    load: () => (require('./lint') as typeof import('./lint')).lintCommand,
  },
  {
    name: 'run',
    summary: 'run a drill headless, or a scheduled restore test',
    usage: [
      'run FILE [--all] [--operator NAME] [--mode rehearsal|live|automated] [--json]',
      'run FILE [--target NAME=ssh://user@host:port|ALIAS]... [--identity FILE]... [--known-hosts FILE]',
      '         [--accept-new-host-keys] [--ssh-config FILE]',
      'run FILE [--var NAME=VALUE]... [--strict] [--junit FILE] [--export DIR] [--tag TAG]...',
    ],
    flags: {
      all: { type: 'boolean', help: 'run every block, not only those marked auto=true' },
      operator: { type: 'string', arg: 'NAME', help: 'who ran the drill (default: your user name)' },
      mode: { type: 'string', arg: 'MODE', choices: MODES, help: 'rehearsal, live or automated (default: automated when CI is set or stdin is not a terminal)' },
      target: { type: 'string', multiple: true, arg: 'NAME=DEST', help: "point a runbook target at ssh://user@host:port or an ~/.ssh/config alias" },
      identity: { type: 'string', multiple: true, arg: 'FILE', complete: 'file', help: 'an SSH private key to try (repeatable)' },
      'known-hosts': { type: 'string', arg: 'FILE', complete: 'file', help: 'the known_hosts file to verify host keys against' },
      'accept-new-host-keys': { type: 'boolean', help: 'trust an unknown host key on first use (a changed key always fails)' },
      'ssh-config': { type: 'string', arg: 'FILE', complete: 'file', help: 'read SSH aliases from this file instead of ~/.ssh/config' },
      var: { type: 'string', multiple: true, arg: 'NAME=VALUE', help: 'fill a {{NAME}} variable (secrets come from the environment only)' },
      strict: { type: 'boolean', help: 'refuse a runbook with manual steps, before anything runs' },
      junit: { type: 'string', arg: 'FILE', complete: 'file', help: 'write a JUnit report (one testcase per step, and one for the RTO)' },
      export: { type: 'string', arg: 'DIR', complete: 'dir', help: 'write the evidence bundle to DIR/<drill id>' },
      json: { type: 'boolean', help: 'print the result as one JSON object on stdout (step output goes to stderr)' },
      tag: { type: 'string', multiple: true, arg: 'TAG', help: "run only blocks with this Runme tag/category (repeatable, or comma-separated)" },
    },
    examples: [
      'drillbook run runbooks/sqlite-backup-restore.md',
      'drillbook run restore.md --strict --target db=ssh://postgres@restore-host --var BACKUP_DIR=/srv/pg --junit report.xml',
      'drillbook run restore.md --json | jq .outcome',
    ],
    positionals: 'file',
    survivesClosedStdout: true,
    load: () => (require('./run') as typeof import('./run')).runCommand,
  },
  {
    name: 'history',
    summary: 'past drills, newest first; export and import them as JSON lines',
    usage: [
      'history [--json|--csv] [--runbook FILE] [--mode M] [--status S] [--result pass|fail] [--since DATE] [--until DATE] [--limit N]',
      'history export [--out FILE] [--no-redact] [filters]',
      'history import FILE|- [--json]',
    ],
    flags: {
      json: { type: 'boolean', help: 'print the drills (or the import report) as JSON' },
      csv: { type: 'boolean', help: 'print the drills as CSV' },
      runbook: { type: 'string', arg: 'FILE', complete: 'file', help: "only this runbook's drills (its file, file name or title)" },
      mode: { type: 'string', arg: 'M', choices: MODES, help: 'only drills of this mode' },
      status: { type: 'string', arg: 'S', choices: ['running', 'completed', 'failed', 'aborted'], help: 'only drills with this status' },
      result: { type: 'string', arg: 'R', choices: ['pass', 'fail'], help: 'only passed or failed drills' },
      since: { type: 'string', arg: 'DATE', help: 'from this UTC day (2026-01-31) or ISO time' },
      until: { type: 'string', arg: 'DATE', help: 'up to this UTC day or ISO time' },
      limit: { type: 'string', arg: 'N', help: 'at most N drills (the table shows 50 by default)' },
      out: { type: 'string', arg: 'FILE', complete: 'file', help: 'history export: write to FILE instead of stdout' },
      'no-redact': { type: 'boolean', help: 'history export: keep credentials as recorded (an import needs an unmasked export)' },
    },
    examples: ['drillbook history --result fail --since 2026-01-01', 'drillbook history export --out team.jsonl', 'drillbook history import team.jsonl'],
    subcommands: ['export', 'import'],
    positionals: 'file',
    load: () => (require('./history') as typeof import('./history')).historyCommand,
  },
  {
    name: 'stats',
    summary: 'pass rate, p50/p90 of the drill and of every step, slow steps',
    usage: ['stats RUNBOOK [--json] [--mode M] [--since DATE] [--until DATE]'],
    flags: {
      json: { type: 'boolean', help: 'print the statistics as JSON' },
      mode: { type: 'string', arg: 'M', choices: MODES, help: 'only drills of this mode' },
      since: { type: 'string', arg: 'DATE', help: 'from this UTC day or ISO time' },
      until: { type: 'string', arg: 'DATE', help: 'up to this UTC day or ISO time' },
    },
    examples: ['drillbook stats runbooks/postgres-pg-dump-restore.md --mode automated'],
    positionals: 'file',
    load: () => (require('./stats') as typeof import('./stats')).statsCommand,
  },
  {
    name: 'db',
    summary: "the history database's own safety: check, backup, restore",
    usage: ['db check [--quick] [--json]', 'db backup [--out FILE]', 'db backups [--json]', 'db restore FILE'],
    flags: {
      json: { type: 'boolean', help: 'print the result as JSON' },
      quick: { type: 'boolean', help: 'db check: quick_check only, no hash chains' },
      out: { type: 'string', arg: 'FILE', complete: 'file', help: 'db backup: write the backup to FILE' },
    },
    examples: ['drillbook db check', 'drillbook db backup --out /mnt/usb/drillbook.sqlite', 'drillbook db restore ~/.local/share/drillbook/backups/FILE'],
    subcommands: ['check', 'backup', 'backups', 'restore'],
    positionals: 'file',
    load: () => (require('./db') as typeof import('./db')).dbCommand,
  },
  {
    name: 'show',
    summary: 'one drill in full: steps, times, commands, transcripts',
    usage: ['show DRILL_ID [--json]'],
    flags: { json: { type: 'boolean', help: 'print the drill as JSON' } },
    examples: ['drillbook show 01J8Z3…', 'drillbook show 01J8Z3… --json | jq .steps'],
    positionals: 'none',
    load: () => (require('./history') as typeof import('./history')).showCommand,
  },
  {
    name: 'export',
    summary: 'write the evidence bundle an auditor can check offline',
    usage: ['export DRILL_ID --out DIR [--zip] [--sign KEY] [--no-pdf] [--redact-config FILE] [--no-redact]'],
    flags: {
      out: { type: 'string', arg: 'DIR', complete: 'dir', help: 'the folder to write the bundle into (required)' },
      zip: { type: 'boolean', help: 'also write DIR.zip' },
      sign: { type: 'string', arg: 'KEY', complete: 'file', help: 'sign manifest.json with this SSH key (ssh-keygen -Y)' },
      'no-pdf': { type: 'boolean', help: 'no report.pdf (it needs Chromium: /usr/bin/chromium or $DRILLBOOK_CHROMIUM)' },
      'no-redact': { type: 'boolean', help: 'leave credentials in the bundle as recorded' },
      'redact-config': { type: 'string', arg: 'FILE', complete: 'file', help: 'extra redaction patterns' },
    },
    examples: ['drillbook export 01J8Z3… --out evidence/ --zip', 'drillbook export 01J8Z3… --out evidence/ --no-pdf --sign ~/.ssh/id_ed25519'],
    positionals: 'none',
    load: () => (require('./export') as typeof import('./export')).exportCommand,
  },
  {
    name: 'verify',
    summary: 'check a bundle offline: every file, the hash chain, the signature',
    usage: ['verify BUNDLE [--allowed-signers FILE] [--chain-head HEX] [--require-signature] [--json]'],
    flags: {
      'allowed-signers': { type: 'string', arg: 'FILE', complete: 'file', help: 'ssh-keygen allowed_signers file to check the signature against' },
      'chain-head': { type: 'string', arg: 'HEX', help: 'the chain head recorded at export (a prefix is enough)' },
      'require-signature': { type: 'boolean', help: 'fail when the bundle is not signed' },
      json: { type: 'boolean', help: 'print the result as JSON' },
    },
    examples: ['drillbook verify evidence/01J8Z3….zip --chain-head 3f2a9c…'],
    positionals: 'file',
    load: () => (require('./verify') as typeof import('./verify')).verifyCommand,
  },
  {
    name: 'web',
    summary: 'serve the UI on 127.0.0.1 with a one-time token',
    usage: ['web [--port N] [--runbooks DIR]... [--no-open]'],
    flags: {
      port: { type: 'string', arg: 'N', help: 'the port (default: any free one)' },
      runbooks: { type: 'string', multiple: true, arg: 'DIR', complete: 'dir', help: 'a runbook folder to show (repeatable)' },
      'no-open': { type: 'boolean', help: 'do not open a browser' },
    },
    examples: ['drillbook web', 'drillbook web --port 8765 --runbooks ~/runbooks --no-open'],
    positionals: 'none',
    load: () => (require('./web') as typeof import('./web')).webCommand,
  },
  {
    name: 'server',
    summary: 'run the team server on PostgreSQL (see README: Team server)',
    usage: ['server --postgres URL [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE | --behind-proxy]', 'server --postgres URL --create-admin NAME', 'server --postgres OWNER_URL --migrate [--grant-app-role ROLE]'],
    flags: {
      postgres: { type: 'string', arg: 'URL', help: 'the PostgreSQL connection URL (or DRILLBOOK_POSTGRES)' },
      listen: { type: 'string', arg: 'ADDR:PORT', help: 'where to listen (default 127.0.0.1:8470); beyond loopback needs TLS or --behind-proxy' },
      'tls-cert': { type: 'string', arg: 'FILE', complete: 'file', help: 'TLS certificate (PEM)' },
      'tls-key': { type: 'string', arg: 'FILE', complete: 'file', help: 'TLS private key (PEM)' },
      'behind-proxy': { type: 'boolean', help: 'a TLS-terminating proxy in front ends the connections' },
      'create-admin': { type: 'string', arg: 'NAME', help: 'create the first admin and print its API token once, then exit' },
      migrate: { type: 'boolean', help: 'apply the schema migrations (as the database owner) and exit' },
      'grant-app-role': { type: 'string', arg: 'ROLE', help: 'migrate, then grant ROLE what the server needs and no UPDATE/DELETE/TRUNCATE on events, sign-offs and audit log; exit' },
    },
    examples: ['drillbook server --postgres postgres://drillbook@/drillbook --create-admin alice', 'drillbook server --postgres postgres://drillbook@/drillbook --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem'],
    positionals: 'none',
    load: () => (require('./server') as typeof import('./server')).serverCommand,
  },
  {
    name: 'team',
    summary: 'join a team server and publish finished drills to it',
    usage: ['team join URL   (the API token on stdin, or DRILLBOOK_TEAM_TOKEN)', 'team status [--json]', 'team publish [--json] [--retries N] [--batch N] [--live]', 'team leave'],
    flags: {
      json: { type: 'boolean', help: 'print the result as JSON' },
      retries: { type: 'string', arg: 'N', help: 'team publish: retries per batch while the server is unreachable (default 7, backoff 0.5 s to 8 s)' },
      batch: { type: 'string', arg: 'N', help: 'team publish: drills per request (default 20)' },
      live: { type: 'boolean', help: 'team publish: keep streaming, running drills included, so observers can watch (until Ctrl+C)' },
    },
    examples: ['drillbook team join https://drillbook.example.org < token.txt', 'drillbook team publish', 'drillbook team status'],
    subcommands: ['join', 'status', 'publish', 'leave'],
    positionals: 'none',
    load: () => (require('./team') as typeof import('./team')).teamCommand,
  },
  {
    name: 'sqlite',
    summary: 'a small SQLite shell for runbooks where sqlite3 is not installed',
    usage: ['sqlite DBFILE "SQL"', 'sqlite DBFILE ".backup DEST"'],
    flags: {},
    examples: ['drillbook sqlite app.db "SELECT count(*) FROM orders"', 'drillbook sqlite app.db ".backup /tmp/app-copy.db"'],
    positionals: 'file',
    load: () => (require('./sqlite') as typeof import('./sqlite')).sqliteCommand,
  },
  {
    name: 'completion',
    summary: 'print the shell completion script for bash, zsh or fish',
    usage: ['completion bash|zsh|fish'],
    flags: {},
    examples: [
      'drillbook completion bash > ~/.local/share/bash-completion/completions/drillbook',
      'drillbook completion zsh > "${fpath[1]}/_drillbook"',
      'drillbook completion fish > ~/.config/fish/completions/drillbook.fish',
    ],
    subcommands: ['bash', 'zsh', 'fish'],
    positionals: 'shell',
    load: () => (require('./completion') as typeof import('./completion')).completionCommand,
  },
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** parseArgs options for a command: its own flags and the global ones. */
export function parseOptions(cmd: Command | null): Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> {
  const out: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, f] of Object.entries({ ...GLOBAL_FLAGS, ...cmd?.flags })) {
    out[name] = { type: f.type, ...(f.multiple ? { multiple: true } : {}), ...(f.short ? { short: f.short } : {}) };
  }
  return out;
}
