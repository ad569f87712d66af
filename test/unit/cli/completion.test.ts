/**
 * `drillbook completion bash|zsh|fish`, run in the real shells: commands,
 * sub-commands, flags and their allowed values complete, generated from the
 * same table as --help (so every command and flag is offered).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { COMMANDS } from '../../../main/cli/commands';
import { completionScript } from '../../../main/cli/completion';
import { runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/runbooks';
import { ROOT } from '../../helpers/server';

const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

test('the completion command prints each shell\'s script; an unknown shell is exit 3', () => {
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const r = runCli(['completion', shell]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, completionScript(shell));
  }
  const bad = runCli(['completion', 'tcsh']);
  assert.equal(bad.code, 3);
  assert.match(bad.err, /name one shell: bash, zsh, fish/);
});

test('bash: commands, flags, flag values and sub-commands complete', () => {
  const tmp = tempDir();
  try {
    const file = path.join(tmp.dir, 'drillbook.bash');
    writeFileSync(file, completionScript('bash'));
    const complete = (...words: string[]) => {
      const r = spawnSync('bash', ['-c', `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _drillbook; printf '%s\\n' "\${COMPREPLY[@]}"`, 'x', file, 'drillbook', ...words], { encoding: 'utf8' });
      assert.equal(r.stderr, '');
      return r.stdout.trim().split('\n').filter(Boolean).sort();
    };
    assert.deepEqual(complete(''), [...COMMANDS.map((c) => c.name), 'help', '--data', '--help', '--no-color', '--quiet', '--version'].sort());
    assert.deepEqual(complete('li'), ['lint']);
    assert.deepEqual(complete('lint', '--j'), ['--json']);
    assert.deepEqual(complete('run', 'x.md', '--mode', ''), ['automated', 'live', 'rehearsal']);
    assert.deepEqual(complete('--data', '/tmp', 'hist'), ['history'], 'a global flag before the command');
    assert.deepEqual(complete('db', ''), ['backup', 'backups', 'check', 'restore']);
    assert.deepEqual(complete('run', 'x.md', '--acc'), ['--accept-new-host-keys']);
    assert.deepEqual(complete('help', 've'), ['verify']);
  } finally {
    tmp.cleanup();
  }
});

test('fish: commands with descriptions, flag values, sub-commands', { skip: !has('fish') && 'fish is not installed (apt-get install fish)' }, () => {
  const tmp = tempDir();
  try {
    const file = path.join(tmp.dir, 'drillbook.fish');
    writeFileSync(file, completionScript('fish'));
    const complete = (line: string) => {
      const r = spawnSync('fish', ['--no-config', '-c', `source ${file}; complete -C ${JSON.stringify(line)}`], { encoding: 'utf8', cwd: tmp.dir });
      assert.equal(r.stderr, '');
      return r.stdout.trim().split('\n').map((l) => l.split('\t')[0]!).sort();
    };
    assert.deepEqual(complete('drillbook li'), ['lint']);
    assert.deepEqual(complete('drillbook run x --mode '), ['automated', 'live', 'rehearsal']);
    assert.deepEqual(complete('drillbook db '), ['backup', 'backups', 'check', 'restore']);
    assert.ok(complete('drillbook export x --').includes('--no-pdf'));
  } finally {
    tmp.cleanup();
  }
});

test('zsh: completes flag values and sub-commands at an interactive prompt', { skip: !has('zsh') && 'zsh is not installed (apt-get install zsh)', timeout: 60_000 }, async () => {
  const tmp = tempDir();
  try {
    mkdirSync(path.join(tmp.dir, 'fn'));
    writeFileSync(path.join(tmp.dir, 'fn', '_drillbook'), completionScript('zsh'));
    const sh = pty.spawn('zsh', ['-f', '-i'], { cols: 200, rows: 30, cwd: ROOT, env: { ...(process.env as Record<string, string>), PS1: 'READY%% ', TERM: 'xterm' } });
    let out = '';
    sh.onData((d) => (out += d));
    const waitFor = async (re: RegExp, from: number) => {
      const end = Date.now() + 20_000;
      while (!re.test(out.slice(from))) {
        if (Date.now() > end) throw new Error(`zsh never showed ${re}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor(/READY% /, 0);
      let mark = out.length;
      sh.write(`fpath=(${path.join(tmp.dir, 'fn')} $fpath); autoload -U compinit; compinit -u; drillbook(){ :; }; echo LOADED\r`);
      await waitFor(/LOADED[\s\S]*READY% /, mark);
      mark = out.length;
      sh.write('drillbook run x.md --mode \t');
      await waitFor(/automated\s+live\s+rehearsal/, mark);
      sh.write('\x15'); // clear the line
      mark = out.length;
      sh.write('drillbook db \t');
      await waitFor(/backup\s+backups\s+check\s+restore/, mark);
      sh.write('\x15');
      mark = out.length;
      sh.write('drillbook veri\t');
      await waitFor(/drillbook verify/, mark);
    } finally {
      sh.kill();
    }
  } finally {
    tmp.cleanup();
  }
});
