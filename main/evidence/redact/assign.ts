/**
 * Values assigned to a name that says "secret", in every common syntax:
 * `KEY=v`, `export KEY=v`, `key: v` (YAML), `"key": "v"` (JSON), `key = v`
 * (INI/TOML), `key := v` (Make, Go), `key ::= v`, `key ?= v`, `key .= v`,
 * `key += v`, `:key => v` (Ruby, PHP), `$cfg['key'] = v`, `var key string =
 * "v"`, `<key>v</key>` (XML), `Password=v;` in connection strings.
 *
 * A secret name ENDS in password, passwd, passphrase, pwd, secret, token,
 * credential(s), auth, api key, or `_KEY`/`-KEY`/`.key`/camelCase `Key`
 * (`DB_PASSWORD`, `apiKey`, `GITLAB_AUTH`, `tls.key`), so `password_hint`,
 * `max_tokens`, `KeyName` and `AccessKeyId` are left alone.
 *
 * Values that are not secrets are left alone too: references (`$PGPASSWORD`,
 * `${X}`, `{{X}}`, `%X%`), calls (`getenv(…)`), paths, placeholders and
 * words like `true`, `none`, `new`, `required` (so `credentials: new` in a
 * log line stays).
 */
import type { Finding } from './types';

// Name OP value. The name is checked in code (camelCase needs case), the operator here.
const ASSIGNMENT = new RegExp(
  String.raw`(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_.\-]{0,80})(?:["'\]]{1,3})?` + // name, maybe quoted or ['name']
    String.raw`(?:[ \t]+(?:string|str|String|\[\]byte|char\*))?[ \t]*` + // Go/Java type
    String.raw`(::=|:=|\?=|\.=|\+=|\|\|=|=>|=(?![=~>])|:(?![:/\\]))[ \t]*` +
    String.raw`(?:\[(?:"|')?)?` + // ['value'] (arrays of one)
    '(`[^`\\r\\n]*`|"(?:[^"\\\\\\r\\n]|\\\\.)*"|\'[^\'\\r\\n]*\'|[^\\s"\'`,;&<>(){}\\[\\]]+)',
  'g',
);

const NAME_END =
  /(?:password|passwd|passphrase|pwd|secret|secrets|token|credential|credentials|auth|authkey|apikey|api_key|api-key|accesskey|access_key|privatekey|private_key|secretkey|secret_key|pass)$/i;
const KEY_END = /(?:[_.-]key|[a-z0-9]Key|KEY)$/; // DB_KEY, tls.key, apiKey, SIGNINGKEY
const NOT_SECRET_NAME = /(?:^|[_.-])(?:hint|prompt|length|policy|file|path|dir|url|uri|name|id|type|expiry|expires|ttl|enabled|required|count)$/i;

export function isSecretName(raw: string): boolean {
  const name = raw.replace(/^[-$:@]+/, '');
  if (name.length < 3 && !/^pw$/i.test(name)) return false;
  if (NOT_SECRET_NAME.test(name)) return false;
  if (/^key$/i.test(name)) return false; // `key: value` in a listing is not a secret
  if (/pass$/i.test(name) && !/(?:^|[_.-])pass$|^pass$|Pass$/.test(name)) return false; // bypass, compass
  if (/auth$/i.test(name) && /oauth$/i.test(name) === false && /[a-z]auth$/.test(name) && !/(?:^|[_.-])auth$|Auth$/.test(name)) return false;
  return NAME_END.test(name) || KEY_END.test(name);
}

const WORDS = new Set(
  'true false null nil none undefined new yes no on off required optional empty set unset hidden masked redacted string str bytes int value values default ok found missing present valid invalid expired rotated updated created changed deleted generated provided given used ignored disabled enabled auto prompt ask stdin env file the a an is was not to be here below above'.split(' '),
);

