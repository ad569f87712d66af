/**
 * The import graph of main/ and renderer/, and the rules the architecture test
 * holds it to (test/unit/architecture.test.ts).
 *
 * Imports are read with a real parser (oxc, through rolldown, which vite
 * already runs on every file of the renderer; TypeScript 7 has no JavaScript
 * parsing API): `import`, `import type`, `export … from`, `export type … from`
 * and `import('…')`, never a regular expression over the text, so a string or
 * a comment that looks like an import is not one. Issue 14 measured the cost of
 * going without: one folder-level cycle through six of main/'s folders, and a
 * renderer that type-checked 57 main/ files and @types/node.
 *
 * The checker is a pure function of the edges, so the test can feed it a graph
 * with a cycle put back and see it fail.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import type * as Rolldown from 'rolldown/utils' with { 'resolution-mode': 'import' };

// rolldown is ESM-only; Node 20.19+ (and tsx) load it with require(), which keeps this helper synchronous.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous load of an ESM-only package (above)
const { parseSync } = require('rolldown/utils') as typeof Rolldown;

export interface ImportEdge {
  /** Repo-relative path of the importing file. */
  from: string;
  /** Repo-relative path of the imported file (relative imports only). */
  to: string;
  typeOnly: boolean;
}

/**
 * main/'s layers, lowest first. A folder imports only folders of a lower layer,
 * never one beside it or above. `(root)` is the files directly in main/
 * (version.ts).
 */
export const MAIN_LAYERS: readonly (readonly string[])[] = [
  ['common', '(root)'],
  ['runbook', 'store'],
  ['ssh', 'drill'],
  ['history', 'terminal'],
  ['evidence'],
  ['runner', 'team'],
  ['api'],
  ['web'],
  ['cli', 'desktop'],
];

/** The hosts: the only folders that may import main/api/core.ts (the dispatch), which they adapt thinly. */
export const HOSTS = ['cli', 'web', 'desktop'];

/**
 * What the renderer may import from main/, besides anything in main/common/:
 * the API contract and model files that hold types and pure functions only.
 * Everything they import must be on this list too (or in common/), so the
 * renderer's type-check never reaches Node code.
 */
export const RENDERER_MAY_IMPORT = [
  'main/api/contract.ts',
  // The contract's client half: applies the patches wire.ts sends (pure; types from the contract and drill/model only).
  'main/api/mirror.ts',
  'main/drill/model.ts',
  // The typed event catalogue: payload types per event type, and one pure reader (runMessage).
  'main/drill/events.ts',
  'main/drill/headline.ts',
  'main/history/model.ts',
  'main/history/ticks.ts',
  'main/runbook/model.ts',
  'main/runbook/describe.ts',
  'main/store/model.ts',
  'main/terminal/types.ts',
  // The team server's answers (types only), read by the React app's team mode (renderer/team/), and the role table
  // (pure, imports nothing) so the pages hide what a role cannot call with the same table the server enforces.
  'main/team/model.ts',
  'main/team/roles.ts',
];

const SOURCE = /\.(ts|tsx|mts|cts)$/;

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every import of one file's text: the specifier and whether only types come through it. */
export function importsOf(file: string, code: string): { spec: string; typeOnly: boolean }[] {
  const parsed = parseSync(file, code);
  if (parsed.errors.length > 0) throw new Error(`${file}: cannot be parsed: ${parsed.errors[0]?.message ?? 'unknown error'}`);
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const imp of parsed.module.staticImports) {
    const typeOnly = imp.entries.length > 0 && imp.entries.every((e) => e.isType);
    out.push({ spec: imp.moduleRequest.value, typeOnly });
  }
  for (const exp of parsed.module.staticExports) {
    for (const e of exp.entries) if (e.moduleRequest) out.push({ spec: e.moduleRequest.value, typeOnly: e.isType });
  }
  for (const dyn of parsed.module.dynamicImports) {
    const text = code.slice(dyn.moduleRequest.start, dyn.moduleRequest.end);
    const literal = /^(['"`])([^'"`$]*)\1$/.exec(text);
    // A computed import('…' + x) cannot be checked: name it so the test fails and someone looks.
    out.push({ spec: literal ? literal[2]! : `<computed import(${text})>`, typeOnly: false });
  }
  return out;
}

function resolve(root: string, fromAbs: string, spec: string): string | null {
  if (spec.startsWith('<computed')) return spec;
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(fromAbs), spec).replace(/\.js$/, '');
  for (const c of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')]) {
    if (existsSync(c) && statSync(c).isFile()) return path.relative(root, c).split(path.sep).join('/');
  }
  return `<unresolved ${spec}>`;
}

