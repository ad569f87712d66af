/**
 * The typed model of a parsed runbook (format v1, see runbooks/FORMAT.md).
 * Pure data: everything here is JSON-serialisable so it can cross the API,
 * be stored with a drill as the snapshot it ran against, and be printed by
 * `drillbook lint --json`.
 */

/** A duration as written ("45m") and as seconds. */
export interface DurationSpec {
  text: string;
  seconds: number;
}

/** A named place commands run: the local machine or an SSH host. */
export interface TargetSpec {
  name: string;
  kind: 'local' | 'ssh';
  /** ~/.ssh/config Host alias to resolve host/user/port/identity from. */
  alias?: string;
  host?: string;
  user?: string;
  port?: number;
}

/**
 * Attributes from a fence's info string. Runme's keys plus Drillbook's.
 * Unknown keys are kept in `extra` so nothing the author wrote is dropped.
 */
export interface CommandAttrs {
  name?: string;
  id?: string;
  interactive?: boolean;
  cwd?: string;
  excludeFromRunAll?: boolean;
  /** Runme: a free label, or several separated by commas (`drillbook run --tag`). */
  tag?: string;
  /** Runme: start the block and move on (a server, a port-forward); it is stopped when the drill ends. */
  background?: boolean;
  /** Runme: shown, never run. */
  ignore?: boolean;
  /** Runme: the program that runs the block's text (`python3`, `bash -x`), overriding the language. */
  interpreter?: string;
  /** Target name (front matter `targets`), default `local`. */
  target?: string;
  /** Safe to run unattended (`drillbook run` runs these without --all). */
  auto?: boolean;
  /** Exit code (number) or output pattern (string, `/re/flags` or substring). */
  expect?: number | string;
  timeout?: DurationSpec;
  /** Marks the RTO clock's start / end at this block's step. */
  rtoStart?: boolean;
  rtoEnd?: boolean;
  /** Clean-up: the step runs in an unattended run even after an earlier step failed. */
  always?: boolean;
  extra?: Record<string, string | number | boolean>;
}

export interface CommandBlock {
  /** Language from the info string (`sh`, `bash`, `sql`, ...); '' when none. */
  lang: string;
  /** The block's text exactly as written, without the trailing newline. */
  text: string;
  /** 1-based line of the opening fence (or first line of an indented block). */
  line: number;
  attrs: CommandAttrs;
  /** True for a fenced block; false for an indented code block. */
  fenced: boolean;
  /** The MkDocs content tab it sits under (`=== "Ubuntu"`), so the label travels with the command. */
  tab?: string;
}

export interface ChecklistItem {
  text: string;
  line: number;
  /** Checked in the source (`- [x]`). */
  checked: boolean;
}

export interface Step {
  /** 0-based position in the runbook. */
  index: number;
  title: string;
  /**
   * Stable identity for matching this step across runbook versions:
   * the first block's `id`/`name` attribute, else the slugged title.
   */
  key: string;
  /** 1-based line of the heading / list item that opens the step. */
  line: number;
  /** Last 1-based source line belonging to the step. */
  endLine: number;
  /** The step's markdown body (heading excluded), for rendering. */
  body: string;
  commands: CommandBlock[];
  checklist: ChecklistItem[];
  rtoStart: boolean;
  rtoEnd: boolean;
  /**
   * A clean-up step (`always=true` on its heading or a block): unattended
   * runs perform it even after an earlier step failed, so a failed restore
   * test does not leave its scratch database or mount behind.
   */
  always: boolean;
}

export interface RunbookMeta {
  title: string;
  rto?: DurationSpec;
  rpo?: DurationSpec;
  owner?: string;
  tags: string[];
  targets: TargetSpec[];
  /** `vars:`, read by ./vars.ts (readVarDecls); absent in runbooks recorded before issue 14. */
  vars?: VarSpec[];
  /** Mistakes in `vars:`, each with its line; a drill cannot start until they are fixed (`drillbook lint` lists them). */
  varProblems?: VarProblem[];
  /** Front matter keys Drillbook does not interpret, kept verbatim (`vars` included, as written). */
  extra: Record<string, unknown>;
}

