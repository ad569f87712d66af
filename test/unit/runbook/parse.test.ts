import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RunbookError, parseRunbook, type Diagnostic, type Runbook } from '../../../main/runbook';
import { titleKey } from '../../../main/runbook/parse';

/** Joins lines, so each test shows its line numbers plainly. */
const md = (...lines: string[]) => lines.join('\n');
const errors = (rb: Runbook) => rb.diagnostics.filter((d) => d.severity === 'error');
const warnings = (rb: Runbook) => rb.diagnostics.filter((d) => d.severity === 'warning');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

function throwsRunbookError(fn: () => unknown, line: number, reason: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RunbookError, `expected a RunbookError, got ${String(err)}`);
    assert.equal(err.line, line, err.message);
    assert.match(err.reason, reason);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    assert.equal(err.message, `${err.file}:${err.line}: ${err.reason}`);
    return true;
  });
}

const BASIC = md(
  '---', //                                          1
  'title: Restore orders',
  'rto: 45m',
  'rpo: 1h30m',
  'owner: dba-oncall', //                             5
  'tags: [postgres, restore]',
  'review_every: 90 days',
  '---',
  '',
  '# Orders restore', //                              10
  '',
  'Restores the orders DB.',
  '',
  '## Stop writers {rto=start}',
  '', //                                              15
  '- [ ] Maintenance page up',
  '- [x] Ticket opened',
  '',
  '```sh {name=stop auto=true}',
  'systemctl stop app', //                            20
  '```',
  '',
  '## Restore',
  '',
  '```bash', //                                       25
  'pg_restore -d orders dump',
  'echo done',
  '```',
  '',
  '### Notes inside the step', //                     30
  '',
  'More text.',
  '',
  '## Verify {rto=end}',
  '', //                                              35
  '```sh {expect="/^ok$/m"}',
  'echo ok',
  '```',
  '',
);

test('a Drillbook runbook: meta, title, intro and H2 steps', () => {
  const rb = parseRunbook(BASIC, '/rb/orders.md', 'abc');
  assert.equal(rb.file, '/rb/orders.md');
  assert.equal(rb.sha256, 'abc');
  assert.equal(rb.title, 'Restore orders');
  assert.deepEqual(rb.rto, { text: '45m', seconds: 2700 });
  assert.deepEqual(rb.rpo, { text: '1h30m', seconds: 5400 });
  assert.equal(rb.meta.owner, 'dba-oncall');
  assert.deepEqual(rb.meta.tags, ['postgres', 'restore']);
  assert.deepEqual(rb.meta.targets, [{ name: 'local', kind: 'local' }]);
  assert.deepEqual(rb.meta.extra, { review_every: '90 days' });
  assert.equal(rb.intro, 'Restores the orders DB.');
  assert.equal(rb.stepSource, 'h2');
  assert.equal(rb.stepLevel, 2);
  assert.deepEqual(rb.diagnostics, []);

  assert.deepEqual(
    rb.steps.map((s) => [s.index, s.title, s.key, s.line, s.endLine]),
    [
      [0, 'Stop writers', 'stop', 14, 21],
      [1, 'Restore', 'restore', 23, 32],
      [2, 'Verify', 'verify', 34, 38],
    ],
  );
});

test('commands: language, exact text, fence line, attributes', () => {
  const [stop, restore, verify] = parseRunbook(BASIC, 'orders.md').steps;
  assert.deepEqual(stop?.commands, [{ lang: 'sh', text: 'systemctl stop app', line: 19, attrs: { name: 'stop', auto: true }, fenced: true }]);
  assert.deepEqual(restore?.commands, [{ lang: 'bash', text: 'pg_restore -d orders dump\necho done', line: 25, attrs: {}, fenced: true }]);
  assert.deepEqual(verify?.commands[0]?.attrs, { expect: '/^ok$/m' });
});

test('checklist items with lines and checked state', () => {
  const [stop] = parseRunbook(BASIC, 'orders.md').steps;
  assert.deepEqual(stop?.checklist, [
    { text: 'Maintenance page up', line: 16, checked: false },
    { text: 'Ticket opened', line: 17, checked: true },
  ]);
});

