/**
 * Runbook variables: `{{NAME}}` in a command block, declared under `vars:`
 * in the front matter (runbooks/FORMAT.md, "Variables"):
 *
 *     vars:
 *       SCRATCH_DB: app_restore_test            # a default
 *       BACKUP_DIR: {description: where the nightly dumps are}   # required
 *       PGPORT: {default: 5432, pattern: '^[0-9]+$'}
 *       PGPASSWORD: {secret: true}               # from $PGPASSWORD, never stored
 *       AWS_SECRET_ACCESS_KEY: {secret: true, env: CI_AWS_SECRET}
 *
 * A plain variable's value (--var, else its `env`, else its default) is
 * written into the block text before the drill starts, so the recorded
 * runbook shows exactly what ran. A secret's value never enters any text:
 * it comes from the environment only and reaches blocks as an environment
 * variable named like the secret; `{{SECRET}}` is an error.
 *
 * The parser (./parse.ts) reads the declarations with readVarDecls, from
 * the front matter's YAML nodes (so every line is exact), into
 * `runbook.meta.vars` and `runbook.meta.varProblems`, as it reads `targets:`.
 * Everything here is pure: no I/O; the caller passes the environment.
 */
import type { CommandBlock, Runbook, RunbookVarInfo, RunbookVars, VarProblem, VarSpec } from './model';
import { badRequest } from '../common/errors';
import { LIMITS } from '../common/limits';

export type { RunbookVarInfo, RunbookVars, VarProblem, VarSpec };

/** An environment variable name: what a block can read as $NAME. */
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `{{NAME}}` / `{{ NAME }}`: a bare word in double braces. `{{.Field}}` and `{{ $x }}` (Go templates) are not ours. */
const REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
/** Bare words in Go/Helm templates (`{{end}}`, `{{else}}`): never variables, so never "undeclared". */
const TEMPLATE_WORDS = new Set(['end', 'else', 'break', 'continue', 'nil', 'true', 'false', 'range', 'if', 'with', 'define', 'template', 'block']);
const MAX_VALUE = LIMITS.varValue;
const FIELDS = new Set(['default', 'description', 'secret', 'env', 'pattern', 'required']);

/** Bad input found before anything ran: every problem, each with its file line. */
export class VarsError extends Error {
  constructor(
    readonly file: string,
    readonly problems: VarProblem[],
  ) {
    super(formatProblems(file, problems));
    this.name = 'VarsError';
  }
}

