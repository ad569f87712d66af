// Read at runtime so the version has one source of truth: package.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(path.resolve(__dirname, rel), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'drillbook' && pkg.version) return pkg.version;
    } catch {
      // try the next location (source tree vs dist/)
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
/** Where the repository (or the installed app) lives: runbooks/, dist/renderer/. */
export const APP_ROOT = (() => {
  for (const rel of ['..', '../..']) {
    const dir = path.resolve(__dirname, rel);
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'drillbook') return dir;
    } catch {
      // keep looking
    }
  }
  return path.resolve(__dirname, '..');
})();