export type DiagnosticSeverity = 'error' | 'warning';

export interface Diagnostic {
  severity: DiagnosticSeverity;
  line: number;
  message: string;
}

export interface Runbook {
  /** Path it was loaded from (absolute), or a label for in-memory text. */
  file: string;
  /** SHA-256 (hex) of the exact bytes loaded. */
  sha256: string;
  title: string;
  rto?: DurationSpec;
  rpo?: DurationSpec;
  meta: RunbookMeta;
  /** Markdown before the first step (intro), for the preview. */
  intro: string;
  steps: Step[];
  /**
   * How steps were found (runbooks/FORMAT.md, "How Drillbook finds steps"):
   * H2 sections; sections at a deeper heading level (`heading`, with
   * `stepLevel`) when that is where the document keeps its steps; a top-level
   * ordered list; or the whole document as one step.
   */
  stepSource: 'h2' | 'heading' | 'ordered-list' | 'procedure' | 'blocks' | 'document';
  /** Heading level of the steps (2 for `h2`, another level for `heading`); absent for lists and documents. */
  stepLevel?: number;
  /**
   * Sections kept as reading material, not timed: Overview, Prerequisites,
   * References ... next to the section that holds the procedure
   * (`stepSource: 'procedure'`). Absent or empty when every section is a step.
   */
  context?: ContextSection[];
  /** Every heading below the title, in order: the sections the UI offers as the procedure. */
  outline?: { title: string; line: number; level: number }[];
  /** The section whose sub-headings or numbered list became the steps, when there is one. */
  procedure?: { title: string; line: number; how: 'headings' | 'list' | 'numbered-headings'; chosen: 'detected' | 'front-matter' | 'override' };
  diagnostics: Diagnostic[];
}

/** A section of the runbook that is not a step (see Runbook.context). */
export interface ContextSection {
  title: string;
  line: number;
  endLine: number;
  body: string;
}

/** How a caller overrides step detection (the UI's remembered choice; front matter `steps:` does the same). */
export interface ParseOptions {
  /** Title of the section that holds the procedure. */
  steps?: string;
}

/** A runbook that could not be loaded at all: one clear, one-line reason. */
export class RunbookError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'RunbookError';
  }
}

/** One runbook in the library list (runbook/library.ts scans the folders). */
export interface LibraryEntry {
  /** Absolute path of the runbook file. */
  path: string;
  /** The library folder it was found under. */
  dir: string;
  /** The runbook's title; the file name when it could not be loaded. */
  title: string;
  rto?: DurationSpec;
  stepCount: number;
  /** Why it could not be loaded (one line, `file:line: reason`). */
  error?: string;
  /** Diagnostics (errors and warnings) of a runbook that loaded. */
  warnings: number;
  mtimeMs: number;
}

// Variables (`vars:`; ./vars.ts reads and fills them)

export interface VarSpec {
  name: string;
  /** Front matter line that declares it (1 when unknown). */
  line: number;
  description?: string;
  default?: string;
  secret: boolean;
  /** Environment variable the value may come from (secrets: always; default the variable's own name). */
  env?: string;
  /** A regular expression every value must match (anchors are the author's). */
  pattern?: string;
  /** False when a secret may be left unset (e.g. PGPASSWORD, with ~/.pgpass as the alternative). */
  required: boolean;
}

export interface VarProblem {
  line: number;
  message: string;
}

/** What the UI shows to prompt for values (never a secret's value). */
export interface RunbookVarInfo {
  name: string;
  line: number;
  description: string | null;
  default: string | null;
  secret: boolean;
  required: boolean;
  pattern: string | null;
  /** The environment variable the value can come from, and whether it is set where the core runs. */
  env: string | null;
  envSet: boolean;
  /** Lines of the blocks that use it. */
  usedAt: number[];
}

/** The `runbooks.vars` result: what the start dialog asks for. */
export interface RunbookVars {
  vars: RunbookVarInfo[];
  /** Mistakes in the declarations or references, with their lines; a drill cannot start until they are fixed. */
  problems: string[];
}
