/**
 * The renderer is type-checked as browser code: no @types/node, and no main/
 * implementation file in its program (issue 14: it checked 57 main/ files
 * and @types/node, so `Buffer` and `process.pid` compiled in the UI, and
 * renderer/tsconfig.json carried a markdown-it workaround for parse.ts).
 * A file is planted beside the renderer's own, in a config that extends
 * renderer/tsconfig.json from a temporary folder, and run through tsc.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RENDERER_MAY_IMPORT } from '../../helpers/imports';

const ROOT = path.resolve(__dirname, '../../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

function typecheckWith(planted: string): { code: number | null; out: string; files: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-renderer-tsc-'));
  try {
    writeFileSync(path.join(dir, 'planted.ts'), planted);
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(ROOT, 'renderer/tsconfig.json'),
        include: [path.join(ROOT, 'renderer/**/*.ts'), path.join(ROOT, 'renderer/**/*.tsx'), 'planted.ts'],
      }),
    );
    const r = spawnSync(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.json'), '--noEmit', '--listFiles'], { encoding: 'utf8', timeout: 180_000 });
    const out = `${r.stdout}${r.stderr}`;
    return { code: r.status, out, files: out.split('\n').filter((l) => l.startsWith('/')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('renderer code that uses Buffer or process.pid fails the renderer typecheck', () => {
  const r = typecheckWith(`import type { Method } from '${path.join(ROOT, 'main/api/contract')}';\nexport const m: Method | null = null;\nexport const pid: number = process.pid;\nexport const b = Buffer.from('x');\n`);
  assert.notEqual(r.code, 0, r.out);
  assert.match(r.out, /planted\.ts\(3,[0-9]+\): error TS(2580|2591): Cannot find name 'process'/, r.out);
  assert.match(r.out, /planted\.ts\(4,[0-9]+\): error TS(2580|2591): Cannot find name 'Buffer'/, r.out);
});

test('the same planted file without Node passes, and the program holds no @types/node and only main/ model files', () => {
  const r = typecheckWith(`import type { Method } from '${path.join(ROOT, 'main/api/contract')}';\nexport const m: Method | null = null;\n`);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.files.filter((f) => f.includes('/@types/node/')), []);
  const main = r.files.filter((f) => f.startsWith(path.join(ROOT, 'main') + '/')).map((f) => path.relative(ROOT, f)).sort();
  for (const f of main) assert.ok(f.startsWith('main/common/') || RENDERER_MAY_IMPORT.includes(f), `${f} is in the renderer's program`);
  // Each one is on the list above; the cap catches a model that starts dragging others in (the issue counted 57).
  // 22: the 20 before, plus main/team/model.ts and main/team/roles.ts (issue 16, the team pages).
  assert.ok(main.length <= 22, `${main.length} main/ files in the renderer's program: ${main.join(', ')}`);
});

test('renderer/tsconfig.json carries no workaround for main/ code', () => {
  const config = readFileSync(path.join(ROOT, 'renderer/tsconfig.json'), 'utf8');
  assert.doesNotMatch(config, /"paths"|markdown-it|"node"/);
});
