/**
 * Attributes on fences and headings, in both of Runme's syntaxes:
 *
 *     ```sh {"name":"restore","target":"db","expect":0}
 *     ```sh { name=restore target=db expect=0 timeout=10m }
 *     ## Restore the dump {id=restore-db rto=start}
 *
 * Never throws: problems come back as one-line messages for the caller to
 * turn into diagnostics at the right line.
 */
import type { CommandAttrs } from './model';
import { parseDuration } from './duration';

export interface ParsedAttrs {
  attrs: CommandAttrs;
  errors: string[];
  warnings: string[];
}

export interface ParsedInfo extends ParsedAttrs {
  /** Language, lower-cased (`sh`, `bash`, `sql`); '' when none. */
  lang: string;
}

type RawValue = string | number | boolean;
type RawPair = [key: string, value: RawValue];

/** Target and id names: what fits in a file name, a URL and a shell word. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const STRING_KEYS = new Set(['name', 'id', 'cwd', 'tag', 'target', 'interpreter']);
/** Runme's booleans: read as Runme reads them (Go's strconv.ParseBool), never an error. */
const RUNME_BOOLEANS = new Set(['interactive', 'excludeFromRunAll', 'background', 'ignore']);
/** Drillbook's own: a safety flag must say what it means. */
const BOOLEAN_KEYS = new Set(['auto', 'always']);
/** Go's strconv.ParseBool, which Runme uses. */
const PARSE_BOOL: Record<string, boolean> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };

