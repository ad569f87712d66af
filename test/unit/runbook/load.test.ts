import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_RUNBOOK_BYTES, RunbookError, loadRunbookFile } from '../../../main/runbook';
import { describeFsError } from '../../../main/runbook/load';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drillbook-load-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
}

function rejects(file: string, line: number, reason: string | RegExp): void {
  assert.throws(
    () => loadRunbookFile(file),
    (err: unknown) => {
      assert.ok(err instanceof RunbookError, String(err));
      assert.equal(err.file, path.resolve(file));
      assert.equal(err.line, line);
      if (typeof reason === 'string') assert.equal(err.reason, reason);
      else assert.match(err.reason, reason);
      // one plain line: no stack, no errno codes
      assert.ok(!err.message.includes('\n'));
      assert.doesNotMatch(err.message, /ENOENT|EACCES|EISDIR|errno|syscall/);
      return true;
    },
  );
}

test('loads a runbook: absolute path, sha256 of the exact bytes', () => {
  const bytes = Buffer.from('\uFEFF# T\r\n\r\n## A\r\n```sh\r\necho hi\r\n```\r\n## B\r\n', 'utf8');
  const file = write('ok.md', bytes);
  const rb = loadRunbookFile(path.relative(process.cwd(), file));
  assert.equal(rb.file, file);
  assert.equal(rb.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(rb.title, 'T');
  assert.deepEqual(rb.steps.map((s) => [s.title, s.line]), [['A', 3], ['B', 7]]);
  assert.equal(rb.steps[0]?.commands[0]?.text, 'echo hi');
});

test('missing file, folder, dangling link', () => {
  rejects(path.join(tmp, 'nope.md'), 1, 'file not found');
  rejects(path.join(tmp, 'nope-dir', 'x.md'), 1, 'file not found');
  fs.mkdirSync(path.join(tmp, 'folder.md'));
  rejects(path.join(tmp, 'folder.md'), 1, 'is a folder, not a runbook file');
  fs.symlinkSync(path.join(tmp, 'gone.md'), path.join(tmp, 'dangling.md'));
  rejects(path.join(tmp, 'dangling.md'), 1, 'file not found');
});

test('permission denied', { skip: process.platform === 'win32' ? 'no POSIX permissions' : false }, () => {
  const file = write('secret.md', '## A\n');
  fs.chmodSync(file, 0o000);
  if (process.getuid?.() !== 0) return rejects(file, 1, 'permission denied: cannot read the file');
  // Root reads anything: load it from a child process running as nobody. The checkout may sit where nobody
  // cannot enter (root's 0700 home), so the child runs the loader bundled into a world-readable temp file
  // with plain node, not tsx from the checkout.
  fs.chmodSync(tmp, 0o755);
  const bundle = path.join(tmp, 'load-as-nobody.js');
  buildSync({
    stdin: {
      contents: `const { loadRunbookFile } = require(${JSON.stringify(path.resolve(__dirname, '../../../main/runbook'))});
try { loadRunbookFile(process.argv[2]); console.log('loaded'); } catch (e) { console.log(e.message); }`,
      resolveDir: __dirname,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: bundle,
    logLevel: 'silent',
  });
  fs.chmodSync(bundle, 0o644);
  const child = spawnSync(process.execPath, [bundle, file], {
    cwd: tmp,
    encoding: 'utf8',
    uid: 65534,
    gid: 65534,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp },
    timeout: 60_000,
  });
  assert.equal(child.stdout.trim(), `${file}:1: permission denied: cannot read the file`, child.stderr);
});

test('empty and whitespace-only files', () => {
  rejects(write('empty.md', ''), 1, 'empty file');
  rejects(write('blank.md', ' \n\t\r\n\n'), 1, 'empty file');
  rejects(write('bom.md', '\uFEFF\n'), 1, 'empty file');
});

test('binary: a NUL byte, invalid UTF-8, UTF-16', () => {
  rejects(write('nul.md', Buffer.from('## A\nok\n\0rest')), 3, 'not a text file (binary data at byte 8)');
  rejects(write('png.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 1, 'not a text file (binary data at byte 0)');
  rejects(write('latin1.md', Buffer.from('## Caf\xe9\n', 'latin1')), 1, 'not a text file (binary data at byte 6)');
  rejects(write('overlong.md', Buffer.from([0x23, 0x20, 0xc0, 0xaf])), 1, 'not a text file (binary data at byte 2)');
  rejects(write('surrogate.md', Buffer.from([0x41, 0xed, 0xa0, 0x80])), 1, 'not a text file (binary data at byte 1)');
  rejects(write('truncated.md', Buffer.from([0x41, 0x0a, 0xe2, 0x82])), 2, 'not a text file (binary data at byte 2)');
  rejects(write('utf16.md', Buffer.from('\uFEFF## A\n', 'utf16le')), 1, /UTF-16; save it as UTF-8/);
  // valid multi-byte UTF-8 is fine
  const ok = loadRunbookFile(write('utf8.md', '## Café ✓ 🚀\n## Investigación\n'));
  assert.deepEqual(ok.steps.map((s) => s.title), ['Café ✓ 🚀', 'Investigación']);
});

test('too large', () => {
  const file = path.join(tmp, 'huge.md');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, Math.round(5.3 * 1024 * 1024)); // sparse: no 5 MiB written
  rejects(file, 1, 'file is too large (5.3 MiB; the limit is 2 MiB)');
  const justOver = path.join(tmp, 'just-over.md');
  fs.writeFileSync(justOver, '');
  fs.truncateSync(justOver, MAX_RUNBOOK_BYTES + 1);
  rejects(justOver, 1, 'file is too large (2.1 MiB; the limit is 2 MiB)');
  // exactly at the limit loads
  const atLimit = write('at-limit.md', `## A\n${'x'.repeat(MAX_RUNBOOK_BYTES - 6)}\n`);
  assert.equal(loadRunbookFile(atLimit).steps.length, 1);
});

test('front matter errors carry the real file line', () => {
  rejects(write('bad-fm.md', '---\ntitle: x\ntags: [a, b\n---\n## A\n'), 3, /^invalid front matter: /);
});

test('fs errors become plain phrases (covers what root cannot provoke)', () => {
  const cases: [string | undefined, string][] = [
    ['ENOENT', 'file not found'],
    ['ENOTDIR', 'file not found'],
    ['EACCES', 'permission denied: cannot read the file'],
    ['EPERM', 'permission denied: cannot read the file'],
    ['EISDIR', 'is a folder, not a runbook file'],
    ['ELOOP', 'too many symbolic links (a link loop?)'],
    ['EIO', 'the disk reported a read error'],
    ['EWHATEVER', 'cannot read the file'],
    [undefined, 'cannot read the file'],
  ];
  for (const [code, phrase] of cases) {
    const err = Object.assign(new Error(`${code}: something, open '/x'`), { code });
    assert.equal(describeFsError(err), phrase);
  }
  assert.equal(describeFsError(null), 'cannot read the file');
});

test('a symlink loop is reported, not followed forever', () => {
  const a = path.join(tmp, 'loop-a.md');
  const b = path.join(tmp, 'loop-b.md');
  fs.symlinkSync(b, a);
  fs.symlinkSync(a, b);
  rejects(a, 1, 'too many symbolic links (a link loop?)');
});
