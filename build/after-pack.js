// electron-builder afterPack hook (build/electron-builder.yml): flips the
// Electron fuses of the packaged binary before it is signed, so the app cannot
// be turned into a general Node runtime or debugged into by a local attacker:
//   runAsNode off            ELECTRON_RUN_AS_NODE=1 Drillbook … would run any script as Node
//   nodeOptions off          NODE_OPTIONS=--require … would inject code at start
//   nodeCliInspect off       --inspect / SIGUSR1 would open a debugger into the main process
//   cookie encryption on     Chromium's cookie store encrypted with the OS keychain
//   asar integrity on        (macOS, Windows) app.asar is checked against the hash in the binary
//   only load app from asar  no loose app/ folder can replace the checked archive
//   file:// extra privileges off (the app serves its UI from drillbook://, never file://)
// The app never uses child_process.fork (which needs runAsNode); its SQLite
// integrity check runs in a worker thread.
'use strict';
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

const FUSES = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

/** The packaged Electron executable (or .app bundle) for one platform's output folder. */
function electronBinary(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const product = packager.appInfo.productFilename;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') return path.join(appOutDir, `${product}.app`);
  if (electronPlatformName === 'win32') return path.join(appOutDir, `${product}.exe`);
  return path.join(appOutDir, packager.executableName);
}

async function afterPack(context) {
  const binary = electronBinary(context);
  // An ad-hoc signature on Apple silicon is invalidated by the flip; electron-builder signs after this hook.
  const arm64 = context.arch === 3 || context.arch === 'arm64';
  await flipFuses(binary, { ...FUSES, resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && arm64 });
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.FUSES = FUSES;
module.exports.electronBinary = electronBinary;
