import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseRunbook } from '../../../main/runbook';
import { runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/runbooks';
import {
  applyVars,
  blockReferences,
  describeRunbookVars,
  parseVarFlags,
  prepareVars,
  readVarSpecs,
  resolveVars,
  substitute,
  VarsError,
  type VarProblem,
} from '../../../main/runbook/vars';

const SOURCE = `---
title: Restore
vars:
  SCRATCH_DB: app_restore
  BACKUP_DIR:
    description: where the dumps are
  PGPORT: {default: 5432, pattern: '^[0-9]+$'}
  PGPASSWORD: {secret: true}
  OPTIONAL_TOKEN: {secret: true, required: false, env: CI_TOKEN}
  REGION: {default: eu, env: DRILL_REGION}
---

# Restore

## Restore

\`\`\`sh {name=restore auto=true}
createdb "{{SCRATCH_DB}}"
pg_restore -p {{ PGPORT }} -d "{{SCRATCH_DB}}" {{BACKUP_DIR}}/latest.dump
kubectl get pods -o go-template='{{range .items}}{{.metadata.name}}{{end}}'
\`\`\`

## Notes

\`\`\`sh {name=manual}
echo "{{REGION}}"
\`\`\`
`;

const rb = () => parseRunbook(SOURCE, '/rb/restore.md');
const blocks = () => rb().steps.flatMap((s) => s.commands);
const env = { PGPASSWORD: 'hunter2-secret' };

function problemsOf(fn: () => unknown): VarProblem[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof VarsError) return err.problems;
    throw err;
  }
  assert.fail('expected a VarsError');
}

test('front matter vars: short and long forms, lines, secrets get their env name', () => {
  const { specs, problems } = readVarSpecs(rb());
  assert.deepEqual(problems, []);
  assert.deepEqual(
    specs.map((s) => [s.name, s.line, s.default, s.secret, s.env, s.required]),
    [
      ['SCRATCH_DB', 4, 'app_restore', false, undefined, true],
      ['BACKUP_DIR', 5, undefined, false, undefined, true],
      ['PGPORT', 7, '5432', false, undefined, true],
      ['PGPASSWORD', 8, undefined, true, 'PGPASSWORD', true],
      ['OPTIONAL_TOKEN', 9, undefined, true, 'CI_TOKEN', false],
      ['REGION', 10, 'eu', false, 'DRILL_REGION', true],
    ],
  );
});

test('references: bare words in double braces, with file lines; Go template syntax is not a variable', () => {
  const refs = blocks().flatMap(blockReferences);
  assert.deepEqual(
    refs.map((r) => [r.name, r.line]),
    [
      ['SCRATCH_DB', 18],
      ['PGPORT', 19],
      ['SCRATCH_DB', 19],
      ['BACKUP_DIR', 19],
      ['REGION', 26],
    ],
  );
});

test('prepareVars fills in plain values (given > env > default) and keeps secrets out of the text', () => {
  const prepared = prepareVars(rb(), { given: { BACKUP_DIR: '/srv/backups' }, env: { ...env, DRILL_REGION: 'us' }, secrets: 'require', blocks: blocks() });
  const text = prepared.runbook.steps[0]!.commands[0]!.text;
  assert.equal(
    text,
    `createdb "app_restore"\npg_restore -p 5432 -d "app_restore" /srv/backups/latest.dump\nkubectl get pods -o go-template='{{range .items}}{{.metadata.name}}{{end}}'`,
  );
  assert.equal(prepared.runbook.steps[1]!.commands[0]!.text, 'echo "us"');
  assert.deepEqual(prepared.resolved.secretEnv, { PGPASSWORD: 'hunter2-secret' });
  assert.deepEqual(prepared.resolved.unsetSecrets, ['OPTIONAL_TOKEN']);
  assert.doesNotMatch(JSON.stringify(prepared.runbook), /hunter2/);
  assert.equal(
    prepared.note,
    'Variables: SCRATCH_DB="app_restore" (default), BACKUP_DIR="/srv/backups", PGPORT="5432" (default), PGPASSWORD=(secret from $PGPASSWORD), OPTIONAL_TOKEN=(secret, not set), REGION="us" (from $DRILL_REGION)',
  );
  assert.doesNotMatch(prepared.note!, /hunter2/);
  // The source runbook is untouched (the library's copy stays a template).
  assert.match(rb().steps[0]!.commands[0]!.text, /\{\{SCRATCH_DB\}\}/);
});

