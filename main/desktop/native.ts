/**
 * The desktop app's native modules, and the check that they fit the Electron
 * that loads them.
 *
 * better-sqlite3 is compiled against V8's C++ API, so its binary works only
 * in a runtime with the same NODE_MODULE_VERSION ("ABI"): Node 20 is 115,
 * Electron 41 is 145. One build cannot serve both, and the CLI and the tests
 * in the same checkout need Node's. So the desktop app's copy is built for
 * Electron into its own folder, build/native/electron-<abi>/ (by
 * build/native.js with @electron/rebuild, at `npm start` and `npm run dist`),
 * and loaded through better-sqlite3's `nativeBinding` option; node_modules
 * keeps Node's. node-pty uses N-API (napi_register_module_v1), which is
 * ABI-stable, so one build serves both and is not rebuilt.
 *
 * The ABI a binary was built for is read from the binary itself: a V8-API
 * addon exports `node_register_module_v<ABI>` (NODE_MODULE_INIT), an N-API one
 * `napi_register_module_v1`.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

export const SQLITE_BINDING_FILE = 'better_sqlite3.node';
/** Where the Electron build of better-sqlite3 is looked for; better-sqlite3 reads it from this variable in every process. */
export const SQLITE_BINDING_ENV = 'DRILLBOOK_SQLITE_BINDING';

export type ModuleAbi = { kind: 'v8'; abi: number } | { kind: 'napi' } | { kind: 'unknown' };

/** Which ABI a .node binary was built for, read from its exported registration symbol. */
export function moduleAbi(file: string): ModuleAbi {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const chunk = Buffer.alloc(Math.min(size, 1 << 20));
    let tail = '';
    let napi = false;
    for (let pos = 0; pos < size; pos += chunk.length) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      // latin1 keeps one char per byte; the tail joins a symbol split across two chunks.
      const text = tail + chunk.toString('latin1', 0, n);
      const m = /node_register_module_v(\d+)/.exec(text);
      if (m) return { kind: 'v8', abi: Number(m[1]) };
      if (text.includes('napi_register_module_v')) napi = true;
      tail = text.slice(-40);
    }
    return napi ? { kind: 'napi' } : { kind: 'unknown' };
  } finally {
    closeSync(fd);
  }
}

/** build/native/electron-<abi>/better_sqlite3.node under the app's root. */
export function sqliteBindingFor(appRoot: string, abi: number | string): string {
  return path.join(appRoot, 'build', 'native', `electron-${abi}`, SQLITE_BINDING_FILE);
}

/** Inside a packaged app, native binaries live beside the asar archive, in app.asar.unpacked. */
export function unpackedPath(p: string): string {
  return p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

export interface NativeCheck {
  ok: boolean;
  file: string;
  /** One sentence for the user when not ok. */
  problem: string | null;
}

const FIX = 'run `npm run rebuild:electron` (or `npm start`, which does it), then start Drillbook again';

/** Whether the better-sqlite3 binary at `file` can load in a runtime with NODE_MODULE_VERSION `abi`. */
export function checkSqliteBinding(file: string, abi: number, runtime = `Electron (ABI ${abi})`): NativeCheck {
  let found: ModuleAbi;
  try {
    found = moduleAbi(file);
  } catch {
    return { ok: false, file, problem: `Drillbook's database module has not been built for ${runtime}: ${file} is missing; ${FIX}.` };
  }
  if (found.kind === 'napi') return { ok: true, file, problem: null };
  if (found.kind === 'unknown') return { ok: false, file, problem: `${file} is not a Node native module Drillbook can read the ABI of; ${FIX}.` };
  if (found.abi !== abi) {
    return {
      ok: false,
      file,
      problem: `Drillbook's database module ${file} was built for ABI ${found.abi}${found.abi === Number(process.versions.modules) ? ' (this Node)' : ''}, but ${runtime} needs ABI ${abi}; ${FIX}.`,
    };
  }
  return { ok: true, file, problem: null };
}
