/**
 * Runbook markdown → HTML, safely.
 *
 * `html: false` is a security requirement: raw HTML in a runbook is shown as
 * text, never parsed. markdown-it's validateLink already refuses
 * javascript:/vbscript:/file:/data: URLs (data: images excepted); we also
 * refuse anything that is not http(s), mailto or a relative/anchor link,
 * and open every link in a new window without an opener.
 *
 * Code blocks are not rendered here: each becomes an empty placeholder
 * that the Markdown component fills with a React <CodeBlock>, so its Copy
 * (and future Run) buttons are real React components.
 */
import MarkdownIt from 'markdown-it';

export interface CodeSlot {
  index: number;
  /** Position among the fenced blocks (the runbook's command blocks, in order); null for an indented block. */
  fence: number | null;
  lang: string;
  info: string;
  text: string;
}

interface Env {
  blocks: CodeSlot[];
  fences: number;
}
/** Spelled via the parser so it works with both the ESM and CJS typings of markdown-it. */
type Token = ReturnType<typeof md.parse>[number];

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const SAFE_URL = /^(?:https?:|mailto:|#|\/(?!\/)|\.{0,2}\/|[^:]*$)/i;
md.validateLink = (url: string) => SAFE_URL.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet('target', '_blank');
  token.attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

function codeSlot(token: Token, env: Env, fenced: boolean): string {
  const info = fenced ? token.info.trim() : '';
  const lang = info.split(/[\s{]/, 1)[0] ?? '';
  const text = token.content.replace(/\n$/, '');
  const index = env.blocks.length;
  env.blocks.push({ index, fence: fenced ? env.fences++ : null, lang, info, text });
  return `<div class="md-code-slot" data-code-index="${index}"></div>\n`;
}

md.renderer.rules.fence = (tokens, idx, _o, env) => codeSlot(tokens[idx]!, env as unknown as Env, true);
md.renderer.rules.code_block = (tokens, idx, _o, env) => codeSlot(tokens[idx]!, env as unknown as Env, false);

// Task-list items ("- [ ] do x") render as a read-only box; the drill view
// shows the interactive checklist separately (from the snapshot).
md.core.ruler.after('inline', 'drillbook-tasks', (state) => {
  const tokens = state.tokens;
  for (let i = 2; i < tokens.length; i++) {
    const inline = tokens[i]!;
    if (inline.type !== 'inline' || tokens[i - 1]!.type !== 'paragraph_open' || tokens[i - 2]!.type !== 'list_item_open') continue;
    const first = inline.children?.[0];
    if (!first || first.type !== 'text') continue;
    const m = /^\[([ xX])\]\s+/.exec(first.content);
    if (!m) continue;
    first.content = first.content.slice(m[0].length);
    const checked = m[1] !== ' ';
    const li = tokens[i - 2]!;
    li.attrJoin('class', 'md-task');
    if (checked) li.attrJoin('class', 'is-checked');
    const box = new state.Token('html_inline', '', 0);
    box.content = `<span class="md-box${checked ? ' is-checked' : ''}" aria-hidden="true"></span>`;
    inline.children!.unshift(box);
  }
});

export function renderMarkdown(source: string): { html: string; blocks: CodeSlot[] } {
  const env: Env = { blocks: [], fences: 0 };
  const html = md.render(source, env as unknown as Record<string, unknown>);
  return { html, blocks: env.blocks };
}
