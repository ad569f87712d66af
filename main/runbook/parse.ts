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
import {
  RunbookError,
  type ChecklistItem,
  type CommandAttrs,
  type CommandBlock,
  type Diagnostic,
  type DurationSpec,
  type Runbook,
  type RunbookMeta,
  type Step,
  type TargetSpec,
} from './model';

type Token = MarkdownIt.Token;

// html: false: raw HTML stays text, so `<!-- comments -->` and stray tags in
// imported runbooks can never swallow the blocks after them.
const md = new MarkdownIt({ html: false });

/** `<%= ... %>` (ERB), `{{ ... }}` (Hugo, Handlebars), `{% ... %}` (Liquid, Jekyll). */
const TEMPLATE_SYNTAX = /<%|\{\{|\{%/;
const TASK_MARKER = /^\[([ xX])\](?=\s|$)\s*/;
const MAX_LIST_TITLE = 80;

export function parseRunbook(text: string, file: string, sha256?: string): Runbook {
  const diagnostics: Diagnostic[] = [];
  const lines = normaliseNewlines(text).split('\n');
  const frontMatter = readFrontMatter(lines, file, diagnostics);
  const meta = readMeta(frontMatter, diagnostics);

  const blanked = lines.map((line, i) => (i < frontMatter.endLine ? '' : line));
  const tokens = md.parse(blanked.join('\n'), {});
  const doc: Doc = { lines, tokens, bodyStart: frontMatter.endLine + 1, headings: topHeadings(tokens) };

  const titleHeading = findTitleHeading(doc);
  meta.title = chooseTitle(meta.title, doc, titleHeading, file);
  const layout = layoutSteps(doc, titleHeading, meta.title, diagnostics);
  const fences = bucketByLine(readFences(doc, diagnostics), layout.frames);
  const tasks = bucketByLine(readTasks(doc), layout.frames);

  const steps = layout.frames.map((frame, index) =>
    buildStep(frame, index, fences.inside[index] ?? [], tasks.inside[index] ?? []),
  );
  warnAboutStrandedFences(fences.outside, diagnostics);
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
    intro: introText(doc, titleHeading, steps),
    steps,
    stepSource: layout.source,
    ...(layout.level !== undefined ? { stepLevel: layout.level } : {}),
    diagnostics,
  };
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

const KNOWN_KEYS = new Set(['title', 'rto', 'rpo', 'owner', 'tags', 'targets']);

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
  const ssh = /^(?:ssh:\/\/)?(?:([^@\s/]+)@)?(\[[^\]\s]+\]|[^:@\s/]+)(?::(\d+))?\/?$/.exec(text);
  if (!ssh) {
    problems.push(`target ${givenName ? `"${givenName}" ` : ''}"${text}" is not local, user@host[:port] or an ssh alias`);
    return null;
  }
  const [, user, host = '', portText] = ssh;
  const isAlias = user === undefined && portText === undefined && !text.startsWith('ssh://');
  const name = givenName ?? host.replace(/^\[|\]$/g, '');
  if (!checkTargetName(name, problems)) return null;
  if (isAlias) return { name, kind: 'ssh', alias: host };
  const target: TargetSpec = { name, kind: 'ssh', host: host.replace(/^\[|\]$/g, '') };
  if (user !== undefined) target.user = user;
  if (portText !== undefined) {
    const port = readPort(portText);
    if (port === null) {
      problems.push(`target "${name}": port must be a number from 1 to 65535`);
      return null;
    }
    target.port = port;
  }
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

/** Front matter title, else the first H1 / title heading without template syntax, else the file name. */
function chooseTitle(frontMatterTitle: string, doc: Doc, titleHeading: Heading | null, file: string): string {
  if (frontMatterTitle !== '' && !TEMPLATE_SYNTAX.test(frontMatterTitle)) return frontMatterTitle;
  const h1 = doc.headings.find((h) => h.level === 1) ?? titleHeading;
  const text = h1 ? headingTitle(h1.raw) : '';
  if (text !== '' && !TEMPLATE_SYNTAX.test(h1?.raw ?? '')) return text;
  if (frontMatterTitle !== '') return frontMatterTitle;
  return path.basename(file).replace(/\.[^.]*$/, '') || file;
}

function headingTitle(raw: string): string {
  const { text, block } = splitTrailingAttrs(raw);
  return inlineText(block !== null && parseHeadingAttrs(block) !== null ? text : raw);
}

/** Plain text of inline Markdown: `**Run** [`x`](url)` → `Run x`. */
function inlineText(source: string): string {
  const children = md.parseInline(source, {})[0]?.children ?? [];
  let text = '';
  for (const child of children) {
    if (child.type === 'text' || child.type === 'code_inline') text += child.content;
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
}

/**
 * The fallback order (documented in runbooks/FORMAT.md):
 *  1. sections at the step heading level: the shallowest level below the
 *     title used at least twice (H2 in a Drillbook runbook), or a deeper
 *     level when the document starts its steps before its first group heading;
 *  2. the items of the top-level ordered lists before the first heading;
 *  3. the sections of a lone heading level (a one-step runbook);
 *  4. the whole document as one step, with a warning.
 */
function layoutSteps(doc: Doc, titleHeading: Heading | null, title: string, diagnostics: Diagnostic[]): Layout {
  const headings = doc.headings.filter((h) => h !== titleHeading);
  const level = stepLevel(headings);
  if (level !== null) return headingLayout(doc, headings, level, diagnostics);

  const firstHeadingLine = headings[0]?.line ?? Infinity;
  const items = topOrderedItems(doc).filter((item) => item.start + 1 < firstHeadingLine);
  if (items.length >= 2) return { frames: listFrames(doc, items), source: 'ordered-list' };

  if (headings.length > 0) {
    return headingLayout(doc, headings, Math.min(...headings.map((h) => h.level)), diagnostics);
  }
  return documentLayout(doc, titleHeading, title, diagnostics);
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
    frames.push({ title, line: heading.line, endLine, body: sliceLines(doc, heading.lastLine + 1, endLine), attrs });
  });
  return { frames, source: level === 2 ? 'h2' : 'heading', level };
}

/** Splits `Title {id=x rto=start}` into the title and its attributes. */
function headingParts(heading: Heading, diagnostics: Diagnostic[]): { title: string; attrs: CommandAttrs } {
  const { text, block } = splitTrailingAttrs(heading.raw);
  const parsed = block === null ? null : parseHeadingAttrs(block);
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
function listFrames(doc: Doc, items: ListItem[]): Frame[] {
  return items.map((item, i) => {
    const { start, end } = item;
    const nextStart = items[i + 1]?.start;
    const sectionEnd = lastContentLine(doc, start + 1, nextStart ?? doc.lines.length) ?? start + 1;
    const itemEnd = Math.min(end, sectionEnd);
    const itemBody = dedentListItem(doc.lines.slice(start, itemEnd));
    const after = sliceLines(doc, itemEnd + 1, sectionEnd);
    const body = trimBlankLines([itemBody, after].filter((s) => s !== '').join('\n\n'));
    return { title: listItemTitle(doc, item), line: start + 1, endLine: sectionEnd, body, attrs: {} };
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

function documentLayout(doc: Doc, titleHeading: Heading | null, title: string, diagnostics: Diagnostic[]): Layout {
  const from = titleHeading ? titleHeading.lastLine + 1 : doc.bodyStart;
  const firstLine = firstContentLine(doc, from, doc.lines.length) ?? Math.max(from, 1);
  const endLine = lastContentLine(doc, firstLine, doc.lines.length) ?? firstLine;
  diagnostics.push({
    severity: 'warning',
    line: firstLine,
    message: 'no steps found (no heading level used twice, no numbered list): the whole document is one step',
  });
  return { frames: [{ title, line: firstLine, endLine, body: sliceLines(doc, firstLine, endLine), attrs: {} }], source: 'document' };
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
    const line = token.map[0] + 1;
    const info = parseFenceInfo(token.info);
    for (const message of info.errors) diagnostics.push({ severity: 'error', line, message });
    for (const message of info.warnings) diagnostics.push({ severity: 'warning', line, message });
    if (!isClosed(doc, token)) {
      diagnostics.push({ severity: 'warning', line, message: `this code block is never closed with ${token.markup}; it runs to line ${token.map[1]}` });
    }
    const text = token.content.endsWith('\n') ? token.content.slice(0, -1) : token.content;
    fences.push({ line, block: { lang: info.lang, text, line, attrs: info.attrs, fenced: true }, hasAttrs: Object.keys(info.attrs).length > 0 });
  }
  return fences;
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
  const key = frame.attrs.id ?? keyify(first?.id) ?? keyify(first?.name) ?? (slug(frame.title) || `step-${index + 1}`);
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

/** A block with attributes outside every step (in the intro) would silently never run. */
function warnAboutStrandedFences(outside: Fence[], diagnostics: Diagnostic[]): void {
  for (const fence of outside) {
    if (!fence.hasAttrs) continue;
    diagnostics.push({ severity: 'warning', line: fence.line, message: 'this code block is not inside a step, so it never runs; move it under a step heading' });
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

function assignUniqueKeys(steps: Step[]): void {
  const used = new Set<string>();
  for (const step of steps) {
    let key = step.key;
    for (let n = 2; used.has(key); n++) key = `${step.key}-${n}`;
    step.key = key;
    used.add(key);
  }
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
function introText(doc: Doc, titleHeading: Heading | null, steps: Step[]): string {
  const end = (steps[0]?.line ?? doc.lines.length + 1) - 1;
  const kept: string[] = [];
  for (let line = doc.bodyStart; line <= end; line++) {
    if (titleHeading && line >= titleHeading.line && line <= titleHeading.lastLine) continue;
    kept.push(doc.lines[line - 1] ?? '');
  }
  return trimBlankLines(kept.join('\n'));
}

/** Lines `from..to` (1-based, inclusive) without leading/trailing blank lines. */
function sliceLines(doc: Doc, from: number, to: number): string {
  if (to < from) return '';
  return trimBlankLines(doc.lines.slice(from - 1, to).join('\n'));
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
