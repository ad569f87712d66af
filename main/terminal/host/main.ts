/**
 * Entry point of the terminal host process (see host.ts). Started by the
 * server (client.ts) detached, with the data folder as its argument:
 *
 *   node [tsx loader] main/terminal/host/main.ts --data DIR
 *
 * DRILLBOOK_HOST_GRACE_MS sets how long it lives with no shells and no
 * server (default 60 s). A terminal outside any drill is ended after 3 h
 * with no server attached (as VS Code ends orphaned terminals); a drill's
 * terminals run until the drill ends, however long the server is away.
 */
import { appendFileSync } from 'node:fs';
import { TerminalHost } from './host';
import { hostPaths } from './paths';

function main(): void {
  const i = process.argv.indexOf('--data');
  const dataDir = i >= 0 ? process.argv[i + 1] : undefined;
  if (!dataDir) {
    process.stderr.write('drillbook terminal host: --data DIR is required\n');
    process.exit(3);
  }
  process.title = 'drillbook-terminal-host';
  const graceMs = Number(process.env.DRILLBOOK_HOST_GRACE_MS ?? 60_000);
  const logFile = hostPaths(dataDir).log;
  const host = new TerminalHost({
    dataDir,
    adhocOrphanMs: 3 * 3600 * 1000,
    graceMs: Number.isFinite(graceMs) && graceMs >= 0 ? graceMs : 60_000,
    log: (line) => {
      try {
        appendFileSync(logFile, line + '\n', { mode: 0o600 });
      } catch {
        /* logging is best effort */
      }
    },
  });
  host.onExit = () => setTimeout(() => process.exit(0), 50);
  // Detached already; these make sure a stray signal to our group does not end the shells.
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  process.on('SIGTERM', () => host.stop('SIGTERM'));
  host.listen().then(
    (ok) => {
      if (!ok) process.exit(0); // another host already serves this data folder
      process.send?.('ready');
    },
    (err: Error) => {
      process.stderr.write(`drillbook terminal host: ${err.message}\n`);
      process.exit(4);
    },
  );
}

main();
