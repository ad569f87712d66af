/**
 * Variables for drills started from a UI (`runbooks.vars`, `drill.start`
 * with `vars`): the same rules as `drillbook run` (./vars.ts), except that
 * secrets are not looked up, since an operator's terminal has its own
 * environment, and a runbook that declares no variables starts as it is
 * (a wiki page's `{{placeholder}}` is for the operator to replace).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Runbook } from '../runbook/model';
import { badRequest } from '../common/errors';
import { describeRunbookVars, prepareVars, readVarSpecs, referenceProblems, VarsError, type RunbookVarInfo, type VarProblem } from './vars';

export interface RunbookVars {
  vars: RunbookVarInfo[];
  /** Mistakes in the declarations or references, with their lines; a drill cannot start until they are fixed. */
  problems: string[];
}

function sourceOf(runbook: Runbook): string | undefined {
  try {
    return readFileSync(runbook.file, 'utf8');
  } catch {
    return undefined;
  }
}

export function runbookVars(runbook: Runbook, env: NodeJS.ProcessEnv = process.env): RunbookVars {
  return describeRunbookVars(runbook, env, sourceOf(runbook));
}

/** The runbook with the operator's values filled in, for `drill.start`. Throws bad_request naming every problem. */
export function runbookWithVars(runbook: Runbook, given: Readonly<Record<string, string>> | undefined, env: NodeJS.ProcessEnv = process.env): Runbook {
  const values = given ?? {};
  const source = sourceOf(runbook);
  if (readVarSpecs(runbook, source).specs.length === 0 && Object.keys(values).length === 0) return runbook;
  try {
    return prepareVars(runbook, {
      given: values,
      env,
      secrets: 'skip',
      source,
      file: path.basename(runbook.file),
      blocks: runbook.steps.flatMap((s) => s.commands),
    }).runbook;
  } catch (err) {
    if (err instanceof VarsError) throw badRequest(err.message.split('\n').join('; '));
    throw err;
  }
}

/** `drillbook lint`: mistakes in `vars:`, and (when it declares any) `{{NAME}}` references it cannot fill. */
export function lintVars(runbook: Runbook): VarProblem[] {
  const source = sourceOf(runbook);
  const { specs, problems } = readVarSpecs(runbook, source);
  if (specs.length === 0) return problems;
  return [...problems, ...referenceProblems(runbook.steps.flatMap((s) => s.commands), specs)].sort((a, b) => a.line - b.line);
}
