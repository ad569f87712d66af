import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FINISHED_STEP_STATUSES, STEP_STATUSES, isStepFinished } from '../../../main/common/status';
import { FLOW_ACK_SIZE } from '../../../main/common/flow';
import { FLOW_ACK_SIZE as CORE_ACK_SIZE } from '../../../main/terminal/flow';

const ROOT = path.resolve(__dirname, '../../..');

test('a step is finished when completed, skipped or failed; pending and running are not', () => {
  assert.deepEqual(STEP_STATUSES.filter(isStepFinished), ['completed', 'skipped', 'failed']);
  assert.deepEqual([...FINISHED_STEP_STATUSES], ['completed', 'skipped', 'failed']);
  assert.equal(isStepFinished('bogus'), false);
});

test('no hand-made copy of "finished" or of the ack size is left where issue 14 found them', () => {
  const copies = [
    ['main/drill/service.ts', /TERMINAL|'completed', 'skipped', 'failed'/],
    ['main/drill/reduce.ts', /TERMINAL|'completed', 'skipped', 'failed'/],
    ['renderer/drill/StepPanel.tsx', /=== 'completed' \|\| .*=== 'skipped'/],
    ['renderer/drill/StepList.tsx', /=== 'completed' \|\| .*=== 'skipped'/],
    ['renderer/drill/DrillScreen.tsx', /=== 'completed' \|\| .*=== 'skipped'/],
    ['renderer/terminal/hub.ts', /ACK_SIZE = \d/],
  ] as const;
  for (const [file, pattern] of copies) assert.doesNotMatch(readFileSync(path.join(ROOT, file), 'utf8'), pattern, file);
  assert.equal(CORE_ACK_SIZE, FLOW_ACK_SIZE);
});
