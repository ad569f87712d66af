#!/usr/bin/env node
// Builds better-sqlite3 for the installed Electron into
// build/native/electron-<abi>/better_sqlite3.node, the standard way
// (@electron/rebuild, with Electron's headers), without touching
// node_modules/better-sqlite3 — the Node build the CLI and the tests load in
// the same checkout. The desktop app loads this copy through better-sqlite3's
// `nativeBinding` option (main/desktop/native.ts). Run by `npm start` when the
// copy is missing or built for another ABI, by `npm run dist`, and by hand as
// `npm run rebuild:electron [-- --force]`.
//
// Needs network
// access to Electron's header server on first build, and a C++ toolchain.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** main/desktop/native.ts: compiled when built, else from the sources through tsx. */
function native() {
  const compiled = path.join(ROOT, 'dist', 'main', 'desktop', 'native.js');
  if (fs.existsSync(compiled)) return require(compiled);
  require('tsx/cjs');
  return require(path.join(ROOT, 'main', 'desktop', 'native.ts'));
}

/** The installed Electron's version and its NODE_MODULE_VERSION, per node-abi. */
function electronTarget(root = ROOT) {
  const version = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const abi = Number(require('node-abi').getAbi(version, 'electron'));
  return { version, abi };
}

/** Whether the desktop app's better-sqlite3 fits the installed Electron: { ok, file, problem }. */
function checkElectronNative(root = ROOT) {
  const { version, abi } = electronTarget(root);
  const { checkSqliteBinding, sqliteBindingFor } = native();
  return checkSqliteBinding(sqliteBindingFor(root, abi), abi, `Electron ${version} (ABI ${abi})`);
}

/** Builds the Electron copy unless it is already there and fits. Returns { built, file }. */
async function ensureElectronNative({ force = false, root = ROOT, log = (l) => console.log(l) } = {}) {
  const { version, abi } = electronTarget(root);
  const { checkSqliteBinding, sqliteBindingFor } = native();
  const file = sqliteBindingFor(root, abi);
  if (!force && checkSqliteBinding(file, abi).ok) return { built: false, file };

  // A private copy of the package to build in, so node_modules keeps Node's binary.
  const work = path.join(root, 'build', 'native', '.work');
  const src = path.join(root, 'node_modules', 'better-sqlite3');
  const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'node_modules'), { recursive: true });
  fs.cpSync(src, path.join(work, 'node_modules', 'better-sqlite3'), { recursive: true, filter: (p) => !p.startsWith(path.join(src, 'build')) });
  fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'drillbook-native', version: '0.0.0', private: true, dependencies: { 'better-sqlite3': pkg.version } }));
  log(`Building better-sqlite3 ${pkg.version} for Electron ${version} (ABI ${abi})…`);
  try {
    // @electron/rebuild comes with electron-builder (app-builder-lib depends on it).
  const { rebuild } = await import('@electron/rebuild');
    await rebuild({ buildPath: work, electronVersion: version, onlyModules: ['better-sqlite3'], force: true, buildFromSource: true, mode: 'sequential' });
    const built = path.join(work, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const check = checkSqliteBinding(built, abi, `Electron ${version} (ABI ${abi})`);
    if (!check.ok) throw new Error(check.problem);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(built, file);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  log(`Built ${path.relative(root, file)}`);
  return { built: true, file };
}

module.exports = { electronTarget, checkElectronNative, ensureElectronNative };

if (require.main === module) {
  ensureElectronNative({ force: process.argv.includes('--force') }).then(
    (r) => {
      if (!r.built) console.log(`${path.relative(ROOT, r.file)} is current for the installed Electron`);
    },
    (err) => {
      const first = String((err && err.message) || err).split('\n')[0];
      console.error(`drillbook: cannot build the database module for Electron: ${first}`);
      process.exit(1);
    },
  );
}
