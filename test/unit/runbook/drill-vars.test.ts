/**
 * The variables API the UI uses, through the real core and its validation:
 * `runbooks.vars` lists what to prompt for (never a secret's value), and
 * `drill.start` with `vars` records the filled-in runbook or refuses with
 * one clear reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Core } from '../../../main/api/core';
import { tempDir } from '../../helpers/runbooks';

const RUNBOOK = `---
title: Vars via the API
vars:
  SCRATCH_DB: {default: app_restore, pattern: '^[a-z_]+$'}
  BACKUP_FILE: {description: the dump}
  PGPASSWORD: {secret: true}
---
# Vars via the API

## Restore

\`\`\`sh {name=restore expect="restored {{SCRATCH_DB}}"}
pg_restore -d {{SCRATCH_DB}} {{BACKUP_FILE}}
\`\`\`
`;

function setup() {
  const tmp = tempDir();
  const dir = path.join(tmp.dir, 'runbooks');
  mkdirSync(dir);
  const file = path.join(dir, 'vars.md');
  writeFileSync(file, RUNBOOK);
  writeFileSync(path.join(dir, 'plain.md'), '# Plain\n\n## One\n\n```sh\nssh {{hostname}}\n```\n');
  const core = new Core({ dataDir: path.join(tmp.dir, 'data'), runbookDirs: [dir], host: 'web' });
  return { core, file, plain: path.join(dir, 'plain.md'), done: () => (core.close(), tmp.cleanup()) };
}

test('runbooks.vars lists the variables to prompt for, and whether a secret is set, never its value', async () => {
  const { core, file, done } = setup();
  const saved = process.env.PGPASSWORD;
  process.env.PGPASSWORD = 'hunter2-api-secret';
  try {
    const r = await core.dispatch({ id: 1, method: 'runbooks.vars', params: { path: file } });
    assert.ok('result' in r, JSON.stringify(r));
    const { vars, problems } = r.result as { vars: { name: string; default: string | null; secret: boolean; envSet: boolean; usedAt: number[] }[]; problems: string[] };
    assert.deepEqual(problems, []);
    assert.deepEqual(vars.map((v) => [v.name, v.default, v.secret, v.envSet]), [
      ['SCRATCH_DB', 'app_restore', false, false],
      ['BACKUP_FILE', null, false, false],
      ['PGPASSWORD', null, true, true],
    ]);
    assert.deepEqual(vars[0]!.usedAt, [12, 13], 'the fence line (expect) and the text line');
    assert.doesNotMatch(JSON.stringify(r), /hunter2/);
  } finally {
    if (saved === undefined) delete process.env.PGPASSWORD;
    else process.env.PGPASSWORD = saved;
    done();
  }
});

test('drill.start fills the values into the recorded runbook, or refuses with the reason', async () => {
  const { core, file, plain, done } = setup();
  try {
    const start = (vars?: Record<string, string>, runbookPath = file) =>
      core.dispatch({ id: 2, method: 'drill.start', params: { runbookPath, mode: 'rehearsal', operator: 'ana', ...(vars ? { vars } : {}) } });

    const ok = await start({ BACKUP_FILE: '/b/app.dump' });
    assert.ok('result' in ok, JSON.stringify(ok));
    const drillId = (ok.result as { id: string }).id;
    const block = core.drills.runbookOf(drillId).steps[0]!.commands[0]!;
    assert.equal(block.text, 'pg_restore -d app_restore /b/app.dump');
    assert.equal(block.attrs.expect, 'restored app_restore');

    const refusals: [Record<string, string> | undefined, RegExp][] = [
      [undefined, /^vars\.md:5: variable BACKUP_FILE has no value/],
      [{ BACKUP_FILE: '/b', SCRATCH_DB: 'Bad' }, /--var SCRATCH_DB: "Bad" does not match/],
      [{ BACKUP_FILE: '/b', PGPASSWORD: 'x' }, /PGPASSWORD is secret/],
      [{ BACKUP_FILE: '/b', NOPE: 'x' }, /declares no variable NOPE/],
    ];
    for (const [vars, why] of refusals) {
      const r = await start(vars);
      assert.ok('error' in r, JSON.stringify(r));
      assert.equal(r.error.code, 'bad_request');
      assert.match(r.error.message, why);
    }
    const badName = await start({ 'not a name': 'x' });
    assert.ok('error' in badName && /invalid drill.start request: vars\.not a name/.test(badName.error.message), JSON.stringify(badName));

    // A runbook without vars starts as it is: its {{placeholder}} is for the operator.
    const p = await start(undefined, plain);
    assert.ok('result' in p, JSON.stringify(p));
  } finally {
    done();
  }
});
