/**
 * planBlock: how one block runs (issue 10, Runme semantics), as a pure
 * function. Cases follow Runme's README (prompts, languages, interpreter,
 * background, ignore, cwd) and its attribute tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunbook } from '../../../main/runbook';
import { blocksToRun, nothingToRunReason, planBlock, stripPrompts, type BlockPlan } from '../../../main/runbook/plan';

const ctx = { runbookFile: '/books/ops/restore.md', frontMatter: {}, workDir: '/work/d1' };
function block(info: string, text: string) {
  const rb = parseRunbook(['## A', '```' + info, text, '```'].join('\n'), '/books/ops/restore.md');
  const b = rb.steps[0]?.commands[0];
  assert.ok(b);
  return b;
}
const ran = (p: BlockPlan) => (p.run ? p : assert.fail(`not run: ${p.reason}`));

test('shell blocks: a fresh bash -e -o pipefail, in the work folder; a leading $ prompt is stripped', () => {
  const p = ran(planBlock(block('sh', '$ pg_dump -Fc app > app.dump\n$ ls -l app.dump'), ctx));
  assert.deepEqual(p.argv, ['bash', '-e', '-o', 'pipefail', '-c', 'pg_dump -Fc app > app.dump\nls -l app.dump']);
  assert.equal(p.cwd, '/work/d1');
  assert.equal(p.background, false);
  assert.equal(p.scriptFile, null);
});

test('console blocks: prompted lines run, pasted output does not; continuations stay', () => {
  assert.equal(stripPrompts('$ kubectl get pods \\\n  -n app\nNAME   READY\nweb-1  1/1\n$ echo done', 'console'), 'kubectl get pods \\\n  -n app\necho done');
  // in sh, every line is a command; text without prompts is unchanged
  assert.equal(stripPrompts('$ a\nb', 'sh'), 'a\nb');
  assert.equal(stripPrompts('echo $HOME', 'sh'), 'echo $HOME');
});

test('languages: python runs in python3 from a script file; json/yaml/text are shown, not run', () => {
  const py = ran(planBlock(block('python', 'print(1)'), ctx));
  assert.deepEqual(py.argv, ['python3', '/work/d1/.drillbook/block-2.py']);
  assert.equal(py.scriptFile, '/work/d1/.drillbook/block-2.py');
  assert.equal(py.script, 'print(1)');
  for (const lang of ['json', 'yaml', 'text', 'output']) {
    const p = planBlock(block(lang, 'x: 1'), ctx);
    assert.equal(p.run, false);
    assert.match(p.run ? '' : p.reason, /shown, not run/);
  }
  const unknown = planBlock(block('cobol', 'DISPLAY'), ctx);
  assert.match(unknown.run ? '' : unknown.reason, /add interpreter=PROGRAM/);
});

test('interpreter= overrides the language; front matter shell: changes the shell', () => {
  const p = ran(planBlock(block('sh { interpreter="bash -x" }', 'ls'), ctx));
  assert.deepEqual(p.argv, ['bash', '-x', '/work/d1/.drillbook/block-2']);
  const zsh = ran(planBlock(block('sh', 'ls'), { ...ctx, frontMatter: { shell: 'zsh' } }));
  assert.deepEqual(zsh.argv.slice(0, 4), ['zsh', '-e', '-o', 'pipefail']);
  const dash = ran(planBlock(block('sh', 'ls'), { ...ctx, frontMatter: { shell: '/bin/sh' } }));
  assert.deepEqual(dash.argv.slice(0, 3), ['/bin/sh', '-e', '-c']);
});

test('ignore=true never runs; background=true starts and moves on', () => {
  const ignored = planBlock(block('sh {ignore=true}', 'rm -rf x'), ctx);
  assert.equal(ignored.run, false);
  assert.equal(ran(planBlock(block('sh {background=true}', 'sleep 9'), ctx)).background, true);
});

test('cwd: relative to the runbook folder, or to the front matter cwd (itself relative to that folder)', () => {
  assert.equal(ran(planBlock(block('sh {cwd=data}', 'ls'), ctx)).cwd, '/books/ops/data');
  assert.equal(ran(planBlock(block('sh {cwd=/srv}', 'ls'), ctx)).cwd, '/srv');
  const fm = { ...ctx, frontMatter: { cwd: '../repo' } };
  assert.equal(ran(planBlock(block('sh', 'ls'), fm)).cwd, '/books/repo');
  assert.equal(ran(planBlock(block('sh {cwd=sub}', 'ls'), fm)).cwd, '/books/repo/sub');
});

test('which blocks run: auto, --all minus excludeFromRunAll, --tag (tag or category); the reason matches the flags', () => {
  const rb = parseRunbook(['## A', '```sh {excludeFromRunAll=true}', 'a', '```', '```sh {tag="db,restore"}', 'b', '```', '```sh {category=web auto=true}', 'c', '```'].join('\n'), 'x.md');
  const blocks = rb.steps[0]?.commands ?? [];
  assert.deepEqual(blocksToRun(blocks, false).map((b) => b.text), ['c']);
  assert.deepEqual(blocksToRun(blocks, true).map((b) => b.text), ['b', 'c']);
  assert.deepEqual(blocksToRun(blocks, true, ['DB']).map((b) => b.text), ['b']);
  assert.deepEqual(blocksToRun(blocks, true, ['web']).map((b) => b.text), ['c']);
  const excluded = rb.steps[0]?.commands.slice(0, 1) ?? [];
  assert.match(nothingToRunReason(excluded, true), /excludeFromRunAll, so --all leaves it to a person/);
  assert.doesNotMatch(nothingToRunReason(excluded, true), /use --all/);
  assert.match(nothingToRunReason(excluded, false), /use --all/);
  assert.match(nothingToRunReason(excluded, true, ['x']), /no block of this step has the tag x/);
});
