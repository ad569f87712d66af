import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

// The test tree mirrors the source tree: a folder under test/unit or test/integration is named for the main/ or
// renderer/ folder it tests, so a newcomer finds a feature's tests where its code is. The few that are not:
const TEST_FOLDERS_NOT_IN_SOURCE: Record<string, string> = {
  // Whole restore drills against real PostgreSQL, MariaDB, files and Runme runbooks: they cross runner, terminal and
  // the hosts at once, which is their point.
  'integration/restore': 'end-to-end restores through every layer',
};

test('every folder under test/unit and test/integration names a folder of main/ or renderer/ (or is on the short list)', () => {
  const sourceFolders = new Set([
    ...readdirSync(path.join(root, 'main'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name),
    'renderer',
  ]);
  const stray: string[] = [];
  for (const kind of ['unit', 'integration']) {
    for (const d of readdirSync(path.join(root, 'test', kind), { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      const key = `${kind}/${d.name}`;
      if (!sourceFolders.has(d.name) && !(key in TEST_FOLDERS_NOT_IN_SOURCE)) stray.push(`test/${key}/`);
    }
  }
  assert.deepEqual(stray, [], 'rename the folder after the source folder it tests, or give the reason in TEST_FOLDERS_NOT_IN_SOURCE');
  for (const key of Object.keys(TEST_FOLDERS_NOT_IN_SOURCE)) assert.ok(existsSync(path.join(root, 'test', key)), `test/${key} no longer exists: drop it from the list`);
});

test('store tests live in test/*/store and renderer unit tests in test/unit/renderer (issue 14 found them under history/ and e2e/)', () => {
  const names = (dir: string) => (existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir)) : []);
  for (const dir of ['test/unit/history', 'test/integration/history']) {
    for (const f of names(dir)) assert.doesNotMatch(f, /backup|integrity|migration|permission|compact/, `${dir}/${f} tests the store`);
  }
  assert.deepEqual(names('test/e2e').filter((f) => /renderer.*units/.test(f)), []);
});

test("the README's code map names every main/ folder, and its layer line is MAIN_LAYERS", () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const folders = readdirSync(path.join(root, 'main'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const f of folders) assert.match(readme, new RegExp(`\\n  ${f}/ +\\S`), `README.md's code map has no line for main/${f}/`);
  const line = MAIN_LAYERS.map((layer) => layer.filter((f) => f !== '(root)'))
    .map((layer) => (layer.length > 1 ? `{${layer.join(', ')}}` : layer[0]))
    .join(' ← ');
  assert.ok(readme.includes(`\n${line}\n`), `README.md should state the layer order as: ${line}`);
});

test('the checker fails on a new main/ folder that is in no layer', () => {
  const problems = checkArchitecture([...ok, { from: 'main/sync/client.ts', to: 'main/drill/model.ts', typeOnly: true }]);
  assert.deepEqual(problems, ['main/sync/ is in no layer: add it to MAIN_LAYERS (test/helpers/imports.ts) and the README']);
});
