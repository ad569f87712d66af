/**
 * The runbook library: every Markdown file under the configured folders,
 * summarised for the list view, and a watcher that says when to rescan.
 */
import { readdirSync, realpathSync, statSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { EventEmitter } from 'node:events';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LibraryEntry } from './model';
import { loadRunbookFile } from './load';

export type { LibraryEntry };

/** More than this many files under the library folders is almost surely a wrong folder (a home dir). */
export const MAX_LIBRARY_FILES = 2000;

/** The format guide lives next to the runbooks but is not one. */
const NOT_RUNBOOKS = new Set(['format.md']);

export function scanRunbookDirs(dirs: string[]): LibraryEntry[] {
  const seen = new Set<string>();
  const entries: LibraryEntry[] = [];
  for (const dir of dirs.map((d) => path.resolve(d))) {
    for (const file of findMarkdownFiles(dir, MAX_LIBRARY_FILES - entries.length)) {
      // Folders given twice, nested in each other or linked: list each file once.
      const real = realPathOr(file);
      if (seen.has(real)) continue;
      seen.add(real);
      entries.push(summarise(file, dir));
    }
  }
  return entries;
}

function realPathOr(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function summarise(file: string, dir: string): LibraryEntry {
  const mtimeMs = mtimeOf(file);
  try {
    const runbook = loadRunbookFile(file);
    return {
      path: file,
      dir,
      title: runbook.title,
      ...(runbook.rto ? { rto: runbook.rto } : {}),
      stepCount: runbook.steps.length,
      warnings: runbook.diagnostics.length,
      mtimeMs,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
    return { path: file, dir, title: path.basename(file, path.extname(file)), stepCount: 0, error: message, warnings: 0, mtimeMs };
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * `*.md` files under `root`, depth first in name order, skipping dot folders
 * and node_modules, following symlinked folders once (a link loop cannot
 * recurse forever), at most `limit` files. A missing folder yields nothing.
 */
function findMarkdownFiles(root: string, limit: number): string[] {
  const found: string[] = [];
  const visited = new Set<string>();
  const walk = (dir: string) => {
    const real = realDirOrNull(dir);
    if (real === null || visited.has(real)) return;
    visited.add(real);
    for (const entry of readDirSorted(dir)) {
      if (found.length >= limit) return;
      const full = path.join(dir, entry.name);
      const kind = entryKind(entry, full);
      if (kind === 'dir' && !skipDir(entry.name)) walk(full);
      else if (kind === 'file' && isRunbookName(entry.name)) found.push(full);
    }
  };
  if (limit > 0) walk(root);
  return found;
}

function realDirOrNull(dir: string): string | null {
  try {
    const stats = statSync(dir);
    return stats.isDirectory() ? `${stats.dev}:${stats.ino}` : null;
  } catch {
    return null;
  }
}

function readDirSorted(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return []; // vanished or unreadable: the rest of the library still lists
  }
}

function entryKind(entry: Dirent, full: string): 'dir' | 'file' | 'other' {
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink()) return 'other';
  try {
    const stats = statSync(full);
    return stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other';
  } catch {
    return 'other'; // dangling link
  }
}

function skipDir(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

function isRunbookName(name: string): boolean {
  return name.toLowerCase().endsWith('.md') && !NOT_RUNBOOKS.has(name.toLowerCase()) && !name.startsWith('.');
}

// ---------------------------------------------------------------------------
// Watching

const DEBOUNCE_MS = 150;
/** How often to look for a library folder that does not exist (yet, or any more). */
const REATTACH_MS = 2000;

/**
 * Calls `onChange` (debounced) when anything under the folders changes.
 * Never throws: a folder that is missing or disappears is looked for again
 * every couple of seconds and watched once it is back. Returns `stop`.
 */
export function watchRunbookDirs(dirs: string[], onChange: () => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const fire = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (stopped) return;
      try {
        onChange();
      } catch (err) {
        // A throwing listener must not take the watcher (or the process) down.
        console.error(`drillbook: runbook library listener failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    }, DEBOUNCE_MS);
    timer.unref?.();
  };
  const watchers = [...new Set(dirs.map((d) => path.resolve(d)))].map((dir) => new DirWatcher(dir, fire));
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}

/** One folder's watcher, re-attached when the folder comes back. */
class DirWatcher {
  private watcher: Closable | null = null;
  private poll: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly fire: () => void,
  ) {
    if (!this.attach()) this.pollForDir();
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = null;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  private attach(): boolean {
    if (this.closed || realDirOrNull(this.dir) === null) return false;
    try {
      this.watcher = openWatcher(this.dir, (name) => {
        // Deleting the folder itself does not always raise 'error' (Linux
        // reports a rename and then goes quiet), so check it is still there.
        if (realDirOrNull(this.dir) === null) this.lost();
        else if (name === null || isInteresting(name)) this.fire();
      });
    } catch {
      return false;
    }
    this.watcher.on('error', () => this.lost());
    return true;
  }

  /** The folder went away (or watching failed): say so once, then wait for it. */
  private lost(): void {
    if (!this.watcher) return;
    this.watcher.close();
    this.watcher = null;
    this.fire();
    this.pollForDir();
  }

  private pollForDir(): void {
    if (this.closed || this.poll) return;
    this.poll = setInterval(() => {
      if (!this.attach()) return;
      if (this.poll) clearInterval(this.poll);
      this.poll = null;
      this.fire(); // it is back: its files may be new
    }, REATTACH_MS);
    this.poll.unref?.();
  }
}

/** What DirWatcher needs of a watcher. */
interface Closable {
  close(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Folders watched at most, per library folder (Linux: one inotify watch each). */
const MAX_WATCHED_DIRS = 1000;

function openWatcher(dir: string, onEvent: (name: string | null) => void): Closable {
  const listener = (_event: string, name: string | Buffer | null) => onEvent(name === null ? null : String(name));
  // Linux: Node's recursive watch follows files by inode, so an editor's atomic save (write a temp file, rename it
  // over the runbook) is reported once and never again for that file. Watching every folder (inotify on the
  // folder reports names, whatever the inode) sees every save.
  if (process.platform === 'linux') return new FolderTreeWatcher(dir, onEvent);
  try {
    return watch(dir, { recursive: true, persistent: false }, listener);
  } catch {
    // Platforms without recursive watching: the top folder is better than nothing.
    return watch(dir, { persistent: false }, listener);
  }
}

/**
 * A folder and its subfolders (hidden ones and node_modules left out), each
 * watched on its own, non-recursively; the set follows folders made and
 * removed. Names are reported relative to the root, as a recursive watch does.
 */
class FolderTreeWatcher extends EventEmitter implements Closable {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly onEvent: (name: string | null) => void,
  ) {
    super();
    this.sync();
    if (!this.watchers.has(root)) throw new Error(`cannot watch ${root}`);
  }

  private resync: NodeJS.Timeout | null = null;

  private resyncSoon(): void {
    if (this.resync || this.closed) return;
    this.resync = setTimeout(() => {
      this.resync = null;
      this.sync();
    }, 30);
    this.resync.unref?.();
  }

  close(): void {
    this.closed = true;
    if (this.resync) clearTimeout(this.resync);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private sync(): void {
    if (this.closed) return;
    const want = new Set<string>();
    const walk = (d: string) => {
      if (want.size >= MAX_WATCHED_DIRS || want.has(d)) return;
      want.add(d);
      let items: Dirent[];
      try {
        items = readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const it of items) if (it.isDirectory() && !it.name.startsWith('.') && it.name !== 'node_modules') walk(path.join(d, it.name));
    };
    walk(this.root);
    for (const [d, w] of this.watchers) {
      if (!want.has(d)) {
        w.close();
        this.watchers.delete(d);
      }
    }
    for (const d of want) {
      if (this.watchers.has(d)) continue;
      try {
        const w = watch(d, { persistent: false }, (_event, name) => {
          const rel = path.relative(this.root, path.join(d, name === null ? '' : String(name)));
          // A folder made, removed or renamed: follow it (once per burst).
          if (name === null || !path.extname(String(name))) this.resyncSoon();
          this.onEvent(name === null ? null : rel);
        });
        w.on('error', (err) => {
          if (d === this.root) this.emit('error', err);
          else this.resyncSoon();
        });
        this.watchers.set(d, w);
      } catch {
        /* gone already, or no permission: the rest is still watched */
      }
    }
  }
}

/** Changes to Markdown files and folders matter; editor swap files and .git do not. */
function isInteresting(name: string): boolean {
  const parts = name.split(/[\\/]/);
  if (parts.some((p) => p.startsWith('.') || p === 'node_modules')) return false;
  const base = parts[parts.length - 1] ?? '';
  return base.toLowerCase().endsWith('.md') || !base.includes('.');
}

// ---------------------------------------------------------------------------
// Adding a folder
//
// `runbooks.addFolder` once took any path: /usr blocked the whole API for 44 s
// (a synchronous walk), grew the server from 85 to 640 MB and added 133,719
// inotify watches (recursive fs.watch walks the tree too), and did it again at
// every start. A folder is now checked first, off the event loop and within a
// budget, and refused with a reason: system folders by name, huge trees by
// what the walk met before the budget ran out.

/** The walk gives up (and the folder is refused) past any of these. */
export const ADD_FOLDER_BUDGET = { entries: 20_000, depth: 12, ms: 5_000 };

const SYSTEM_FOLDERS = ['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var', '/Users', '/Library', '/System', '/Applications', '/Volumes', '/private'];
/** Folders nothing under which can be a runbook library (kernel and device trees). */
const SYSTEM_TREES = ['/proc', '/sys', '/dev', '/run'];

export class LibraryFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LibraryFolderError';
  }
}

/** Why `dir` (absolute, real) can never be a runbook folder, or null. */
export function systemFolderReason(dir: string, home: string = os.homedir()): string | null {
  const d = path.resolve(dir);
  const win = /^[A-Za-z]:\\?$/.test(d) || /^[A-Za-z]:\\(Windows|Program Files( \(x86\))?|Users)$/i.test(d);
  if (SYSTEM_FOLDERS.includes(d) || win) return `${d} is a system folder, not a runbook folder; choose the folder that holds your runbooks`;
  if (SYSTEM_TREES.some((t) => d.startsWith(t + path.sep))) return `${d} is inside ${d.split(path.sep).slice(0, 2).join(path.sep)}, a system folder; choose the folder that holds your runbooks`;
  if (d === path.resolve(home)) return `${d} is your whole home folder; choose the folder inside it that holds your runbooks`;
  return null;
}

/**
 * Checks a folder before it joins the library: a directory, not a system
 * folder, and small enough to list and watch — walked asynchronously (the
 * API keeps answering) with a budget of entries, depth and time. Resolves
 * with the number of runbook files found; rejects with LibraryFolderError.
 */
export async function checkLibraryFolder(dir: string, budget = ADD_FOLDER_BUDGET): Promise<{ runbooks: number }> {
  const system = systemFolderReason(dir);
  if (system) throw new LibraryFolderError(system);
  let st;
  try {
    st = await fsp.stat(dir);
  } catch {
    throw new LibraryFolderError(`no such folder: ${dir}`);
  }
  if (!st.isDirectory()) throw new LibraryFolderError(`${dir} is a file, not a folder`);
  const started = performance.now();
  let entries = 0;
  let runbooks = 0;
  const visited = new Set<string>();
  const tooBig = (why: string) =>
    new LibraryFolderError(`${dir} is too big to be a runbook folder (${why}); choose the folder that holds your runbooks`);
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > budget.depth) throw tooBig(`folders nested more than ${budget.depth} deep`);
    let real: string;
    try {
      const s = await fsp.stat(d);
      real = `${s.dev}:${s.ino}`;
    } catch {
      return;
    }
    if (visited.has(real)) return;
    visited.add(real);
    let handle;
    try {
      handle = await fsp.opendir(d, { bufferSize: 256 });
    } catch {
      return; // unreadable: listed as nothing, as the scan does
    }
    const subdirs: string[] = [];
    for await (const entry of handle) {
      if (++entries > budget.entries) throw tooBig(`more than ${budget.entries.toLocaleString('en-US')} files and folders`);
      if (performance.now() - started > budget.ms) throw tooBig(`still counting after ${budget.ms / 1000} s`);
      const full = path.join(d, entry.name);
      const kind = entry.isSymbolicLink() ? await fsp.stat(full).then((s) => (s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other'), () => 'other') : entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      if (kind === 'dir' && !skipDir(entry.name)) subdirs.push(full);
      else if (kind === 'file' && isRunbookName(entry.name)) runbooks++;
    }
    for (const sub of subdirs) await walk(sub, depth + 1);
  };
  await walk(dir, 0);
  return { runbooks };
}
