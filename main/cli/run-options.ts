/**
 * The restore-test side of `drillbook run`: --var, secrets, --strict,
 * --junit and --export. `prepareRestoreTest` checks all of it before
 * anything connects or runs (bad input is exit 3); `finishRestoreTest`
 * writes the reports after the drill, whatever its outcome.
 */
import path from 'node:path';
import type { Runbook } from '../runbook/model';
import type { DrillMode } from '../drill/model';
import type { Core } from '../api/core';
import { UserError } from '../common/errors';
import { blocksToRun } from '../runner/headless';
import { parseVarFlags, prepareVars, VarsError } from '../runbook/vars';
import { secretEnv, type SecretEnv } from '../runner/secrets';
import { bundleDirFor, checkExportDir, checkOutputFile, chooseMode, manualSteps, strictProblem, writeJUnit, type ModeChoice } from '../runner/unattended';
import { chromiumPrintToPdf, exportBundle, findChromium, loadRedactionPatterns, runExport, terminalTranscripts } from '../evidence';
import { outboundRedactor } from '../evidence/redact/outbound';
import { CliError, EXIT } from './common';

export interface RestoreTest {
  runbook: Runbook;
  mode: ModeChoice;
  secrets: SecretEnv;
  notes: string[];
  junit: string | null;
  exportDir: string | null;
  /** Lines to print before the run starts. */
  banner: string[];
  /** --tag: only blocks with one of these tags run (Runme's `tag`/`category`). */
  tags: string[];
}

export function prepareRestoreTest(values: Record<string, unknown>, runbook: Runbook, shownName: string, modeFlag: DrillMode | undefined): RestoreTest {
  const all = values.all === true;
  const tags = stringList(values.tag).flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  const mode = chooseMode(modeFlag, process.env, process.stdin.isTTY === true);

  let given: Record<string, string>;
  try {
    given = parseVarFlags(stringList(values.var));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  let prepared;
  try {
    prepared = prepareVars(runbook, {
      given,
      env: process.env,
      secrets: 'require',
      file: shownName,
      blocks: runbook.steps.flatMap((s) => blocksToRun(s.commands, all, tags)),
    });
  } catch (err) {
    if (err instanceof VarsError) throw new CliError(`${err.message}\nNothing was run.`);
    throw err;
  }

  const manual = manualSteps(prepared.runbook, all);
  if (values.strict === true) {
    const problem = strictProblem(shownName, manual);
    if (problem) throw new CliError(problem);
  }
  const junit = typeof values.junit === 'string' ? path.resolve(values.junit) : null;
  if (junit) {
    const problem = checkOutputFile('--junit', junit);
    if (problem) throw new CliError(problem);
  }
  const exportDir = typeof values.export === 'string' ? path.resolve(values.export) : null;
  if (exportDir) {
    const problem = checkExportDir(exportDir);
    if (problem) throw new CliError(problem);
  }

  const banner = [`Mode: ${mode.mode} (${mode.why})`];
  if (prepared.note) banner.push(prepared.note);
  for (const name of prepared.resolved.unsetSecrets) banner.push(`Note: secret ${name} is not set; blocks run without it`);
  if (manual.length) banner.push(`${manual.length} manual step${manual.length > 1 ? 's' : ''} will be recorded as skipped (--strict makes that an error)`);
  return {
    runbook: prepared.runbook,
    mode,
    secrets: secretEnv(prepared.resolved.secretEnv),
    notes: prepared.note ? [prepared.note] : [],
    junit,
    exportDir,
    banner: tags.length ? [...banner, `Only blocks tagged ${tags.join(' or ')} run (--tag)`] : banner,
    tags,
  };
}

/**
 * Writes --junit and --export for a finished drill. Returns the exit code:
 * the drill's, or 4 (internal) when a report could not be written after a
 * drill that passed; a failed drill keeps its own code.
 */
export async function finishRestoreTest(core: Core, dataDir: string, test: RestoreTest, drillId: string, code: number, log: (line: string) => void): Promise<number> {
  let result = code;
  const problem = (message: string) => {
    log(`drillbook run: ${message}`);
    if (result === EXIT.ok) result = EXIT.internal;
  };
  if (test.junit) {
    try {
      writeJUnit(test.junit, core.drills, drillId, outboundRedactor(dataDir));
      log(`JUnit report: ${test.junit}`);
    } catch (err) {
      problem(`could not write the JUnit report ${test.junit}: ${(err as Error).message}`);
    }
  }
  if (test.exportDir) {
    const outDir = bundleDirFor(test.exportDir, drillId);
    try {
      // report.pdf needs Chromium, which a database host rarely has: the bundle says when it was left out.
      const chromium = findChromium();
      const exported = await runExport(() =>
        exportBundle({ drills: core.drills, attachments: core.evidence.attachments }, drillId, {
          outDir,
          redact: true,
          patterns: loadRedactionPatterns(dataDir),
          printToPdf: chromium ? chromiumPrintToPdf(chromium) : null,
          transcripts: terminalTranscripts(dataDir),
        }),
      );
      log(`Evidence bundle: ${exported.dir} (${exported.files.length} files${exported.pdf ? '' : ', no report.pdf: Chromium not found'}; chain head ${exported.chainHead.slice(0, 16)})`);
    } catch (err) {
      problem(`could not export the evidence bundle to ${outDir}: ${err instanceof UserError ? err.message : (err as Error).message}`);
    }
  }
  return result;
}

function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