test('every problem is reported at once, each with its file line', () => {
  const problems = problemsOf(() => prepareVars(rb(), { given: { PGPORT: '54x', NOPE: '1', PGPASSWORD: 'x' }, env: {}, secrets: 'require', blocks: blocks() }));
  assert.deepEqual(problems, [
    { line: 0, message: '--var NOPE: the runbook declares no variable NOPE (it declares SCRATCH_DB, BACKUP_DIR, PGPORT, PGPASSWORD, OPTIONAL_TOKEN, REGION)' },
    { line: 8, message: '--var PGPASSWORD: PGPASSWORD is secret, so it is read only from the environment variable PGPASSWORD (a command line shows up in ps and shell history)' },
    { line: 5, message: 'variable BACKUP_DIR has no value: give --var BACKUP_DIR=… or a default under vars: (where the dumps are)' },
    { line: 7, message: '--var PGPORT: "54x" does not match ^[0-9]+$' },
    { line: 8, message: 'secret PGPASSWORD is not set: export PGPASSWORD in the environment that runs drillbook' },
  ]);
  const err = new VarsError('restore.md', problems);
  assert.match(err.message, /^--var NOPE: .*\nrestore\.md:8: --var PGPASSWORD/);
});

test('an undeclared {{NAME}} and a {{SECRET}} in a block that runs are errors at their line', () => {
  const text = `---
vars:
  PW: {secret: true}
---
# R

## One

\`\`\`sh {auto=true}
echo {{UNDECLARED}}
psql "password={{PW}}"
\`\`\`
`;
  const r = parseRunbook(text, '/rb/r.md');
  const problems = problemsOf(() => prepareVars(r, { given: {}, env: { PW: 'longsecret' }, secrets: 'require', blocks: r.steps[0]!.commands }));
  assert.deepEqual(problems.map((p) => p.line), [10, 11]);
  assert.match(problems[0]!.message, /^\{\{UNDECLARED\}\} is not a declared variable: declare it under vars: in the front matter \(declared: PW\)$/);
  assert.match(problems[1]!.message, /^\{\{PW\}\} is a secret: secrets are never written into command text; use "\$PW"/);
});

test('blocks that do not run are not checked (a manual block may keep a placeholder for the operator)', () => {
  const text = `# R\n\n## One\n\n\`\`\`sh {auto=true}\necho ok\n\`\`\`\n\n## Two\n\n\`\`\`sh\nssh {{hostname}}\n\`\`\`\n`;
  const r = parseRunbook(text, '/rb/r.md');
  const auto = r.steps.flatMap((s) => s.commands).filter((b) => b.attrs.auto);
  const prepared = prepareVars(r, { given: {}, env: {}, secrets: 'require', blocks: auto });
  assert.equal(prepared.runbook, r, 'nothing to fill in: the same runbook');
  assert.equal(prepared.note, null);
  assert.throws(() => prepareVars(r, { given: {}, env: {}, secrets: 'require', blocks: r.steps.flatMap((s) => s.commands) }), /\{\{hostname\}\} is not a declared variable/);
});

