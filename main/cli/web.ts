import path from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Core } from '../api/core';
import { startWebServer } from '../web/server';
import { acceptedTokenHashes, preferredPort, readWebState, rememberWebStart } from '../web/state';
import { BUNDLED_RUNBOOKS, CliError, RENDERER_DIR, dataDirFrom } from './common';

/** Serves the UI until interrupted. Returns -1 so main() leaves the process running. */
export async function webCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"`);
  const asked = values.port === undefined ? undefined : Number(values.port);
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 0 || asked > 65535)) throw new CliError('--port must be a number from 0 to 65535');
  const dataDir = dataDirFrom(values);
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    throw new CliError('the UI is not built yet: run `npm run build:renderer` first (`npm run web` does both)');
  }
  const dirs = Array.isArray(values.runbooks) && values.runbooks.length > 0 ? (values.runbooks as string[]).map((d) => path.resolve(d)) : [BUNDLED_RUNBOOKS];
  for (const d of dirs) if (!existsSync(d)) throw new CliError(`no such runbook folder: ${d}`);
  const core = new Core({ dataDir, runbookDirs: dirs, host: 'web', watch: true, terminalHost: {} });
  // Shells a previous server left running in the terminal host come back before the first page asks for them.
  try {
    const { adopted, lost } = await core.terminals.adoptFromHost();
    if (adopted.length) process.stdout.write(`Reattached to ${adopted.length} terminal${adopted.length === 1 ? '' : 's'} that kept running.\n`);
    if (lost.length) process.stdout.write(`${lost.length} terminal${lost.length === 1 ? '' : 's'} of a running drill did not survive; resuming the drill records which.\n`);
  } catch (err) {
    process.stderr.write(`drillbook: the terminal host is not available (${(err as Error).message}); terminals will not survive a restart.\n`);
  }
  // A stable port (remembered in the data folder) and the previous token's hash: an open tab reconnects by itself.
  const remembered = readWebState(dataDir);
  const port = preferredPort(asked, remembered);
  const common = { core, rendererDir: RENDERER_DIR, acceptTokenHashes: acceptedTokenHashes(remembered) };
  let server;
  try {
    server = await startWebServer({ ...common, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && asked === undefined) {
      process.stderr.write(`Port ${port} is taken by another program; using a free one instead (an open Drillbook tab will not find this one).\n`);
      server = await startWebServer({ ...common, port: 0 }).catch((e: Error) => {
        core.close();
        throw new CliError(e.message);
      });
    } else {
      core.close();
      throw new CliError(code === 'EADDRINUSE' ? `port ${port} is already in use; pick another with --port or use --port 0` : (err as Error).message);
    }
  }
  try {
    rememberWebStart(dataDir, server.port, server.token);
  } catch (err) {
    process.stderr.write(`drillbook: could not remember the port in ${dataDir} (${(err as Error).message}); a restart may pick another.\n`);
  }
  process.stdout.write(`Drillbook is running at ${server.url}\n`);
  process.stdout.write(`History: ${path.join(dataDir, 'drillbook.sqlite')}\nPress Ctrl+C to stop.\n`);
  if (!values['no-open']) openBrowser(server.url);
  const stop = () => {
    void server.close().then(() => {
      core.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // no browser opener: the printed URL is enough
    child.unref();
  } catch {
    // same
  }
}
