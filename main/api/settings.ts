/**
 * Small user settings kept beside the history database (settings.json).
 * Written atomically (temp file + rename) so a crash never leaves half a file.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SettingsData {
  runbookDirs: string[];
  /**
   * The section chosen in the runbook preview as the one that holds the
   * procedure, by the runbook's real path (not its content, so an edit to the
   * file keeps the choice): the same as `steps:` in its front matter,
   * without editing the file (runbooks/FORMAT.md).
   */
  stepsChoice: Record<string, string>;
}

const DEFAULTS: SettingsData = { runbookDirs: [], stepsChoice: {} };

export class Settings {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'settings.json');
  }

  get(): SettingsData {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<SettingsData>;
      return {
        runbookDirs: Array.isArray(parsed.runbookDirs) ? parsed.runbookDirs.filter((d): d is string => typeof d === 'string') : [],
        stepsChoice: stringMap(parsed.stepsChoice),
      };
    } catch {
      return { ...DEFAULTS, stepsChoice: {} };
    }
  }

  update(change: (s: SettingsData) => SettingsData): void {
    const next = change(this.get());
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n');
    renameSync(tmp, this.file);
  }
}

/** Only string → string entries survive a hand-edited settings.json. */
function stringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
