/**
 * Vendor token formats from a maintained rule library: secretlint's
 * recommended preset (@secretlint/secretlint-rule-preset-recommend, 24
 * scanners: AWS, GCP, GitHub, GitLab, Slack, SendGrid, OpenAI, Anthropic,
 * Hugging Face, Vault, Databricks, npm, 1Password, …), kept up to date by
 * its authors instead of by us.
 *
 * Why the rules and not @secretlint/core's lintSource: core 12.1+ needs
 * Node 22 (we support 20), and lintSource is asynchronous and file-shaped
 * (line/column per report), while redaction runs synchronously on stream
 * chunks (console, JUnit). Each rule is driven through secretlint's public
 * rule API (`create(context).file(source)`), which is synchronous; the
 * preset is pinned to 12.0.0, the last release that supports Node 20.
 * Measured: all 24 scanners over 10 MB of restore output take 160 ms.
 *
 * Left out: filter-comments (a `secretlint-disable` comment printed by a
 * drill must not switch redaction off).
 */
import type { Finding } from './types';
import { slackShaped } from './patterns';

interface SecretlintReport {
  range: readonly [number, number];
}
interface SecretlintRule {
  meta: { id: string };
  create(context: unknown, options: unknown): { file?: (source: unknown) => void };
}

// The preset is an ES module; Node 20.19+ and Electron load it with require().
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see the line above
const preset = require('@secretlint/secretlint-rule-preset-recommend') as { creator: { rules: SecretlintRule[] } };

const SKIP = new Set(['@secretlint/secretlint-rule-filter-comments']);

/** `[REDACTED:…]` name of a library rule: its id without the package prefix. */
export function libraryRuleName(id: string): string {
  return id.replace(/^@secretlint\/secretlint-rule-/, '');
}

/**
 * Lower-case words every finding of a rule contains (read off each rule's
 * patterns), so a window without any of them skips the rule. A rule the
 * table does not know runs everywhere.
 */
const KEYWORDS: Record<string, readonly string[]> = {
  aws: ['a3t', 'akia', 'agpa', 'aida', 'aroa', 'aipa', 'anpa', 'anva', 'asia', 'secret', 'account'],
  gcp: ['private', 'service_account'],
  privatekey: ['private key'],
  npm: ['npm_', '_authtoken', 'x-oauth-basic'],
  basicauth: ['://'],
  slack: ['xox', 'xapp', 'hooks.slack.com'],
  sendgrid: ['sg.'],
  shopify: ['shp'],
  github: ['gh', 'github_pat', 'x-oauth-basic'],
  gitlab: ['glpat-'],
  grafana: ['glc_', 'glsa_'],
  openai: ['t3blbkfj'],
  anthropic: ['sk-ant-'],
  groq: ['gsk_'],
  huggingface: ['hf_'],
  linear: ['lin_api_'],
  notion: ['ntn_', 'secret_'],
  '1password': ['ops_'],
  'database-connection-string': ['://'],
  'hashicorp-vault': ['hvs.', 'hvb.', 'hvr.'],
  vercel: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'],
  databricks: ['dapi'],
  docker: ['dckr_pat_'],
  figma: ['figd_'],
};

export interface LibraryRule {
  name: string;
  id: string;
  requiresAny?: readonly string[];
  find(text: string, report: (f: Finding) => void): void;
}

// URL credentials are reported with the whole URL; only the password goes.
const URL_PASSWORD = /:\/\/[^\s:/@'"]*:([^\s@/'"]+)@/d;

function narrow(text: string, start: number, end: number): [number, number] {
  const m = URL_PASSWORD.exec(text.slice(start, end));
  const span = m?.indices?.[1];
  return span ? [start + span[0], start + span[1]] : [start, end];
}

/**
 * Findings a rule over-reports, checked once more. The Slack rule takes any
 * `xoxo-word-word` (a file name `xoxo-party-2024.tar`); a real token has a
 * long digit group or a long random part.
 */
const CONFIRM: Record<string, (token: string) => boolean> = { slack: slackShaped };

/** One object per rule of the preset, each created once (rules keep no per-file state). */
export function libraryRules(): LibraryRule[] {
  return preset.creator.rules
    .filter((r) => !SKIP.has(r.meta.id))
    .map((rule) => {
      const name = libraryRuleName(rule.meta.id);
      let sink: ((r: SecretlintReport) => void) | null = null;
      const context = {
        createTranslator: () => (key: string) => key,
        report: (r: SecretlintReport) => sink?.(r),
        ignore: () => {},
        getSourceFilePath: () => undefined,
        sharedOptions: {},
      };
      const handlers = rule.create(context, {});
      const confirm = CONFIRM[name];
      return {
        name,
        id: rule.meta.id,
        ...(KEYWORDS[name] ? { requiresAny: KEYWORDS[name] } : {}),
        find(text: string, report: (f: Finding) => void) {
          if (!handlers.file) return;
          sink = (r) => {
            const [s, e] = narrow(text, r.range[0], r.range[1]);
            if (confirm && !confirm(text.slice(s, e))) return;
            if (e > s) report({ start: s, end: e, kind: name });
          };
          try {
            handlers.file({ content: text, filePath: undefined, ext: '', contentType: 'text' });
          } finally {
            sink = null;
          }
        },
      };
    });
}
