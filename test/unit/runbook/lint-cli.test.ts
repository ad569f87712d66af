/**
 * `drillbook lint` tells the user about everything it did not take as a step,
 * command or checklist item (issue 10): warnings with file:line, never
 * errors for those, and a summary of where the steps came from and what is
 * read as context.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/runbooks';
import { cliPrefix } from '../../helpers/cli';

const ROOT = path.resolve(__dirname, '../../..');

test('lint names what it did not take, with file:line, and summarises the procedure', () => {
  const tmp = tempDir();
  try {
    const file = path.join(tmp.dir, 'mixed.md');
    writeFileSync(
      file,
      [
        '# Mixed', //                                    1
        '',
        '```sh', //                                      3 before the first step
        'echo intro',
        '```',
        '',
        '- [ ] loose item', //                           7 not in a step
        '',
        '## Overview', //                                9 context
        '',
        'What this is.',
        '',
        '## Steps', //                                   13 the procedure
        '',
        '1. Stop',
        '2. Start',
        '',
        '<!--', //                                       18
        '```sh', //                                      19 in a comment
        'dropdb x',
        '```',
        '-->',
        '',
        '    ```sh', //                                  24 an indented example
        '    rm -rf /',
        '    ```',
        '',
        '```sh { interactive=yes mimeType=text/plain }', // 28 Runme attrs
        'ls',
        '```',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [...cliPrefix(), 'lint', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.trim().split('\n');
    const at = (n: number) => lines.filter((l) => l.startsWith(`${file}:${n}: warning: `)).map((l) => l.slice(`${file}:${n}: warning: `.length));
    assert.deepEqual(at(3), ['this code block comes before the first step, so it is shown but is not a command']);
    assert.deepEqual(at(7), ['this checklist item is not inside a step, so it is not ticked in a drill']);
    assert.deepEqual(at(19), ['this code block is inside an HTML comment, so it is not a command']);
    assert.deepEqual(at(24), ['this indented block shows a code fence as text, so it is not a command; remove the indentation to make it one']);
    assert.deepEqual(at(28), ['interactive=yes read as interactive=true (write true or false)', 'attributes Drillbook keeps but does not use: mimeType']);
    assert.ok(lines.every((l) => l.includes(': warning: ')), 'nothing here is an error');
    assert.match(r.stdout, /mixed\.md: Mixed — 2 steps, 1 command, 0 checklist items\n {2}steps from the numbered list in “Steps”; context, not timed: Overview \(line 9\)\n/);
  } finally {
    tmp.cleanup();
  }
});