test('RTO markers from headings and blocks; body without the heading', () => {
  const rb = parseRunbook(BASIC, 'orders.md');
  assert.deepEqual(rb.steps.map((s) => [s.rtoStart, s.rtoEnd]), [[true, false], [false, false], [false, true]]);
  const restore = rb.steps[1];
  assert.ok(restore?.body.startsWith('```bash\npg_restore'));
  assert.ok(restore?.body.endsWith('### Notes inside the step\n\nMore text.'));
  assert.ok(!rb.steps[0]?.body.includes('rto=start'));
  assert.ok(rb.steps[0]?.body.startsWith('- [ ] Maintenance page up'));
});

test('CRLF and a BOM give the same lines and text', () => {
  const lf = parseRunbook(BASIC, 'orders.md');
  const crlf = parseRunbook(`\uFEFF${BASIC.replace(/\n/g, '\r\n')}`, 'orders.md');
  const shape = (rb: Runbook) => ({ ...rb, sha256: '' });
  assert.deepEqual(shape(crlf), shape(lf));
  assert.ok(!JSON.stringify(crlf).includes('\\r'));
});

test('sha256 defaults to the hash of the text; the model is JSON-serialisable', () => {
  const rb = parseRunbook(BASIC, 'orders.md');
  assert.equal(rb.sha256, createHash('sha256').update(BASIC).digest('hex'));
  assert.deepEqual(JSON.parse(JSON.stringify(rb)), rb);
});

// ---------------------------------------------------------------------------
// Front matter

test('front matter: duplicate keys are allowed, with a warning on the duplicate', () => {
  const rb = parseRunbook(md('---', 'layout: ops', 'title: T', 'layout: docs', '---', '## A', '## B'), 'x.md');
  assert.deepEqual(rb.meta.extra, { layout: 'docs' });
  assert.deepEqual(rb.diagnostics, [{ severity: 'warning', line: 4, message: 'front matter key "layout" appears more than once; the last one is used' }]);
});

