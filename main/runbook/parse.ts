/**
 * Runbook format v1 (runbooks/FORMAT.md): Markdown with optional YAML front
 * matter, parsed into the typed model in ./model. Pure: text in, Runbook out.
 *
 * Line numbers everywhere are 1-based lines of the file as the author sees
 * it. Front matter lines are blanked (not removed) before markdown-it runs,
 * so token maps need no offset.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { NAME_PATTERN, oneLine, parseFenceInfo, parseHeadingAttrs, splitTrailingAttrs } from './attrs';
import { parseDuration } from './duration';
import { unwrapContainers, type TabPanel } from './containers';
import { languageRuns } from './languages';
import { readVarDecls } from './vars';
import { parseSshDestination } from '../common/ssh-destination';
import {
  RunbookError,
  type ChecklistItem,
  type CommandAttrs,
  type CommandBlock,
  type ContextSection,
  type ParseOptions,
  type Diagnostic,
  type DurationSpec,
  type Runbook,
  type RunbookMeta,
  type Step,
  type TargetSpec,
} from './model';

type Token = MarkdownIt.Token;

// html: true for the structure only (nothing here is ever rendered; the UI
// renders with html off): an HTML comment or a raw HTML block is one opaque
// token, as GitHub shows it, so a commented-out `dropdb` can never become a
// command, a step or a checklist item.
const md = new MarkdownIt({ html: true });

/** `<%= ... %>` (ERB), `{{ ... }}` (Hugo, Handlebars), `{% ... %}` (Liquid, Jekyll). */
const TEMPLATE_SYNTAX = /<%|\{\{|\{%/;
const TASK_MARKER = /^\[([ xX])\](?=\s|$)\s*/;
const MAX_LIST_TITLE = 80;

export function parseRunbook(text: string, file: string, sha256?: string, options: ParseOptions = {}): Runbook {
  const diagnostics: Diagnostic[] = [];
  const lines = normaliseNewlines(text).split('\n');
  const frontMatter = readFrontMatter(lines, file, diagnostics);
  const meta = readMeta(frontMatter, diagnostics);

  const blanked = lines.map((line, i) => (i < frontMatter.endLine ? '' : line));
  const unwrapped = unwrapContainers(blanked);
  const tokens = md.parse(unwrapped.lines.join('\n'), {});
  const html = htmlBlocks(tokens, diagnostics);
  const doc: Doc = { lines, tokens, bodyStart: frontMatter.endLine + 1, headings: topHeadings(tokens), tabOf: unwrapped.tabOf, comments: html.comments };

  const titleHeading = findTitleHeading(doc);
  meta.title = chooseTitle(meta.title, doc, titleHeading, file, html.h1);
  const allFences = [...readFences(doc, diagnostics), ...readNestedFences(doc, unwrapped.inside, diagnostics)].sort((a, b) => a.line - b.line);
  warnUnreadFences(doc, allFences, html.blocks, diagnostics);
  const allTasks = readTasks(doc);
  const choice = options.steps ? { title: options.steps, chosen: 'override' as const } : stepsFromFrontMatter(frontMatter, diagnostics);
  const layout = splitAtTabPanels(doc, unwrapped.panels, layoutSteps(doc, titleHeading, meta.title, { fences: allFences, tasks: allTasks, choice }, diagnostics));
  const fences = bucketByLine(allFences, layout.frames);
  const tasks = bucketByLine(allTasks, layout.frames);

  const steps = layout.frames.map((frame, index) =>
    buildStep(frame, index, fences.inside[index] ?? [], tasks.inside[index] ?? []),
  );
  warnAboutStrandedFences(fences.outside, layout.context, diagnostics);
  warnAboutStrandedTasks(tasks.outside, diagnostics);
  checkTargets(steps, meta.targets, diagnostics);
  checkRtoMarkers(steps, diagnostics);
  assignUniqueKeys(steps);

  diagnostics.sort((a, b) => a.line - b.line);
  return {
    file,
    sha256: sha256 ?? createHash('sha256').update(text, 'utf8').digest('hex'),
    title: meta.title,
    ...(meta.rto ? { rto: meta.rto } : {}),
    ...(meta.rpo ? { rpo: meta.rpo } : {}),
    meta,
    intro: introText(doc, titleHeading, Math.min(steps[0]?.line ?? Infinity, layout.context[0]?.line ?? Infinity, layout.procedure?.line ?? Infinity)),
    steps,
    stepSource: layout.source,
    ...(layout.level !== undefined ? { stepLevel: layout.level } : {}),
    ...(layout.context.length > 0 ? { context: layout.context } : {}),
    outline: doc.headings.filter((h) => h !== titleHeading).map((h) => ({ title: headingTitle(h.raw), line: h.line, level: h.level })),
    ...(layout.procedure ? { procedure: layout.procedure } : {}),
    diagnostics,
  };
}

/**
 * MDX tabs with headings inside (`<TabItem value="RKE2">` holding "### Method
 * 1", "### Method 2", then `<TabItem value="K3s">` with none): the site shows
 * each heading inside its tab's panel, so a step opened by a heading in a
 * panel ends where the panel ends, and each later panel of the same tabs is a
 * step of its own, titled by its tab label. Without this, the last heading's
 * step swallowed every other tab's commands. Linear in frames + panels.
 */
function splitAtTabPanels(doc: Doc, panels: TabPanel[], layout: Layout): Layout {
  if (panels.length === 0) return layout;
  const frames: Frame[] = [];
  let p = 0;
  for (const frame of layout.frames) {
    while (p < panels.length && (panels[p]?.close ?? 0) + 1 < frame.line) p++;
    const panel = panels[p];
    if (!panel || !(panel.open + 1 < frame.line && frame.line < panel.close + 1) || frame.endLine <= panel.close + 1) {
      frames.push(frame);
      continue;
    }
    const end = lastContentLine(doc, frame.line + 1, panel.close) ?? frame.line;
    frames.push({ ...frame, endLine: end, body: bodyLines(doc, frame.line + 1, end) });
    const later: TabPanel[] = [];
    // only panels that end before the next step begins: a panel holding the next heading is that step's
    for (let k = p + 1; k < panels.length && (panels[k]?.open ?? Infinity) + 1 <= frame.endLine; k++) {
      if ((panels[k]?.close ?? Infinity) + 1 <= frame.endLine) later.push(panels[k]!);
    }
    later.forEach((q, k) => {
      const last = k === later.length - 1 ? frame.endLine : q.close + 1;
      const qEnd = lastContentLine(doc, q.open + 2, last) ?? q.open + 1;
      frames.push({ title: q.label, line: q.open + 1, endLine: qEnd, body: bodyLines(doc, q.open + 2, qEnd), attrs: {} });
    });
  }
  return { ...layout, frames };
}

/** The parsed document the helpers below share. */
interface Doc {
  /** Source lines (front matter included); `lines[n - 1]` is line n. */
  lines: string[];
  tokens: Token[];
  /** First line after the front matter (1 when there is none). */
  bodyStart: number;
  /** Headings at the top level of the document, in order. */
  headings: Heading[];
  /** 0-based line → MkDocs tab label (./containers). */
  tabOf: Map<number, string>;
  /** HTML comments as 1-based inclusive line ranges: left out of step bodies, as a site leaves them out. */
  comments: [number, number][];
}

/** A BOM and CRLF (or lone CR) line ends would otherwise leak into titles and commands. */
function normaliseNewlines(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

// ---------------------------------------------------------------------------
// Front matter

interface FrontMatter {
  /** Line of the closing `---`, 0 when there is no front matter. */
  endLine: number;
  doc: Document | null;
  data: Record<string, unknown>;
  /** File line of a YAML node (for diagnostics). */
  lineOf: (node: unknown, fallback: number) => number;
}

const NO_FRONT_MATTER: FrontMatter = { endLine: 0, doc: null, data: {}, lineOf: (_n, fallback) => fallback };

function readFrontMatter(lines: string[], file: string, diagnostics: Diagnostic[]): FrontMatter {
  if (!/^---\s*$/.test(lines[0] ?? '')) return NO_FRONT_MATTER;
  const close = lines.findIndex((line, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(line));
  if (!hasYamlKey(lines, close) && !(close > 0 && (lines.slice(1, close).find((l) => l.trim() !== '') ?? '').startsWith('- '))) {
    diagnostics.push({ severity: 'warning', line: 1, message: 'the file opens with a --- line but no "key: value" follows, so it is read as a horizontal rule, not front matter' });
    return NO_FRONT_MATTER;
  }
  if (close < 0) throw new RunbookError(file, 1, 'front matter is not closed: add a line with --- after it');

  const counter = new LineCounter();
  // Duplicate keys are common in real front matter (see the corpus): allowed,
  // the last one wins, and a warning says so.
  const doc = parseDocument(lines.slice(1, close).join('\n'), { uniqueKeys: false, lineCounter: counter, prettyErrors: false });
  // YAML line 1 is file line 2; errors past the end point at the closing ---.
  const fileLine = (offset: number) => Math.min(1 + counter.linePos(offset).line, close + 1);
  const lineOf = (node: unknown, fallback: number) => {
    const range = (node as YamlNode | null)?.range;
    return range ? fileLine(range[0]) : fallback;
  };

  const firstError = doc.errors[0];
  if (firstError) throw new RunbookError(file, fileLine(firstError.pos[0]), `invalid front matter: ${oneLine(firstError)}`);
  for (const warning of doc.warnings) {
    diagnostics.push({ severity: 'warning', line: fileLine(warning.pos[0]), message: `front matter: ${oneLine(warning)}` });
  }
  if (doc.contents === null) return { endLine: close + 1, doc, data: {}, lineOf };
  if (!isMap(doc.contents)) throw new RunbookError(file, 2, 'invalid front matter: expected "key: value" lines');

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // e.g. an alias to an anchor that does not exist
    throw new RunbookError(file, lineOf(doc.contents, 2), `invalid front matter: ${oneLine(err)}`);
  }
  warnDuplicateKeys(doc, lineOf, diagnostics);
  return { endLine: close + 1, doc, data: data as Record<string, unknown>, lineOf };
}

/**
 * Whether the lines after an opening `---` (to its close, else the first 20)
 * hold a YAML `key:` at the margin, or open a JSON object (`{` on its own
 * line, as Docusaurus sites such as Apache Doris write their front matter).
 */
function hasYamlKey(lines: string[], close: number): boolean {
  const end = close < 0 ? Math.min(lines.length, 21) : close;
  for (let i = 1; i < end; i++) {
    if (/^["']?[A-Za-z_][\w .$-]*["']?\s*:(\s|$)/.test(lines[i] ?? '')) return true;
    if (/^\{\s*("|$)/.test(lines[i] ?? '') && (lines[i] ?? '').trim() !== '') return true;
  }
  return false;
}

function warnDuplicateKeys(doc: Document, lineOf: FrontMatter['lineOf'], diagnostics: Diagnostic[]): void {
  if (!isMap(doc.contents)) return;
  const seen = new Set<string>();
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : null;
    if (key === null) continue;
    if (seen.has(key)) {
      diagnostics.push({ severity: 'warning', line: lineOf(pair.key, 2), message: `front matter key "${key}" appears more than once; the last one is used` });
    }
    seen.add(key);
  }
}

/** The YAML node of a top-level key (the last one, as with the values). */
function keyNodes(fm: FrontMatter, key: string): { key: unknown; value: unknown } | null {
  if (!fm.doc || !isMap(fm.doc.contents)) return null;
  let found: { key: unknown; value: unknown } | null = null;
  for (const pair of fm.doc.contents.items) {
    if (isScalar(pair.key) && String(pair.key.value) === key) found = { key: pair.key, value: pair.value };
  }
  return found;
}

const KNOWN_KEYS = new Set(['title', 'rto', 'rpo', 'owner', 'tags', 'targets', 'steps']);

/** Front matter `steps: Procedure`: the title of the section that holds the procedure. */
function stepsFromFrontMatter(fm: FrontMatter, diagnostics: Diagnostic[]): StepsChoice | null {
  const value = fm.data.steps;
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value.trim() !== '') return { title: value.trim(), chosen: 'front-matter', line: fm.lineOf(keyNodes(fm, 'steps')?.key, 2) };
  diagnostics.push({ severity: 'warning', line: fm.lineOf(keyNodes(fm, 'steps')?.key, 2), message: 'steps should name the section that holds the procedure, e.g. steps: Procedure' });
  return null;
}

function readMeta(fm: FrontMatter, diagnostics: Diagnostic[]): RunbookMeta {
  const lineOfKey = (key: string) => fm.lineOf(keyNodes(fm, key)?.key, 2);
  const meta: RunbookMeta = { title: '', tags: [], targets: [{ name: 'local', kind: 'local' }], extra: {} };
  const { data } = fm;

  if (typeof data.title === 'string' || typeof data.title === 'number') meta.title = String(data.title).trim();
  for (const key of ['rto', 'rpo'] as const) {
    const value = data[key];
    if (value === undefined || value === null) continue;
    const spec = readDuration(value, key, lineOfKey(key), diagnostics);
    if (spec) meta[key] = spec;
  }
  if (typeof data.owner === 'string' || typeof data.owner === 'number') meta.owner = String(data.owner).trim();
  else if (data.owner !== undefined && data.owner !== null) {
    diagnostics.push({ severity: 'warning', line: lineOfKey('owner'), message: 'owner should be a name or a team, e.g. owner: dba-oncall' });
  }
  meta.tags = readTags(data.tags);
  if (data.targets !== undefined && data.targets !== null) {
    meta.targets.push(...readTargets(fm, diagnostics));
  }
  if (data.vars !== undefined && data.vars !== null) {
    const { specs, problems } = readVarDecls(data.vars, varLines(fm));
    meta.vars = specs;
    meta.varProblems = problems;
  }
  for (const [key, value] of Object.entries(data)) {
    if (!KNOWN_KEYS.has(key)) meta.extra[key] = value;
  }
  return meta;
}

function readDuration(value: unknown, key: string, line: number, diagnostics: Diagnostic[]): DurationSpec | null {
  if (typeof value !== 'string' && typeof value !== 'number') {
    diagnostics.push({ severity: 'error', line, message: `${key} must be a duration like 45m or 1h30m` });
    return null;
  }
  try {
    return parseDuration(value);
  } catch (err) {
    diagnostics.push({ severity: 'error', line, message: `${key}: ${oneLine(err)}` });
    return null;
  }
}

/** `tags: db, postgres`, `tags: maintenance` or a YAML list. */
function readTags(value: unknown): string[] {
  const raw = Array.isArray(value) ? value.map((v) => String(v)) : typeof value === 'string' ? value.split(/[,\s]+/) : [];
  return [...new Set(raw.map((t) => t.trim()).filter((t) => t !== ''))];
}

/** The file line of each variable's key under `vars:` (null: the `vars:` key), from the YAML nodes. */
function varLines(fm: FrontMatter): (name: string | null) => number {
  const nodes = keyNodes(fm, 'vars');
  const keyLine = fm.lineOf(nodes?.key, 2);
  const lines = new Map<string, number>();
  if (isMap(nodes?.value)) {
    for (const pair of nodes.value.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!lines.has(name)) lines.set(name, fm.lineOf(pair.key, keyLine));
    }
  }
  return (name) => (name === null ? keyLine : lines.get(name) ?? keyLine);
}

// ---------------------------------------------------------------------------
// Targets

const TARGET_FIELDS = new Set(['kind', 'host', 'user', 'port', 'alias', 'name']);

/** Both forms: a map of name → spec, or a list of `local` / `{name: ..., ...}`. */
function readTargets(fm: FrontMatter, diagnostics: Diagnostic[]): TargetSpec[] {
  const nodes = keyNodes(fm, 'targets');
  const keyLine = fm.lineOf(nodes?.key, 2);
  const entries: { name: string | null; spec: unknown; line: number }[] = [];

  // Values come from each pair's own node: with a duplicate name, the plain
  // JS object would hold only the last definition.
  const toJS = (node: unknown): unknown => (fm.doc && isNode(node) ? node.toJS(fm.doc) : node ?? null);
  if (isMap(nodes?.value)) {
    for (const pair of nodes.value.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      entries.push({ name, spec: toJS(pair.value), line: fm.lineOf(pair.key, keyLine) });
    }
  } else if (isSeq(nodes?.value)) {
    for (const item of nodes.value.items) entries.push({ name: null, spec: toJS(item), line: fm.lineOf(item, keyLine) });
  } else {
    diagnostics.push({ severity: 'error', line: keyLine, message: 'targets must be a map (name: spec) or a list' });
    return [];
  }

  const targets: TargetSpec[] = [];
  const lines = new Map<string, number>([['local', keyLine]]);
  for (const entry of entries) {
    const problems: string[] = [];
    const target = readTarget(entry.name, entry.spec, problems);
    for (const message of problems) diagnostics.push({ severity: 'error', line: entry.line, message });
    if (!target) continue;
    if (target.name === 'local') {
      if (target.kind !== 'local') diagnostics.push({ severity: 'error', line: entry.line, message: 'the target name "local" is reserved for this machine' });
      continue; // `local` always exists
    }
    const earlier = lines.get(target.name);
    if (earlier !== undefined) {
      diagnostics.push({ severity: 'error', line: entry.line, message: `target "${target.name}" is defined twice (also on line ${earlier})` });
      continue;
    }
    lines.set(target.name, entry.line);
    targets.push(target);
  }
  return targets;
}

/** One target; `name` is null in the list form, where it comes from the spec. */
function readTarget(name: string | null, spec: unknown, problems: string[]): TargetSpec | null {
  if (typeof spec === 'string') return targetFromString(name, spec.trim(), problems);
  if (spec === null || spec === undefined) {
    problems.push(`target "${name ?? ''}" has no definition (use local, user@host, an ~/.ssh/config alias, or host:/user:/port:)`);
    return null;
  }
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    problems.push(`target ${name ? `"${name}" ` : ''}must be local, user@host[:port], an ssh alias, or a map with host/user/port`);
    return null;
  }
  return targetFromMap(name, spec as Record<string, unknown>, problems);
}

function targetFromMap(givenName: string | null, spec: Record<string, unknown>, problems: string[]): TargetSpec | null {
  const name = givenName ?? (typeof spec.name === 'string' ? spec.name.trim() : '');
  if (!checkTargetName(name, problems)) return null;
  for (const field of Object.keys(spec)) {
    if (!TARGET_FIELDS.has(field)) problems.push(`target "${name}": unknown field "${field}" (use host, user, port, alias or kind)`);
  }
  const kind = spec.kind ?? (spec.host === undefined && spec.alias === undefined ? undefined : 'ssh');
  if (kind === 'local') return { name, kind: 'local' };
  if (kind !== 'ssh') {
    problems.push(kind === undefined ? `target "${name}" needs a host or an alias (or kind: local)` : `target "${name}": kind must be local or ssh`);
    return null;
  }
  const target: TargetSpec = { name, kind: 'ssh' };
  for (const field of ['host', 'user', 'alias'] as const) {
    const value = spec[field];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'number') target[field] = String(value).trim();
    else problems.push(`target "${name}": ${field} must be text`);
  }
  if (spec.port !== undefined && spec.port !== null) {
    const port = readPort(spec.port);
    if (port === null) problems.push(`target "${name}": port must be a number from 1 to 65535`);
    else target.port = port;
  }
  if (target.host === undefined && target.alias === undefined) {
    problems.push(`target "${name}" needs a host or an alias`);
    return null;
  }
  return target;
}

/**
 * `local`; `user@host[:port]` or `ssh://user@host[:port]` (a host); or a bare
 * word like `prod-bastion`, which is an ~/.ssh/config alias (ssh resolves it
 * exactly as `ssh prod-bastion` would).
 */
function targetFromString(givenName: string | null, text: string, problems: string[]): TargetSpec | null {
  if (text === 'local') {
    const name = givenName ?? 'local';
    return checkTargetName(name, problems) ? { name, kind: 'local' } : null;
  }
  const parsed = parseSshDestination(text);
  if (!parsed.ok && parsed.problem === 'syntax') {
    problems.push(`target ${givenName ? `"${givenName}" ` : ''}"${text}" is not local, user@host[:port] or an ssh alias`);
    return null;
  }
  const host = parsed.ok ? parsed.dest.host : parsed.host;
  const name = givenName ?? host;
  if (!checkTargetName(name, problems)) return null;
  if (!parsed.ok) {
    problems.push(`target "${name}": port must be a number from 1 to 65535`);
    return null;
  }
  if (parsed.alias) return { name, kind: 'ssh', alias: host };
  const target: TargetSpec = { name, kind: 'ssh', ...parsed.dest };
  return target;
}

function checkTargetName(name: string, problems: string[]): boolean {
  if (name === '') problems.push('a target in the list needs a name (name: db)');
  else if (!NAME_PATTERN.test(name)) problems.push(`target name "${name}" must be letters, digits, ".", "_" or "-"`);
  else return true;
  return false;
}

function readPort(value: unknown): number | null {
  const port = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
}

// ---------------------------------------------------------------------------
// Headings and the title

interface Heading {
  level: number;
  /** First and last line (setext headings span two). */
  line: number;
  lastLine: number;
  /** The heading's inline Markdown source. */
  raw: string;
}

/** Headings at the top level of the document (not in lists or quotes). */
function topHeadings(tokens: Token[]): Heading[] {
  const headings: Heading[] = [];
  tokens.forEach((token, i) => {
    if (token.type !== 'heading_open' || token.level !== 0 || !token.map) return;
    headings.push({
      level: Number(token.tag.slice(1)),
      line: token.map[0] + 1,
      lastLine: token.map[1],
      raw: tokens[i + 1]?.content ?? '',
    });
  });
  return headings;
}

/**
 * The heading that names the document rather than opening a step: the first
 * heading when it is an H1, or (no H1 at all) a lone H2 that opens the
 * document above deeper headings, as in playbooks whose site template
 * supplies the H1. A lone H2 with nothing below it is a one-step runbook.
 */
function findTitleHeading(doc: Doc): Heading | null {
  const { headings } = doc;
  const first = headings[0];
  if (!first) return null;
  if (first.level === 1) return first;
  const hasH1 = headings.some((h) => h.level === 1);
  const loneH2 = first.level === 2 && headings.filter((h) => h.level === 2).length === 1;
  const hasDeeper = headings.some((h) => h.level > 2);
  const opensDocument = doc.lines.slice(doc.bodyStart - 1, first.line - 1).every((l) => l.trim() === '');
  return !hasH1 && loneH2 && hasDeeper && opensDocument ? first : null;
}

/** Front matter title, else the first H1 (Markdown, then an HTML `<h1>`) / title heading without template syntax, else the file name. */
function chooseTitle(frontMatterTitle: string, doc: Doc, titleHeading: Heading | null, file: string, htmlH1: string | null): string {
  if (frontMatterTitle !== '' && !TEMPLATE_SYNTAX.test(frontMatterTitle)) return frontMatterTitle;
  const markdownH1 = doc.headings.find((h) => h.level === 1);
  if (!markdownH1 && htmlH1) return htmlH1;
  const h1 = markdownH1 ?? titleHeading;
  const text = h1 ? headingTitle(h1.raw) : '';
  if (text !== '' && !TEMPLATE_SYNTAX.test(h1?.raw ?? '')) return text;
  if (frontMatterTitle !== '') return frontMatterTitle;
  return path.basename(file).replace(/\.[^.]*$/, '') || file;
}

interface HtmlBlocks {
  comments: [number, number][];
  /** Every raw HTML block (comments included), 1-based inclusive lines. */
  blocks: { from: number; to: number; comment: boolean }[];
  /** Text of the first `<h1>` in a raw HTML block (README banners), if any. */
  h1: string | null;
}

/** Raw HTML blocks at any depth: comments are hidden from bodies; an unclosed comment is a warning. */
function htmlBlocks(tokens: Token[], diagnostics: Diagnostic[]): HtmlBlocks {
  const out: HtmlBlocks = { comments: [], blocks: [], h1: null };
  for (const token of tokens) {
    if (token.type !== 'html_block' || !token.map) continue;
    const from = token.map[0] + 1;
    const to = token.map[1];
    const comment = /^\s*<!--/.test(token.content);
    out.blocks.push({ from, to, comment });
    if (comment) {
      out.comments.push([from, to]);
      if (!token.content.includes('-->')) {
        diagnostics.push({ severity: 'warning', line: from, message: 'this HTML comment is never closed with -->: everything after it is hidden, and none of it is read as steps or commands' });
      }
    }
    const h1 = out.h1 === null && token.level === 0 ? /<h1\b[^>]*>([\s\S]*?)<\/h1>/i.exec(token.content) : null;
    if (h1) out.h1 = inlineText((h1[1] ?? '').replace(/<[^>]*>/g, ' ')) || null;
  }
  return out;
}

function headingTitle(raw: string): string {
  const shortcode = hugoHeading(raw);
  if (shortcode !== null) return shortcode;
  const { text, block } = splitTrailingAttrs(raw);
  return inlineText(block !== null && parseHeadingAttrs(block) !== null ? text : raw);
}

/**
 * Hugo's `{{% heading "prerequisites" %}}` (the Kubernetes website in every
 * language) renders as a fixed section name: the title the site shows, so
 * that "Before you begin" and "What's next" read as the reference sections
 * they are. Null for any other heading.
 */
function hugoHeading(raw: string): string | null {
  const m = /^\{\{[%<]\s*heading\s+"([\w-]+)"\s*[%>]\}\}$/.exec(raw.trim());
  if (!m) return null;
  const key = (m[1] ?? '').toLowerCase();
  return HUGO_HEADINGS[key] ?? key;
}

const HUGO_HEADINGS: Record<string, string> = {
  prerequisites: 'Before you begin',
  whatsnext: "What's next",
  objectives: 'Objectives',
  cleanup: 'Cleaning up',
  seealso: 'See also',
  synopsis: 'Synopsis',
  options: 'Options',
};

/** Plain text of inline Markdown: `**Run** [`x`](url)` → `Run x`. */
function inlineText(source: string): string {
  // A heading's title is asked for several times (reference check, step, context): parse it once.
  const cached = inlineCache.get(source);
  if (cached !== undefined) return cached;
  const text = inlineTextOf(source);
  if (inlineCache.size > 50_000) inlineCache.clear();
  inlineCache.set(source, text);
  return text;
}

const inlineCache = new Map<string, string>();

function inlineTextOf(source: string): string {
  const children = md.parseInline(source, {})[0]?.children ?? [];
  let text = '';
  for (const child of children) {
    // Inline HTML stays in the title as literal text, as the UI shows it (raw HTML is never rendered): dropping it
    // would lose words silently.
    if (child.type === 'text' || child.type === 'code_inline' || child.type === 'html_inline') text += child.content;
    else if (child.type === 'softbreak' || child.type === 'hardbreak') text += ' ';
    else if (child.type === 'image') text += child.children?.map((c) => c.content).join('') ?? '';
  }
  return text.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------
// Step layout: where the steps are

/** A step's extent before its contents are read. */
interface Frame {
  title: string;
  line: number;
  endLine: number;
  body: string;
  /** From the heading's `{...}` block: only `id`, `rtoStart`, `rtoEnd` and `always`. */
  attrs: CommandAttrs;
}

interface Layout {
  frames: Frame[];
  source: Runbook['stepSource'];
  level?: number;
  /** Sections read as context, not timed (Overview, Prerequisites, References ...). */
  context: ContextSection[];
  procedure?: NonNullable<Runbook['procedure']>;
}

interface StepsChoice {
  title: string;
  chosen: 'front-matter' | 'override';
  line?: number;
}

/** What the layout weighs: where the commands and checklist items are (both in line order). */
interface Actions {
  fences: Fence[];
  tasks: Task[];
  choice: StepsChoice | null;
}

/** First index in `sorted` (ascending) whose value is >= `line`: binary search, so sections cost log n each. */
function lowerBound<T>(sorted: readonly T[], line: number, of: (t: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (of(sorted[mid] as T) < line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether a command or checklist item sits on lines `from..to`. */
function hasActionIn(actions: Actions, from: number, to: number): boolean {
  const inRange = <T extends { line: number }>(list: readonly T[]) => {
    const i = lowerBound(list, from, (x) => x.line);
    return i < list.length && (list[i]?.line ?? Infinity) <= to;
  };
  return inRange(actions.fences) || inRange(actions.tasks);
}

/** The list items (in line order) that start on lines `from..to`. */
function itemsIn(items: readonly ListItem[], from: number, to: number): ListItem[] {
  const out: ListItem[] = [];
  for (let i = lowerBound(items, from, (x) => x.start + 1); i < items.length && (items[i]?.start ?? Infinity) + 1 <= to; i++) out.push(items[i]!);
  return out;
}

/**
 * The order (documented in runbooks/FORMAT.md, "How Drillbook finds the steps"):
 *  0. the section named by `steps:` (front matter, or the UI's remembered choice);
 *  0b. headings numbered as steps ("Step 1 - ...", "第 1 步"), in their groups;
 *  1. sections at the step heading level: the shallowest level below the
 *     title used at least twice (H2 in a Drillbook runbook), or a deeper
 *     level when the document starts its steps before its first group heading;
 *     then, when one of them holds the procedure (numbered list or
 *     sub-headings) next to reference sections, the procedure's parts;
 *  2. the items of the top-level ordered lists before the first heading;
 *  3. the sections of a lone heading level (a one-step runbook), or the
 *     numbered list / sub-headings of that lone section;
 *  4. the whole document as one step, with a warning.
 */
function layoutSteps(doc: Doc, titleHeading: Heading | null, title: string, actions: Actions, diagnostics: Diagnostic[]): Layout {
  const headings = doc.headings.filter((h) => h !== titleHeading);
  if (actions.choice) {
    const chosen = chosenLayout(doc, headings, actions, actions.choice, diagnostics);
    if (chosen) return chosen;
  }
  const numbered = numberedStepLayout(doc, headings, actions, diagnostics);
  if (numbered) return numbered;
  const level = stepLevel(headings);
  if (level !== null) return procedureLayout(doc, headings, level, actions, diagnostics) ?? referenceAsContext(headingLayout(doc, headings, level, diagnostics), actions);

  const firstHeadingLine = headings[0]?.line ?? Infinity;
  const items = topOrderedItems(doc).filter((item) => item.start + 1 < firstHeadingLine);
  if (items.length >= 2) return { frames: listFrames(doc, items, doc.lines.length), source: 'ordered-list', context: [] };

  if (headings.length > 0) {
    const lone = Math.min(...headings.map((h) => h.level));
    return procedureLayout(doc, headings, lone, actions, diagnostics) ?? headingLayout(doc, headings, lone, diagnostics);
  }
  return blocksLayout(doc, titleHeading) ?? documentLayout(doc, titleHeading, title, diagnostics);
}

/**
 * Reference sections (References, See also, Overview, Impact ...) with no
 * command and no checklist item are reading material, not timed steps: they
 * move to the context, as long as at least one step remains.
 */
function referenceAsContext(layout: Layout, actions: Actions): Layout {
  const acts = (f: Frame) => hasActionIn(actions, f.line, f.endLine);
  const isReference = (f: Frame) => (isReferenceTitle(f.title) || isQuestion(f.title) || isExplanatory(f.title)) && Object.keys(f.attrs).length === 0 && !acts(f);
  const steps = layout.frames.filter((f) => !isReference(f));
  if (steps.length === 0 || steps.length === layout.frames.length) return layout;
  const context = layout.frames.filter(isReference).map((f) => ({ title: f.title, line: f.line, endLine: f.endLine, body: f.body }));
  return { ...layout, frames: steps, context: [...layout.context, ...context] };
}

/**
 * A heading that numbers itself as a step: "Step 1 - Stop chef-client",
 * "第 1 步：停掉所有节点", "Шаг 2", "手順 3", "Paso 4", "2 단계".
 */
const STEP_HEADING =
  /^(?:(?:step|stage|phase|paso|schritt|étape|etape|passo|шаг|этап)\s*#?\s*\d+|第\s*[0-9０-９一二三四五六七八九十]+\s*[步阶]|步骤\s*[0-9０-９一二三四五六七八九十]+|(?:手順|ステップ)\s*[0-9０-９]+|\d+\s*단계)/iu;

/**
 * Headings that number themselves as steps ("## Step 1 - ...", "### 第 1 步")
 * are what a reader times, wherever they sit: the shallowest level with two
 * or more of them is the step level, and the sections at that level in the
 * same groups (`# Execution` holding `## Preparation` and `## Step 1` ...; or
 * `## 方式一` and `## 方式二`, each with its own `### 第 1 步` ...) are the
 * steps. Everything else (Overview, Mental model, a FAQ, a group's own
 * lead-in) is context when it holds no command or checklist item, and a step
 * when it does, so no instruction drops out of the timing. Null when fewer
 * than two headings are numbered so.
 */
function numberedStepLayout(doc: Doc, headings: Heading[], actions: Actions, diagnostics: Diagnostic[]): Layout | null {
  const numbered = headings.filter((h) => STEP_HEADING.test(headingTitle(h.raw)));
  if (numbered.length < 2) return null;
  const level = Math.min(...numbered.map((h) => h.level));
  if (numbered.filter((h) => h.level === level).length < 2) return null;
  const bounds = headings.filter((h) => h.level <= level);
  // the group of a heading: the nearest heading above it that is shallower than the step level
  const groups: (Heading | null)[] = [];
  let group: Heading | null = null;
  for (const h of bounds) {
    if (h.level < level) group = h;
    groups.push(group);
  }
  const procedureGroups = new Set<Heading | null>();
  bounds.forEach((h, i) => {
    if (h.level === level && STEP_HEADING.test(headingTitle(h.raw))) procedureGroups.add(groups[i] ?? null);
  });
  const frames: Frame[] = [];
  const context: ContextSection[] = [];
  bounds.forEach((heading, i) => {
    const last = (bounds[i + 1]?.line ?? doc.lines.length + 1) - 1;
    const acts = hasActionIn(actions, heading.lastLine + 1, last);
    const title = headingTitle(heading.raw);
    const reading = !acts && (isReferenceTitle(title) || isQuestion(title) || isExplanatory(title));
    const inProcedure = heading.level === level && procedureGroups.has(groups[i] ?? null) && !reading;
    if (inProcedure || acts) frames.push(sectionFrame(doc, heading, last, diagnostics));
    else if (lastContentLine(doc, heading.lastLine + 1, last) !== null) context.push(contextOf(doc, heading, last));
  });
  const first = numbered.find((h) => h.level === level)!;
  const procedure = { title: headingTitle(first.raw), line: first.line, how: 'numbered-headings' as const, chosen: 'detected' as const };
  return { frames, source: 'procedure', level, context, procedure };
}

/** Sub-headings that offer alternatives ("Option 1: ...", "Method 2", "方式一") are one step's choices, not steps. */
const ALTERNATIVE_HEADING = /^(?:option|method|alternative|variant|approach|scenario|case|方式|方法|选项|方案|вариант|способ)\s*[#:：]?\s*(?:\d+|[a-z]\b|[一二三四五六七八九十])/iu;

/** A section named as the procedure: "Steps", "Procedure", "Stages", "Build log", "Recovery steps" ... */
const PROCEDURE_TITLE = /\b(?:steps?|procedure|procedures|stages?|instructions|process|playbook|runbook|how to|actions|tasks|build log|walkthrough)\b/i;

/** Reference sections a reader does not time, whatever they hold. */
const REFERENCE_TITLE =
  /^(?:\d+[.)]?\s*)?(?:overview|summary|introduction|intro|about|background|context|purpose|scope|audience|description|meaning|impact|symptoms|prerequisites?|pre-?requisites?|requirements|before you (?:begin|start)|what's next|assumptions|references?|see also|further reading|related(?: \w+)*|resources|links|useful links|next steps|notes?|glossary|contacts?|owners?|escalation|faq|troubleshooting|history|changelog|revision history|table of contents|contents|appendix(?: \w+)?|dependencies|licen[cs]e|authors?(?: information)?|credits|acknowledge?ments|maintainers|tested (?:with|on)(?: \w+)*|compatibility)$/i;

function isReferenceTitle(title: string): boolean {
  const bare = title.replace(/[:.：]$/, '').trim();
  return REFERENCE_TITLE.test(bare) || REFERENCE_TITLE_INTL.test(bare);
}

/** The same reference sections in the languages of the corpus (Spanish, Portuguese, French, German, Chinese, Japanese, Russian). */
const REFERENCE_TITLE_INTL =
  /^(?:objetivos?|objectifs?|ziele?|definiciones|definições|définitions|introducci[oó]n|introdução|einleitung|resumen|resumo|résumé|überblick|alcance|escopo|requisitos(?: previos)?|pré-?requis|voraussetzungen|referencias|referências|références|referenzen|概述|简介|概要|背景|前提条件|前置条件|参考|参考资料|参考文献|常见问题|注意事项|はじめに|参考資料|関連項目|обзор|введение|назначение|требования|предварительные требования|ссылки|см\. также|область применения)$/iu;

/** A section named as the procedure in another language: "Pasos a seguir", "操作步骤", "手順", "Порядок действий". */
const PROCEDURE_TITLE_INTL =
  /(?:^|[^\p{L}])(?:pasos|procedimientos?|instrucciones|etapas|passos|procedimento|étapes|procédure|schritte|vorgehen|anleitung|шаги|порядок действий|инструкция|процедура)(?![\p{L}])|步骤|流程|手順/iu;

/**
 * "Why change the default storage class?", "What is a bundle?": a question
 * of why or what-is, answered in prose, is reading material (with no command
 * or list to do). Other questions ("Is the primary reachable?") are checks
 * an operator makes, and stay steps.
 */
function isQuestion(title: string): boolean {
  const t = title.trim();
  return /[?？]$/.test(t) && /^(?:why\b|what (?:is|are)\b|なぜ|何故|为什么|為什麼|почему|зачем|что такое|por qu[eé]|pourquoi|warum)/iu.test(t);
}

/** "What happens when a broker stops", "How replication works", "Why ...": an explanation, even with a numbered list (of what the system does). */
function isExplanatory(title: string): boolean {
  return /^(?:what happens\b|how (?:it|this|\S+(?: \S+)?) works\b|why\b|understanding\b)/i.test(title.trim());
}

/** A section at the step level and what it holds. */
interface Section {
  heading: Heading;
  /** Last line (1-based, inclusive) before the next heading at or above its level. */
  end: number;
  /** Sub-headings at the shallowest level below it, when at least two. */
  subs: Heading[];
  /** Its own top-level numbered list items (before any sub-heading). */
  items: ListItem[];
  reference: boolean;
  hasActions: boolean;
}

function sectionsAt(doc: Doc, headings: Heading[], level: number, actions: Actions, items: ListItem[]): Section[] {
  const sections: Section[] = [];
  headings.forEach((heading, i) => {
    if (heading.level !== level) return;
    let j = i + 1;
    while (j < headings.length && (headings[j]?.level ?? 0) > level) j++;
    const end = (headings[j]?.line ?? doc.lines.length + 1) - 1;
    sections.push(describeSection(doc, heading, headings.slice(i + 1, j), end, actions, items));
  });
  return sections;
}

function describeSection(doc: Doc, heading: Heading, children: Heading[], end: number, actions: Actions, items: ListItem[]): Section {
  const subLevel = children.length > 0 ? Math.min(...children.map((h) => h.level)) : 0;
  const subs = children.filter((h) => h.level === subLevel && !ALTERNATIVE_HEADING.test(headingTitle(h.raw)));
  const ownEnd = (children[0]?.line ?? end + 1) - 1;
  const own = itemsIn(items, heading.lastLine + 1, ownEnd);
  const title = headingTitle(heading.raw);
  const hasActions = hasActionIn(actions, heading.lastLine + 1, end);
  const question = isQuestion(title) && !hasActions && own.length < 2 && subs.length < 2;
  const explanation = isExplanatory(title) && !hasActions;
  return {
    heading,
    end,
    subs: subs.length >= 2 ? subs : [],
    items: own.length >= 2 ? own : [],
    reference: isReferenceTitle(title) || question || explanation,
    hasActions,
  };
}

/**
 * A procedure next to reference material: when a section at the step level
 * holds its steps as sub-headings or a numbered list and its siblings are
 * reference sections (by name, or with no command or checklist item), the
 * procedure's parts are the steps and the siblings are context. Sections with
 * commands of their own stay steps. Null when the document is not shaped so.
 */
function procedureLayout(doc: Doc, headings: Heading[], level: number, actions: Actions, diagnostics: Diagnostic[]): Layout | null {
  if (headings.some((h) => h.level < level)) return null; // group headings: the step level already accounts for them
  const sections = sectionsAt(doc, headings, level, actions, topOrderedItems(doc));
  const isContainer = (s: Section) => !s.reference && (s.subs.length > 0 || s.items.length > 0);
  const containers = sections.filter(isContainer);
  // One section holds the whole procedure; several would be phases, each a step.
  if (containers.length !== 1) return null;
  // Prose siblings are context only when the procedure carries the commands or checklist.
  // Reference siblings (Overview, Impact, References ...) without commands are context;
  // any other sibling stays a step of its own, so no instruction drops out of the timing.
  const isContext = (s: Section) => !isContainer(s) && s.reference && !s.hasActions;
  // ... and only when something says this is the procedure: reference siblings, or its own title
  const containerTitle = headingTitle(containers[0]?.heading.raw ?? '');
  const named = PROCEDURE_TITLE.test(containerTitle) || PROCEDURE_TITLE_INTL.test(containerTitle);
  if (sections.length > 1 && !sections.some(isContext) && !named) return null;
  // Two or more sibling sections doing things of their own (Drain, Pause, Move
  // bundles ...): the numbered list is one phase's detail among phases, not the procedure.
  if (!named && sections.filter((s) => !isContainer(s) && !isContext(s) && s.hasActions).length >= 2) return null;
  if (sections.length === 1 && containers[0]?.items.length === 0 && sections[0]?.hasActions === false) return null;
  return buildProcedure(doc, sections, isContainer, isContext, 'detected', diagnostics);
}

function buildProcedure(
  doc: Doc,
  sections: Section[],
  isContainer: (s: Section) => boolean,
  isContext: (s: Section) => boolean,
  chosen: NonNullable<Runbook['procedure']>['chosen'],
  diagnostics: Diagnostic[],
): Layout {
  const frames: Frame[] = [];
  const context: ContextSection[] = [];
  let procedure: Layout['procedure'];
  let level: number | undefined;
  for (const section of sections) {
    if (isContainer(section)) {
      const how = section.subs.length > 0 ? 'headings' : 'list';
      procedure ??= { title: headingTitle(section.heading.raw), line: section.heading.line, how, chosen };
      if (how === 'headings') level = section.subs[0]?.level;
      const parts = containerFrames(doc, section, diagnostics);
      frames.push(...parts.frames);
      context.push(...parts.context);
    } else if (isContext(section)) {
      context.push(contextOf(doc, section.heading, section.end));
    } else {
      frames.push(sectionFrame(doc, section.heading, section.end, diagnostics));
    }
  }
  return { frames, source: 'procedure', context, ...(level !== undefined ? { level } : {}), ...(procedure ? { procedure } : {}) };
}

/** The steps inside a procedure section; its own text before them is a step when it has commands, else context. */
function containerFrames(doc: Doc, section: Section, diagnostics: Diagnostic[]): { frames: Frame[]; context: ContextSection[] } {
  const firstLine = section.subs[0]?.line ?? (section.items[0] ? section.items[0].start + 1 : section.end + 1);
  const frames: Frame[] = [];
  const context: ContextSection[] = [];
  const preambleEnd = lastContentLine(doc, section.heading.lastLine + 1, firstLine - 1);
  if (preambleEnd !== null) {
    const preamble = bodyLines(doc, section.heading.lastLine + 1, preambleEnd);
    const ownCommands = /^\s*(```|~~~)|\[[ xX]\]/m.test(preamble);
    if (ownCommands) frames.push(sectionFrame(doc, section.heading, preambleEnd, diagnostics));
    else context.push(contextOf(doc, section.heading, preambleEnd));
  }
  if (section.subs.length > 0) {
    section.subs.forEach((sub, i) => {
      const next = section.subs[i + 1];
      frames.push(sectionFrame(doc, sub, next ? next.line - 1 : section.end, diagnostics));
    });
  } else {
    frames.push(...listFrames(doc, section.items, section.end));
  }
  return { frames, context };
}

function sectionFrame(doc: Doc, heading: Heading, last: number, diagnostics: Diagnostic[]): Frame {
  const endLine = lastContentLine(doc, heading.lastLine + 1, last) ?? heading.lastLine;
  const { title, attrs } = headingParts(heading, diagnostics);
  return { title, line: heading.line, endLine, body: bodyLines(doc, heading.lastLine + 1, endLine), attrs };
}

function contextOf(doc: Doc, heading: Heading, last: number): ContextSection {
  const endLine = lastContentLine(doc, heading.lastLine + 1, last) ?? heading.lastLine;
  return { title: headingTitle(heading.raw), line: heading.line, endLine, body: bodyLines(doc, heading.lastLine + 1, endLine) };
}

/** `steps: Procedure`: that section's sub-headings or numbered list are the steps, everything else context. */
function chosenLayout(doc: Doc, headings: Heading[], actions: Actions, choice: StepsChoice, diagnostics: Diagnostic[]): Layout | null {
  const wanted = normaliseTitle(choice.title);
  const heading = headings.find((h) => normaliseTitle(headingTitle(h.raw)) === wanted);
  const line = choice.line ?? 1;
  if (!heading) {
    const names = headings.slice(0, 8).map((h) => `"${headingTitle(h.raw)}"`).join(', ');
    diagnostics.push({ severity: 'warning', line, message: `steps: no section is titled "${choice.title}" (sections: ${names || 'none'}); the steps were found as usual` });
    return null;
  }
  const i = headings.indexOf(heading);
  let j = i + 1;
  while (j < headings.length && (headings[j]?.level ?? 0) > heading.level) j++;
  const end = (headings[j]?.line ?? doc.lines.length + 1) - 1;
  const target = describeSection(doc, heading, headings.slice(i + 1, j), end, actions, topOrderedItems(doc));
  if (target.subs.length === 0 && target.items.length === 0) {
    diagnostics.push({ severity: 'warning', line: heading.line, message: `steps: "${choice.title}" has no numbered list or sub-headings to take as steps; the steps were found as usual` });
    return null;
  }
  const layout = buildProcedure(doc, [{ ...target, reference: false }], () => true, () => false, choice.chosen, diagnostics);
  // Every other heading's text is context, in document order.
  headings.forEach((h, k) => {
    if (k >= i && k < j) return;
    layout.context.push(contextOf(doc, h, (headings[k + 1]?.line ?? doc.lines.length + 1) - 1));
  });
  layout.context.sort((x, y) => x.line - y.line);
  return layout;
}

function normaliseTitle(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

function stepLevel(headings: Heading[]): number | null {
  const counts = new Map<number, number>();
  for (const h of headings) counts.set(h.level, (counts.get(h.level) ?? 0) + 1);
  const repeated = [...counts].filter(([, n]) => n >= 2).map(([level]) => level);
  if (repeated.length === 0) return null;
  const shallowest = Math.min(...repeated);
  // Steps written as H3 with H2 scenario groups after them (### Freeze
  // pipeline ... ## Data loss / ### ...): H2 groups, H3 are the steps.
  const first = headings[0];
  if (first && first.level > shallowest && (counts.get(first.level) ?? 0) >= 2) return first.level;
  return shallowest;
}

/**
 * Sections at `level` are steps. Shallower headings (groups, like `## Data
 * loss` above `### Restore`) also end the step before them; a group with
 * text of its own becomes a step too, an empty one is only a divider.
 */
function headingLayout(doc: Doc, headings: Heading[], level: number, diagnostics: Diagnostic[]): Layout {
  const bounds = headings.filter((h) => h.level <= level);
  const frames: Frame[] = [];
  bounds.forEach((heading, i) => {
    const next = bounds[i + 1];
    const lastLine = next ? next.line - 1 : doc.lines.length;
    const endLine = lastContentLine(doc, heading.lastLine + 1, lastLine) ?? heading.lastLine;
    const hasContent = endLine > heading.lastLine;
    if (heading.level < level && !hasContent) return;
    const { title, attrs } = headingParts(heading, diagnostics);
    frames.push({ title, line: heading.line, endLine, body: bodyLines(doc, heading.lastLine + 1, endLine), attrs });
  });
  return { frames, source: level === 2 ? 'h2' : 'heading', level, context: []};
}

/** Splits `Title {id=x rto=start}` into the title and its attributes. */
function headingParts(heading: Heading, diagnostics: Diagnostic[]): { title: string; attrs: CommandAttrs } {
  const { text, block } = splitTrailingAttrs(heading.raw);
  const parsed = block === null ? null : parseHeadingAttrs(block);
  const shortcode = hugoHeading(heading.raw);
  if (shortcode !== null) return { title: shortcode, attrs: {} };
  if (!parsed) return { title: inlineText(heading.raw), attrs: {} };
  for (const message of parsed.errors) diagnostics.push({ severity: 'error', line: heading.line, message: `heading attributes: ${message}` });
  const attrs: CommandAttrs = {};
  if (parsed.attrs.id !== undefined) attrs.id = parsed.attrs.id;
  if (parsed.attrs.rtoStart) attrs.rtoStart = true;
  if (parsed.attrs.rtoEnd) attrs.rtoEnd = true;
  if (parsed.attrs.always) attrs.always = true;
  const ignored = [
    ...Object.keys(parsed.attrs).filter((k) => !['id', 'rtoStart', 'rtoEnd', 'always', 'extra'].includes(k)),
    ...Object.keys(parsed.attrs.extra ?? {}),
  ];
  if (ignored.length > 0) {
    diagnostics.push({ severity: 'warning', line: heading.line, message: `heading attributes take only id, rto and always; ignored: ${ignored.join(', ')}` });
  }
  return { title: inlineText(text), attrs };
}

/** A list item: the position of its `list_item_open` token in `doc.tokens`. */
interface ListItem {
  index: number;
  /** 0-based first line and end (exclusive), as markdown-it maps them. */
  start: number;
  end: number;
}

/** The items of the document's top-level ordered lists. */
function topOrderedItems(doc: Doc): ListItem[] {
  const items: ListItem[] = [];
  let inTopOrdered = false;
  doc.tokens.forEach((token, index) => {
    if (token.level === 0 && token.type === 'ordered_list_open') inTopOrdered = true;
    else if (token.level === 0 && token.type === 'ordered_list_close') inTopOrdered = false;
    else if (inTopOrdered && token.level === 1 && token.type === 'list_item_open' && token.map) {
      items.push({ index, start: token.map[0], end: token.map[1] });
    }
  });
  return items;
}

/**
 * One step per list item. A step runs to the next item, so text and code
 * between two lists (a fence that broke the numbering) stay with the item
 * they follow; the last step runs to the end of the document.
 */
function listFrames(doc: Doc, items: ListItem[], last: number): Frame[] {
  return items.map((item, i) => {
    const { start, end } = item;
    const nextStart = items[i + 1]?.start;
    const sectionEnd = lastContentLine(doc, start + 1, nextStart ?? last) ?? start + 1;
    const itemEnd = Math.min(end, sectionEnd);
    const title = listItemTitle(doc, item);
    const itemBody = dedentListItem(withoutComments(doc, start + 1, itemEnd));
    const after = bodyLines(doc, itemEnd + 1, sectionEnd);
    const body = trimBlankLines([itemBody, after].filter((s) => s !== '').join('\n\n'));
    return { title, line: start + 1, endLine: sectionEnd, body, attrs: {} };
  });
}

/** The item's first paragraph as plain text; a long one is cut to its first sentence or at a word. */
function listItemTitle(doc: Doc, item: ListItem): string {
  const inline = doc.tokens[item.index + 1]?.type === 'paragraph_open' ? doc.tokens[item.index + 2] : undefined;
  const firstLine = doc.lines[item.start] ?? '';
  const source = inline?.content ?? firstLine.replace(/^\s*\d+[.)]\s*/, '');
  const text = inlineText(source.replace(TASK_MARKER, '')).replace(/[:.]$/, '');
  if (text.length <= MAX_LIST_TITLE) return text || firstLine.trim();
  // "Enable maintenance mode on all replicas. For more information, see ..." → the first sentence
  const sentence = /^(.{15,}?[^.\s][.!?])\s/.exec(text)?.[1];
  if (sentence && sentence.length <= MAX_LIST_TITLE) return sentence.replace(/\.$/, '');
  const cut = text.slice(0, MAX_LIST_TITLE - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_LIST_TITLE / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

/** An item's source without its `1. ` marker and with its content indent removed. */
function dedentListItem(itemLines: string[]): string {
  const first = itemLines[0] ?? '';
  const marker = /^(\s*\d{1,9}[.)])(\s*)/.exec(first);
  if (!marker) return trimBlankLines(itemLines.join('\n'));
  // CommonMark: 5+ spaces after the marker means 1 space + indented code
  const gap = (marker[2] ?? '').length;
  const indent = (marker[1] ?? '').length + (gap >= 1 && gap <= 4 ? gap : 1);
  const rest = itemLines.slice(1).map((line) => line.replace(new RegExp(`^ {0,${indent}}`), ''));
  return trimBlankLines([first.slice((marker[0] ?? '').length), ...rest].join('\n'));
}

/**
 * A document of lead-in sentences and code blocks, with no headings and no
 * numbered list (Runme READMEs: "First check the version:", a block, "then
 * run the tests:", a block): each top-level block is a step, opened by the
 * paragraph that leads into it and titled by the block's name or that
 * paragraph. Null with fewer than two blocks.
 */
function blocksLayout(doc: Doc, titleHeading: Heading | null): Layout | null {
  const from = titleHeading ? titleHeading.lastLine + 1 : doc.bodyStart;
  const top = doc.tokens.map((token, index) => ({ token, index })).filter(({ token }) => token.level === 0 && token.map && token.map[0] + 1 >= from);
  const fences = top.filter(({ token }) => token.type === 'fence');
  if (fences.length < 2) return null;
  const frames: Frame[] = [];
  let previousEnd = from - 1;
  fences.forEach(({ token }, i) => {
    const fenceLine = (token.map?.[0] ?? 0) + 1;
    const leadIn = top.filter(({ token: t }) => t.type === 'paragraph_open' && (t.map?.[0] ?? 0) + 1 > previousEnd && (t.map?.[0] ?? 0) + 1 < fenceLine).at(-1);
    const line = leadIn ? (leadIn.token.map?.[0] ?? 0) + 1 : fenceLine;
    const next = fences[i + 1]?.token.map?.[0];
    const last = next === undefined ? doc.lines.length : (token.map?.[1] ?? fenceLine);
    const endLine = lastContentLine(doc, line, last) ?? fenceLine;
    const name = parseFenceInfo(token.info).attrs.name;
    const lead = leadIn ? inlineText(doc.tokens[leadIn.index + 1]?.content ?? '') : '';
    const title = cutTitle(lead) || name || cutTitle(token.content.split('\n')[0] ?? '') || `Block ${i + 1}`;
    frames.push({ title, line, endLine, body: bodyLines(doc, line, endLine), attrs: {} });
    previousEnd = token.map?.[1] ?? fenceLine;
  });
  return { frames, source: 'blocks', context: [] };
}

/** A paragraph as a step title: its first sentence, or cut at a word near 80 characters. */
function cutTitle(text: string): string {
  const plain = text.replace(/\s+/g, ' ').trim().replace(/[:.]$/, '');
  if (plain.length <= MAX_LIST_TITLE) return plain;
  const sentence = /^(.{15,}?[^.\s][.!?])\s/.exec(plain)?.[1];
  if (sentence && sentence.length <= MAX_LIST_TITLE) return sentence.replace(/\.$/, '');
  const cut = plain.slice(0, MAX_LIST_TITLE - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_LIST_TITLE / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

function documentLayout(doc: Doc, titleHeading: Heading | null, title: string, diagnostics: Diagnostic[]): Layout {
  const from = titleHeading ? titleHeading.lastLine + 1 : doc.bodyStart;
  const firstLine = firstContentLine(doc, from, doc.lines.length) ?? Math.max(from, 1);
  const endLine = lastContentLine(doc, firstLine, doc.lines.length) ?? firstLine;
  diagnostics.push({
    severity: 'warning',
    line: firstLine,
    message: 'no steps found (no heading level used twice, no numbered list): the whole document is one step',
  });
  return { frames: [{ title, line: firstLine, endLine, body: bodyLines(doc, firstLine, endLine), attrs: {} }], source: 'document', context: [] };
}

// ---------------------------------------------------------------------------
// Fences and task items

interface Fence {
  line: number;
  block: CommandBlock;
  /** The author gave attributes (so the block was meant to run). */
  hasAttrs: boolean;
}

/**
 * Every fenced block, at any depth (lists, quotes). Indented code blocks are
 * not commands: in real runbooks they hold pasted output far more often than
 * commands, and they cannot carry attributes (see FORMAT.md).
 */
function readFences(doc: Doc, diagnostics: Diagnostic[]): Fence[] {
  const fences: Fence[] = [];
  for (const token of doc.tokens) {
    if (token.type !== 'fence' || !token.map) continue;
    const fence = fenceOf(doc, token, 0, diagnostics);
    if (!isClosed(doc, token)) {
      diagnostics.push({ severity: 'warning', line: fence.line, message: `this code block is never closed with ${token.markup}; it runs to line ${token.map[1]}` });
    }
    fences.push(fence);
  }
  return fences;
}

/** One fence token as a command; `offset` is the 0-based line its token map counts from. */
function fenceOf(doc: Doc, token: Token, offset: number, diagnostics: Diagnostic[]): Fence {
  const line = offset + (token.map?.[0] ?? 0) + 1;
  const info = parseFenceInfo(token.info);
  for (const message of info.errors) diagnostics.push({ severity: 'error', line, message });
  for (const message of info.warnings) diagnostics.push({ severity: 'warning', line, message });
  const text = token.content.endsWith('\n') ? token.content.slice(0, -1) : token.content;
  const tab = doc.tabOf.get(line - 1);
  const block: CommandBlock = { lang: info.lang, text, line, attrs: info.attrs, fenced: true, ...(tab !== undefined ? { tab } : {}) };
  return { line, block, hasAttrs: Object.keys(info.attrs).length > 0 };
}

const FENCE_LINE = /^\s*(?:>\s?\s*)*(?:(?:[-*+]|\d{1,9}[.)])\s+)*(`{3,}(?!.*`)|~{3,})/;

/**
 * Fences inside an indented code block. Inside a list item (the fence indented
 * past the item's text, which GitHub shows as text) they are what the author
 * meant: taken as commands, with a warning. At the margin they are examples
 * of Markdown (like FORMAT.md's): a warning says they are not commands.
 */
function readNestedFences(doc: Doc, inside: Set<number>, diagnostics: Diagnostic[]): Fence[] {
  const fences: Fence[] = [];
  for (const token of doc.tokens) {
    if (token.type !== 'code_block' || !token.map || !FENCE_LINE.test(token.content.split('\n').find((l) => l.trim() !== '') ?? '')) continue;
    const line = token.map[0] + 1;
    const contained = inside.has(token.map[0]) || token.level > 0;
    if (!contained) {
      diagnostics.push({ severity: 'warning', line, message: 'this indented block shows a code fence as text, so it is not a command; remove the indentation to make it one' });
      continue;
    }
    const found = md.parse(token.content, {}).filter((t) => t.type === 'fence' && t.map);
    for (const inner of found) fences.push(fenceOf(doc, inner, token.map[0], diagnostics));
    if (found.length > 0) {
      diagnostics.push({
        severity: 'warning',
        line,
        message: `this code block is indented 4 columns more than the text around it (GitHub shows it as plain text); taken as ${found.length === 1 ? 'a command' : `${found.length} commands`}, but indent it like the text to be sure`,
      });
    }
  }
  return fences;
}

/**
 * Fence lines that ended up in no command: inside an HTML comment, a raw HTML
 * block, or past markdown-it's nesting limit (100 levels). Each is named with
 * its line, so nothing disappears silently.
 */
function warnUnreadFences(doc: Doc, fences: Fence[], html: HtmlBlocks['blocks'], diagnostics: Diagnostic[]): void {
  const covered = new Uint8Array(doc.lines.length + 2);
  const mark = (from: number, to: number, value: number) => {
    for (let line = from; line <= to; line++) if (covered[line] === 0) covered[line] = value;
  };
  for (const token of doc.tokens) {
    if ((token.type === 'fence' || token.type === 'code_block') && token.map) mark(token.map[0] + 1, token.map[1], 1);
  }
  for (const fence of fences) covered[fence.line] = 1;
  for (const block of html) mark(block.from, block.to, block.comment ? 2 : 3);
  let inFence: string | null = null;
  for (let line = doc.bodyStart; line <= doc.lines.length; line++) {
    const match = FENCE_LINE.exec(doc.lines[line - 1] ?? '');
    if (!match) continue;
    const mark = match[1] ?? '';
    if (covered[line] === 1) continue;
    // an opening line and its closing line: report the opening one
    if (inFence !== null && mark[0] === inFence[0] && mark.length >= inFence.length) {
      inFence = null;
      continue;
    }
    inFence = mark;
    const message =
      covered[line] === 2
        ? 'this code block is inside an HTML comment, so it is not a command'
        : covered[line] === 3
          ? 'this code block is inside raw HTML, so it is not a command'
          : 'this code block is nested too deeply (or sits inside a paragraph) to be read; it is not a command';
    diagnostics.push({ severity: 'warning', line, message });
  }
}

/** Whether a fence's last line is a closing fence (markdown-it ends unclosed ones silently). */
function isClosed(doc: Doc, token: Token): boolean {
  const [start, end] = token.map ?? [0, 0];
  if (end - start < 2) return false;
  const last = (doc.lines[end - 1] ?? '').replace(/^[\s>]*/, '').trimEnd();
  const char = token.markup[0] ?? '`';
  return last.length >= token.markup.length && [...last].every((c) => c === char);
}

interface Task {
  line: number;
  item: ChecklistItem;
}

/** GFM task items (`- [ ] text`, `* [x]`, `1. [X]`) at any depth. */
function readTasks(doc: Doc): Task[] {
  const tasks: Task[] = [];
  doc.tokens.forEach((token, i) => {
    if (token.type !== 'list_item_open' || !token.map) return;
    const inline = doc.tokens[i + 1]?.type === 'paragraph_open' ? doc.tokens[i + 2] : undefined;
    const marker = inline ? TASK_MARKER.exec(inline.content) : null;
    if (!inline || !marker) return;
    const line = token.map[0] + 1;
    const text = inline.content.slice(marker[0].length).replace(/\s*\n\s*/g, ' ').trim();
    tasks.push({ line, item: { text, line, checked: marker[1] !== ' ' } });
  });
  return tasks;
}

// ---------------------------------------------------------------------------
// Steps

/**
 * Sorts line-numbered items into the frames that contain them, in one pass
 * (both are in line order and frames do not overlap).
 */
function bucketByLine<T extends { line: number }>(items: T[], frames: Frame[]): { inside: T[][]; outside: T[] } {
  const inside: T[][] = frames.map(() => []);
  const outside: T[] = [];
  let f = 0;
  for (const item of items) {
    while (f < frames.length && (frames[f]?.endLine ?? 0) < item.line) f++;
    const frame = frames[f];
    if (frame && item.line >= frame.line) inside[f]?.push(item);
    else outside.push(item);
  }
  return { inside, outside };
}

function buildStep(frame: Frame, index: number, fences: Fence[], tasks: Task[]): Step {
  const commands = fences.map((f) => f.block);
  const checklist = tasks.map((t) => t.item);
  const first = commands[0]?.attrs;
  const key = frame.attrs.id ?? keyify(first?.id) ?? keyify(first?.name) ?? (textKey(frame.title) || `step-${index + 1}`);
  return {
    index,
    title: frame.title,
    key,
    line: frame.line,
    endLine: frame.endLine,
    body: frame.body,
    commands,
    checklist,
    rtoStart: frame.attrs.rtoStart === true || commands.some((c) => c.attrs.rtoStart === true),
    rtoEnd: frame.attrs.rtoEnd === true || commands.some((c) => c.attrs.rtoEnd === true),
    always: frame.attrs.always === true || commands.some((c) => c.attrs.always === true),
  };
}

/**
 * Code blocks outside every step are shown but never run: each one is named
 * (a block with attributes was clearly meant to run; one in a context
 * section such as Prerequisites is reading material).
 */
function warnAboutStrandedFences(outside: Fence[], context: ContextSection[], diagnostics: Diagnostic[]): void {
  for (const fence of outside) {
    if (!fence.hasAttrs && !languageRuns(fence.block.lang)) continue; // output or data shown as text: nothing lost
    const section = context.find((c) => fence.line >= c.line && fence.line <= c.endLine);
    const message = fence.hasAttrs
      ? 'this code block is not inside a step, so it never runs; move it under a step heading'
      : section
        ? `this code block is in "${section.title}", which is read as context, not as a step, so it is not a command`
        : 'this code block comes before the first step, so it is shown but is not a command';
    diagnostics.push({ severity: 'warning', line: fence.line, message });
  }
}

function warnAboutStrandedTasks(outside: Task[], diagnostics: Diagnostic[]): void {
  for (const task of outside) {
    diagnostics.push({ severity: 'warning', line: task.line, message: 'this checklist item is not inside a step, so it is not ticked in a drill' });
  }
}

function checkTargets(steps: Step[], targets: TargetSpec[], diagnostics: Diagnostic[]): void {
  const names = targets.map((t) => t.name);
  for (const command of steps.flatMap((s) => s.commands)) {
    const target = command.attrs.target;
    if (target === undefined || names.includes(target)) continue;
    diagnostics.push({
      severity: 'error',
      line: command.line,
      message: `unknown target "${target}": define it under targets: in the front matter (defined: ${names.join(', ')})`,
    });
  }
}

/** One RTO window per runbook: at most one start, one end, start first. */
function checkRtoMarkers(steps: Step[], diagnostics: Diagnostic[]): void {
  const starts = steps.filter((s) => s.rtoStart);
  const ends = steps.filter((s) => s.rtoEnd);
  for (const [marks, what] of [[starts, 'start'], [ends, 'end']] as const) {
    const [first, ...rest] = marks;
    for (const step of rest) {
      diagnostics.push({ severity: 'error', line: step.line, message: `a second rto=${what} (the first is at line ${first?.line}); a runbook has one RTO window` });
    }
  }
  const start = starts[0];
  const end = ends[0];
  if (start && end && end.index < start.index) {
    diagnostics.push({ severity: 'error', line: end.line, message: `rto=end comes before rto=start (line ${start.line})` });
  }
}

/**
 * `key`, `key-2`, `key-3` ... in one pass: each base key remembers the next
 * suffix to try, so 20,000 steps titled "V" take milliseconds, not the 50 s
 * the old try-every-suffix loop took (issue 10). The keys are the same.
 */
function assignUniqueKeys(steps: Step[]): void {
  const used = new Set<string>();
  const next = new Map<string, number>();
  for (const step of steps) {
    const base = step.key;
    let key = base;
    if (used.has(key)) {
      let n = next.get(base) ?? 2;
      while (used.has(`${base}-${n}`)) n++;
      key = `${base}-${n}`;
      next.set(base, n + 1);
    }
    step.key = key;
    used.add(key);
  }
}

/**
 * A key for a title with no ASCII letters or digits (Chinese, Cyrillic,
 * emoji): a short hash of the normalised title, so it does not depend on the
 * step's position and history lines up after a step is inserted.
 */
export function titleKey(title: string): string {
  const normal = title.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
  if (normal === '') return '';
  return `t-${createHash('sha256').update(normal, 'utf8').digest('hex').slice(0, 10)}`;
}

/**
 * A step's key from its title: the slug when the slug says everything the
 * title says; a title whose letters are partly outside ASCII
 * ("デフォルトのStorageClassを変更する", "方式一：从剩余 PD 集群重建") keeps its
 * ASCII part for the reader and adds the title's hash, because the slug
 * alone ("storageclass", "pd") is shared by many steps and would fall back to
 * positional suffixes; no ASCII at all is `t-` and the hash.
 */
function textKey(title: string): string {
  const ascii = slug(title);
  const folded = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  if (!/[\u0080-\u{10FFFF}]/u.test(folded) || !/(?![a-zA-Z0-9])[\p{L}\p{N}]/u.test(folded)) return ascii || titleKey(title);
  const hashed = titleKey(title);
  return ascii ? `${ascii.slice(0, 40).replace(/-+$/, '')}-${hashed.slice(2)}` : hashed;
}

function keyify(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return NAME_PATTERN.test(value) ? value : slug(value) || undefined;
}

/** `Restore the dump (pg_restore)` → `restore-the-dump-pg-restore`; accents folded. */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

// ---------------------------------------------------------------------------
// Text helpers

/** Everything between the front matter and the first step, minus the title heading. */
function introText(doc: Doc, titleHeading: Heading | null, firstSection: number): string {
  const end = (Number.isFinite(firstSection) ? firstSection : doc.lines.length + 1) - 1;
  const kept: string[] = [];
  for (let line = doc.bodyStart; line <= end; line++) {
    if (titleHeading && line >= titleHeading.line && line <= titleHeading.lastLine) continue;
    kept.push(doc.lines[line - 1] ?? '');
  }
  return trimBlankLines(kept.join('\n'));
}

/** A step's body: its lines without HTML comments (a site does not show them either). */
function bodyLines(doc: Doc, from: number, to: number): string {
  if (to < from) return '';
  return trimBlankLines(withoutComments(doc, from, to).join('\n'));
}

/** Lines `from..to` (1-based, inclusive) minus the lines of HTML comments. */
function withoutComments(doc: Doc, from: number, to: number): string[] {
  const out: string[] = [];
  let c = 0;
  for (let line = from; line <= to; line++) {
    while (c < doc.comments.length && (doc.comments[c]?.[1] ?? 0) < line) c++;
    const comment = doc.comments[c];
    if (comment && line >= comment[0]) continue;
    out.push(doc.lines[line - 1] ?? '');
  }
  return out;
}

function trimBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, '').replace(/(?:\n[ \t]*)+$/, '').replace(/^[ \t]+$/, '');
}

function firstContentLine(doc: Doc, from: number, to: number): number | null {
  for (let line = from; line <= to; line++) if ((doc.lines[line - 1] ?? '').trim() !== '') return line;
  return null;
}

function lastContentLine(doc: Doc, from: number, to: number): number | null {
  for (let line = to; line >= from; line--) if ((doc.lines[line - 1] ?? '').trim() !== '') return line;
  return null;
}
