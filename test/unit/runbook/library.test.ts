import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_LIBRARY_FILES, scanRunbookDirs, watchRunbookDirs } from '../../../main/runbook';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drillbook-library-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function put(rel: string, content: string | Buffer): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

test('scan: every .md below the folders, with summaries and load errors', () => {
  const root = path.join(tmp, 'lib');
  put('lib/a-restore.md', '---\ntitle: Restore A\nrto: 45m\n---\n## One\n## Two\n## Three\n');
  put('lib/README.md', '# Readme\n\nJust prose.\n');
  put('lib/FORMAT.md', '# The format guide\n## x\n## y\n');
  put('lib/sub/deeper/b.MD', '## Only step\n```sh {auto=maybe}\n```\n');
  put('lib/sub/broken.md', '---\ntitle: [unclosed\n---\n## A\n');
  put('lib/sub/binary.md', Buffer.from([0x23, 0, 1, 2]));
  put('lib/sub/notes.txt', '## not markdown\n');
  put('lib/node_modules/pkg/README.md', '## vendored\n');
  put('lib/.git/x.md', '## hidden\n');
  put('lib/.draft.md', '## hidden file\n');

  const entries = scanRunbookDirs([root, path.join(tmp, 'does-not-exist')]);
  const rel = (p: string) => path.relative(root, p);
  assert.deepEqual(entries.map((e) => rel(e.path)), ['README.md', 'a-restore.md', path.join('sub', 'binary.md'), path.join('sub', 'broken.md'), path.join('sub', 'deeper', 'b.MD')]);
  for (const e of entries) {
    assert.equal(e.dir, root);
    assert.ok(path.isAbsolute(e.path));
    assert.ok(e.mtimeMs > 0);
  }
  const byName = new Map(entries.map((e) => [path.basename(e.path), e]));
  assert.deepEqual(byName.get('a-restore.md'), {
    path: path.join(root, 'a-restore.md'),
    dir: root,
    title: 'Restore A',
    rto: { text: '45m', seconds: 2700 },
    stepCount: 3,
    warnings: 0,
    mtimeMs: byName.get('a-restore.md')?.mtimeMs,
  });
  assert.equal(byName.get('README.md')?.stepCount, 1);
  assert.equal(byName.get('README.md')?.warnings, 1); // "the whole document is one step"
  assert.equal(byName.get('b.MD')?.warnings, 1); // auto=maybe
  const broken = byName.get('broken.md');
  assert.equal(broken?.title, 'broken');
  assert.equal(broken?.stepCount, 0);
  assert.match(broken?.error ?? '', /broken\.md:2: invalid front matter: /);
  assert.match(byName.get('binary.md')?.error ?? '', /binary\.md:1: not a text file \(binary data at byte 1\)$/);
});

test('scan: overlapping folders list a file once; symlink loops end', () => {
  const root = path.join(tmp, 'overlap');
  put('overlap/x.md', '## A\n');
  put('overlap/inner/y.md', '## B\n');
  fs.symlinkSync(root, path.join(root, 'inner', 'loop'));
  const entries = scanRunbookDirs([root, path.join(root, 'inner'), root]);
  assert.deepEqual(entries.map((e) => path.relative(root, e.path)), [path.join('inner', 'y.md'), 'x.md']);
});

test('scan: at most MAX_LIBRARY_FILES files', () => {
  const root = path.join(tmp, 'many');
  fs.mkdirSync(root);
  for (let i = 0; i < MAX_LIBRARY_FILES + 5; i++) fs.writeFileSync(path.join(root, `r${String(i).padStart(4, '0')}.md`), '## A\n');
  assert.equal(scanRunbookDirs([root]).length, MAX_LIBRARY_FILES);
});

test('scan: a file instead of a folder, or nothing at all, gives an empty list', () => {
  assert.deepEqual(scanRunbookDirs([put('plain.md', '## A\n')]), []);
  assert.deepEqual(scanRunbookDirs([]), []);
});

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return true;
    await sleep(25);
  }
  return check();
}

