/**
 * Masks credentials in text before anything leaves Drillbook in an evidence
 * bundle. Pure: patterns in, masked text and per-pattern counts out.
 *
 * Each pattern names the capture group holding the secret, so context stays
 * readable (`password=[REDACTED:password-assignment]`) and an auditor can see
 * what kind of thing was removed without seeing it. The defaults aim at
 * what shows up in restore drills: cloud keys, private key blocks, bearer
 * tokens, `password=` values, connection strings with passwords. Users add
 * their own patterns and switch defaults off in a JSON config (./config.ts).
 */

export interface PatternSpec {
  name: string;
  description: string;
  /** Source of a JavaScript regular expression. */
  regex: string;
  /** Flags besides g and d, which are always on. */
  flags?: string;
  /** Capture group that holds the secret; 0 (default) masks the whole match. */
  group?: number;
  /** Text every match contains (case-sensitive): texts without it skip the pattern, which keeps costly patterns cheap. */
  requires?: string;
}

export interface RedactionPattern {
  name: string;
  description: string;
  regex: RegExp;
  group: number;
  requires?: string;
}

export interface RedactionConfig {
  /** Names of default patterns to switch off. */
  disable?: string[];
  /** Extra patterns, applied after the defaults. */
  patterns?: PatternSpec[];
}

export const MASK_PREFIX = '[REDACTED:';
export const mask = (name: string) => `${MASK_PREFIX}${name}]`;

// Key names whose value is a secret. The key may carry a prefix (PGPASSWORD,
// MYSQL_PWD, db_password) but must END in one of these, so `password_hint`,
// `tokens` and `max_tokens` are left alone.
const SECRET_KEYS =
  'password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|account[_-]?key|shared[_-]?access[_-]?key|credentials?';

const KEY_BLOCK_END = '-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----';

export const DEFAULT_PATTERNS: readonly PatternSpec[] = [
  {
    name: 'private-key',
    description: 'PEM/OpenSSH/PGP private key blocks (also a block cut off at either end, as in an output tail)',
    // BEGIN…END, or BEGIN to the end of the text, or base64 lines ending in an END with no BEGIN.
    regex: `-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?(?:${KEY_BLOCK_END}|(?![\\s\\S]))|(?:^[ \\t]*[A-Za-z0-9+/=]{16,}[ \\t]*\\r?\\n){1,400}[ \\t]*${KEY_BLOCK_END}`,
    flags: 'm',
    requires: 'PRIVATE KEY',
  },
  {
    name: 'aws-access-key-id',
    description: 'AWS access key IDs (AKIA…, ASIA…)',
    regex: '\\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\\b',
  },
  {
    name: 'aws-secret-access-key',
    description: 'AWS secret access keys and session tokens after their usual names',
    regex: '(?:aws_?secret_?access_?key|secret_?access_?key|aws_?session_?token|session_?token)["\']?[ \\t]*[:=][ \\t]*["\']?([A-Za-z0-9/+=]{40,})',
    flags: 'i',
    group: 1,
  },
  {
    name: 'github-token',
    description: 'GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)',
    regex: '\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\\b',
  },
  { name: 'gitlab-token', description: 'GitLab personal access tokens', regex: '\\bglpat-[A-Za-z0-9_-]{20,}' },
  { name: 'slack-token', description: 'Slack tokens (xoxb-, xoxp-, …)', regex: '\\bxox[abposr]-[A-Za-z0-9-]{10,}' },
  { name: 'google-api-key', description: 'Google API keys (AIza…)', regex: '\\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])' },
  { name: 'google-oauth-token', description: 'Google OAuth access tokens (ya29.…)', regex: '\\bya29\\.[0-9A-Za-z_-]{20,}' },
  { name: 'stripe-key', description: 'Stripe secret and restricted keys', regex: '\\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}' },
  { name: 'npm-token', description: 'npm access tokens', regex: '\\bnpm_[A-Za-z0-9]{36}\\b' },
  {
    name: 'jwt',
    description: 'JSON Web Tokens',
    regex: '\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}',
  },
  {
    name: 'bearer-token',
    description: 'Bearer tokens (Authorization: Bearer …)',
    regex: '\\bBearer[ \\t]+([A-Za-z0-9\\-._~+/]{16,}=*)',
    flags: 'i',
    group: 1,
  },
  {
    name: 'authorization-header',
    description: 'Other Authorization header credentials (Basic, Token, Digest)',
    regex: '\\bAuthorization["\']?[ \\t]*[:=][ \\t]*["\']?(?:Basic|Token|Digest|Negotiate)[ \\t]+([^\\s"\']{8,})',
    flags: 'i',
    group: 1,
  },
  {
    name: 'connection-string-password',
    description: 'Passwords in URLs and connection strings (scheme://user:password@host)',
    regex: '\\b[a-z][a-z0-9+.-]{1,30}://[^\\s:/@\'"]*:([^\\s@/\'"]+)@',
    flags: 'i',
    group: 1,
  },
  {
    name: 'password-assignment',
    description: 'Values assigned to password/secret/token/api-key names (password=…, "secret": "…", PGPASSWORD=…, Password=…; in connection strings)',
    regex: `(?<![A-Za-z0-9])[A-Za-z0-9_.-]{0,40}?(?:${SECRET_KEYS})["']?[ \\t]*(?:=(?!=)|:(?!:))[ \\t]*("[^"\\r\\n]*"|'[^'\\r\\n]*'|[^\\s"',;&]+)`,
    flags: 'i',
    group: 1,
  },
  {
    name: 'password-flag',
    description: 'Values of command-line flags like --password VALUE',
    regex: '(?<![A-Za-z0-9-])--(?:password|passwd|pwd|secret|token|api-key)[ \\t]+(?!-)("[^"\\r\\n]*"|\'[^\'\\r\\n]*\'|\\S+)',
    flags: 'i',
    group: 1,
  },
  {
    name: 'azure-sas-signature',
    description: 'Azure shared access signatures (sig=… in a URL)',
    regex: '[?&]sig=([A-Za-z0-9%/+=]{20,})',
    group: 1,
  },
];