/** The quoted value's inner span, or the bare value's; null when the value is not a secret. */
export function secretValueSpan(text: string, start: number, end: number): [number, number] | null {
  let s = start;
  let e = end;
  const q = text[s];
  if ((q === '"' || q === "'" || q === '`') && e - s >= 2 && text[e - 1] === q) {
    s++;
    e--;
  }
  if (e <= s) return null;
  const v = text.slice(s, e);
  if (v.startsWith('[REDACTED:') || v === '[secret]') return null;
  if (/^(?:\$|%[A-Za-z_]|\{\{|<%|#\{|@\{|&\{)/.test(v)) return null; // a reference, not the value
  if (/^\*+$|^x{3,}$|^\.{3}$|^…$/i.test(v)) return null; // already masked by the tool that printed it
  if (/^<[^>]*>$/.test(v)) return null; // <your-password>
  if (WORDS.has(v.toLowerCase())) return null;
  if (/^[A-Z][A-Z_]{3,}$/.test(v) && /_|TOKEN|PASSWORD|SECRET|KEY/.test(v)) return null; // YOUR_TOKEN, ACCESS_TOKEN: a placeholder
  if (/^(?:\/|~\/|\.\.?\/|[A-Za-z]:\\)/.test(v)) return null; // a path
  if (text[end] === '(' || text[end] === '.' && /^[A-Za-z_]\w*$/.test(v) && /^\.[A-Za-z_]\w*\(/.test(text.slice(end, end + 40))) return null; // a call
  return [s, e];
}

/** Key-name assignments. */
export function findAssignments(text: string, report: (f: Finding) => void): void {
  const re = new RegExp(ASSIGNMENT.source, 'gd');
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const name = m[1]!;
    const idx = m.indices!;
    // `scheme://user:password@host` is a URL's business (connection-string-password), not an assignment.
    const inUrl = text.slice(Math.max(0, m.index - 3), m.index) === '://';
    if (inUrl || !isSecretName(name)) {
      // Try again just after the name: `--from-literal=password=x` holds a secret name later on.
      re.lastIndex = idx[1]![1] + 1;
      continue;
    }
    const [vs, ve] = idx[3]!;
    const span = secretValueSpan(text, vs, ve);
    if (span) report({ start: span[0], end: span[1], kind: 'password-assignment' });
    re.lastIndex = Math.max(ve, m.index + 1);
  }
}

const XML_ELEMENT = /<([A-Za-z_][\w.:-]{0,60})(?:[ \t][^<>]*)?>([^<>\r\n]{1,1000})<\/\1>/g;
const XML_KEY_VALUE = /\b(?:key|name)=["']([^"'<>]{1,80})["'][ \t]+value=["']([^"'<>\r\n]*)["']/gd;

/** `<password>v</password>`, `<add key="Password" value="v"/>`. */
export function findXmlSecrets(text: string, report: (f: Finding) => void): void {
  const el = new RegExp(XML_ELEMENT.source, 'gd');
  for (const m of text.matchAll(el)) {
    if (!isSecretName(m[1]!.split(':').pop()!)) continue;
    const [s, e] = m.indices![2]!;
    const span = secretValueSpan(text, s, e);
    if (span) report({ start: span[0], end: span[1], kind: 'password-assignment' });
  }
  for (const m of text.matchAll(XML_KEY_VALUE)) {
    if (!isSecretName(m[1]!)) continue;
    const [s, e] = m.indices![2]!;
    const span = secretValueSpan(text, s, e);
    if (span) report({ start: span[0], end: span[1], kind: 'password-assignment' });
  }
}

const HTPASSWD = /\bhtpasswd((?:[ \t]+-[A-Za-z]+)+)((?:[ \t]+(?:"[^"\r\n]*"|'[^'\r\n]*'|[^\s"'|;&]+)){2,3})/dg;

/** `htpasswd -b FILE USER PASSWORD`, `htpasswd -nb USER PASSWORD`. */
export function findHtpasswd(text: string, report: (f: Finding) => void): void {
  for (const m of text.matchAll(HTPASSWD)) {
    const flags = m[1]!.replace(/[ \t-]/g, '');
    if (!flags.includes('b')) continue;
    const want = flags.includes('n') ? 2 : 3;
    const argsStart = m.indices![2]![0];
    const args = [...m[2]!.matchAll(/(?:"[^"\r\n]*"|'[^'\r\n]*'|[^\s"'|;&]+)/dg)];
    const pw = args[want - 1];
    if (!pw) continue;
    const [s, e] = pw.indices![0]!;
    const span = secretValueSpan(text, argsStart + s, argsStart + e);
    if (span) report({ start: span[0], end: span[1], kind: 'htpasswd-password' });
  }
}
