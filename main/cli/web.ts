import path from 'node:path';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Core } from '../api/core';
import { startWebServer } from '../web/server';
import { acceptedTokenHashes, preferredPort, readWebState, rememberWebStart } from '../web/state';
import { BUNDLED_RUNBOOKS, CliError, EXIT, RENDERER_DIR, dataDirFrom } from './common';
import { UserError } from '../common/errors';
import { DatabaseError } from '../store/db';

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
  let core: Core;
  try {
    core = new Core({ dataDir, runbookDirs: dirs, host: 'web', watch: true, terminalHost: {} });
  } catch (err) {
    // A second writer on this data folder is refused with the first one named (main/store/lock.ts).
    if (err instanceof UserError || err instanceof DatabaseError) throw new CliError(err.message, EXIT.internal);
    throw err;
  }
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
  let launcher: string | null = null;
  if (!values['no-open']) {
    launcher = writeLauncher(dataDir, server.port, server.url);
    if (launcher) openBrowser(launcher);
  }
  const stop = () => {
    if (launcher) rmSync(launcher, { force: true }); // its token dies with this server anyway
    void server.close().then(() => {
      core.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

/**
 * The token must not appear in any process's argv (`ps` shows every user
 * every command line, and the token grants a shell). Like Jupyter, the
 * browser is opened on a local file only this user can read, which sends
 * it on to the tokened URL; the file's path is all that argv shows. One
 * file per port, replaced at each start. Returns null (and the printed URL
 * is the way in) when it cannot be written.
 */
export function writeLauncher(dataDir: string, port: number, url: string): string | null {
  const file = path.join(dataDir, `web-${port}.html`);
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">' +
    `<meta http-equiv="refresh" content="0;url=${escapeHtml(url)}"><title>Opening Drillbook…</title></head>` +
    `<body><p>Opening Drillbook… If nothing happens, <a href="${escapeHtml(url)}">open it here</a>.</p></body></html>\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    rmSync(tmp, { force: true });
    writeFileSync(tmp, html, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
    return file;
  } catch {
    rmSync(tmp, { force: true });
    return null;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
