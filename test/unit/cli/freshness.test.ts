/**
 * `npm run drillbook` uses the compiled CLI only while it is current, and
 * `npm run web` rebuilds the UI only when its inputs are newer than the
 * build. Both decided by mtimes, checked here on throwaway trees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';

function put(root: string, rel: string, text: string, ageSec: number): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  const t = Date.now() / 1000 - ageSec;
  utimesSync(file, t, t);
}

test('bin/drillbook runs dist/ when no main/**/*.ts is newer, else the sources', () => {
  const tmp = tempDir();
  try {
    const root = tmp.dir;
    mkdirSync(path.join(root, 'bin'));
    copyFileSync(path.join(ROOT, 'bin', 'drillbook'), path.join(root, 'bin', 'drillbook'));
    // Stand-ins: the "compiled" and the "source" CLI say which one ran; tsx/cjs is a no-op here.
    put(root, 'node_modules/tsx/cjs.js', '', 100);
    put(root, 'node_modules/tsx/package.json', '{"name":"tsx","exports":{"./cjs":"./cjs.js"}}', 100);
    put(root, 'main/cli/index.ts', "exports.runMain = () => console.log('source');", 100);
    put(root, 'main/runbook/parse.ts', '', 100);
    const which = (env: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, [path.join(root, 'bin', 'drillbook')], { encoding: 'utf8', env: { ...process.env, DRILLBOOK_FROM_SOURCE: '', ...env } }).stdout.trim();

    assert.equal(which(), 'source', 'no build yet');
    put(root, 'dist/main/cli/index.js', "exports.runMain = () => console.log('compiled');", 50);
    assert.equal(which(), 'compiled', 'built after every source');
    assert.equal(which({ DRILLBOOK_FROM_SOURCE: '1' }), 'source', 'forced');
    put(root, 'main/runbook/parse.ts', '// edited', 10);
    assert.equal(which(), 'source', 'a source edited after the build');
  } finally {
    tmp.cleanup();
  }
});

test('the UI is rebuilt only when renderer/, main/ or the lockfile is newer than the build', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS build script, loaded by path
  const { rendererIsCurrent } = require(path.join(ROOT, 'build', 'renderer-current.js')) as { rendererIsCurrent: (root: string) => boolean };
  const tmp = tempDir();
  try {
    const root = tmp.dir;
    put(root, 'renderer/main.tsx', '', 100);
    put(root, 'main/api/contract.ts', '', 100);
    put(root, 'package-lock.json', '{}', 100);
    put(root, 'build/renderer-current.js', '', 100);
    assert.equal(rendererIsCurrent(root), false, 'never built');
    put(root, 'dist/renderer/index.html', '', 50);
    assert.equal(rendererIsCurrent(root), true);
    put(root, 'renderer/drill/DrillView.tsx', '', 10);
    assert.equal(rendererIsCurrent(root), false, 'a renderer source changed');
    put(root, 'dist/renderer/index.html', '', 5);
    assert.equal(rendererIsCurrent(root), true);
    put(root, 'main/drill/model.ts', '', 1);
    assert.equal(rendererIsCurrent(root), false, 'a model the renderer imports changed');
  } finally {
    tmp.cleanup();
  }
});
