// electron-builder configuration for the desktop app (`npm run dist`).
//
// - better-sqlite3 for Electron is built beforehand into build/native/ (build/native.js)
//   and packed from there; electron-builder must not rebuild node_modules in place
//   (npmRebuild: false), which would replace the Node build the CLI and the tests in
//   this checkout load (main/desktop/native.ts).
// - Electron fuses are flipped in the afterPack hook (build/after-pack.js).
// - node-pty ships every platform's binaries (~58 MB of them Windows: conpty, winpty);
//   each package keeps only its own. A platform's `files` replaces the top-level list
//   (checked: a Linux package with only an exclusion there packed the whole checkout),
//   so each platform gets the full list plus its exclusion.
'use strict';

const FILES = [
  'package.json',
  'bin/**',
  'dist/main/**',
  'dist/renderer/**',
  'runbooks/**',
  'build/native/electron-*/*.node',
  '!**/*.map',
  // Sources and build leftovers of native modules: the app loads only the compiled binaries.
  '!**/node_modules/better-sqlite3/{deps,src}/**',
  '!**/node_modules/node-pty/{deps,src,third_party,scripts}/**',
];
const ptyPrebuildsExcept = (keep) => ['darwin', 'win32'].filter((p) => p !== keep).map((p) => `!**/node_modules/node-pty/prebuilds/${p}-*/**`);

module.exports = {
  appId: 'dev.drillbook.app',
  productName: 'Drillbook',
  copyright: 'Copyright © 2026 Drillbook contributors',
  directories: { output: 'release', buildResources: 'build' },
  files: FILES,
  asarUnpack: ['**/node_modules/better-sqlite3/**', '**/node_modules/node-pty/**', 'build/native/**'],
  npmRebuild: false,
  afterPack: 'build/after-pack.js',
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Utility',
    icon: 'build/icons',
    maintainer: 'Drillbook Engineering <eng@drillbook.dev>',
    files: [...FILES, ...ptyPrebuildsExcept('linux')],
  },
  mac: {
    target: ['dmg'],
    category: 'public.app-category.developer-tools',
    hardenedRuntime: true,
    icon: 'build/icon.png',
    files: [...FILES, ...ptyPrebuildsExcept('darwin')],
  },
  win: {
    target: ['nsis'],
    icon: 'build/icon.ico',
    files: [...FILES, ...ptyPrebuildsExcept('win32')],
  },
};
