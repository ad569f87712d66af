/**
 * xterm.js as Drillbook uses it: fit (size to the panel), search,
 * clickable links, and the WebGL renderer with a fallback to the DOM
 * renderer when WebGL is unavailable or its context is lost.
 */
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import '@xterm/xterm/css/xterm.css';

export interface XtermHandle {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  /** Which renderer is drawing (the WebGL one, or the DOM fallback). */
  renderer(): 'webgl' | 'dom';
  dispose(): void;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function terminalTheme(): ITheme {
  const dark = (document.documentElement.dataset.theme ?? 'dark') !== 'light';
  return {
    background: cssVar('--code-bg', dark ? '#0f1317' : '#f6f7f9'),
    foreground: cssVar('--text', dark ? '#e4e7eb' : '#161a1f'),
    cursor: cssVar('--accent', '#5b8def'),
    cursorAccent: cssVar('--code-bg', '#0f1317'),
    selectionBackground: cssVar('--selection', 'rgba(91,141,239,0.3)'),
    ...(dark
      ? {}
      : {
          black: '#1f2328',
          white: '#6e7781',
          brightWhite: '#8c959f',
          yellow: '#9a6700',
          brightYellow: '#7d4e00',
        }),
  };
}

let gpuWebgl: boolean | null = null;

/**
 * WebGL2 backed by a GPU. A software implementation (SwiftShader, llvmpipe:
 * headless browsers, VMs, GPU blocklists) renders xterm.js far slower than
 * the DOM renderer and starves the parser, so it counts as no WebGL.
 */
export function hasGpuWebgl(): boolean {
  if (gpuWebgl !== null) return gpuWebgl;
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2');
    if (!gl) return (gpuWebgl = false);
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    gpuWebgl = !/swiftshader|llvmpipe|softpipe|software|basic render/i.test(name);
  } catch {
    gpuWebgl = false;
  }
  return gpuWebgl;
}

/** Which renderer to use: 'auto' (WebGL only when a GPU backs it), or one forced for a comparison. */
export type RendererChoice = 'auto' | 'webgl' | 'dom';

/** localStorage key that forces a renderer ('webgl' or 'dom'): lets the terminal bench measure both on one machine. */
export const RENDERER_KEY = 'drillbook.terminal.renderer';

export function rendererChoice(): RendererChoice {
  try {
    const v = globalThis.localStorage?.getItem(RENDERER_KEY);
    return v === 'webgl' || v === 'dom' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

export function createXterm(container: HTMLElement, opts: { readOnly?: boolean; scrollback?: number; renderer?: RendererChoice } = {}): XtermHandle {
  const term = new Terminal({
    allowProposedApi: true,
    cursorBlink: !opts.readOnly,
    disableStdin: !!opts.readOnly,
    convertEol: false,
    fontFamily: 'ui-monospace, "JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: 13,
    lineHeight: 1.15,
    scrollback: opts.scrollback ?? 10_000,
    theme: terminalTheme(),
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  // Links open outside the app (Electron routes window.open to the system browser).
  term.loadAddon(new WebLinksAddon((_e, uri) => window.open(uri, '_blank', 'noopener,noreferrer')));
  term.open(container);

  let webgl: WebglAddon | null = null;
  const choice = opts.renderer ?? rendererChoice();
  try {
    if (choice === 'dom' || (choice === 'auto' && !hasGpuWebgl())) throw new Error('no GPU-backed WebGL2');
    webgl = new WebglAddon();
    webgl.onContextLoss(() => {
      // The GPU went away (driver reset, too many contexts): keep going on the DOM renderer.
      webgl?.dispose();
      webgl = null;
    });
    term.loadAddon(webgl);
  } catch {
    webgl?.dispose();
    webgl = null; // no WebGL2 here: the DOM renderer is already in place
  }
  try {
    fit.fit();
  } catch {
    /* not laid out yet */
  }
  return {
    term,
    fit,
    search,
    renderer: () => (webgl ? 'webgl' : 'dom'),
    dispose: () => {
      webgl?.dispose();
      term.dispose();
    },
  };
}
