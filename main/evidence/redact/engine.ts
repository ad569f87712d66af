/**
 * The one redaction step. Every detector reports spans; overlapping spans
 * merge into one mask, `[REDACTED:kind]`, which says what it hid and never
 * covers more than the secret (the name, the quotes, the URL around it stay).
 *
 * Detectors, in order: the rule library (./library.ts), the built-in
 * patterns (./patterns.ts), key-name assignments and XML (./assign.ts),
 * bounded private-key blocks, secrets beside an AWS key id and inside
 * base64 values (./blocks.ts), high-entropy tokens near a credential word
 * (./entropy.ts), then the user's own patterns (../config.ts). Measured
 * (`npm run bench -- redaction`): see the README's performance table.
 */
import { libraryRules } from './library';
import { DEFAULT_PATTERNS, type PatternSpec } from './patterns';
import { findAssignments, findHtpasswd, findXmlSecrets, isSecretName, secretValueSpan } from './assign';
import { findAwsSecretNearKeyId, findEncodedSecrets, findPrivateKeys } from './blocks';
import { findEntropyTokens } from './entropy';
import { EXISTING_MASK, mask, type Finding, type RedactionPattern } from './types';
import { candidateWindows, isPlaceholder } from './candidates';
import { intersects, isKeyword, KeywordSet } from './keywords';

export interface RedactionConfig {
  /** Names of built-in detectors to switch off. */
  disable?: string[];
  /** Extra patterns, applied after the built-in ones. */
  patterns?: PatternSpec[];
}

export class RedactionConfigError extends Error {}

const NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

// Tiers: the user's patterns, then specific formats, then the library, then generic rules.
const TIER = { config: 0, specific: 1, library: 2, generic: 3, encoded: 4, entropy: 5 } as const;

function regexDetector(spec: PatternSpec, source: RedactionPattern['source']): RedactionPattern {
  const flags = spec.flags ?? '';
  const regex = new RegExp(spec.regex, 'gd' + flags);
  const group = spec.group ?? 0;
  return {
    name: spec.name,
    description: spec.description ?? '',
    source,
    tier: source === 'config' ? TIER.config : TIER.specific,
    ...(spec.requires ? { requires: spec.requires } : {}),
    ...(spec.requiresAny ? { requiresAny: spec.requiresAny } : {}),
    find(text, report) {
      regex.lastIndex = 0;
      for (const m of text.matchAll(regex)) {
        // Alternatives may hold the secret in different groups: the first that took part, from `group` on.
        let span = m.indices?.[group];
        for (let g = group + 1; !span && group > 0 && g < (m.indices?.length ?? 0); g++) span = m.indices?.[g];
        if (!span) continue;
        let [start, end] = span;
        const q = text[start];
        // Keep quotes around a quoted value, mask what is inside.
        if (end - start >= 2 && (q === '"' || q === "'") && text[end - 1] === q) {
          start++;
          end--;
        }
        if (end > start && (!spec.confirm || spec.confirm(text.slice(start, end)))) report({ start, end, kind: spec.name });
      }
    },
  };
}

function fn(name: string, tier: number, description: string, find: RedactionPattern['find'], requires?: string, requiresAny?: readonly string[]): RedactionPattern {
  return { name, description, source: 'builtin', tier, find, ...(requires ? { requires } : {}), ...(requiresAny ? { requiresAny } : {}) };
}

const SECRET_WORDS = ['pass', 'pwd', 'secret', 'token', 'cred', 'auth', 'key', 'bearer'];

/** Every built-in detector, in order (before the user's config adjusts the list). */
export function builtinDetectors(): RedactionPattern[] {
  const list: RedactionPattern[] = [
    ...libraryRules().map((r) => ({ name: r.name, description: `secretlint rule ${r.id}`, source: 'library' as const, tier: TIER.library, find: r.find, ...(r.requiresAny ? { requiresAny: r.requiresAny } : {}) })),
    ...DEFAULT_PATTERNS.map((p) => regexDetector(p, 'builtin')),
    fn('password-assignment', TIER.generic, 'Values assigned to secret names in any syntax (=, :, :=, =>, ?=, ::=, .=, JSON, YAML, INI, env, Go, XML)', (t, r) => {
      findAssignments(t, r);
      if (t.includes('<')) findXmlSecrets(t, r);
    }, undefined, SECRET_WORDS),
    fn('htpasswd-password', TIER.specific, 'htpasswd -b FILE USER PASSWORD', findHtpasswd, 'htpasswd'),
    fn('private-key', TIER.specific, 'PEM/OpenSSH/PGP private key blocks; one without an END line is masked a bounded amount, with a note', findPrivateKeys, 'PRIVATE KEY'),
    fn('aws-secret-near-key-id', TIER.specific, 'A 40-character AWS secret access key within two lines of its access key id', findAwsSecretNearKeyId, undefined, ['akia', 'asia']),
    fn('high-entropy-token', TIER.entropy, 'Random-looking tokens on a line with a credential word, or the line after it', findEntropyTokens, undefined, SECRET_WORDS),
  ];
  return list;
}