export function formatProblems(file: string, problems: VarProblem[], max = 8): string {
  // Line 0: a problem with the command line, not the file.
  const lines = problems.slice(0, max).map((p) => (p.line > 0 ? `${file}:${p.line}: ${p.message}` : p.message));
  if (problems.length > max) lines.push(`… and ${problems.length - max} more`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Declarations

/** The `vars:` the parser read (declarations and their mistakes, each with its line). */
export function readVarSpecs(runbook: Runbook): { specs: VarSpec[]; problems: VarProblem[] } {
  return { specs: runbook.meta.vars ?? [], problems: runbook.meta.varProblems ?? [] };
}

/**
 * The front matter's `vars:` value into declarations, for the parser.
 * `lineOf(name)` is the file line of that variable's key (`lineOf(null)`:
 * the `vars:` line).
 */
export function readVarDecls(raw: unknown, lineOf: (name: string | null) => number): { specs: VarSpec[]; problems: VarProblem[] } {
  const specs: VarSpec[] = [];
  const problems: VarProblem[] = [];
  if (raw === undefined || raw === null) return { specs, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ line: lineOf(null), message: 'vars must be a map: NAME: default, or NAME: {default: …, description: …, secret: true}' });
    return { specs, problems };
  }
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const line = lineOf(name);
    const problem = (message: string) => problems.push({ line, message: `vars: ${name}: ${message}` });
    if (!VAR_NAME.test(name)) {
      problems.push({ line, message: `vars: "${name}" is not a variable name (letters, digits and _, not starting with a digit)` });
      continue;
    }
    const spec: VarSpec = { name, line, secret: false, required: true };
    if (value === null || value === undefined) {
      specs.push(spec); // declared, no default: must be given
      continue;
    }
    if (isScalar(value)) {
      spec.default = String(value);
      specs.push(spec);
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      problem('expected a default value or {default, description, secret, env, pattern}');
      continue;
    }
    const fields = value as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !FIELDS.has(k));
    if (unknown.length) problem(`unknown field ${unknown.join(', ')} (use default, description, secret, env, pattern, required)`);
    if (fields.secret !== undefined && typeof fields.secret !== 'boolean') problem('secret must be true or false');
    spec.secret = fields.secret === true;
    if (fields.required !== undefined && typeof fields.required !== 'boolean') problem('required must be true or false');
    if (fields.required === false) spec.required = false;
    if (fields.description !== undefined && fields.description !== null) {
      if (isScalar(fields.description)) spec.description = String(fields.description).trim();
      else problem('description must be text');
    }
    if (fields.env !== undefined && fields.env !== null) {
      if (typeof fields.env === 'string' && VAR_NAME.test(fields.env)) spec.env = fields.env;
      else problem('env must be the name of an environment variable');
    }
    if (fields.pattern !== undefined && fields.pattern !== null) {
      if (typeof fields.pattern !== 'string') problem('pattern must be a regular expression, e.g. \'^[a-z_][a-z0-9_]*$\'');
      else {
        try {
          new RegExp(fields.pattern);
          spec.pattern = fields.pattern;
        } catch (err) {
          problem(`pattern is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`);
        }
      }
    }
    if (fields.default !== undefined && fields.default !== null) {
      if (spec.secret) problem('a secret cannot have a default: it would be stored in the runbook (set the environment variable instead)');
      else if (isScalar(fields.default)) spec.default = String(fields.default);
      else problem('default must be text or a number');
    }
    if (spec.secret) spec.env ??= name;
    if (spec.default !== undefined) {
      const bad = checkValue(spec, spec.default);
      if (bad) problem(`the default ${bad}`);
    }
    specs.push(spec);
  }
  return { specs, problems };
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Why a value cannot be used, or null. */
function checkValue(spec: VarSpec, value: string): string | null {
  if (/[\n\r\0]/.test(value)) return 'must be one line (no line breaks or NUL characters)';
  if (value.length > MAX_VALUE) return `is longer than ${MAX_VALUE} characters`;
  if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(value)) return `"${spec.secret ? '(secret)' : value}" does not match ${spec.pattern}`;
  return null;
}

// ---------------------------------------------------------------------------
// References in blocks

export interface VarReference {
  name: string;
  /** File line of the reference. */
  line: number;
}

/**
 * Every `{{NAME}}` in a block, with its file line (a fence's text starts the
 * line after the fence): in its text, and in its `expect` and `cwd`
 * attributes (on the fence line), which are filled in too.
 */
export function blockReferences(block: CommandBlock): VarReference[] {
  const out: VarReference[] = [];
  for (const attr of [block.attrs.expect, block.attrs.cwd]) {
    if (typeof attr !== 'string') continue;
    for (const m of attr.matchAll(REFERENCE)) if (!TEMPLATE_WORDS.has(m[1]!)) out.push({ name: m[1]!, line: block.line });
  }
  const first = block.line + (block.fenced ? 1 : 0);
  block.text.split('\n').forEach((text, i) => {
    for (const m of text.matchAll(REFERENCE)) {
      const name = m[1]!;
      if (!TEMPLATE_WORDS.has(name)) out.push({ name, line: first + i });
    }
  });
  return out;
}