test('declaration mistakes are bad input', () => {
  const text = `---
vars:
  1BAD: x
  PW: {secret: true, default: hunter2}
  P: {pattern: '([', colour: red}
  L: [a, b]
  M: {default: "two\\nlines"}
---
# R
## S
text
`;
  const { problems } = readVarSpecs(parseRunbook(text, '/rb/r.md'));
  assert.deepEqual(
    problems.map((p) => [p.line, p.message.replace(/ \(.*$/, '')]),
    [
      [3, 'vars: "1BAD" is not a variable name'],
      [4, 'vars: PW: a secret cannot have a default: it would be stored in the runbook'],
      [5, 'vars: P: unknown field colour'],
      [5, 'vars: P: pattern is not a valid regular expression'],
      [6, 'vars: L: expected a default value or {default, description, secret, env, pattern}'],
      [7, 'vars: M: the default must be one line'],
    ],
  );
  const notMap = `---\nvars: [A, B]\n---\n# R\n## S\ntext\n`;
  assert.deepEqual(readVarSpecs(parseRunbook(notMap, '/r.md')).problems.map((p) => p.line), [2]);
});

test('values: one line, bounded, NUL-free; empty env values count as unset', () => {
  const specs = readVarSpecs(rb()).specs;
  const { problems } = resolveVars(specs, { given: { BACKUP_DIR: 'a\nb' }, env: { PGPASSWORD: '' }, secrets: 'require' });
  assert.deepEqual(problems.map((p) => p.message), [
    '--var BACKUP_DIR: must be one line (no line breaks or NUL characters)',
    'secret PGPASSWORD is not set: export PGPASSWORD in the environment that runs drillbook',
  ]);
  const skip = resolveVars(specs, { given: { BACKUP_DIR: '/b' }, env: {}, secrets: 'skip' });
  assert.deepEqual(skip.problems, [], 'a UI drill does not look secrets up');
});

test('substitute leaves unknown names alone; applyVars copies, never mutates', () => {
  assert.equal(substitute('{{A}} {{ B }} {{C}} {{.x}}', new Map([['A', '1'], ['B', '2']])), '1 2 {{C}} {{.x}}');
  const r = rb();
  const before = JSON.stringify(r);
  const out = applyVars(r, new Map([['SCRATCH_DB', 'x']]));
  assert.equal(JSON.stringify(r), before);
  assert.notEqual(out.steps[0], r.steps[0]);
  assert.equal(out.sha256, r.sha256, 'the hash still names the source file');
});

test('--var flags: NAME=VALUE, values may contain =, a repeat is an error', () => {
  assert.deepEqual(parseVarFlags(['A=1', 'B=x=y', 'C=']), { A: '1', B: 'x=y', C: '' });
  assert.throws(() => parseVarFlags(['A=1', 'A=2']), /--var A is given twice/);
  assert.throws(() => parseVarFlags(['=1']), /expected NAME=VALUE/);
  assert.throws(() => parseVarFlags(['no-equals']), /expected NAME=VALUE/);
});

test('the UI description lists variables, where they are used, and never a secret value', () => {
  const { vars, problems } = describeRunbookVars(rb(), { PGPASSWORD: 'hunter2-secret', DRILL_REGION: 'us' });
  assert.deepEqual(problems, []);
  const pw = vars.find((v) => v.name === 'PGPASSWORD')!;
  assert.deepEqual(pw, { name: 'PGPASSWORD', line: 8, description: null, default: null, secret: true, required: true, pattern: null, env: 'PGPASSWORD', envSet: true, usedAt: [] });
  assert.deepEqual(vars.find((v) => v.name === 'SCRATCH_DB')!.usedAt, [18, 19]);
  assert.equal(vars.find((v) => v.name === 'REGION')!.envSet, true);
  assert.doesNotMatch(JSON.stringify(vars), /hunter2/);
});

// ---------------------------------------------------------------------------
// Issue 14: `vars:` is parsed by the runbook parser, from the YAML nodes, like `targets:`.

test('the parser carries the declared variables: runbook.meta.vars, with their metadata and lines', () => {
  const r = rb();
  assert.deepEqual(
    (r.meta.vars ?? []).map((s) => [s.name, s.line, s.default ?? null, s.description ?? null, s.secret, s.env ?? null, s.pattern ?? null]),
    [
      ['SCRATCH_DB', 4, 'app_restore', null, false, null, null],
      ['BACKUP_DIR', 5, null, 'where the dumps are', false, null, null],
      ['PGPORT', 7, '5432', null, false, null, '^[0-9]+$'],
      ['PGPASSWORD', 8, null, null, true, 'PGPASSWORD', null],
      ['OPTIONAL_TOKEN', 9, null, null, true, 'CI_TOKEN', null],
      ['REGION', 10, 'eu', null, false, 'DRILL_REGION', null],
    ],
  );
  assert.deepEqual(r.meta.varProblems, []);
  assert.equal(parseRunbook('# R\n## S\ntext\n', '/r.md').meta.vars, undefined, 'no vars: nothing declared');
});

test('lines come from the YAML, not from matching text: a name inside an earlier description, flow style, no file on disk', () => {
  // The regex line finder this replaces took B's line from A's description ("… B: …"), and read
  // the file from disk, so a runbook parsed from text (or moved since) got line 1 for everything.
  const text = `---
title: Lines
vars:
  A: {description: "copy B: the host name"}
  B: {default: "db 1"}
  C: {pattern: '(['}
---
# R
## S
\`\`\`sh
echo {{A}} {{B}} {{C}}
\`\`\`
`;
  const r = parseRunbook(text, '/does/not/exist/lines.md');
  assert.deepEqual((r.meta.vars ?? []).map((s) => [s.name, s.line]), [['A', 4], ['B', 5], ['C', 6]]);
  assert.deepEqual(
    (r.meta.varProblems ?? []).map((p) => [p.line, p.message.replace(/ \(.*$/, '')]),
    [[6, 'vars: C: pattern is not a valid regular expression']],
  );
  const flow = parseRunbook(`---\nvars: {X: 1,\n  9Y: 2}\n---\n# R\n## S\ntext\n`, '/r.md');
  assert.deepEqual((flow.meta.varProblems ?? []).map((p) => p.line), [3]);
});

test('every bundled runbook: its vars: parse without a problem, and each line names the variable', () => {
  const dir = path.resolve(__dirname, '../../../runbooks');
  let declared = 0;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.md') && n !== 'FORMAT.md')) {
    const file = path.join(dir, name);
    const source = readFileSync(file, 'utf8');
    const r = parseRunbook(source, file);
    assert.deepEqual(r.meta.varProblems ?? [], [], name);
    const lines = source.split('\n');
    for (const spec of r.meta.vars ?? []) {
      declared++;
      assert.match(lines[spec.line - 1] ?? '', new RegExp(`^\\s*${spec.name}\\s*:`), `${name}:${spec.line} declares ${spec.name}`);
    }
    assert.equal((r.meta.vars ?? []).length > 0, /^vars:/m.test(source.split(/^---$/m)[1] ?? ''), `${name}: vars found iff declared`);
  }
  assert.ok(declared >= 10, `only ${declared} variables in the bundled runbooks`);
});

test('drillbook lint on a malformed vars block: one clear sentence per mistake, as FILE:LINE', () => {
  const tmp = tempDir();
  try {
    const file = path.join(tmp.dir, 'bad-vars.md');
    writeFileSync(file, `---\ntitle: Bad vars\nvars:\n  OK: fine\n  2FAST: x\n  PW: {secret: true, default: hunter2}\n---\n# Bad vars\n## Restore\n\`\`\`sh\necho {{OK}} {{MISSING}}\n\`\`\`\n`);
    const res = runCli(['lint', file]);
    assert.equal(res.code, 1, res.err);
    const lines = res.err.split('\n').filter((l) => l.startsWith(file));
    assert.deepEqual(lines, [
      `${file}:5: vars: "2FAST" is not a variable name (letters, digits and _, not starting with a digit)`,
      `${file}:6: vars: PW: a secret cannot have a default: it would be stored in the runbook (set the environment variable instead)`,
      `${file}:11: {{MISSING}} is not a declared variable: declare it under vars: in the front matter (declared: OK, PW)`,
    ]);
  } finally {
    tmp.cleanup();
  }
});