let builtinNames: string[] | null = null;
export function detectorNames(): string[] {
  builtinNames ??= [...builtinDetectors().map((d) => d.name), 'base64-secret'];
  return builtinNames;
}

/** Compiles the built-in detectors (minus any disabled) and the config's own patterns; bad config is a one-line error. */
export function compilePatterns(config: RedactionConfig = {}): RedactionPattern[] {
  const all = builtinDetectors();
  const names = detectorNames();
  const disable = new Set(config.disable ?? []);
  for (const name of disable) {
    if (!names.includes(name)) throw new RedactionConfigError(`redaction config: "disable" names "${name}", which is not a built-in detector (${names.join(', ')})`);
  }
  const seen = new Set(names);
  const own = (config.patterns ?? []).map((spec) => {
    if (typeof spec.name !== 'string' || !NAME.test(spec.name)) {
      throw new RedactionConfigError(`redaction config: pattern name ${JSON.stringify(spec.name)} must be lower-case letters, digits and "-"`);
    }
    if (seen.has(spec.name)) throw new RedactionConfigError(`redaction config: two patterns are named "${spec.name}"`);
    seen.add(spec.name);
    const flags = spec.flags ?? '';
    if (!/^[imsu]*$/.test(flags)) throw new RedactionConfigError(`redaction config: pattern "${spec.name}": flags may only be i, m, s, u`);
    try {
      new RegExp(spec.regex, 'gd' + flags);
    } catch (err) {
      throw new RedactionConfigError(`redaction config: pattern "${spec.name}" is not a valid regular expression: ${(err as Error).message}`);
    }
    const group = spec.group ?? 0;
    const groups = new RegExp(`|${spec.regex}`, flags).exec('')!.length - 1;
    if (!Number.isInteger(group) || group < 0 || group > groups) {
      throw new RedactionConfigError(`redaction config: pattern "${spec.name}" has no capture group ${group}`);
    }
    // A pattern that matches nothing-at-all would mask nothing and loop forever.
    if (new RegExp(spec.regex, flags).test('')) throw new RedactionConfigError(`redaction config: pattern "${spec.name}" matches empty text`);
    return regexDetector({ ...spec, description: spec.description ?? '' }, 'config');
  });
  const list = all.filter((d) => !disable.has(d.name));
  if (!disable.has('base64-secret')) {
    const inner = [...list, ...own];
    list.push(
      fn('base64-secret', TIER.encoded, 'Base64 values (kubectl get secret -o yaml) whose decoded text holds a credential', (t, r) =>
        findEncodedSecrets(t, r, (decoded) => {
          const found = collect(decoded, inner);
          return found.length ? found[0]!.kind : null;
        }),
      ),
    );
  }
  return [...list, ...own];
}

interface Gate {
  words: KeywordSet;
  /** Per detector: the bits of its keywords; undefined when it has none; null when they are not lower-case ASCII (looked for with includes). */
  masks: (Uint32Array | null | undefined)[];
  /** Per detector: the bit of its `requires` text lower-cased; undefined when it has none (or not ASCII). */
  requireMasks: (Uint32Array | undefined)[];
}

const gates = new WeakMap<readonly RedactionPattern[], Gate>();

/** The detectors' keywords as one automaton, built once per compiled pattern list. */
function gateOf(patterns: readonly RedactionPattern[]): Gate {
  let gate = gates.get(patterns);
  if (gate) return gate;
  const required = (p: RedactionPattern) => (p.requires !== undefined && isKeyword(p.requires.toLowerCase()) ? p.requires.toLowerCase() : null);
  const words = [...new Set(patterns.flatMap((p) => [...(p.requiresAny ?? []).filter(isKeyword), ...(required(p) !== null ? [required(p)!] : [])]))];
  const set = new KeywordSet(words);
  gate = {
    words: set,
    masks: patterns.map((p) => (p.requiresAny === undefined ? undefined : p.requiresAny.every(isKeyword) ? set.mask(p.requiresAny) : null)),
    requireMasks: patterns.map((p) => (required(p) !== null ? set.mask([required(p)!]) : undefined)),
  };
  gates.set(patterns, gate);
  return gate;
}

