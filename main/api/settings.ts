/**
 * Small user settings kept beside the history database (settings.json).
 * Written atomically (temp file + rename) so a crash never leaves half a file.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SettingsData {
  runbookDirs: string[];
}

const DEFAULTS: SettingsData = { runbookDirs: [] };

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
      };
    } catch {
      return { ...DEFAULTS };
    }
  }

  update(change: (s: SettingsData) => SettingsData): void {
    const next = change(this.get());
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n');
    renameSync(tmp, this.file);
  }
}
