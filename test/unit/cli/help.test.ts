/**
 * The CLI's manners (clig.dev): every command has its own --help with an
 * example, `help CMD` says the same, --version, "did you mean" for a typo in
 * a command or a flag, and global flags before or after the command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../../main/cli/commands';
import { didYouMean, editDistance } from '../../../main/cli/help';
import { splitArgs } from '../../../main/cli/index';
import { ROOT } from '../../helpers/server';
import { runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/runbooks';

test('every command prints its own usage with an example, via --help, -h and help CMD', () => {
  for (const c of COMMANDS) {
    const a = runCli([c.name, '--help']);
    assert.equal(a.code, 0, `${c.name} --help: ${a.err}`);
    assert.match(a.out, new RegExp(`^drillbook ${c.name} — `), c.name);
    assert.match(a.out, /\nUsage:\n  drillbook /);
    assert.match(a.out, /\nExamples?:\n  drillbook /, `${c.name} has an example`);
    for (const flag of Object.keys(c.flags)) assert.ok(a.out.includes(`--${flag}`), `${c.name} --help names --${flag}`);
    assert.equal(runCli(['help', c.name]).out, a.out, `help ${c.name} is the same text`);
  }
  assert.equal(runCli(['lint', '-h']).out, runCli(['lint', '--help']).out);
  // The sub-command still gets its command's help.
  assert.match(runCli(['db', 'check', '--help']).out, /^drillbook db — /);
});

test('--version prints the package version, before or after a command', () => {
  const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  for (const args of [['--version'], ['-V'], ['lint', '--version']]) {
    const r = runCli(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.equal(r.out, `drillbook ${version}\n`);
  }
});

test('a mistyped command or flag gets a suggestion and exit 3, in one line', () => {
  const cmd = runCli(['lnit', 'x.md']);
  assert.equal(cmd.code, 3);
  assert.equal(cmd.out, '');
  assert.equal(cmd.err, 'drillbook: unknown command "lnit". Did you mean "lint"? (see drillbook --help)\n');
  assert.match(runCli(['hisotry']).err, /Did you mean "history"\?/);
  assert.match(runCli(['verfy']).err, /Did you mean "verify"\?/);
  assert.doesNotMatch(runCli(['frobnicate']).err, /Did you mean/);

  const flag = runCli(['lint', '--jsn', 'x.md']);
  assert.equal(flag.code, 3);
  assert.equal(flag.err, 'drillbook lint: unknown option --jsn. Did you mean --json? (see drillbook lint --help)\n');
  assert.match(runCli(['run', 'x.md', '--acept-new-host-keys']).err, /Did you mean --accept-new-host-keys\?/);
  assert.match(runCli(['--dat', '/tmp', 'history']).err, /Did you mean --data\?/);
  assert.equal(runCli(['run', '--data']).err, 'drillbook run: --data needs a value\n');
});

test('--data works before or after the command', () => {
  const a = tempDir();
  const b = tempDir();
  try {
    const before = runCli(['--data', a.dir, 'db', 'check', '--json']);
    assert.equal(before.code, 0, before.err);
    assert.equal((JSON.parse(before.out) as { file: string }).file, path.join(a.dir, 'drillbook.sqlite'));
    const after = runCli(['db', 'check', '--json', `--data=${b.dir}`]);
    assert.equal((JSON.parse(after.out) as { file: string }).file, path.join(b.dir, 'drillbook.sqlite'));
    const quiet = runCli(['-q', '--data', a.dir, 'lint', 'runbooks/sqlite-backup-restore.md']);
    assert.equal(quiet.code, 0, quiet.err);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('no command: the overview, on stdout, exit 3; help and --help exit 0', () => {
  const none = runCli([]);
  assert.equal(none.code, 3);
  assert.match(none.out, /Usage: drillbook <command>/);
  for (const c of COMMANDS) assert.ok(none.out.includes(`  ${c.name} `), `overview lists ${c.name}`);
  assert.equal(runCli(['help']).code, 0);
  assert.equal(runCli(['--help']).code, 0);
  assert.match(runCli(['help', 'lnit']).err, /Did you mean "lint"/);
});

test('splitArgs: global flags before the command, with their values', () => {
  assert.deepEqual(splitArgs(['--data', '/d', '-q', 'lint', 'a.md', '--json']), { globals: ['--data', '/d', '-q'], name: 'lint', rest: ['a.md', '--json'] });
  assert.deepEqual(splitArgs(['--data=/d', 'history']), { globals: ['--data=/d'], name: 'history', rest: [] });
  assert.deepEqual(splitArgs([]), { globals: [], name: undefined, rest: [] });
});

test('did you mean: transpositions and prefixes count, far-off words do not', () => {
  assert.equal(editDistance('lnit', 'lint'), 1);
  assert.equal(didYouMean('lnit', ['lint', 'run']), 'lint');
  assert.equal(didYouMean('hist', ['history', 'show']), 'history');
  assert.equal(didYouMean('xyz', ['lint', 'run']), null);
});
