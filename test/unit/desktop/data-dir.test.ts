/**
 * One history whichever way a drill was run: the desktop app and the CLI
 * decide the data folder with the same function, and both honour
 * DRILLBOOK_DATA. (The desktop app used Electron's userData — ~/.config/Drillbook
 * on Linux — while the CLI used ~/.local/share/drillbook.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { desktopDataDir } from '../../../main/desktop/core-options';
import { dataDirFrom } from '../../../main/cli/common';
import { defaultDataDir } from '../../../main/store/paths';
import { ROOT } from '../../helpers/server';

test('desktop and CLI choose the same folder on every OS, and both honour DRILLBOOK_DATA', () => {
  const home = os.homedir();
  const cases: [NodeJS.Platform, NodeJS.ProcessEnv, string][] = [
    ['linux', {}, path.join(home, '.local', 'share', 'drillbook')],
    ['linux', { XDG_DATA_HOME: '/xdg' }, path.join('/xdg', 'drillbook')],
    ['darwin', {}, path.join(home, 'Library', 'Application Support', 'Drillbook')],
    ['win32', { APPDATA: '/appdata' }, path.join('/appdata', 'Drillbook')],
    ['linux', { DRILLBOOK_DATA: '/srv/drills' }, '/srv/drills'],
    ['darwin', { DRILLBOOK_DATA: '/srv/drills' }, '/srv/drills'],
  ];
  for (const [platform, env, want] of cases) {
    assert.equal(desktopDataDir(env, platform), want, `${platform} ${JSON.stringify(env)}`);
    assert.equal(defaultDataDir(env, platform), want);
  }
  const saved = process.env.DRILLBOOK_DATA;
  try {
    process.env.DRILLBOOK_DATA = '/srv/shared-history';
    assert.equal(desktopDataDir(), dataDirFrom({}), 'the same answer in the same environment');
    assert.equal(dataDirFrom({}), '/srv/shared-history');
  } finally {
    if (saved === undefined) delete process.env.DRILLBOOK_DATA;
    else process.env.DRILLBOOK_DATA = saved;
  }
});

test('the Electron shell takes its data folder from that function, not from Electron userData', () => {
  // electron-main.ts cannot run without the Electron runtime; its wiring is checked in the source.
  const src = readFileSync(path.join(ROOT, 'main', 'desktop', 'electron-main.ts'), 'utf8');
  const core = /new Core\(\{([\s\S]*?)\}\);/.exec(src)?.[1] ?? '';
  // Either inline or through one local const taken from desktopDataDir() just before.
  const inline = /dataDir: desktopDataDir\(\)/.test(core);
  const viaConst = /const dataDir = desktopDataDir\(\);/.test(src) && /^\s*dataDir,\s*$/m.test(core);
  assert.ok(inline || viaConst, 'new Core({ dataDir }) must come from desktopDataDir()');
  assert.doesNotMatch(src, /getPath\('userData'\)/);
});
