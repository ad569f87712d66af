/**
 * Built-in regular-expression rules: token formats the rule library
 * (./library.ts) misses or matches too narrowly, and the command lines of
 * restore work that carry a password (`mysqldump -pS3cret`, `sshpass -p`,
 * `docker login -p`, `curl -u user:pass`, …). Each names the capture group
 * holding the secret, so the context stays readable:
 * `mysql -u root -p'[REDACTED:mysql-password-flag]'`.
 */

export interface PatternSpec {
  name: string;
  description: string;
  /** Source of a JavaScript regular expression. */
  regex: string;
  /** Flags besides g and d, which are always on. */
  flags?: string;
  /** Capture group that holds the secret (the first one that took part, from this one on); 0 (default) masks the whole match. */
  group?: number;
  /** Text every match contains (case-sensitive): texts without it skip the pattern, which keeps costly patterns cheap. */
  requires?: string;
  /** Built-in patterns only: lower-case words one of which every match's text contains (a cheap first look). */
  requiresAny?: readonly string[];
  /** Built-in patterns only: a second look at what matched (false drops it). */
  confirm?: (secret: string) => boolean;
}

/**
 * A Slack token has two long parts (a digit group of 8+, or 16+ characters with a digit) or one of
 * 40+: `xoxb-xoxb-my-bot-token`, `xoxp-1234-1234-1234-…` and `xoxo-party-2024.tar` do not.
 */
export function slackShaped(token: string): boolean {
  const parts = token.split(/[-.]/);
  const long = parts.filter((p) => /^\d{8,}$/.test(p) || (p.length >= 16 && /\d/.test(p))).length;
  return long >= 2 || parts.some((p) => p.length >= 40);
}

// A value on a command line: quoted, or up to the next blank.
const ARG = `((?:"[^"\\r\\n]*"|'[^'\\r\\n]*'|[^\\s"'])+)`;
const ARG_NO_DASH = `((?:"[^"\\r\\n]*"|'[^'\\r\\n]*'|[^\\s"'-])(?:"[^"\\r\\n]*"|'[^'\\r\\n]*'|[^\\s"'])*)`;
// The rest of a command line (continued with a backslash too), not past a pipe or another command.
const SAME_CMD = `(?:[^\\r\\n|;&\\\\]|\\\\\\r?\\n|\\\\)*?`;

