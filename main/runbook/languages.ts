/**
 * What a fenced block's language means for running it, as Runme decides it:
 * shells run in bash, `python`/`node`/... with their interpreter, and data or
 * output (`json`, `yaml`, `text`, `output` ...) is shown, never run.
 * Shared by the parser (which warns only about runnable blocks left outside
 * the steps) and the runner's planning (main/runbook/plan.ts).
 */

/** Languages that are data or output, never a program: shown, not run. */
const NOT_RUN = new Set([
  'text', 'txt', 'plain', 'plaintext', 'output', 'out', 'log', 'logs', 'json', 'jsonc', 'json5', 'yaml', 'yml',
  'toml', 'xml', 'html', 'css', 'csv', 'tsv', 'ini', 'conf', 'cfg', 'properties', 'diff', 'patch', 'markdown', 'md',
  'mdx', 'hcl', 'tf', 'terraform', 'dockerfile', 'nginx', 'apache', 'mermaid', 'svg', 'graphql', 'proto', 'none',
  'sql', 'console-output', 'env', 'dotenv',
]);

/** Shell languages, run by the block's shell (bash unless `shell:`/`interpreter` says otherwise). */
const SHELLS = new Set(['', 'sh', 'bash', 'shell', 'zsh', 'console', 'shellscript', 'shell-session', 'shellsession', 'terminal', 'cmd-bash']);

/** Other languages Runme runs with an interpreter: argv before the script file. */
const INTERPRETERS: Record<string, string[]> = {
  python: ['python3'],
  python3: ['python3'],
  py: ['python3'],
  node: ['node'],
  js: ['node'],
  javascript: ['node'],
  ruby: ['ruby'],
  rb: ['ruby'],
  perl: ['perl'],
  pl: ['perl'],
  php: ['php'],
  lua: ['lua'],
  fish: ['fish'],
  zsh: ['zsh'],
  pwsh: ['pwsh', '-NoProfile', '-File'],
  powershell: ['pwsh', '-NoProfile', '-File'],
  ps1: ['pwsh', '-NoProfile', '-File'],
};

export type LanguageKind = { kind: 'shell' } | { kind: 'interpreter'; argv: string[] } | { kind: 'data' } | { kind: 'unknown' };

export function languageKind(lang: string): LanguageKind {
  const l = lang.toLowerCase();
  if (SHELLS.has(l)) return { kind: 'shell' };
  if (NOT_RUN.has(l)) return { kind: 'data' };
  const argv = INTERPRETERS[l];
  if (argv) return { kind: 'interpreter', argv };
  return { kind: 'unknown' };
}

/** Whether a block of this language is something an operator would run (shell or interpreter). */
export function languageRuns(lang: string): boolean {
  const kind = languageKind(lang).kind;
  return kind === 'shell' || kind === 'interpreter';
}
