/**
 * `drillbook` — the command-line host. Each command is a thin adapter over
 * the same core the desktop app and the browser use.
 *
 * Exit codes (stable; schedulers act on them):
 *   0 ok · 1 a drill step failed / lint found errors · 2 RTO missed
 *   3 bad input (usage, unreadable runbook) · 4 internal error
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT, CliError } from './common';
import { lintCommand } from './lint';
import { runCommand } from './run';
import { historyCommand, showCommand } from './history';
import { statsCommand } from './stats';
import { dbCommand } from './db';
import { webCommand } from './web';
import { sqliteCommand } from './sqlite';
import { exportCommand } from './export';
import { verifyCommand } from './verify';

const USAGE = `Usage: drillbook <command> [options]

Commands:
  lint FILE... [--json]                 check runbooks; print them parsed with --json
  run FILE [--all] [--operator NAME] [--mode rehearsal|live|automated]
      [--target NAME=ssh://user@host:port|ALIAS]... [--identity FILE]...
      [--known-hosts FILE] [--accept-new-host-keys] [--ssh-config FILE]
      [--var NAME=VALUE]... [--strict] [--junit FILE] [--export DIR]
                                        run a drill headless (SSH targets over exec channels); as a scheduled
                                        restore test: --var fills {{NAME}} (secrets come from the environment),
                                        --strict fails on manual steps, --junit writes a JUnit report, --export
                                        writes the evidence bundle to DIR/<drill id>; mode defaults to automated
                                        when CI is set or stdin is not a terminal
  history [--json|--csv] [--runbook FILE] [--mode M] [--status S] [--result pass|fail]
          [--since DATE] [--until DATE] [--limit N]
                                        past drills, newest first (dates: 2026-01-31, UTC days, or ISO times)
  history export [--out FILE] [--no-redact] [filters]
                                        finished drills as JSON lines (one drill and its event log per line);
                                        credentials masked unless --no-redact (which a later import needs)
  history import FILE|- [--json]        merge drills from JSON lines; verifies every hash chain
  stats RUNBOOK [--json] [--mode M] [--since DATE] [--until DATE]
                                        pass rate, p50/p90 of the drill and of every step, slow steps
  db check [--quick] [--json]           integrity_check, foreign keys and every drill's hash chain
  db backup [--out FILE]                online backup (to the backups folder by default)
  db backups                            list the backups
  db restore FILE                       replace the history with a verified backup (the old file is kept)
  show DRILL_ID [--json]                one drill in full
  export DRILL_ID --out DIR [--zip] [--sign KEY] [--no-pdf] [--redact-config FILE] [--no-redact]
                                        write the drill's evidence bundle (report.html/pdf, drill.json, steps.csv,
                                        transcripts, attachments, manifest.json); credentials are masked unless --no-redact
  verify BUNDLE [--allowed-signers FILE] [--chain-head HEX] [--require-signature] [--json]
                                        check a bundle (folder or zip) offline: every file, the hash chain, the signature
  web [--port N] [--runbooks DIR]... [--no-open]
                                        serve the UI on 127.0.0.1 with a one-time token
  sqlite DBFILE "SQL" | ".backup DEST"  a small built-in SQLite shell for runbooks

Every command takes --data DIR (or DRILLBOOK_DATA) for where the history lives.`;

type Options = NonNullable<ParseArgsConfig['options']>;
const COMMON: Options = { data: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

const COMMANDS: Record<string, { options: Options; run: (values: Record<string, unknown>, positionals: string[]) => Promise<number> }> = {
  lint: { options: { json: { type: 'boolean' } }, run: lintCommand },
  run: {
    options: {
      all: { type: 'boolean' },
      operator: { type: 'string' },
      mode: { type: 'string' },
      target: { type: 'string', multiple: true },
      identity: { type: 'string', multiple: true },
      'known-hosts': { type: 'string' },
      'accept-new-host-keys': { type: 'boolean' },
      'ssh-config': { type: 'string' },
      var: { type: 'string', multiple: true },
      strict: { type: 'boolean' },
      junit: { type: 'string' },
      export: { type: 'string' },
    },
    run: runCommand,
  },
  history: {
    options: {
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      runbook: { type: 'string' },
      mode: { type: 'string' },
      status: { type: 'string' },
      result: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string' },
      'no-redact': { type: 'boolean' },
    },
    run: historyCommand,
  },
  stats: {
    options: { json: { type: 'boolean' }, mode: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } },
    run: statsCommand,
  },
  db: { options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, out: { type: 'string' } }, run: dbCommand },
  show: { options: { json: { type: 'boolean' } }, run: showCommand },
  web: {
    options: { port: { type: 'string' }, runbooks: { type: 'string', multiple: true }, 'no-open': { type: 'boolean' } },
    run: webCommand,
  },
  sqlite: { options: {}, run: sqliteCommand },
  export: {
    options: {
      out: { type: 'string' },
      zip: { type: 'boolean' },
      sign: { type: 'string' },
      'no-pdf': { type: 'boolean' },
      'no-redact': { type: 'boolean' },
      'redact-config': { type: 'string' },
    },
    run: exportCommand,
  },
  verify: {
    options: {
      'allowed-signers': { type: 'string' },
      'chain-head': { type: 'string' },
      'require-signature': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    run: verifyCommand,
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? EXIT.ok : EXIT.badInput;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`drillbook: unknown command "${name}"\n\n${USAGE}\n`);
    return EXIT.badInput;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...COMMON, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return EXIT.ok;
    }
    return await command.run(values, positionals);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`drillbook ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`drillbook ${name}: ${(err as Error).message}\n(see drillbook --help)\n`);
      return EXIT.badInput;
    }
    // Unexpected: one line, no stack; DRILLBOOK_DEBUG=1 shows the stack for bug reports.
    process.stderr.write(`drillbook ${name}: internal error: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.DRILLBOOK_DEBUG) process.stderr.write(String((err as Error).stack) + '\n');
    return EXIT.internal;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
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