/** Parses a fence's info string: `lang`, optionally followed by `{ ... }`. */
export function parseFenceInfo(info: string): ParsedInfo {
  const trimmed = info.trim();
  const split = /^([^\s{]*)\s*([\s\S]*)$/.exec(trimmed);
  let lang = (split?.[1] ?? '').toLowerCase();
  let rest = (split?.[2] ?? '').trim();
  // Pandoc/kramdown: ```{.bash data-prompt="$"} or ``` {#restore .sh}: the first class is the language
  const pandoc = rest.startsWith('{') && rest.endsWith('}') ? pandocParts(rest) : null;
  if (pandoc) {
    if (lang === '') lang = pandoc.lang;
    rest = pandoc.block;
  }
  if (rest === '') return { lang, attrs: {}, errors: [], warnings: [] };
  if (!rest.startsWith('{')) {
    // mkdocs-style `py title="x"` or a stray word: not ours, but say so, since
    // `sh name=x` (braces forgotten) would otherwise be silently ignored.
    return {
      lang,
      attrs: {},
      errors: [],
      warnings: [`ignored "${rest}" after the language (attributes go in { ... })`],
    };
  }
  if (!rest.endsWith('}')) {
    return { lang, attrs: {}, errors: ['the attribute block is not closed with }'], warnings: [] };
  }
  const parsed = parseAttrBlock(rest);
  const unused = Object.keys(parsed.attrs.extra ?? {}).filter((k) => !(pandoc?.keys.has(k) ?? false));
  if (unused.length > 0) parsed.warnings.push(`attributes Drillbook keeps but does not use: ${unused.join(', ')}`);
  return { lang, ...parsed };
}

/** `{.bash #id key=v}` → lang `bash`, `{id=id key=v}`; null when there is no class or id (our own syntax). */
function pandocParts(block: string): { lang: string; block: string; keys: Set<string> } | null {
  const body = inner(block);
  if (isJsonBlock(block) || !/(^|\s)[.#][^\s=.#]/.test(body)) return null;
  const classes = [...body.matchAll(/(^|\s)\.([^\s=}]+)/g)].map((m) => m[2] ?? '');
  const rest = body.replace(/(^|\s)#([^\s=]+)/g, '$1id=$2').replace(/(^|\s)\.[^\s=]+/g, '$1');
  const keys = new Set([...rest.matchAll(/([A-Za-z_][\w.-]*)=/g)].map((m) => m[1] ?? ''));
  return { lang: (classes[0] ?? '').toLowerCase(), block: `{${rest}}`, keys };
}

/** Parses `{ ... }` (braces included) in either syntax into typed attributes. */
export function parseAttrBlock(block: string): ParsedAttrs {
  const errors: string[] = [];
  const warnings: string[] = [];
  const pairs = isJsonBlock(block) ? jsonPairs(block, errors, warnings) : keyValuePairs(inner(block), errors, warnings);
  const attrs: CommandAttrs = {};
  for (const [key, value] of pairs) applyAttr(attrs, key, value, errors, warnings);
  return { attrs, errors, warnings };
}

/**
 * Splits a trailing `{...}` off a heading's text: `Restore {rto=start}` gives
 * `Restore` and `{rto=start}`. The brace must follow whitespace, so `${VAR}`
 * and Hugo's `{{< x >}}` stay part of the title.
 */
export function splitTrailingAttrs(text: string): { text: string; block: string | null } {
  const match = /(^|\s)(\{[^{}]*\})\s*$/.exec(text);
  if (!match) return { text, block: null };
  return { text: text.slice(0, match.index + (match[1] ?? '').length).trimEnd(), block: match[2] ?? null };
}

/**
 * Parses a heading's attribute block. Besides our `key=value` and JSON forms
 * it understands Pandoc/kramdown `{#id .class}` and `{:toc}`, which appear in
 * real runbooks. Returns null when the braces are not attributes at all
 * (`## Fill in the {placeholder}`), so the caller keeps them in the title.
 */
export function parseHeadingAttrs(block: string): ParsedAttrs | null {
  if (isJsonBlock(block)) return parseAttrBlock(block);
  let body = inner(block).trim();
  const kramdown = body.startsWith(':');
  if (kramdown) body = body.slice(1);
  const pandoc = /(^|\s)[#.][^\s=]/.test(body);
  body = body.replace(/(^|\s)#([^\s=]+)/g, '$1id=$2').replace(/(^|\s)\.[^\s=]+/g, '$1');
  const errors: string[] = [];
  const words: string[] = [];
  const pairs = keyValuePairs(body, errors, words);
  if (!kramdown && !pandoc && pairs.length === 0) return null;
  const attrs: CommandAttrs = {};
  for (const [key, value] of pairs) applyAttr(attrs, key, value, errors, []);
  // kramdown IALs hold words like `toc`: theirs, not a mistake of the author's
  if (!kramdown) errors.push(...words.filter((w) => w.startsWith('ignored ')).map((w) => w.replace(/^ignored "([^"]*)".*$/, 'expected key=value, found "$1"')));
  return { attrs, errors, warnings: [] };
}

function isJsonBlock(block: string): boolean {
  const body = inner(block).trim();
  return body.startsWith('"') || body === '';
}

function inner(block: string): string {
  return block.trim().replace(/^\{/, '').replace(/\}$/, '');
}

function jsonPairs(block: string, errors: string[], warnings: string[]): RawPair[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(block);
  } catch (err) {
    errors.push(`invalid attribute JSON: ${oneLine(err)}`);
    return [];
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    errors.push('attribute JSON must be an object');
    return [];
  }
  const pairs: RawPair[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      pairs.push([key, value]);
    } else if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) {
      // Runme writes lists (`"tag": ["db", "restore"]`): kept as "db,restore"
      pairs.push([key, value.map((v) => String(v)).join(',')]);
    } else if (value === null) {
      warnings.push(`attribute ${key} is null; ignored`);
    } else {
      warnings.push(`attribute ${key} holds a nested object, which Drillbook does not use; ignored`);
    }
  }
  return pairs;
}

/**
 * Tokenises `key=value key2="quoted value" flag=true`. Unquoted `true` and
 * `false` become booleans and unquoted integers numbers; quoted values stay
 * strings (the typed keys below still accept "true" and "10").
 */
function keyValuePairs(body: string, errors: string[], warnings: string[]): RawPair[] {
  const pairs: RawPair[] = [];
  let pos = 0;
  // Runme's TOML form separates with commas and may space out `=`: { key = "v", val = 20 }
  const skipSpace = () => {
    while (pos < body.length && /[\s,]/.test(body[pos] ?? '')) pos++;
  };
  for (skipSpace(); pos < body.length; skipSpace()) {
    const keyMatch = /^([A-Za-z_][\w.-]*)\s*=/.exec(body.slice(pos));
    const word = /^[^\s,]+/.exec(body.slice(pos))?.[0] ?? '';
    if (!keyMatch) {
      // Runme drops a bare word ({ name=x empty }): so do we, and say so
      if (/^[A-Za-z_][\w.-]*$/.test(word)) warnings.push(`ignored "${word}": an attribute needs a value (${word}=true)`);
      else errors.push(`expected key=value, found "${word}"`);
      pos += Math.max(word.length, 1);
      continue;
    }
    const key = keyMatch[1] ?? '';
    pos += keyMatch[0].length;
    // `key = "v"` (TOML) has spaces after `=`; `name= interactive=false` (Runme) is an empty name
    const spaced = /^\s+/.exec(body.slice(pos))?.[0] ?? '';
    if (spaced) {
      if (/^[A-Za-z_][\w.-]*\s*=/.test(body.slice(pos + spaced.length)) || pos + spaced.length >= body.length) {
        pairs.push([key, '']);
        continue;
      }
      pos += spaced.length;
    }
    const quote = body[pos];
    if (quote === '{') {
      // Runme's TOML form allows a nested table ({ nested={ a="b" } }) and drops it: so do we, and say so
      const close = matchingBrace(body, pos);
      warnings.push(`ignored ${key}: a nested table is not an attribute Drillbook or Runme uses`);
      pos = close < 0 ? body.length : close + 1;
      continue;
    }
    if (quote === '"' || quote === "'") {
      const read = readQuoted(body, pos);
      if (read === null) {
        errors.push(`the value of ${key} has no closing ${quote}`);
        return pairs;
      }
      pairs.push([key, read.value]);
      pos = read.end;
    } else {
      const raw = /^\S*/.exec(body.slice(pos))?.[0] ?? '';
      // `val=20,` in the TOML form: the comma separates; `rto=start,end` keeps its own
      pairs.push([key, typedScalar(raw.replace(/,$/, ''))]);
      pos += raw.length;
    }
  }
  return pairs;
}

/** Index of the `}` closing the `{` at `start`, or -1. */
function matchingBrace(body: string, start: number): number {
  let depth = 0;
  for (let i = start; i < body.length; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Reads a quoted value starting at `start` (the quote); `\"` and `\\` escape. */
function readQuoted(body: string, start: number): { value: string; end: number } | null {
  const quote = body[start];
  let value = '';
  for (let i = start + 1; i < body.length; i++) {
    const ch = body[i];
    if (ch === '\\' && (body[i + 1] === quote || body[i + 1] === '\\')) {
      value += body[i + 1];
      i++;
    } else if (ch === quote) {
      return { value, end: i + 1 };
    } else {
      value += ch;
    }
  }
  return null;
}

function typedScalar(raw: string): RawValue {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?\d+$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  return raw;
}

/** Applies one attribute with its key's type rules; unknown keys go to `extra`. */
function applyAttr(attrs: CommandAttrs, key: string, value: RawValue, errors: string[], warnings: string[]): void {
  if (STRING_KEYS.has(key)) return applyString(attrs, key as StringKey, value, errors, warnings);
  if (RUNME_BOOLEANS.has(key)) return applyRunmeBoolean(attrs, key as RunmeBooleanKey, value, warnings);
  if (BOOLEAN_KEYS.has(key)) return applyBoolean(attrs, key as BooleanKey, value, errors);
  switch (key) {
    case 'expect':
      return applyExpect(attrs, value, errors);
    case 'timeout':
      return applyTimeout(attrs, value, errors);
    case 'rto':
      return applyRto(attrs, value, errors);
    default:
      attrs.extra = { ...attrs.extra, [key]: value };
  }
}

type StringKey = 'name' | 'id' | 'cwd' | 'tag' | 'target' | 'interpreter';

function applyString(attrs: CommandAttrs, key: StringKey, value: RawValue, errors: string[], warnings: string[]): void {
  if (typeof value === 'boolean') return void errors.push(`${key} must be text, not ${value}`);
  const text = String(value).trim();
  // Runme writes `name=""` and `id=""` for unnamed cells
  if (text === '') return void warnings.push(`${key} is empty; ignored`);
  if ((key === 'target' || key === 'id') && !NAME_PATTERN.test(text)) {
    return void errors.push(`${key} "${text}" must be letters, digits, ".", "_" or "-"`);
  }
  attrs[key] = text;
}

type BooleanKey = 'auto' | 'always';
type RunmeBooleanKey = 'interactive' | 'excludeFromRunAll' | 'background' | 'ignore';

function readBool(value: RawValue): boolean | undefined {
  return typeof value === 'boolean' ? value : PARSE_BOOL[String(value)];
}

function applyBoolean(attrs: CommandAttrs, key: BooleanKey, value: RawValue, errors: string[]): void {
  const bool = readBool(value);
  if (bool === undefined) errors.push(`${key} must be true or false, not "${value}"`);
  else attrs[key] = bool;
}

/** `interactive=yes` works in Runme (yes/no read as meant here, with a warning); nothing Runme accepts is an error. */
function applyRunmeBoolean(attrs: CommandAttrs, key: RunmeBooleanKey, value: RawValue, warnings: string[]): void {
  const bool = readBool(value);
  if (bool !== undefined) return void (attrs[key] = bool);
  const word = String(value).toLowerCase();
  const meant = ['yes', 'y', 'on'].includes(word) ? true : ['no', 'n', 'off'].includes(word) ? false : undefined;
  if (meant === undefined) return void warnings.push(`${key}="${value}" is not true or false; ignored`);
  attrs[key] = meant;
  warnings.push(`${key}=${value} read as ${key}=${meant} (write true or false)`);
}

function applyExpect(attrs: CommandAttrs, value: RawValue, errors: string[]): void {
  if (typeof value === 'boolean') return void errors.push(`expect must be an exit code or an output pattern, not ${value}`);
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      return void errors.push(`expect=${value} is not an exit code (0-255)`);
    }
    attrs.expect = value;
    return;
  }
  if (value === '') return void errors.push('expect is empty');
  const regexError = checkRegexPattern(value);
  if (regexError) return void errors.push(regexError);
  attrs.expect = value;
}

/** Validates a `/re/flags` pattern; plain text (a substring match) always passes. */
export function checkRegexPattern(pattern: string): string | null {
  const match = /^\/([\s\S]*)\/([a-z]*)$/.exec(pattern);
  if (!match) return null;
  try {
    new RegExp(match[1] ?? '', match[2]);
    return null;
  } catch (err) {
    return `expect ${pattern} is not a valid regular expression: ${oneLine(err).replace(/^Invalid regular expression: /, '')}`;
  }
}

function applyTimeout(attrs: CommandAttrs, value: RawValue, errors: string[]): void {
  if (typeof value === 'boolean') return void errors.push(`timeout must be a duration, not ${value}`);
  try {
    const spec = parseDuration(value);
    if (spec.seconds <= 0) return void errors.push('timeout must be longer than 0s');
    attrs.timeout = spec;
  } catch (err) {
    errors.push(`timeout: ${oneLine(err)}`);
  }
}

function applyRto(attrs: CommandAttrs, value: RawValue, errors: string[]): void {
  const parts = String(value)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p !== 'start' && p !== 'end')) {
    return void errors.push(`rto must be start, end or "start,end", not "${value}"`);
  }
  if (parts.includes('start')) attrs.rtoStart = true;
  if (parts.includes('end')) attrs.rtoEnd = true;
}

export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').trim();
}