export const DEFAULT_PATTERNS: readonly PatternSpec[] = [
  // ---- token formats ------------------------------------------------------------------
  {
    name: 'aws-access-key-id',
    description: 'AWS access key IDs (AKIA…, ASIA…)',
    regex: '\\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\\b',
  },
  {
    name: 'aws-secret-access-key',
    requiresAny: ['secret', 'session'],
    description: 'AWS secret access keys and session tokens after their usual names',
    regex: '(?:aws_?secret_?access_?key|secret_?access_?key|aws_?session_?token|session_?token)["\']?[ \\t]*[:=][ \\t]*["\']?([A-Za-z0-9/+=]{40,})',
    flags: 'i',
    group: 1,
  },
  {
    name: 'github-token',
    requiresAny: ['gh', 'github_pat_'],
    description: 'GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)',
    regex: '\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\\b',
  },
  {
    name: 'gitlab-token',
    requiresAny: ['gl', 'gr1348941'],
    description: 'GitLab tokens: personal, deploy, runner, pipeline trigger, feed, mail, agent, CI job, SCIM, OAuth, feature-flag, runner registration',
    regex: '\\b(?:(?:glpat|gldt|glrt|glptt|glft|glimt|glagent|glcbt|glsoat|gloas|glffct|glsa)-[0-9A-Za-z_.-]{20,}|GR1348941[0-9A-Za-z_-]{20,})',
  },
  {
    name: 'slack-token',
    requiresAny: ['xox', 'xapp'],
    description: 'Slack tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxe-, xapp-, legacy xoxo-/xoxs- with their digit groups)',
    regex: '\\b(?:xox[abpre](?:\\.xox[abp])?-[A-Za-z0-9-]{10,}|xapp-\\d-[A-Z0-9]+-\\d+-[A-Za-z0-9]+|xox[os]-\\d+-\\d+-\\d+-[a-fA-F\\d]+)',
    confirm: slackShaped,
  },
  {
    name: 'slack-webhook',
    description: 'Slack incoming-webhook, workflow and trigger URLs (the secret path)',
    regex: 'hooks\\.slack\\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/_-]{20,})',
    group: 1,
    requires: 'hooks.slack.com',
  },
  { name: 'google-api-key', description: 'Google API keys (AIza…)', regex: '\\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])', requiresAny: ['aiza'] },
  { name: 'google-oauth-token', description: 'Google OAuth access tokens (ya29.…)', regex: '\\bya29\\.[0-9A-Za-z_-]{20,}', requiresAny: ['ya29.'] },
  { name: 'stripe-key', description: 'Stripe secret and restricted keys', regex: '\\b(?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{16,}', requiresAny: ['sk_', 'rk_'] },
  { name: 'npm-token', description: 'npm access tokens', regex: '\\bnpm_[A-Za-z0-9]{36}\\b', requiresAny: ['npm_'] },
  { name: 'openai-api-key', description: 'OpenAI API keys (sk-proj-, sk-svcacct-, sk-admin-, legacy sk-…T3BlbkFJ…)', regex: '\\bsk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})', requiresAny: ['sk-'] },
  { name: 'anthropic-api-key', description: 'Anthropic API and admin keys (sk-ant-…)', regex: '\\bsk-ant-[a-z0-9]{3,8}-[A-Za-z0-9_-]{20,}', requiresAny: ['sk-ant-'] },
  { name: 'sendgrid-api-key', description: 'SendGrid API keys (SG.….…)', regex: '\\bSG\\.(?:[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}|[A-Za-z0-9=_.-]{66}(?![A-Za-z0-9=_.-]))', requiresAny: ['sg.'] },
  { name: 'gitlab-session-cookie', description: 'GitLab session cookies', regex: '_gitlab_session=([0-9a-z]{32})\\b', group: 1, requires: '_gitlab_session' },
  { name: 'clojars-token', description: 'Clojars deploy tokens', regex: '\\bCLOJARS_[a-z0-9]{60}\\b', flags: 'i', requiresAny: ['clojars_'] },
  { name: 'twilio-api-key', description: 'Twilio API key SIDs with their secret (SK + 32 hex)', regex: '\\bSK[0-9a-fA-F]{32}\\b', requiresAny: ['sk'] },
  { name: 'pypi-token', description: 'PyPI upload tokens', regex: '\\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}', requiresAny: ['pypi-'] },
  { name: 'vault-token', description: 'HashiCorp Vault service, batch and recovery tokens (hvs., hvb., hvr.)', regex: '\\bhv[sbr]\\.[A-Za-z0-9_-]{24,}', requiresAny: ['hvs.', 'hvb.', 'hvr.'] },
  { name: 'huggingface-token', description: 'Hugging Face user and organisation tokens', regex: '\\b(?:hf_[A-Za-z]{34}|api_org_[A-Za-z]{34})\\b', requiresAny: ['hf_', 'api_org_'] },
  { name: 'digitalocean-token', description: 'DigitalOcean personal, OAuth and refresh tokens', regex: '\\bdo[opr]_v1_[a-f0-9]{64}\\b', requiresAny: ['_v1_'] },
  { name: 'databricks-token', description: 'Databricks personal access tokens', regex: '\\bdapi[a-f0-9]{32}(?:-\\d)?\\b', requiresAny: ['dapi'] },
  {
    name: 'azure-ad-client-secret',
    description: 'Azure AD (Entra ID) application client secrets (…Q~…)',
    regex: '(?<![A-Za-z0-9_~.-])[a-zA-Z0-9_~.]{3}\\dQ~[a-zA-Z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])',
    requires: 'Q~',
  },
  {
    name: 'jwt',
    requiresAny: ['eyj'],
    description: 'JSON Web Tokens',
    regex: '\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}',
  },
  {
    name: 'bearer-token',
    requiresAny: ['bearer'],
    description: 'Bearer tokens (Authorization: Bearer …)',
    regex: '\\bBearer[ \\t]+([A-Za-z0-9\\-._~+/]{16,}=*)',
    flags: 'i',
    group: 1,
  },
  {
    name: 'authorization-header',
    requiresAny: ['authorization'],
    description: 'Other Authorization header credentials (Basic, Token, Digest)',
    regex: '\\bAuthorization["\']?[ \\t]*[:=][ \\t]*["\']?(?:(?:Basic|Token|Api-Token|Digest|Negotiate|Bearer)[ \\t]+)?([^\\s"\']{8,})',
    flags: 'i',
    group: 1,
  },
  {
    name: 'connection-string-password',
    description: 'Passwords in URLs and connection strings (scheme://user:password@host)',
    regex: '\\b[a-z][a-z0-9+.-]{1,30}://[^\\s:/@\'"]*:([^\\s@/\'"]+)@',
    flags: 'i',
    group: 1,
    requires: '://',
  },
  {
    name: 'azure-sas-signature',
    description: 'Azure shared access signatures (sig=… in a URL)',
    regex: '[?&]sig=([A-Za-z0-9%/+=]{20,})',
    group: 1,
    requires: 'sig=',
  },
  // ---- restore work: passwords on command lines -----------------------------------------
  {
    name: 'password-flag',
    requiresAny: ['--'],
    description: 'Values of command-line flags like --password VALUE',
    regex: `(?<![A-Za-z0-9-])--(?:password|passwd|pwd|pass|secret|token|api-key|apikey|access-token|auth-token|client-secret|secret-key|access-key)[ \\t]+${ARG_NO_DASH}`,
    flags: 'i',
    group: 1,
  },
  {
    name: 'mysql-password-flag',
    description: 'mysql/mysqldump/mariadb -pPASSWORD (the password glued to -p)',
    regex: `\\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlpump|mysqlshow|mysqlbinlog|mysqlsh|mariadb|mariadb-dump|mariadb-admin|mariadb-import|mariadb-check)\\b${SAME_CMD}(?<=[ \\t])-p${ARG}`,
    group: 1,
    requires: '-p',
  },
  {
    name: 'sshpass-password',
    description: 'sshpass -p PASSWORD',
    regex: `\\bsshpass\\b${SAME_CMD}(?<=[ \\t])-p[ \\t]*${ARG}`,
    group: 1,
    requires: 'sshpass',
  },
  {
    name: 'registry-login-password',
    description: 'docker/podman/helm/skopeo login -p PASSWORD (or --password PASSWORD)',
    regex: `\\b(?:docker|podman|nerdctl|buildah|skopeo|helm|oras|crane)\\b${SAME_CMD}\\blogin\\b${SAME_CMD}(?<=[ \\t])(?:-p|--password)(?:[ \\t]+|=)?${ARG_NO_DASH}`,
    group: 1,
    requires: 'login',
  },
  {
    name: 'url-tool-credentials',
    requiresAny: ['curl', 'wget', 'http', 'lftp', 'xh'],
    description: 'curl/wget -u USER:PASSWORD (also --user, --proxy-user)',
    regex: `\\b(?:curl|wget|http|https|lftp|xh)\\b${SAME_CMD}(?<=[ \\t])(?:-u|--user|--proxy-user|-U)(?:[ \\t]*|=)(?:"[^"\\s:]*:([^"\\r\\n]+)"|'[^'\\s:]*:([^'\\r\\n]+)'|[^\\s:"']*:'([^'\\r\\n]+)'|[^\\s:"']*:"([^"\\r\\n]+)"|[^\\s:"']*:([^\\s"']+))`,
    group: 1,
  },
  {
    name: 'redis-cli-password',
    description: 'redis-cli -a PASSWORD',
    regex: `\\bredis-cli\\b${SAME_CMD}(?<=[ \\t])(?:-a|--pass)[ \\t]+${ARG_NO_DASH}`,
    group: 1,
    requires: 'redis-cli',
  },
  {
    name: 'mongo-password-flag',
    description: 'mongosh/mongodump/mongorestore -p PASSWORD',
    regex: `\\bmongo(?:sh|dump|restore|export|import|stat|top)?\\b${SAME_CMD}(?<=[ \\t])-p[ \\t]+${ARG_NO_DASH}`,
    group: 1,
    requires: 'mongo',
  },
  {
    name: 'sqlcmd-password-flag',
    description: 'sqlcmd/bcp -P PASSWORD',
    regex: `\\b(?:sqlcmd|bcp|osql|isql)\\b${SAME_CMD}(?<=[ \\t])-P[ \\t]*${ARG_NO_DASH}`,
    group: 1,
    requires: '-P',
  },
  {
    name: 'openssl-pass',
    description: 'openssl -pass/-passin/-passout pass:PASSWORD',
    regex: `(?<=[ \\t])-pass(?:in|out)?[ \\t]+pass:${ARG}`,
    group: 1,
    requires: 'pass:',
  },
  {
    name: 'aws-configure-secret',
    description: 'aws configure set …secret…/…token… VALUE',
    regex: '\\baws[ \\t]+configure[ \\t]+set[ \\t]+\\S*(?:secret|token|password)\\S*[ \\t]+(\\S+)',
    flags: 'i',
    group: 1,
    requires: 'configure',
  },
  {
    name: 'pgpass-entry',
    description: 'Lines of a .pgpass file (host:port:database:user:password)',
    regex: '^[ \\t]*[A-Za-z0-9_.*-]+:(?:\\d{1,5}|\\*):[^:\\s]+:[^:\\s]+:([^\\s]+)[ \\t]*$',
    flags: 'm',
    group: 1,
  },
];
