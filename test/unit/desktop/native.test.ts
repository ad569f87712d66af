/**
 * The desktop app's better-sqlite3 must be built for the installed Electron's
 * ABI, in its own folder, while node_modules keeps Node's build for the CLI
 * and the tests. These run here without Electron: the ABI is read from the
 * real binaries, the target ABI from node-abi.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { checkSqliteBinding, moduleAbi, sqliteBindingFor, unpackedPath } from '../../../main/desktop/native';
import { desktopSqliteBinding } from '../../../main/desktop/core-options';
import { setSqliteBinding } from '../../../main/store/native-binding';
import { openDatabase } from '../../../main/store/db';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS build script, loaded by path
const nativeTool = require(path.join(ROOT, 'build', 'native.js')) as {
  electronTarget: () => { version: string; abi: number };
  checkElectronNative: () => { ok: boolean; file: string; problem: string | null };
};
const NODE_SQLITE = path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

test('the ABI is read from the binary: better-sqlite3 is V8-ABI (this Node), node-pty is N-API', () => {
  assert.deepEqual(moduleAbi(NODE_SQLITE), { kind: 'v8', abi: Number(process.versions.modules) });
  assert.deepEqual(moduleAbi(path.join(ROOT, 'node_modules', 'node-pty', 'build', 'Release', 'pty.node')), { kind: 'napi' });
});

test('the installed Electron needs another ABI than Node, so node_modules cannot serve both', () => {
  const { version, abi } = nativeTool.electronTarget();
  assert.match(version, /^\d+\.\d+\.\d+/);
  assert.ok(abi > 0);
  assert.notEqual(abi, Number(process.versions.modules), `Electron ${version} is ABI ${abi}, Node ${process.version} is ${process.versions.modules}`);
});

test('a database module built for the wrong ABI is caught, with both numbers and the fix', () => {
  const tmp = tempDir();
  try {
    const { version, abi } = nativeTool.electronTarget();
    const missing = checkSqliteBinding(sqliteBindingFor(tmp.dir, abi), abi, `Electron ${version} (ABI ${abi})`);
    assert.equal(missing.ok, false);
    assert.match(missing.problem!, /has not been built for Electron .* is missing; run `npm run rebuild:electron`/);

    // What `npm start` without a rebuild would have loaded: Node's binary where Electron's should be.
    const file = sqliteBindingFor(tmp.dir, abi);
    mkdirSync(path.dirname(file), { recursive: true });
    copyFileSync(NODE_SQLITE, file);
    const wrong = checkSqliteBinding(file, abi, `Electron ${version} (ABI ${abi})`);
    assert.equal(wrong.ok, false);
    assert.match(wrong.problem!, new RegExp(`was built for ABI ${process.versions.modules} \\(this Node\\), but Electron ${version.replace(/\./g, '\\.')} \\(ABI ${abi}\\) needs ABI ${abi}; run \`npm run rebuild:electron\``));
    // The same check the app runs at start (main/desktop/electron-main.ts), from the versions Electron reports.
    const atStart = desktopSqliteBinding(tmp.dir, { modules: String(abi), electron: version });
    assert.equal(atStart.ok, false);
    assert.equal(desktopSqliteBinding(tmp.dir, { modules: process.versions.modules, electron: 'x' }).ok, false, 'no folder for this ABI');
    mkdirSync(path.dirname(sqliteBindingFor(tmp.dir, process.versions.modules)), { recursive: true });
    copyFileSync(NODE_SQLITE, sqliteBindingFor(tmp.dir, process.versions.modules));
    assert.equal(desktopSqliteBinding(tmp.dir, { modules: process.versions.modules, electron: 'x' }).ok, true, 'a matching build passes');
  } finally {
    tmp.cleanup();
  }
});

test('the module the desktop app would load in this checkout fits the installed Electron', (t) => {
  const check = nativeTool.checkElectronNative();
  if (!check.ok && /is missing/.test(check.problem ?? '')) {
    // Not built on this machine (Electron's headers cannot be downloaded here); a build for the wrong ABI still fails below.
    t.skip(`not built here: ${check.file} is missing (npm run rebuild:electron needs Electron's headers)`);
    return;
  }
  assert.equal(check.ok, true, check.problem ?? '');
});

test('nativeBinding is honoured by every database the core opens, and packaged paths point outside the asar', () => {
  const tmp = tempDir();
  try {
    setSqliteBinding(path.join(tmp.dir, 'nowhere', 'better_sqlite3.node'));
    assert.throws(() => openDatabase(path.join(tmp.dir, 'a')), /better_sqlite3|Cannot find module|cannot open/);
    setSqliteBinding(NODE_SQLITE);
    const db = openDatabase(path.join(tmp.dir, 'b'));
    db.close();
  } finally {
    setSqliteBinding(null);
    tmp.cleanup();
  }
  assert.equal(unpackedPath('/opt/Drillbook/resources/app.asar/build/native/electron-145/better_sqlite3.node'), '/opt/Drillbook/resources/app.asar.unpacked/build/native/electron-145/better_sqlite3.node');
  assert.equal(unpackedPath('/work/drillbook/build/native/x.node'), '/work/drillbook/build/native/x.node');
});
