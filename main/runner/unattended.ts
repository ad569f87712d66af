/**
 * `drillbook run` as a scheduled restore test (cron, CI): the mode a run is
 * recorded as, --strict, --junit and --export. Kept out of the CLI adapter
 * so the rules are testable on their own.
 */
import { mkdirSync, renameSync, statSync, writeFileSync, accessSync, constants, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DrillMode } from '../drill/model';
import type { DrillService } from '../drill/service';
import type { Runbook } from '../runbook/model';
import { blocksToRun } from './headless';
import { drillToJUnit } from './junit';
import type { Redactor } from '../evidence/redact';

export interface ModeChoice {
  mode: DrillMode;
  /** Why, for the run's first lines. */
  why: string;
}

/**
 * What a run is recorded as, unless --mode says: `automated` when nobody can
 * be watching (CI is set, as GitHub Actions and GitLab CI do, or stdin is not
 * a terminal, as under cron, systemd timers and Jenkins), else `rehearsal` (a
 * person started a hands-off run from a shell). History and stats keep
 * scheduled tests apart from rehearsals by this.
 */
export function chooseMode(flag: DrillMode | undefined, env: NodeJS.ProcessEnv, stdinIsTTY: boolean): ModeChoice {
  if (flag) return { mode: flag, why: '--mode' };
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') return { mode: 'automated', why: 'CI is set; --mode rehearsal to record a rehearsal' };
  if (!stdinIsTTY) return { mode: 'automated', why: 'no terminal on stdin (cron, a CI job); --mode rehearsal to record a rehearsal' };
  return { mode: 'rehearsal', why: 'started from a terminal; --mode automated for a scheduled test' };
}

export interface ManualStep {
  index: number;
  title: string;
  line: number;
  why: string;
}

/** Steps the run cannot perform itself: no block, or no block it may run unattended. */
export function manualSteps(runbook: Runbook, all: boolean): ManualStep[] {
  return runbook.steps
    .filter((s) => blocksToRun(s.commands, all).length === 0)
    .map((s) => ({
      index: s.index,
      title: s.title,
      line: s.line,
      why: s.commands.length === 0 ? 'it has no command to run' : 'no block is marked auto=true',
    }));
}

/**
 * --strict: a restore test must run every step, so a manual one is a
 * mistake in the test, found before anything runs (exit 3, so a scheduler
 * can tell "the test is wrong" from "the backup is bad").
 */
export function strictProblem(file: string, manual: readonly ManualStep[]): string | null {
  if (manual.length === 0) return null;
  const list = manual
    .slice(0, 5)
    .map((m) => `  ${file}:${m.line}: step ${m.index + 1} "${m.title}": ${m.why}`)
    .join('\n');
  return (
    `--strict: ${manual.length} step${manual.length > 1 ? 's' : ''} cannot run unattended:\n${list}${manual.length > 5 ? '\n  …' : ''}\n` +
    'Mark their blocks auto=true (or run with --all), or drop --strict to record them as manual. Nothing was run.'
  );
}

/** Checks an output file's folder before the run, so a typo does not cost a 40-minute restore. Returns a problem or null. */
export function checkOutputFile(flag: string, file: string): string | null {
  const dir = path.dirname(file);
  if (!existsSync(dir)) return `${flag} ${file}: the folder ${dir} does not exist`;
  try {
    if (!statSync(dir).isDirectory()) return `${flag} ${file}: ${dir} is not a folder`;
    accessSync(dir, constants.W_OK);
  } catch {
    return `${flag} ${file}: cannot write to ${dir}`;
  }
  if (existsSync(file) && statSync(file).isDirectory()) return `${flag} ${file}: is a folder; give a file name such as restore-test.xml`;
  return null;
}

/** --export DIR: created if needed; each drill's bundle goes into DIR/<drill id>. */
export function checkExportDir(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) return `--export ${dir}: not a folder`;
    accessSync(dir, constants.W_OK);
  } catch {
    return `--export ${dir}: cannot create or write to this folder`;
  }
  return null;
}

/** The bundle folder for a drill under --export DIR (a new name if a bundle of it is already there). */
export function bundleDirFor(exportDir: string, drillId: string): string {
  let candidate = path.join(exportDir, drillId);
  for (let n = 2; existsSync(candidate) && readdirSync(candidate).length > 0; n++) candidate = path.join(exportDir, `${drillId}-${n}`);
  return candidate;
}

/**
 * Writes the JUnit report (whole or not at all: a CI job must not parse half
 * a file). It goes to CI artefact storage, so the drill passes through the
 * outbound redaction step first (main/evidence/redact/outbound.ts).
 */
export function writeJUnit(file: string, drills: DrillService, drillId: string, red: Redactor): void {
  const xml = drillToJUnit(red.deep(drills.get(drillId)), red.deep(drills.events(drillId)), { hostname: os.hostname() });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, xml);
  renameSync(tmp, file);
}
