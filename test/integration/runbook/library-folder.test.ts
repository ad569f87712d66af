/**
 * runbooks.addFolder refuses what cannot be a runbook folder, quickly, and
 * never blocks the API while it looks (issue 12, item 8).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Core } from '../../../main/api/core';
import { ADD_FOLDER_BUDGET } from '../../../main/runbook/library';
import { tempDir } from '../../helpers/runbooks';

const tmp = tempDir('drillbook-addfolder-');
let core: Core;
before(() => {
  core = new Core({ dataDir: path.join(tmp.dir, 'data'), runbookDirs: [], host: 'cli' });
});
after(() => {
  core.close();
  tmp.cleanup();
});

const add = (p: string) => core.dispatch({ id: 1, method: 'runbooks.addFolder', params: { path: p } });
const message = (r: unknown) => (r as { error?: { message: string } }).error?.message ?? '';

for (const dir of ['/', '/usr', '/etc', '/proc', '/sys/kernel', '/dev', '/home', '/root']) {
  test(`${dir} is refused at once as a system folder`, async () => {
    const t0 = performance.now();
    const r = await add(dir);
    assert.match(message(r), /is (a system folder|inside \/\w+, a system folder|your whole home folder)/, JSON.stringify(r));
    assert.ok(performance.now() - t0 < 500);
    assert.deepEqual((await core.call('app.info', {})).runbookDirs, []);
  });
}

test('a file, and a missing folder, are refused with one sentence', async () => {
  writeFileSync(path.join(tmp.dir, 'a.md'), '# A\n');
  assert.match(message(await add(path.join(tmp.dir, 'a.md'))), /is a file, not a folder/);
  assert.match(message(await add(path.join(tmp.dir, 'nope'))), /no such folder/);
});

test('a huge tree is refused with a reason, and the API answers while it is being walked', { timeout: 120_000 }, async () => {
  const big = path.join(tmp.dir, 'big');
  const perDir = 500;
  const dirs = Math.ceil((ADD_FOLDER_BUDGET.entries * 1.2) / perDir);
  for (let d = 0; d < dirs; d++) {
    const sub = path.join(big, `d${d}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < perDir; f++) writeFileSync(path.join(sub, `f${f}.txt`), '');
  }
  const pending = add(big);
  let settled = false;
  void pending.then(() => (settled = true));
  const pings: number[] = [];
  while (!settled && pings.length < 10_000) {
    const t0 = performance.now();
    await core.dispatch({ id: 2, method: 'app.info', params: {} });
    pings.push(performance.now() - t0);
    await new Promise((r) => setImmediate(r));
  }
  const r = await pending;
  assert.match(message(r), /is too big to be a runbook folder \(more than 20,000 files and folders\)/);
  assert.ok(pings.length >= 3, `the API answered ${pings.length} pings while the walk ran`);
  // The walk yields between chunks, so the API keeps answering. One ping may be late on a loaded machine (the process
  // descheduled: load 20 on 2 cores made one of ~100 pings 300+ ms); a walk that blocked would make several late, or
  // leave fewer than 3 pings at all.
  const late = pings.filter((ms) => ms >= 250);
  assert.ok(late.length <= 1, `${late.length} of ${pings.length} pings took 250 ms or more: ${late.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  const sorted = [...pings].sort((a, b) => a - b);
  assert.ok(sorted[Math.floor(sorted.length / 2)]! < 50, `median ping ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms`);
  assert.deepEqual((await core.call('app.info', {})).runbookDirs, []);
});

test('a real runbook folder is added', async () => {
  const ok = path.join(tmp.dir, 'runbooks');
  mkdirSync(ok);
  writeFileSync(path.join(ok, 'r.md'), '# R\n\n## Step\n\nDo it.\n');
  const r = (await add(ok)) as { result?: { path: string }[] };
  assert.ok(r.result?.some((e) => e.path === path.join(ok, 'r.md')), JSON.stringify(r));
});