test('watch: changes are reported, debounced, and stop after stop()', async () => {
  const root = path.join(tmp, 'watched');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  let calls = 0;
  const stop = watchRunbookDirs([root], () => calls++);
  try {
    await sleep(100);
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(root, `burst-${i}.md`), '## A\n');
    assert.ok(await waitFor(() => calls > 0, 3000), 'a change is reported');
    await sleep(400);
    assert.equal(calls, 1, 'a burst of writes is one change');

    fs.writeFileSync(path.join(root, 'sub', 'nested.md'), '## B\n');
    assert.ok(await waitFor(() => calls === 2, 3000), 'changes in subfolders are reported');

    fs.writeFileSync(path.join(root, '.swap'), 'x');
    await sleep(400);
    assert.equal(calls, 2, 'hidden files are not changes');
  } finally {
    stop();
  }
  const before = calls;
  fs.writeFileSync(path.join(root, 'after-stop.md'), '## C\n');
  await sleep(400);
  assert.equal(calls, before);
});

test('watch: a missing folder or one that disappears never throws, and is picked up when it appears', async () => {
  const later = path.join(tmp, 'later');
  const gone = path.join(tmp, 'gone');
  fs.mkdirSync(gone);
  let calls = 0;
  const stop = watchRunbookDirs([later, gone], () => calls++);
  try {
    fs.rmSync(gone, { recursive: true, force: true });
    await sleep(300);
    fs.mkdirSync(later);
    const seen = calls;
    // re-attached on the next poll (every 2 s), which reports a change
    assert.ok(await waitFor(() => calls > seen, 5000), 'a folder that appears is reported');
    const attached = calls;
    fs.writeFileSync(path.join(later, 'new.md'), '## A\n');
    assert.ok(await waitFor(() => calls > attached, 3000), 'and then watched');

    // the folder that disappeared is watched again once it is back
    fs.mkdirSync(gone);
    await sleep(2500);
    const back = calls;
    fs.writeFileSync(path.join(gone, 'again.md'), '## A\n');
    assert.ok(await waitFor(() => calls > back, 3000), 'a folder that came back is watched again');
  } finally {
    stop();
  }
});

test('watch: a throwing listener does not break watching', async () => {
  const root = path.join(tmp, 'throwing');
  fs.mkdirSync(root);
  let calls = 0;
  const originalError = console.error;
  const logged: string[] = [];
  console.error = (msg: unknown) => void logged.push(String(msg));
  const stop = watchRunbookDirs([root], () => {
    calls++;
    throw new Error('listener broke\nwith a second line');
  });
  try {
    fs.writeFileSync(path.join(root, 'a.md'), '## A\n');
    assert.ok(await waitFor(() => calls === 1, 3000));
    fs.writeFileSync(path.join(root, 'b.md'), '## B\n');
    assert.ok(await waitFor(() => calls === 2, 3000));
    assert.match(logged[0] ?? '', /^drillbook: runbook library listener failed: listener broke$/);
  } finally {
    stop();
    console.error = originalError;
  }
});

test('watch: an editor\'s atomic save (write a temp file, rename it over the runbook) is seen every time', async () => {
  const root = path.join(tmp, 'atomic');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a.md'), '## A\n');
  fs.writeFileSync(path.join(root, 'sub', 'b.md'), '## B\n');
  let calls = 0;
  const stop = watchRunbookDirs([root], () => calls++);
  try {
    await sleep(150);
    const saves = ['a.md', 'a.md', 'a.md', 'sub/b.md', 'sub/b.md'];
    for (const [i, rel] of saves.entries()) {
      const target = path.join(root, rel);
      const temp = path.join(path.dirname(target), `.${path.basename(rel)}.tmp-${i}`);
      fs.writeFileSync(temp, `## Saved ${i}\n`);
      fs.renameSync(temp, target);
      assert.ok(await waitFor(() => calls > i, 3000), `save ${i + 1} (${rel}) is reported`);
      await sleep(250); // past the debounce, so each save is its own change
    }
    // A folder made after the watch started is watched too.
    fs.mkdirSync(path.join(root, 'later'));
    await sleep(250);
    const n = calls;
    fs.writeFileSync(path.join(root, 'later', 'c.md'), '## C\n');
    assert.ok(await waitFor(() => calls > n, 3000), 'a file in a new folder is reported');
  } finally {
    stop();
  }
});
