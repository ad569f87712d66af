import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  MAIN_LAYERS,
  RENDERER_MAY_IMPORT,
  bareImports,
  checkArchitecture,
  folderGraph,
  importGraph,
  importsOf,
  type ImportEdge,
} from '../helpers/imports';

const root = path.resolve(__dirname, '../..');
const edges = importGraph(root, ['main', 'renderer']);

test('the import graph holds: main/ is a DAG in its declared layers, the renderer reads only common/, the contract and models, only hosts import api/core', () => {
  assert.ok(edges.length > 300, `only ${edges.length} imports found: the parser or the walk is broken`);
  assert.deepEqual(checkArchitecture(edges), []);
});

test('every main/ folder is in a layer, and every layer names a folder that exists', () => {
  const folders = new Set([...folderGraph(edges).keys(), ...[...folderGraph(edges).values()].flatMap((s) => [...s])]);
  const declared = MAIN_LAYERS.flat();
  for (const f of folders) assert.ok(declared.includes(f), `main/${f}/ is in no layer`);
  for (const f of declared) assert.ok(folders.has(f), `the layer list names main/${f}/, which imports and is imported by nothing`);
});

test('what the renderer may read from main/ uses nothing of Node (only zod, for the contract)', () => {
  const readable = new Set([...RENDERER_MAY_IMPORT, ...edges.map((e) => e.from).filter((f) => f.startsWith('main/common/'))]);
  for (const f of readable) {
    const bare = bareImports(root, f).filter((s) => s !== 'zod');
    assert.deepEqual(bare, [], `${f} imports ${bare.join(', ')}`);
  }
});

// The checker on graphs built to break each rule: it must fail, and say where.
const ok: ImportEdge[] = [
  { from: 'main/drill/service.ts', to: 'main/store/db.ts', typeOnly: false },
  { from: 'main/evidence/bundle.ts', to: 'main/drill/model.ts', typeOnly: true },
  { from: 'main/web/server.ts', to: 'main/api/core.ts', typeOnly: false },
  { from: 'renderer/app/store.ts', to: 'main/api/contract.ts', typeOnly: true },
];

test('the checker passes a graph that keeps the rules', () => {
  assert.deepEqual(checkArchitecture(ok), []);
});

test('the checker fails on a folder cycle put back (drill/model importing evidence state, as before issue 14), and prints it', () => {
  const problems = checkArchitecture([...ok, { from: 'main/drill/model.ts', to: 'main/evidence/service.ts', typeOnly: true }]);
  assert.ok(problems.includes('main/ has a folder cycle: drill → evidence → drill'), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('main/drill/ must not import main/evidence/')), problems.join('\n'));
});

test('the checker fails on a longer cycle: store → drill → api → store, as the lock and errors once made it', () => {
  const problems = checkArchitecture([
    ...ok,
    { from: 'main/drill/store.ts', to: 'main/api/errors.ts', typeOnly: false },
    { from: 'main/api/errors.ts', to: 'main/store/db.ts', typeOnly: false },
    { from: 'main/store/db.ts', to: 'main/drill/store.ts', typeOnly: true },
  ]);
  assert.ok(
    problems.some((p) => p.startsWith('main/ has a folder cycle: ') && ['api', 'drill', 'store'].every((f) => p.includes(f))),
    problems.join('\n'),
  );
});

test('the checker fails on an import against the layer order even without a cycle', () => {
  const problems = checkArchitecture([...ok, { from: 'main/terminal/service.ts', to: 'main/runner/plan.ts', typeOnly: false }]);
  assert.deepEqual(problems, ['main/terminal/ must not import main/runner/ (layer 4 → 6): main/terminal/service.ts imports main/runner/plan.ts']);
});

test('the checker fails when the renderer imports main/store (or anything outside common/, the contract and models)', () => {
  const problems = checkArchitecture([...ok, { from: 'renderer/history/DbHealthBanner.tsx', to: 'main/store/backup.ts', typeOnly: true }]);
  assert.deepEqual(problems, [
    'the renderer imports from main/ only common/, the contract and model files: renderer/history/DbHealthBanner.tsx imports main/store/backup.ts',
  ]);
});

test('the checker fails when a model the renderer reads imports implementation (it would drag Node into the renderer)', () => {
  const problems = checkArchitecture([...ok, { from: 'main/api/contract.ts', to: 'main/evidence/service.ts', typeOnly: true }]);
  assert.ok(problems.some((p) => p.includes('main/api/contract.ts is read by the renderer')), problems.join('\n'));
});

test('the checker fails when something other than a host imports api/core', () => {
  const problems = checkArchitecture([...ok, { from: 'main/evidence/http.ts', to: 'main/api/core.ts', typeOnly: false }]);
  assert.ok(problems.includes('only the hosts (cli, web, desktop) import main/api/core.ts: main/evidence/http.ts does'), problems.join('\n'));
});

test('the checker fails on a file-level cycle', () => {
  const problems = checkArchitecture([
    ...ok,
    { from: 'main/terminal/a.ts', to: 'main/terminal/b.ts', typeOnly: false },
    { from: 'main/terminal/b.ts', to: 'main/terminal/a.ts', typeOnly: true },
  ]);
  assert.deepEqual(problems, ['import cycle between files: main/terminal/a.ts → main/terminal/b.ts → main/terminal/a.ts']);
});

test('imports are parsed, not grepped: type-only imports, re-exports and import() count; strings and comments do not', () => {
  const code = [
    "import type { A } from './a';",
    "import { type B, c } from './b';",
    "export * from './c';",
    "export type { D } from './d';",
    "const lazy = () => import('./e');",
    "// import x from './not-an-import';",
    "const s = \"import y from './nor-this'\";",
    'const re = /[\'"]/;',
  ].join('\n');
  assert.deepEqual(importsOf('x.ts', code), [
    { spec: './a', typeOnly: true },
    { spec: './b', typeOnly: false },
    { spec: './c', typeOnly: false },
    { spec: './d', typeOnly: true },
    { spec: './e', typeOnly: false },
  ]);
});