export class RedactionConfigError extends Error {}

const NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** Compiles the defaults (minus any disabled) and the config's own patterns; bad config is a one-line error. */
export function compilePatterns(config: RedactionConfig = {}): RedactionPattern[] {
  const disable = new Set(config.disable ?? []);
  for (const name of disable) {
    if (!DEFAULT_PATTERNS.some((p) => p.name === name)) {
      throw new RedactionConfigError(`redaction config: "disable" names "${name}", which is not a default pattern (${DEFAULT_PATTERNS.map((p) => p.name).join(', ')})`);
    }
  }
  const specs = [...DEFAULT_PATTERNS.filter((p) => !disable.has(p.name)), ...(config.patterns ?? [])];
  const seen = new Set<string>();
  return specs.map((spec) => {
    if (typeof spec.name !== 'string' || !NAME.test(spec.name)) {
      throw new RedactionConfigError(`redaction config: pattern name ${JSON.stringify(spec.name)} must be lower-case letters, digits and "-"`);
    }
    if (seen.has(spec.name)) throw new RedactionConfigError(`redaction config: two patterns are named "${spec.name}"`);
    seen.add(spec.name);
    const flags = spec.flags ?? '';
    if (!/^[imsu]*$/.test(flags)) throw new RedactionConfigError(`redaction config: pattern "${spec.name}": flags may only be i, m, s, u`);
    let regex: RegExp;
    try {
      regex = new RegExp(spec.regex, 'gd' + flags);
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
    return { name: spec.name, description: spec.description ?? '', regex, group, ...(typeof spec.requires === 'string' && spec.requires ? { requires: spec.requires } : {}) };
  });
}

export interface RedactResult {
  text: string;
  /** How many values each pattern masked. */
  hits: Record<string, number>;
}

/** Masks every match of every pattern, in order. */
export function redactText(text: string, patterns: readonly RedactionPattern[]): RedactResult {
  const hits: Record<string, number> = {};
  let out = text;
  for (const p of patterns) {
    if (p.requires !== undefined && !out.includes(p.requires)) continue;
    p.regex.lastIndex = 0;
    let result = '';
    let cursor = 0;
    let count = 0;
    for (const m of out.matchAll(p.regex)) {
      const span = m.indices?.[p.group];
      if (!span) continue;
      let [start, end] = span;
      const secret = out.slice(start, end);
      // Keep quotes around a quoted value, mask what is inside.
      if (secret.length >= 2 && (secret[0] === '"' || secret[0] === "'") && secret[secret.length - 1] === secret[0]) {
        start++;
        end--;
      }
      if (end <= start || start < cursor) continue;
      if (out.slice(start, end).startsWith(MASK_PREFIX)) continue; // already masked by an earlier pattern
      result += out.slice(cursor, start) + mask(p.name);
      cursor = end;
      count++;
    }
    if (count > 0) {
      out = result + out.slice(cursor);
      hits[p.name] = (hits[p.name] ?? 0) + count;
    }
  }
  return { text: out, hits };
}

/**
 * Applies one set of patterns across everything exported, keeping a running
 * count per pattern (for the manifest and the report: what kind of thing was
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
    for (const [k, n] of Object.entries(r.hits)) this.hits[k] = (this.hits[k] ?? 0) + n;
    return r.text;
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
      for (const [k, x] of Object.entries(v)) out[k] = this.walk(x);
      return out;
    }
    return v;
  }
}