/** Every finding of every detector, merged: sorted, non-overlapping, outside the masks already there. */
export function collect(text: string, patterns: readonly RedactionPattern[]): Finding[] {
  const found: (Finding & { tier: number })[] = [];
  const gate = gateOf(patterns);
  const bits = new Uint32Array(gate.words.width); // per call: a detector may call collect again (base64-secret)
  // Only the parts of the text that could hold a secret are scanned (./candidates.ts): most output cannot.
  for (const [ws, we] of candidateWindows(text)) {
    const part = ws === 0 && we === text.length ? text : text.slice(ws, we);
    // Which detectors' keywords the window holds: one pass for all of them (./keywords.ts).
    const present = gate.words.present(text, ws, we, bits.fill(0));
    let lower: string | null = null;
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i]!;
      if (p.requires !== undefined) {
        // The automaton has the word lower-cased: absent there, absent here; present, then includes() decides (case counts).
        const rm = gate.requireMasks[i];
        if (rm !== undefined && !intersects(present, rm)) continue;
        if (!part.includes(p.requires)) continue;
      }
      const mask = gate.masks[i];
      if (mask !== null && mask !== undefined && !intersects(present, mask)) continue;
      if (mask === null && p.requiresAny !== undefined && !p.requiresAny.some((w) => (lower ??= part.toLowerCase()).includes(w))) continue;
      p.find(part, (f) => {
        if (f.end <= f.start) return;
        if (f.kind !== 'private-key' && isPlaceholder(part.slice(f.start, f.end))) return;
        found.push({ ...f, start: f.start + ws, end: f.end + ws, tier: p.tier });
      });
    }
  }
  if (found.length === 0) return found;
  const masks: [number, number][] = [];
  if (text.includes('[REDACTED:') || text.includes('[secret]')) {
    for (const m of text.matchAll(EXISTING_MASK)) masks.push([m.index!, m.index! + m[0].length]);
  }
  const kept = masks.length ? found.flatMap((f) => outsideMasks(f, masks)) : found;
  kept.sort((a, b) => a.start - b.start || a.tier - b.tier || b.end - a.end);
  const merged: Finding[] = [];
  for (const { tier: _tier, ...f } of kept) {
    const last = merged[merged.length - 1];
    if (last && f.start < last.end) {
      if (f.end > last.end) last.end = f.end;
      if (f.note && !last.note) last.note = f.note;
    } else merged.push(f);
  }
  return merged;
}

function outsideMasks<F extends Finding>(f: F, masks: readonly [number, number][]): F[] {
  let { start, end } = f;
  for (const [ms, me] of masks) {
    if (me <= start || ms >= end) continue;
    if (ms <= start && me >= end) return []; // inside a mask: already masked
    if (ms <= start) start = me;
    else if (me >= end) end = ms;
    // a mask in the middle of a finding: the finding is masked whole
  }
  return end > start ? [{ ...f, start, end }] : [];
}

export interface RedactResult {
  text: string;
  /** How many values each detector masked. */
  hits: Record<string, number>;
}

/** Masks every finding: `[REDACTED:kind]`, plus a note where the mask alone would hide what happened. */
export function applyFindings(text: string, findings: readonly Finding[]): RedactResult {
  const hits: Record<string, number> = {};
  if (findings.length === 0) return { text, hits };
  const parts: string[] = [];
  let cursor = 0;
  for (const f of findings) {
    parts.push(text.slice(cursor, f.start), mask(f.kind));
    if (f.note) parts.push(f.note);
    cursor = f.end;
    hits[f.kind] = (hits[f.kind] ?? 0) + 1;
  }
  parts.push(text.slice(cursor));
  return { text: parts.join(''), hits };
}

export function redactText(text: string, patterns: readonly RedactionPattern[]): RedactResult {
  return applyFindings(text, collect(text, patterns));
}

/**
 * Applies one set of detectors across everything exported, keeping a running
 * count per kind (for the manifest and the report: what kind of thing was
 * removed, and how often — never the values).
 */
export class Redactor {
  readonly hits: Record<string, number> = {};

  constructor(
    readonly patterns: readonly RedactionPattern[],
    /** False only when the user explicitly asked for an unredacted export. */
    readonly enabled = true,
  ) {}

  text(s: string): string {
    if (!this.enabled || s === '') return s;
    const r = redactText(s, this.patterns);
    this.count(r.hits);
    return r.text;
  }

  count(hits: Record<string, number>): void {
    for (const [k, n] of Object.entries(hits)) this.hits[k] = (this.hits[k] ?? 0) + n;
  }

  /** Masks every string in a JSON value (object keys are names, not secrets, and stay). */
  deep<T>(value: T): T {
    if (!this.enabled) return value;
    return this.walk(value) as T;
  }

  get total(): number {
    return Object.values(this.hits).reduce((a, b) => a + b, 0);
  }

  private walk(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.walk(x));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' && isSecretName(k) ? this.keyed(x) : this.walk(x);
      return out;
    }
    return v;
  }

  /** A string under a secret name (`{"password": "…"}`): the whole value is the secret. */
  private keyed(s: string): string {
    const span = secretValueSpan(s, 0, s.length);
    if (!span || /\s/.test(s.slice(span[0], span[1]))) return this.text(s);
    const r = applyFindings(s, [{ start: span[0], end: span[1], kind: 'password-assignment' }]);
    this.count(r.hits);
    return r.text;
  }
}