test('front matter: broken YAML is a RunbookError at the real file line', () => {
  throwsRunbookError(() => parseRunbook(md('---', 'title: ok', 'rto: a: b', '---', '## A'), 'x.md'), 3, /^invalid front matter: Nested mappings/);
  throwsRunbookError(() => parseRunbook(md('---', 'title: "unterminated', '---', '## A'), 'x.md'), 2, /^invalid front matter: Missing closing "quote/);
  throwsRunbookError(() => parseRunbook(md('---', 'a: 1', 'b: @x', '---'), 'x.md'), 3, /reserved character @/);
  // with CRLF and a BOM the line is the same
  throwsRunbookError(() => parseRunbook(`\uFEFF---\r\ntitle: ok\r\nrto: a: b\r\n---\r\n`, 'x.md'), 3, /^invalid front matter/);
  throwsRunbookError(() => parseRunbook(md('---', '- a', '- b', '---'), 'x.md'), 2, /expected "key: value" lines/);
  throwsRunbookError(() => parseRunbook(md('---', 'a: *nowhere', '---'), 'x.md'), 2, /^invalid front matter: /);
  throwsRunbookError(() => parseRunbook(md('---', 'title: never closed', '## A'), 'x.md'), 1, /front matter is not closed/);
});

test('front matter: `...` closes it, empty front matter is fine, --- later is a rule', () => {
  const dots = parseRunbook(md('---', 'title: Dots', '...', '## A'), 'x.md');
  assert.equal(dots.title, 'Dots');
  assert.equal(dots.steps[0]?.line, 4);
  const empty = parseRunbook(md('---', '---', '# Empty FM', '## A', '## B'), 'x.md');
  assert.equal(empty.title, 'Empty FM');
  const hr = parseRunbook(md('# T', '', '---', '', '## A', 'text', '## B'), 'x.md');
  assert.deepEqual(hr.steps.map((s) => s.title), ['A', 'B']);
});

test('front matter: front matter lines keep the body line numbers right', () => {
  const text = md('---', 'title: T', 'notes: |', '  # not a heading', '  ## nor this', '---', '## Real step', '```sh', 'x', '```', '## Second');
  const rb = parseRunbook(text, 'x.md');
  assert.deepEqual(rb.steps.map((s) => [s.title, s.line]), [['Real step', 7], ['Second', 11]]);
  assert.equal(rb.steps[0]?.commands[0]?.line, 8);
  assert.equal(rb.meta.extra.notes, '# not a heading\n## nor this\n');
});

test('front matter: tags as a string, bad rto/rpo are error diagnostics at their line', () => {
  const rb = parseRunbook(md('---', 'tags: db, postgres restore', 'rto: soon', 'rpo: [1]', 'owner: [a]', '---', '## A', '## B'), 'x.md');
  assert.deepEqual(rb.meta.tags, ['db', 'postgres', 'restore']);
  assert.equal(rb.rto, undefined);
  assert.deepEqual(
    rb.diagnostics.map((d) => [d.severity, d.line]),
    [['error', 3], ['error', 4], ['warning', 5]],
  );
  assert.match(rb.diagnostics[0]?.message ?? '', /^rto: invalid duration "soon"/);
  assert.equal(rb.steps.length, 2);
});

test('front matter: rto as a number is seconds', () => {
  assert.deepEqual(parseRunbook(md('---', 'rto: 300', '---', '## A'), 'x.md').rto, { text: '300s', seconds: 300 });
});

// ---------------------------------------------------------------------------
// Targets

test('targets: the map form, every spelling', () => {
  const rb = parseRunbook(
    md(
      '---',
      'targets:',
      '  db: { host: db1.example, user: postgres, port: 2222 }',
      '  bastion: { alias: prod-bastion }',
      '  replica: postgres@db2:22',
      '  url: ssh://ops@db3.example:2200',
      '  hostonly: ssh://db4',
      '  v6: root@[::1]:22',
      '  alias: prod-db',
      '  laptop: local',
      '  me: { kind: local }',
      '---',
      '## A',
    ),
    'x.md',
  );
  assert.deepEqual(rb.diagnostics, []);
  assert.deepEqual(rb.meta.targets, [
    { name: 'local', kind: 'local' },
    { name: 'db', kind: 'ssh', host: 'db1.example', user: 'postgres', port: 2222 },
    { name: 'bastion', kind: 'ssh', alias: 'prod-bastion' },
    { name: 'replica', kind: 'ssh', host: 'db2', user: 'postgres', port: 22 },
    { name: 'url', kind: 'ssh', host: 'db3.example', user: 'ops', port: 2200 },
    { name: 'hostonly', kind: 'ssh', host: 'db4' },
    { name: 'v6', kind: 'ssh', host: '::1', user: 'root', port: 22 },
    { name: 'alias', kind: 'ssh', alias: 'prod-db' },
    { name: 'laptop', kind: 'local' },
    { name: 'me', kind: 'local' },
  ]);
});

test('targets: the list form', () => {
  const rb = parseRunbook(
    md('---', 'targets:', '  - local', '  - { name: db, host: db1.example, user: postgres }', '  - prod-bastion', '  - ops@db2.example:2022', '---', '## A'),
    'x.md',
  );
  assert.deepEqual(rb.diagnostics, []);
  assert.deepEqual(rb.meta.targets, [
    { name: 'local', kind: 'local' },
    { name: 'db', kind: 'ssh', host: 'db1.example', user: 'postgres' },
    { name: 'prod-bastion', kind: 'ssh', alias: 'prod-bastion' },
    { name: 'db2.example', kind: 'ssh', host: 'db2.example', user: 'ops', port: 2022 },
  ]);
});

test('targets: mistakes are error diagnostics at the target line', () => {
  const rb = parseRunbook(
    md(
      '---',
      'targets:',
      '  db: { host: a, port: 99999 }', //   3
      '  empty:', //                         4
      '  local: { host: x }', //             5
      '  weird: { hostname: x, host: y }', // 6
      '  "bad name": a@b', //                7
      '  db: { host: b }', //                8
      '  nohost: { user: x }', //            9
      '---',
      '## A',
    ),
    'x.md',
  );
  const lines = errors(rb).map((d) => d.line);
  assert.deepEqual(lines, [3, 4, 5, 6, 7, 8, 9]);
  const text = errors(rb).map((d) => d.message).join('\n');
  assert.match(text, /port must be a number from 1 to 65535/);
  assert.match(text, /target "empty" has no definition/);
  assert.match(text, /"local" is reserved/);
  assert.match(text, /unknown field "hostname"/);
  assert.match(text, /target name "bad name" must be letters/);
  assert.match(text, /target "db" is defined twice \(also on line 3\)/);
  assert.match(text, /target "nohost" needs a host or an alias/);
  throwsNothingForScalar();
});

function throwsNothingForScalar(): void {
  const rb = parseRunbook(md('---', 'targets: db1', '---', '## A'), 'x.md');
  assert.deepEqual(errors(rb).map((d) => [d.line, d.message]), [[2, 'targets must be a map (name: spec) or a list']]);
}

test('a block naming an undefined target is an error at the fence', () => {
  const text = md('---', 'targets:', '  db: postgres@db1', '---', '## A', '```sh {target=db}', 'x', '```', '```sh {target=dbb}', 'y', '```');
  const rb = parseRunbook(text, 'x.md');
  assert.deepEqual(errors(rb), [
    { severity: 'error', line: 9, message: 'unknown target "dbb": define it under targets: in the front matter (defined: local, db)' },
  ]);
});

// ---------------------------------------------------------------------------
// Title

test('title: front matter, then H1, then the file name', () => {
  assert.equal(parseRunbook(md('---', 'title: FM', '---', '# H1', '## A'), 'x.md').title, 'FM');
  assert.equal(parseRunbook(md('# The *H1* `title`', '## A'), 'x.md').title, 'The H1 title');
  assert.equal(parseRunbook(md('## A', '## B'), '/dir/sub/my-runbook.md').title, 'my-runbook');
});

test('title: an H1 with template syntax gives way to the front matter title', () => {
  const erb = parseRunbook(md('---', 'title: Delete state lock', '---', '# <%= current_page.data.title %>', '## A', '## B'), 'x.md');
  assert.equal(erb.title, 'Delete state lock');
  // still the title heading: not a step, not in the intro
  assert.deepEqual(erb.steps.map((s) => s.title), ['A', 'B']);
  assert.equal(erb.intro, '');
  assert.equal(parseRunbook(md('# {{ page.title }}', '## A'), '/x/liquid.md').title, 'liquid');
  assert.equal(parseRunbook(md('---', 'title: "{{ .Title }}"', '---', '# Real', '## A'), 'x.md').title, 'Real');
});

test('title: a lone H2 opening a document without H1 is its title', () => {
  const rb = parseRunbook(md('## Playbook: Ransomware', '', 'Intro text.', '', '### Investigate', 'a', '### Remediate', 'b'), 'x.md');
  assert.equal(rb.title, 'Playbook: Ransomware');
  assert.equal(rb.intro, 'Intro text.');
  assert.deepEqual(rb.steps.map((s) => s.title), ['Investigate', 'Remediate']);
  assert.equal(rb.stepSource, 'heading');
  assert.equal(rb.stepLevel, 3);
});

// ---------------------------------------------------------------------------
// Finding steps

test('steps: H3 when there is no H2', () => {
  const rb = parseRunbook(md('# T', 'intro', '### One', 'a', '### Two', 'b', '#### Deeper', 'c'), 'x.md');
  assert.equal(rb.stepSource, 'heading');
  assert.deepEqual(rb.steps.map((s) => [s.title, s.line, s.endLine]), [['One', 3, 4], ['Two', 5, 8]]);
});

test('steps: a single H2 above repeated H3s is a group; with text of its own it is a step', () => {
  const empty = parseRunbook(md('# T', '## Action', '', '### Logs', 'a', '### Restart', 'b'), 'x.md');
  assert.deepEqual(empty.steps.map((s) => s.title), ['Logs', 'Restart']);
  assert.equal(empty.intro, '## Action');
  const withText = parseRunbook(md('# T', '## Upgrade', '- [ ] do it', '### Issues', 'a', '### Template', 'b'), 'x.md');
  assert.deepEqual(withText.steps.map((s) => [s.title, s.line, s.endLine, s.checklist.length]), [['Upgrade', 2, 3, 1], ['Issues', 4, 5, 0], ['Template', 6, 7, 0]]);
});

test('steps: H3 steps before the first H2 make H2 a grouping level', () => {
  const text = md(
    '# DR', //                 1
    '### Freeze pipeline',
    'a',
    '### Maintenance mode',
    'b', //                    5
    '## Data loss',
    'Declare an incident.',
    '### Restore',
    '```',
    'make restore', //         10
    '```',
    '## Loss of instance',
    '### Recreate',
    'c',
  );
  const rb = parseRunbook(text, 'x.md');
  assert.equal(rb.stepSource, 'heading');
  assert.equal(rb.stepLevel, 3);
  assert.deepEqual(
    rb.steps.map((s) => [s.title, s.line, s.endLine]),
    [['Freeze pipeline', 2, 3], ['Maintenance mode', 4, 5], ['Data loss', 6, 7], ['Restore', 8, 11], ['Recreate', 13, 14]],
  );
  assert.equal(rb.steps[3]?.commands[0]?.line, 9);
});

test('steps: H2 stays the step level when the first heading is H2', () => {
  const rb = parseRunbook(md('# T', '## A', '### a1', '### a2', '## B', '### b1'), 'x.md');
  assert.equal(rb.stepSource, 'h2');
  assert.deepEqual(rb.steps.map((s) => s.title), ['A', 'B']);
});

test('steps: headings inside lists and quotes do not split steps', () => {
  const rb = parseRunbook(md('## A', '> ## Quoted', '- ## Listed', '## B'), 'x.md');
  assert.deepEqual(rb.steps.map((s) => s.title), ['A', 'B']);
});

test('steps: setext headings and indented ATX headings', () => {
  const rb = parseRunbook(md('Title', '=====', '', 'Step one', '--------', 'a', '', '   ## Step two', 'b'), 'x.md');
  assert.equal(rb.title, 'Title');
  assert.deepEqual(rb.steps.map((s) => [s.title, s.line, s.endLine, s.body]), [['Step one', 4, 6, 'a'], ['Step two', 8, 9, 'b']]);
});

test('steps: an ordered list when there is no repeated heading level', () => {
  const text = md(
    '# Velero DR', //                                      1
    '',
    'Intro.',
    '',
    '1.  Set up a daily backup (replacing `<NAME>`):', //  5
    '',
    '    ```',
    '    velero schedule create <NAME>',
    '    ```',
    '', //                                                 10
    '    More about it.',
    '',
    '1.  A disaster happens.',
    '',
    '1) Create a restore. This sentence is long enough to make the title too long to show in full, surely.', // 15
  );
  const rb = parseRunbook(text, 'x.md');
  assert.equal(rb.stepSource, 'ordered-list');
  assert.equal(rb.stepLevel, undefined);
  assert.equal(rb.intro, 'Intro.');
  assert.deepEqual(
    rb.steps.map((s) => [s.title, s.line, s.endLine]),
    [
      ['Set up a daily backup (replacing <NAME>)', 5, 11],
      ['A disaster happens', 13, 13],
      ['Create a restore', 15, 15],
    ],
  );
  assert.deepEqual(rb.steps[0]?.commands.map((c) => [c.line, c.text]), [[7, 'velero schedule create <NAME>']]);
  assert.equal(rb.steps[0]?.body, 'Set up a daily backup (replacing `<NAME>`):\n\n```\nvelero schedule create <NAME>\n```\n\nMore about it.');
  assert.equal(rb.steps[0]?.key, 'set-up-a-daily-backup-replacing-name');
});

test('steps: code between two numbered lists stays with the item before it', () => {
  const rb = parseRunbook(md('1) Log in', '', '2) Find the user:', '', '```', 'aws iam list-users', '```', '', '3) Delete the user', '4) Tell the team'), 'x.md');
  assert.deepEqual(rb.steps.map((s) => [s.title, s.line, s.endLine, s.commands.length]), [
    ['Log in', 1, 1, 0],
    ['Find the user', 3, 7, 1],
    ['Delete the user', 9, 9, 0],
    ['Tell the team', 10, 10, 0],
  ]);
  assert.equal(rb.steps[1]?.body, 'Find the user:\n\n```\naws iam list-users\n```');
});

test('steps: a long list item title is cut at a word', () => {
  const long = 'Update your backup storage location to read-only mode (this prevents backup objects from being created)';
  const rb = parseRunbook(md(`1. ${long}`, '2. Next'), 'x.md');
  const title = rb.steps[0]?.title ?? '';
  assert.ok(title.length <= 80, title);
  assert.ok(title.endsWith('…'));
  assert.ok(long.startsWith(title.slice(0, -1)));
});

test('steps: the numbered list inside a lone H2 section is the procedure (issue 10, defect 2)', () => {
  const rb = parseRunbook(md('# T', '', '## Restore', '', '1. stop', '2. restore', '3. start'), 'x.md');
  assert.equal(rb.stepSource, 'procedure');
  assert.deepEqual(rb.steps.map((s) => [s.title, s.line, s.endLine]), [['stop', 5, 5], ['restore', 6, 6], ['start', 7, 7]]);
  assert.deepEqual(rb.procedure, { title: 'Restore', line: 3, how: 'list', chosen: 'detected' });
});

test('steps: a numbered list before a lone trailing H2 wins over the H2', () => {
  const rb = parseRunbook(md('Intro', '', '1. One', '1. Two', '', '## Further reading', '', '* link'), 'x.md');
  assert.equal(rb.stepSource, 'ordered-list');
  assert.deepEqual(rb.steps.map((s) => [s.title, s.line, s.endLine]), [['One', 3, 3], ['Two', 4, 8]]);
});

test('steps: the whole document as one step, with a warning', () => {
  const rb = parseRunbook(md('# Argo DR', '', 'Export:', '', '```bash', 'argocd-util export', '```'), 'x.md');
  assert.equal(rb.stepSource, 'document');
  assert.equal(rb.steps.length, 1);
  assert.deepEqual([rb.steps[0]?.title, rb.steps[0]?.line, rb.steps[0]?.endLine], ['Argo DR', 3, 7]);
  assert.equal(rb.steps[0]?.commands[0]?.line, 5);
  assert.deepEqual(warnings(rb).map((d) => d.line), [3]);
  assert.match(warnings(rb)[0]?.message ?? '', /the whole document is one step/);
});

// ---------------------------------------------------------------------------
// Commands

test('commands: fences nested in lists and quotes, indented, with tildes; exact text', () => {
  const text = md(
    '## A', //                  1
    '- item',
    '  ```sh',
    '  echo "in a list"',
    '    indented inside', //   5
    '  ```',
    '> ```sql',
    '> SELECT 1;',
    '> ```',
    '   ~~~console', //         10
    '   $ ls',
    '   ~~~',
    '',
    '    indented code block (output)',
    '', //                      15
    '```',
    '',
    '```',
  );
  const [step] = parseRunbook(text, 'x.md').steps;
  assert.deepEqual(
    step?.commands.map((c) => [c.lang, c.line, c.text, c.fenced]),
    [
      ['sh', 3, 'echo "in a list"\n  indented inside', true],
      ['sql', 7, 'SELECT 1;', true],
      ['console', 10, '$ ls', true],
      ['', 16, '', true],
    ],
  );
});

test('commands: an unclosed fence is a warning', () => {
  const rb = parseRunbook(md('## A', '```sh', 'echo 1', '## B'), 'x.md');
  assert.deepEqual(warnings(rb), [{ severity: 'warning', line: 2, message: 'this code block is never closed with ```; it runs to line 4' }]);
  assert.equal(rb.steps.length, 1);
  const closedLong = parseRunbook(md('## A', '- x', '  ```', '  y', '  ``````', '## B'), 'x.md');
  assert.deepEqual(closedLong.diagnostics, []);
});

test('commands: attribute errors are error diagnostics on the fence line', () => {
  const rb = parseRunbook(md('## A', '', '```sh {auto=yes timeout=soon}', 'x', '```', '```sh {"bad json}', '```'), 'x.md');
  assert.deepEqual(
    errors(rb).map((d) => [d.line, d.message.slice(0, 30)]),
    [[3, 'auto must be true or false, no'], [3, 'timeout: invalid duration "soo'], [6, 'invalid attribute JSON: Unterm']],
  );
});

test('commands: a block with attributes outside every step is a warning', () => {
  const rb = parseRunbook(md('# T', '```sh {auto=true}', 'rm -rf x', '```', '```', 'plain', '```', '## A', '## B'), 'x.md');
  assert.deepEqual(warnings(rb).map((d) => d.line), [2, 5]);
  assert.match(warnings(rb)[0]?.message ?? '', /not inside a step/);
  // the plain block is shown, and lint says it is not a command (issue 10)
  assert.match(warnings(rb)[1]?.message ?? '', /before the first step, so it is shown but is not a command/);
});

// ---------------------------------------------------------------------------
// Checklists

test('checklist: any depth, [X], ordered items, multi-line text; not plain items', () => {
  const text = md(
    '## A', //                                  1
    '- [ ] top',
    '  - [X] nested upper-case',
    '    * [x] deeper with `code` and [a link](http://x)',
    '- plain item', //                          5
    '- [ ]',
    '1. [ ] numbered',
    '   continues here',
    '> - [x] quoted',
    '- [] not a task', //                       10
    '- [y] not a task',
    '-[ ] not a list',
  );
  const [step] = parseRunbook(text, 'x.md').steps;
  assert.deepEqual(step?.checklist, [
    { text: 'top', line: 2, checked: false },
    { text: 'nested upper-case', line: 3, checked: true },
    { text: 'deeper with `code` and [a link](http://x)', line: 4, checked: true },
    { text: '', line: 6, checked: false },
    { text: 'numbered continues here', line: 7, checked: false },
    { text: 'quoted', line: 9, checked: true },
  ]);
});

// ---------------------------------------------------------------------------
// Heading attributes, RTO markers, keys

test('heading attributes: id, rto, Pandoc id; others ignored with a warning', () => {
  const rb = parseRunbook(
    md('## Restore the dump {id=restore-db rto=start}', '## Check {#check-it}', '## Verify {"rto":"end","target":"db"}', '## Fill in {placeholder}', '## Toc {:.no_toc}'),
    'x.md',
  );
  assert.deepEqual(
    rb.steps.map((s) => [s.title, s.key, s.rtoStart, s.rtoEnd]),
    [
      ['Restore the dump', 'restore-db', true, false],
      ['Check', 'check-it', false, false],
      ['Verify', 'verify', false, true],
      ['Fill in {placeholder}', 'fill-in-placeholder', false, false],
      ['Toc', 'toc', false, false],
    ],
  );
  assert.deepEqual(rb.diagnostics, [{ severity: 'warning', line: 3, message: 'heading attributes take only id, rto and always; ignored: target' }]);
});

test('clean-up steps: always=true on the heading or on any block of the step', () => {
  const rb = parseRunbook(
    md(
      '## Restore',
      '```sh {auto=true}',
      'pg_restore x',
      '```',
      '## Drop the scratch database {always=true}',
      '```sh',
      'dropdb x',
      '```',
      '## Unmount',
      '```sh',
      'true',
      '```',
      '```sh {"always": true}',
      'umount /mnt/restore',
      '```',
      '## Not this one {always=false}',
    ),
    'x.md',
  );
  assert.deepEqual(rb.diagnostics, []);
  assert.deepEqual(
    rb.steps.map((s) => [s.title, s.always]),
    [
      ['Restore', false],
      ['Drop the scratch database', true],
      ['Unmount', true],
      ['Not this one', false],
    ],
  );
  assert.equal(rb.steps[2]!.commands[1]!.attrs.always, true);
  assert.match(errors(parseRunbook(md('## A', '```sh {always=maybe}', 'x', '```'), 'x.md'))[0]?.message ?? '', /always must be true or false, not "maybe"/);
});

test('heading attributes: bad values are errors on the heading line', () => {
  const rb = parseRunbook(md('## A', '## B {rto=sometime}'), 'x.md');
  assert.deepEqual(errors(rb).map((d) => d.line), [2]);
  assert.match(errors(rb)[0]?.message ?? '', /^heading attributes: rto must be/);
});

test('RTO: one start, one end, start first; both on one step is fine', () => {
  const ok = parseRunbook(md('## A {rto=start}', '## B', '```sh {rto=end}', '```'), 'x.md');
  assert.deepEqual(ok.steps.map((s) => [s.rtoStart, s.rtoEnd]), [[true, false], [false, true]]);
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual(parseRunbook(md('## A {rto="start,end"}', '## B'), 'x.md').diagnostics, []);

  const twice = parseRunbook(md('## A {rto=start}', '## B', '```sh {rto=start}', '```', '## C {rto=end}', '## D {rto=end}'), 'x.md');
  assert.deepEqual(errors(twice).map((d: Diagnostic) => [d.line, d.message]), [
    [2, 'a second rto=start (the first is at line 1); a runbook has one RTO window'],
    [6, 'a second rto=end (the first is at line 5); a runbook has one RTO window'],
  ]);

  const reversed = parseRunbook(md('## A {rto=end}', '## B {rto=start}'), 'x.md');
  assert.deepEqual(errors(reversed).map((d) => [d.line, d.message]), [[1, 'rto=end comes before rto=start (line 2)']]);
});

test('keys: heading id, then first block id, then name, then the slugged title; unique', () => {
  const rb = parseRunbook(
    md(
      '## One {id=first}',
      '```sh {id=ignored name=ignored2}',
      '```',
      '## Two',
      '```sh {id=blockid name=n}',
      '```',
      '## Three',
      '```sh {name="Restore DB!"}',
      '```',
      '## Crème brûlée: étape 4 (final)',
      '## Repeat',
      '## Repeat',
      '## Repeat',
      '## ???',
    ),
    'x.md',
  );
  assert.deepEqual(rb.steps.map((s) => s.key), ['first', 'blockid', 'restore-db', 'creme-brulee-etape-4-final', 'repeat', 'repeat-2', 'repeat-3', titleKey('???')]);
  assert.match(rb.steps[7]?.key ?? '', /^t-[0-9a-f]{10}$/);
});

test('intro: everything between front matter and the first step, minus the title', () => {
  const text = md('---', 'title: T', '---', '<!-- lint off -->', '', '# Heading title', '', 'Intro **bold**.', '', '## Step');
  assert.equal(parseRunbook(text, 'x.md').intro, '<!-- lint off -->\n\n\nIntro **bold**.');
  assert.equal(lineOf(text, '## Step'), 10);
  assert.equal(parseRunbook(text, 'x.md').steps[0]?.line, 10);
});

test('raw HTML stays text (html: false)', () => {
  const rb = parseRunbook(md('## A', '<div>', '', '```sh', 'echo hi', '```', '', '</div>', '## B'), 'x.md');
  assert.equal(rb.steps[0]?.commands.length, 1);
});

test('an empty document still parses to one empty step with a warning', () => {
  const rb = parseRunbook('', 'empty.md');
  assert.equal(rb.stepSource, 'document');
  assert.equal(rb.steps.length, 1);
  assert.equal(rb.steps[0]?.body, '');
  assert.equal(rb.title, 'empty');
});
