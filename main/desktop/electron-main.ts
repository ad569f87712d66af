/**
 * The Electron shell, kept deliberately thin: a window, a narrow preload,
 * menus, and the IPC adapter onto the same core the browser host and the
 * CLI use. Follows Electron's security checklist: context isolation,
 * sandbox, no Node in the renderer, a strict CSP, a custom privileged
 * protocol instead of file://, navigation and new windows denied,
 * permission requests denied, IPC senders checked.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, safeStorage, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Core } from '../api/core';
import { DrillChannel, requestMethod } from '../api/wire';
import type { TerminalSink } from '../terminal/types';
import { APP_ROOT } from '../version';
import { setSqliteBinding } from '../store/native-binding';
import { desktopDataDir, desktopSqliteBinding } from './core-options';
import { safeStorageTokenStore } from '../team/client/keychain';
import { PDF_FOOTER_TEMPLATE, PDF_HEADER_TEMPLATE } from '../evidence/pdf';

const SCHEME = 'drillbook';
const ORIGIN = `${SCHEME}://app`;
const RENDERER_DIR = path.join(APP_ROOT, 'dist', 'renderer');
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let core: Core | null = null;
let win: BrowserWindow | null = null;

function serveRenderer(): void {
  protocol.handle(SCHEME, (request) => {
    const url = new URL(request.url);
    const rel = path.posix.normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(RENDERER_DIR, rel);
    if (!file.startsWith(RENDERER_DIR + path.sep)) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

function fromOurWindow(event: IpcMainInvokeEvent): boolean {
  const frameUrl = event.senderFrame?.url ?? '';
  return frameUrl.startsWith(ORIGIN + '/');
}

/** One terminal sink per window: output goes to it as Uint8Array messages, not JSON. */
const sinks = new Map<number, TerminalSink>();
function sinkFor(c: Core, sender: WebContents): TerminalSink {
  let sink = sinks.get(sender.id);
  if (!sink) {
    const s: TerminalSink = {
      id: `wc${sender.id}`,
      data: (terminalId, bytes) => {
        if (!sender.isDestroyed()) sender.send('drillbook:term', terminalId, bytes);
      },
    };
    sinks.set(sender.id, s);
    sender.once('destroyed', () => {
      sinks.delete(sender.id);
      c.terminals.detachSink(s);
    });
    sink = s;
  }
  return sink;
}

/** One DrillChannel per window: snapshots go to it as patches, as over the WebSocket (main/api/wire.ts). */
const channels = new Map<number, DrillChannel>();
function channelFor(sender: WebContents): DrillChannel {
  let ch = channels.get(sender.id);
  if (!ch) {
    ch = new DrillChannel();
    channels.set(sender.id, ch);
    sender.once('destroyed', () => channels.delete(sender.id));
  }
  return ch;
}

function wireIpc(c: Core): void {
  ipcMain.handle('drillbook:call', async (event, message: unknown) => {
    if (!fromOurWindow(event)) return { id: 0, error: { code: 'bad_request', message: 'IPC from an unexpected frame' } };
    const { method, params } = requestMethod(message);
    const res = await c.dispatch(message, { sink: sinkFor(c, event.sender) });
    return channelFor(event.sender).response(res, method, params);
  });
  c.onEvent((ev) => {
    if (win && !win.webContents.isDestroyed()) win.webContents.send('drillbook:event', channelFor(win.webContents).event(ev));
  });
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Drillbook',
    backgroundColor: '#0f1115',
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const wc = win.webContents;
  wc.setWindowOpenHandler(({ url }) => {
    // Links in runbooks open in the user's browser, never inside the app.
    if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  wc.on('will-navigate', (event, url) => {
    if (!url.startsWith(ORIGIN + '/')) event.preventDefault();
  });
  void win.loadURL(`${ORIGIN}/index.html`);
  win.on('closed', () => (win = null));
}

function buildMenu(c: Core): void {
  const template: Electron.MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        {
          label: 'Open Runbook Folder…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const picked = await dialog.showOpenDialog({ properties: ['openDirectory'] });
            if (!picked.canceled && picked.filePaths[0]) await c.call('runbooks.addFolder', { path: picked.filePaths[0] });
          },
        },
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Evidence reports (main/evidence) print through Electron's own Chromium: a hidden, sandboxed window with JavaScript off. */
async function electronPrintToPdf(html: string): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-report-'));
  const file = path.join(dir, 'report.html');
  writeFileSync(file, html);
  const w = new BrowserWindow({ show: false, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false } });
  try {
    await w.loadFile(file);
    return await w.webContents.printToPDF({
      printBackground: true,
      pageSize: 'A4',
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: PDF_HEADER_TEMPLATE,
      footerTemplate: PDF_FOOTER_TEMPLATE,
    });
  } finally {
    w.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

app.enableSandbox();
app.whenReady().then(() => {
  // better-sqlite3 built for this Electron (main/desktop/native.ts): say so clearly now, rather than fail at the first query.
  const native = desktopSqliteBinding(APP_ROOT);
  if (!native.ok) {
    process.stderr.write(`drillbook: ${native.problem}\n`);
    dialog.showErrorBox('Drillbook cannot open its database', native.problem ?? '');
    app.quit();
    return;
  }
  setSqliteBinding(native.file);
  const dataDir = desktopDataDir();
  core = new Core({
    // One history for the desktop app, the browser host and the CLI (./core-options.ts).
    dataDir,
    // The team API token in the OS keychain (Electron safeStorage), not in a file.
    teamTokens: safeStorageTokenStore(safeStorage, dataDir),
    runbookDirs: [path.join(APP_ROOT, 'runbooks')],
    host: 'desktop',
    watch: true,
    printToPdf: electronPrintToPdf,
    terminalHost: {},
  });
  // Shells that outlived a crash of the app (main/terminal/host) come back; a drill's resume reports any that did not.
  void core.terminals.adoptFromHost().catch(() => undefined);
  serveRenderer();
  wireIpc(core);
  buildMenu(core);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}, (err: unknown) => {
  dialog.showErrorBox('Drillbook could not start', (err as Error).message);
  app.quit();
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => core?.close());