/** References that cannot be filled in: undeclared names and secrets (which never go into text). */
export function referenceProblems(blocks: readonly CommandBlock[], specs: readonly VarSpec[]): VarProblem[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const declared = specs.length ? specs.map((s) => s.name).join(', ') : 'none';
  const problems: VarProblem[] = [];
  for (const block of blocks) {
    for (const ref of blockReferences(block)) {
      const spec = byName.get(ref.name);
      if (!spec) {
        problems.push({ line: ref.line, message: `{{${ref.name}}} is not a declared variable: declare it under vars: in the front matter (declared: ${declared})` });
      } else if (spec.secret) {
        problems.push({
          line: ref.line,
          message: `{{${ref.name}}} is a secret: secrets are never written into command text; use "$${ref.name}" (it is set in the block's environment)`,
        });
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Values

export interface ResolvedVars {
  /** Plain variables and their values, in declaration order. */
  values: Map<string, string>;
  /** Where each plain value came from, for the drill log. */
  origins: Map<string, 'given' | 'env' | 'default'>;
  /** Secrets that are set: exported to blocks under the variable's name. Never recorded. */
  secretEnv: Record<string, string>;
  /** Declared secrets that are not set (allowed only with required: false). */
  unsetSecrets: string[];
}

export interface ResolveOptions {
  /** --var NAME=VALUE (or the UI's prompt). */
  given: Readonly<Record<string, string>>;
  env: NodeJS.ProcessEnv;
  /**
   * 'require': a missing required secret is a problem (headless runs).
   * 'skip': secrets are not looked up (an operator's terminal has its own environment).
   */
  secrets: 'require' | 'skip';
}

export function resolveVars(specs: readonly VarSpec[], opts: ResolveOptions): { resolved: ResolvedVars; problems: VarProblem[] } {
  const resolved: ResolvedVars = { values: new Map(), origins: new Map(), secretEnv: {}, unsetSecrets: [] };
  const problems: VarProblem[] = [];
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const name of Object.keys(opts.given)) {
    const spec = byName.get(name);
    const line = 0;
    if (!spec) {
      problems.push({ line, message: `--var ${name}: the runbook declares no variable ${name} (it declares ${specs.map((s) => s.name).join(', ') || 'none'})` });
    } else if (spec.secret) {
      problems.push({
        line: spec.line,
        message: `--var ${name}: ${name} is secret, so it is read only from the environment variable ${spec.env} (a command line shows up in ps and shell history)`,
      });
    }
  }
  for (const spec of specs) {
    if (spec.secret) {
      if (opts.secrets === 'skip') continue;
      const value = opts.env[spec.env ?? spec.name];
      if (value === undefined || value === '') {
        if (spec.required) {
          problems.push({ line: spec.line, message: `secret ${spec.name} is not set: export ${spec.env ?? spec.name} in the environment that runs drillbook${spec.description ? ` (${spec.description})` : ''}` });
        } else resolved.unsetSecrets.push(spec.name);
        continue;
      }
      const bad = checkValue(spec, value);
      if (bad) problems.push({ line: spec.line, message: `secret ${spec.name} (from $${spec.env}) ${bad}` });
      else resolved.secretEnv[spec.name] = value;
      continue;
    }
    const given = opts.given[spec.name];
    const fromEnv = spec.env !== undefined ? opts.env[spec.env] : undefined;
    const [value, origin] =
      given !== undefined ? [given, 'given' as const] : fromEnv !== undefined && fromEnv !== '' ? [fromEnv, 'env' as const] : [spec.default, 'default' as const];
    if (value === undefined) {
      problems.push({
        line: spec.line,
        message: `variable ${spec.name} has no value: give --var ${spec.name}=…${spec.env ? `, set $${spec.env}` : ''} or a default under vars:${spec.description ? ` (${spec.description})` : ''}`,
      });
      continue;
    }
    const bad = checkValue(spec, value);
    if (bad) {
      problems.push({ line: spec.line, message: `${origin === 'given' ? `--var ${spec.name}` : `variable ${spec.name}`}: ${bad}` });
      continue;
    }
    resolved.values.set(spec.name, value);
    resolved.origins.set(spec.name, origin);
  }
  return { resolved, problems };
}

/** `{{NAME}}` → value in one text; names without a value are left as they are. */
export function substitute(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(REFERENCE, (whole, name: string) => values.get(name) ?? whole);
}

/** A copy of the runbook with every block's `{{NAME}}` filled in (the file's hash is kept: it names the source). */
export function applyVars(runbook: Runbook, values: ReadonlyMap<string, string>): Runbook {
  if (values.size === 0) return runbook;
  return {
    ...runbook,
    steps: runbook.steps.map((step) => ({
      ...step,
      commands: step.commands.map((block) => ({
        ...block,
        text: substitute(block.text, values),
        attrs: {
          ...block.attrs,
          ...(typeof block.attrs.expect === 'string' ? { expect: substitute(block.attrs.expect, values) } : {}),
          ...(block.attrs.cwd !== undefined ? { cwd: substitute(block.attrs.cwd, values) } : {}),
        },
      })),
    })),
  };
}

/** One line for the drill log: the values used (secrets only by name). */
export function describeVars(specs: readonly VarSpec[], resolved: ResolvedVars): string | null {
  if (specs.length === 0) return null;
  const parts = specs.map((s) => {
    if (s.secret) return `${s.name}=${resolved.secretEnv[s.name] !== undefined ? `(secret from $${s.env})` : '(secret, not set)'}`;
    const v = resolved.values.get(s.name);
    const origin = resolved.origins.get(s.name);
    return `${s.name}=${JSON.stringify(v ?? '')}${origin === 'default' ? ' (default)' : origin === 'env' ? ` (from $${s.env})` : ''}`;
  });
  return `Variables: ${parts.join(', ')}`;
}

export interface PreparedRun {
  runbook: Runbook;
  specs: VarSpec[];
  resolved: ResolvedVars;
  /** For the drill log; null when the runbook has no variables. */
  note: string | null;
}

/**
 * Everything a run needs, checked before anything runs: declarations,
 * references in `blocks` (the ones that will run), values. Throws VarsError
 * listing every problem with its line.
 */
export function prepareVars(
  runbook: Runbook,
  opts: ResolveOptions & { blocks: readonly CommandBlock[]; file?: string },
): PreparedRun {
  const { specs, problems } = readVarSpecs(runbook);
  const refs = referenceProblems(opts.blocks, specs);
  const { resolved, problems: valueProblems } = resolveVars(specs, opts);
  const all = [...problems, ...refs, ...valueProblems];
  if (all.length) throw new VarsError(opts.file ?? runbook.file, all);
  return { runbook: applyVars(runbook, resolved.values), specs, resolved, note: describeVars(specs, resolved) };
}

/** `--var NAME=VALUE` flags into a map; a repeated name is an error. */
export function parseVarFlags(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq) : '';
    if (!VAR_NAME.test(name)) throw new Error(`--var ${item}: expected NAME=VALUE (NAME: letters, digits and _)`);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new Error(`--var ${name} is given twice`);
    out[name] = item.slice(eq + 1);
  }
  return out;
}

export function describeRunbookVars(runbook: Runbook, env: NodeJS.ProcessEnv): RunbookVars {
  const { specs, problems } = readVarSpecs(runbook);
  const blocks = runbook.steps.flatMap((s) => s.commands);
  const refs = blocks.flatMap(blockReferences);
  const refProblems = referenceProblems(blocks, specs);
  return {
    vars: specs.map((s) => ({
      name: s.name,
      line: s.line,
      description: s.description ?? null,
      default: s.default ?? null,
      secret: s.secret,
      required: s.required,
      pattern: s.pattern ?? null,
      env: s.env ?? null,
      envSet: s.env !== undefined && (env[s.env] ?? '') !== '',
      usedAt: [...new Set(refs.filter((r) => r.name === s.name).map((r) => r.line))],
    })),
    problems: [...problems, ...refProblems].map((p) => `line ${p.line}: ${p.message}`),
  };
}

// ---------------------------------------------------------------------------
// Drills started from a UI

/*
 * `runbooks.vars` and `drill.start` with `vars`: the same rules as
 * `drillbook run`, except that secrets are not looked up, since an
 * operator's terminal has its own environment, and a runbook that declares
 * no variables starts as it is (a wiki page's `{{placeholder}}` is for the
 * operator to replace).
 */

export function runbookVars(runbook: Runbook, env: NodeJS.ProcessEnv = process.env): RunbookVars {
  return describeRunbookVars(runbook, env);
}

/** The runbook with the operator's values filled in, for `drill.start`. Throws bad_request naming every problem. */
export function runbookWithVars(runbook: Runbook, given: Readonly<Record<string, string>> | undefined, env: NodeJS.ProcessEnv = process.env): Runbook {
  const values = given ?? {};
  if (readVarSpecs(runbook).specs.length === 0 && Object.keys(values).length === 0) return runbook;
  try {
    return prepareVars(runbook, {
      given: values,
      env,
      secrets: 'skip',
      file: basename(runbook.file),
      blocks: runbook.steps.flatMap((s) => s.commands),
    }).runbook;
  } catch (err) {
    if (err instanceof VarsError) throw badRequest(err.message.split('\n').join('; '));
    throw err;
  }
}

/** `drillbook lint`: mistakes in `vars:`, and (when it declares any) `{{NAME}}` references it cannot fill. */
export function lintVars(runbook: Runbook): VarProblem[] {
  const { specs, problems } = readVarSpecs(runbook);
  if (specs.length === 0) return problems;
  return [...problems, ...referenceProblems(runbook.steps.flatMap((s) => s.commands), specs)].sort((a, b) => a.line - b.line);
}

/** The file name of a path, / or \\ separated (no node:path: this module is pure). */
function basename(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}
