import os from 'node:os';
import path from 'node:path';

/** The platform's per-user app data folder, where the history lives by default. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.DRILLBOOK_DATA) return path.resolve(env.DRILLBOOK_DATA);
  const home = os.homedir();
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Drillbook');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Drillbook');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'drillbook');
  }
}
