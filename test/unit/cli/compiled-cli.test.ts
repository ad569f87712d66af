/**
 * The suite starts `drillbook` from the compiled build only when that build is current (test/helpers/cli.ts):
 * a test run right after an edit to main/ must run the edited sources, never a stale dist/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compiledCliIsCurrent, cliPrefix, CLI_COMPILED, CLI_ENTRY } from '../../helpers/cli';

function checkout(): { root: string; touch(rel: string, secondsAgo: number): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'drillbook-compiled-'));
  const touch = (rel: string, secondsAgo: number) => {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
    const t = Date.now() / 1000 - secondsAgo;
    utimesSync(file, t, t);
  };
  return { root, touch };
}

test('a build newer than every source is used; a source edited after the build sends the suite back to the sources', (t) => {
  const { root, touch } = checkout();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  touch('main/cli/index.ts', 100);
  touch('main/drill/deep/reduce.ts', 90);
  assert.equal(compiledCliIsCurrent(root), false, 'no build at all');
  touch('dist/main/cli/index.js', 50);
  assert.equal(compiledCliIsCurrent(root), true);
  touch('main/drill/deep/reduce.ts', 10);
  assert.equal(compiledCliIsCurrent(root), false, 'a file deep under main/ edited after the build');
});

test('DRILLBOOK_FROM_SOURCE forces the sources, and the prefix names one of the two entries', (t) => {
  const { root, touch } = checkout();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  touch('main/cli/index.ts', 100);
  touch('dist/main/cli/index.js', 50);
  const before = process.env.DRILLBOOK_FROM_SOURCE;
  process.env.DRILLBOOK_FROM_SOURCE = '1';
  try {
    assert.equal(compiledCliIsCurrent(root), false);
  } finally {
    if (before === undefined) delete process.env.DRILLBOOK_FROM_SOURCE;
    else process.env.DRILLBOOK_FROM_SOURCE = before;
  }
  const prefix = cliPrefix();
  assert.ok(prefix.at(-1) === CLI_COMPILED || prefix.at(-1) === CLI_ENTRY, prefix.join(' '));
});
