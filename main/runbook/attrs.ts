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

const STRING_KEYS = new Set(['name', 'id', 'cwd', 'tag', 'target']);
const BOOLEAN_KEYS = new Set(['interactive', 'excludeFromRunAll', 'auto', 'always']);

/** Parses a fence's info string: `lang`, optionally followed by `{ ... }`. */
export function parseFenceInfo(info: string): ParsedInfo {
  const trimmed = info.trim();
  const split = /^([^\s{]*)\s*([\s\S]*)$/.exec(trimmed);
  const lang = (split?.[1] ?? '').toLowerCase();
  const rest = (split?.[2] ?? '').trim();
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
  return { lang, ...parseAttrBlock(rest) };
}

/** Parses `{ ... }` (braces included) in either syntax into typed attributes. */
export function parseAttrBlock(block: string): ParsedAttrs {
  const errors: string[] = [];
  const pairs = isJsonBlock(block) ? jsonPairs(block, errors) : keyValuePairs(inner(block), errors);
  const attrs: CommandAttrs = {};
  for (const [key, value] of pairs) applyAttr(attrs, key, value, errors);
  return { attrs, errors, warnings: [] };
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
  const pairs = keyValuePairs(body, errors);
  if (!kramdown && !pandoc && pairs.length === 0) return null;
  const attrs: CommandAttrs = {};
  for (const [key, value] of pairs) applyAttr(attrs, key, value, errors);
  // kramdown IALs hold words like `toc`: theirs, not a mistake of the author's
  return { attrs, errors: kramdown ? errors.filter((e) => !e.startsWith('expected key=value')) : errors, warnings: [] };
}

function isJsonBlock(block: string): boolean {
  const body = inner(block).trim();
  return body.startsWith('"') || body === '';
}

function inner(block: string): string {
  return block.trim().replace(/^\{/, '').replace(/\}$/, '');
}

function jsonPairs(block: string, errors: string[]): RawPair[] {
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
    } else {
      errors.push(`attribute ${key} must be a string, a number or true/false`);
    }
  }
  return pairs;
}

/**
 * Tokenises `key=value key2="quoted value" flag=true`. Unquoted `true` and
 * `false` become booleans and unquoted integers numbers; quoted values stay
 * strings (the typed keys below still accept "true" and "10").
 */
function keyValuePairs(body: string, errors: string[]): RawPair[] {
  const pairs: RawPair[] = [];
  let pos = 0;
  const skipSpace = () => {
    while (pos < body.length && /\s/.test(body[pos] ?? '')) pos++;
  };
  for (skipSpace(); pos < body.length; skipSpace()) {
    const keyMatch = /^[A-Za-z_][\w.-]*/.exec(body.slice(pos));
    const word = /^\S+/.exec(body.slice(pos))?.[0] ?? '';
    if (!keyMatch || body[pos + keyMatch[0].length] !== '=') {
      errors.push(`expected key=value, found "${word}"`);
      pos += word.length;
      continue;
    }
    const key = keyMatch[0];
    pos += key.length + 1;
    const quote = body[pos];
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
      pairs.push([key, typedScalar(raw)]);
      pos += raw.length;
    }
  }
  return pairs;
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
function applyAttr(attrs: CommandAttrs, key: string, value: RawValue, errors: string[]): void {
  if (STRING_KEYS.has(key)) return applyString(attrs, key as 'name' | 'id' | 'cwd' | 'tag' | 'target', value, errors);
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

function applyString(attrs: CommandAttrs, key: 'name' | 'id' | 'cwd' | 'tag' | 'target', value: RawValue, errors: string[]): void {
  if (typeof value === 'boolean') return void errors.push(`${key} must be text, not ${value}`);
  const text = String(value).trim();
  if (text === '') return void errors.push(`${key} is empty`);
  if ((key === 'target' || key === 'id') && !NAME_PATTERN.test(text)) {
    return void errors.push(`${key} "${text}" must be letters, digits, ".", "_" or "-"`);
  }
  attrs[key] = text;
}

type BooleanKey = 'interactive' | 'excludeFromRunAll' | 'auto' | 'always';

function applyBoolean(attrs: CommandAttrs, key: BooleanKey, value: RawValue, errors: string[]): void {
  if (value === true || value === 'true') attrs[key] = true;
  else if (value === false || value === 'false') attrs[key] = false;
  else errors.push(`${key} must be true or false, not "${value}"`);
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
