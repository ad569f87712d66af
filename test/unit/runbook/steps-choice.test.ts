/**
 * Choosing the procedure section in the UI (issue 10), through the real core:
 * `runbooks.setSteps` remembers the choice in the data folder by the
 * runbook's path (an edit to the file keeps it), `runbooks.get` and
 * `drill.start` use it, a title that holds no steps is refused in one
 * sentence, and null goes back to Drillbook's guess.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Core } from '../../../main/api/core';
import type { Runbook } from '../../../main/runbook';
import type { DrillSnapshot } from '../../../main/drill/model';
import { tempDir } from '../../helpers/runbooks';

// Two sections each hold a numbered list: Drillbook keeps them as two steps (phases).
const RUNBOOK = `# Fail over the queue

## Prepare

1. Announce the failover
2. Freeze deploys

## Fail over

1. Promote the standby
2. Point clients at it
3. Check the lag
`;

async function call<T>(core: Core, method: string, params: Record<string, unknown>): Promise<T> {
  const r = await core.dispatch({ id: 1, method, params } as never);
  if (!('result' in r)) throw new Error((r as { error: { message: string } }).error.message);
  return r.result as T;
}

test('runbooks.setSteps: remembered by path, used by runbooks.get and drill.start, survives a restart and an edit; null forgets', async () => {
  const tmp = tempDir();
  const dir = path.join(tmp.dir, 'runbooks');
  mkdirSync(dir);
  const file = path.join(dir, 'queue.md');
  writeFileSync(file, RUNBOOK);
  const dataDir = path.join(tmp.dir, 'data');
  let core = new Core({ dataDir, runbookDirs: [dir], host: 'web' });
  try {
    const guessed = await call<Runbook>(core, 'runbooks.get', { path: file });
    assert.deepEqual(guessed.steps.map((s) => s.title), ['Prepare', 'Fail over']);

    const chosen = await call<Runbook>(core, 'runbooks.setSteps', { path: file, steps: 'Fail over' });
    assert.deepEqual(chosen.steps.map((s) => s.title), ['Promote the standby', 'Point clients at it', 'Check the lag']);
    assert.deepEqual(chosen.procedure, { title: 'Fail over', line: 8, how: 'list', chosen: 'override' });
    assert.deepEqual(chosen.context?.map((c) => c.title), ['Prepare']);
    const settings = JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as { stepsChoice: Record<string, string> };
    assert.deepEqual(settings.stepsChoice, { [realpathSync(file)]: 'Fail over' });

    // a restart and an edit to the file keep the choice; the drill starts with it
    core.close();
    writeFileSync(file, RUNBOOK.replace('3. Check the lag', '3. Check the lag\n4. Tell the team'));
    core = new Core({ dataDir, runbookDirs: [dir], host: 'web' });
    const drill = await call<DrillSnapshot>(core, 'drill.start', { runbookPath: file, mode: 'rehearsal', operator: 'ana' });
    assert.deepEqual(drill.steps.map((s) => s.title), ['Promote the standby', 'Point clients at it', 'Check the lag', 'Tell the team']);
    await call(core, 'drill.abort', { drillId: drill.id, reason: 'test' });

    // a section that holds no steps is refused, in one sentence, and nothing changes
    await assert.rejects(call(core, 'runbooks.setSteps', { path: file, steps: 'Nope' }), { message: /^no section is titled "Nope" \(sections: "Prepare", "Fail over"\)$/ });
    const after = await call<Runbook>(core, 'runbooks.get', { path: file });
    assert.equal(after.procedure?.title, 'Fail over');

    const cleared = await call<Runbook>(core, 'runbooks.setSteps', { path: file, steps: null });
    assert.deepEqual(cleared.steps.map((s) => s.title), ['Prepare', 'Fail over']);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')).stepsChoice, {});
    // only runbooks in the library
    await assert.rejects(call(core, 'runbooks.setSteps', { path: path.join(tmp.dir, 'elsewhere.md'), steps: 'x' }), /no such runbook|not a runbook in the library/);
  } finally {
    core.close();
    tmp.cleanup();
  }
});
