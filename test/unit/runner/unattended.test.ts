import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseRunbook } from '../../../main/runbook';
import { bundleDirFor, checkExportDir, checkOutputFile, chooseMode, manualSteps, strictProblem } from '../../../main/runner/unattended';
import { tempDir } from '../../helpers/runbooks';

test('mode: --mode wins; CI or no terminal on stdin means automated; a terminal means rehearsal', () => {
  assert.equal(chooseMode('live', { CI: 'true' }, false).mode, 'live');
  assert.equal(chooseMode(undefined, { CI: 'true' }, true).mode, 'automated');
  assert.equal(chooseMode(undefined, { CI: '1' }, true).mode, 'automated');
  assert.equal(chooseMode(undefined, { CI: 'false' }, true).mode, 'rehearsal');
  assert.equal(chooseMode(undefined, { CI: '' }, true).mode, 'rehearsal');
  assert.equal(chooseMode(undefined, {}, false).mode, 'automated', 'cron, systemd timers, Jenkins');
  assert.match(chooseMode(undefined, {}, false).why, /no terminal on stdin/);
  assert.equal(chooseMode(undefined, {}, true).mode, 'rehearsal');
});

test('manual steps: no block, or no auto block (unless --all); --strict names each with its line', () => {
  const rb = parseRunbook(
    `# R\n\n## Auto\n\n\`\`\`sh {auto=true}\ntrue\n\`\`\`\n\n## Checklist only\n\n- [ ] look\n\n## Not auto\n\n\`\`\`sh\ntrue\n\`\`\`\n`,
    '/rb/r.md',
  );
  assert.deepEqual(manualSteps(rb, false), [
    { index: 1, title: 'Checklist only', line: 9, why: 'it has no command to run' },
    { index: 2, title: 'Not auto', line: 13, why: 'no block is marked auto=true' },
  ]);
  assert.deepEqual(manualSteps(rb, true).map((m) => m.index), [1]);
  assert.equal(
    strictProblem('r.md', manualSteps(rb, false)),
    '--strict: 2 steps cannot run unattended:\n' +
      '  r.md:9: step 2 "Checklist only": it has no command to run\n' +
      '  r.md:13: step 3 "Not auto": no block is marked auto=true\n' +
      'Mark their blocks auto=true (or run with --all), or drop --strict to record them as manual. Nothing was run.',
  );
  assert.equal(strictProblem('r.md', []), null);
});

test('output locations are checked before the run', () => {
  const tmp = tempDir();
  try {
    assert.equal(checkOutputFile('--junit', path.join(tmp.dir, 'report.xml')), null);
    assert.match(checkOutputFile('--junit', path.join(tmp.dir, 'nope', 'report.xml'))!, /the folder .*nope does not exist/);
    mkdirSync(path.join(tmp.dir, 'a-folder'));
    assert.match(checkOutputFile('--junit', path.join(tmp.dir, 'a-folder'))!, /is a folder/);
    writeFileSync(path.join(tmp.dir, 'file'), '');
    assert.match(checkExportDir(path.join(tmp.dir, 'file'))!, /cannot create or write|not a folder/);
    const exp = path.join(tmp.dir, 'evidence', 'monthly');
    assert.equal(checkExportDir(exp), null, 'created with its parents');
    assert.equal(bundleDirFor(exp, 'd1'), path.join(exp, 'd1'));
    mkdirSync(path.join(exp, 'd1'));
    writeFileSync(path.join(exp, 'd1', 'x'), '');
    assert.equal(bundleDirFor(exp, 'd1'), path.join(exp, 'd1-2'), 'never into a non-empty folder');
  } finally {
    tmp.cleanup();
  }
});
