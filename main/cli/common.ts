import path from 'node:path';
import { defaultDataDir } from '../store/paths';
import { APP_ROOT } from '../version';

export const EXIT = { ok: 0, failed: 1, rtoMissed: 2, badInput: 3, internal: 4 } as const;

/** A failure to report as one line with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.badInput,
  ) {
    super(message);
  }
}

export function dataDirFrom(values: Record<string, unknown>): string {
  return typeof values.data === 'string' ? path.resolve(values.data) : defaultDataDir();
}

export const BUNDLED_RUNBOOKS = path.join(APP_ROOT, 'runbooks');
export const RENDERER_DIR = path.join(APP_ROOT, 'dist', 'renderer');
export const BIN_DIR = path.join(APP_ROOT, 'bin');

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`--${flag} must be one of ${allowed.join(', ')} (got "${String(value)}")`);
}

/** Durations in the CLI's output: the one formatter (main/common/duration.ts). */
export { formatDuration as formatMs } from '../common/duration';