/** The relative-import edges of every source file under `dirs` (repo-relative). */
export function importGraph(root: string, dirs: string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const dir of dirs) {
    for (const abs of walk(path.join(root, dir), [])) {
      const from = path.relative(root, abs).split(path.sep).join('/');
      for (const { spec, typeOnly } of importsOf(abs, readFileSync(abs, 'utf8'))) {
        const to = resolve(root, abs, spec);
        if (to) edges.push({ from, to, typeOnly });
      }
    }
  }
  return edges;
}

/** main/<folder> → the folder's name ('(root)' for main/version.ts); null outside main/. */
export function mainFolder(file: string): string | null {
  const parts = file.split('/');
  if (parts[0] !== 'main') return null;
  return parts.length > 2 ? parts[1]! : '(root)';
}

/** A cycle in a directed graph, as the list of nodes with the first repeated at the end; null when there is none. */
export function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of [...(graph.get(n) ?? [])].sort()) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const found = visit(m);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of [...graph.keys()].sort()) {
    if (state.has(n)) continue;
    const found = visit(n);
    if (found) return found;
  }
  return null;
}

function addEdge(graph: Map<string, Set<string>>, a: string, b: string): void {
  if (!graph.has(a)) graph.set(a, new Set());
  graph.get(a)!.add(b);
}

/** main/'s folder graph: which folder imports which (an edge per pair, self-edges left out). */
export function folderGraph(edges: readonly ImportEdge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const a = mainFolder(e.from);
    const b = mainFolder(e.to);
    if (a && b && a !== b) addEdge(graph, a, b);
  }
  return graph;
}

function layerOf(folder: string): number {
  return MAIN_LAYERS.findIndex((layer) => layer.includes(folder));
}

const rendererMayImport = (to: string): boolean => to.startsWith('main/common/') || RENDERER_MAY_IMPORT.includes(to);

/** Every broken rule, one sentence each, naming the import that breaks it. Empty when the graph holds. */
export function checkArchitecture(edges: readonly ImportEdge[]): string[] {
  const problems: string[] = [];
  for (const e of edges) {
    if (e.to.startsWith('<')) problems.push(`${e.from}: ${e.to} cannot be checked`);
  }
  const cycle = findCycle(folderGraph(edges));
  if (cycle) problems.push(`main/ has a folder cycle: ${cycle.join(' → ')}`);

  const unlayered = new Set<string>();
  const reported = new Set<string>();
  for (const e of edges) {
    const a = mainFolder(e.from);
    const b = mainFolder(e.to);
    if (!a || !b || a === b) continue;
    for (const f of [a, b]) {
      if (layerOf(f) < 0 && !unlayered.has(f)) {
        unlayered.add(f);
        problems.push(`main/${f}/ is in no layer: add it to MAIN_LAYERS (test/helpers/imports.ts) and the README`);
      }
    }
    const la = layerOf(a);
    const lb = layerOf(b);
    if (la < 0 || lb < 0 || lb < la || reported.has(`${a}>${b}`)) continue;
    reported.add(`${a}>${b}`);
    problems.push(`main/${a}/ must not import main/${b}/ (layer ${la + 1} → ${lb + 1}): ${e.from} imports ${e.to}`);
  }

  for (const e of edges) {
    if (e.to === 'main/api/core.ts') {
      const a = mainFolder(e.from);
      if (a === null || !(HOSTS.includes(a) || a === 'api')) problems.push(`only the hosts (${HOSTS.join(', ')}) import main/api/core.ts: ${e.from} does`);
    }
    if (e.from.startsWith('renderer/') && e.to.startsWith('main/') && !rendererMayImport(e.to)) {
      problems.push(`the renderer imports from main/ only common/, the contract and model files: ${e.from} imports ${e.to}`);
    }
    if (rendererMayImport(e.from) && e.to.startsWith('main/') && !rendererMayImport(e.to)) {
      problems.push(`${e.from} is read by the renderer, so it imports only common/, the contract and model files: it imports ${e.to}`);
    }
  }

  const files = new Map<string, Set<string>>();
  for (const e of edges) addEdge(files, e.from, e.to);
  const fileCycle = findCycle(files);
  if (fileCycle) problems.push(`import cycle between files: ${fileCycle.join(' → ')}`);
  return problems;
}

/** Bare modules (node:*, Node built-ins, npm packages) a file imports; the renderer-readable files may use none that need Node. */
export function bareImports(root: string, file: string): string[] {
  return importsOf(file, readFileSync(path.join(root, file), 'utf8'))
    .map((i) => i.spec)
    .filter((s) => !s.startsWith('.'));
}
