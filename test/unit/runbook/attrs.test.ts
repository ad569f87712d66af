import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAttrBlock, parseFenceInfo, parseHeadingAttrs, splitTrailingAttrs } from '../../../main/runbook';

test('a bare language, no attributes', () => {
  assert.deepEqual(parseFenceInfo('sh'), { lang: 'sh', attrs: {}, errors: [], warnings: [] });
  assert.deepEqual(parseFenceInfo(''), { lang: '', attrs: {}, errors: [], warnings: [] });
  assert.equal(parseFenceInfo('  Bash  ').lang, 'bash');
});

test('Runme key=value form', () => {
  const { lang, attrs, errors } = parseFenceInfo('sh { name=restore target=db interactive=false excludeFromRunAll=true tag=db cwd=sub/dir }');
  assert.equal(lang, 'sh');
  assert.deepEqual(errors, []);
  assert.deepEqual(attrs, { name: 'restore', target: 'db', interactive: false, excludeFromRunAll: true, tag: 'db', cwd: 'sub/dir' });
});

test('Runme JSON form', () => {
  const { lang, attrs, errors } = parseFenceInfo('sh {"name":"restore","target":"db","auto":true,"expect":0,"timeout":"10m","rto":"start,end"}');
  assert.equal(lang, 'sh');
  assert.deepEqual(errors, []);
  assert.deepEqual(attrs, {
    name: 'restore',
    target: 'db',
    auto: true,
    expect: 0,
    timeout: { text: '10m', seconds: 600 },
    rtoStart: true,
    rtoEnd: true,
  });
});

test('both forms give the same attributes', () => {
  const kv = parseFenceInfo('bash { name=verify auto=true expect="/^ok$/m" timeout=90 }');
  const json = parseFenceInfo('bash {"name":"verify","auto":true,"expect":"/^ok$/m","timeout":90}');
  assert.deepEqual(kv, json);
});

test('attributes without a space after the language, and without a language', () => {
  assert.deepEqual(parseFenceInfo('sh{name=x}').attrs, { name: 'x' });
  const none = parseFenceInfo('{ name=x auto=true }');
  assert.equal(none.lang, '');
  assert.deepEqual(none.attrs, { name: 'x', auto: true });
});

test('quoted values keep spaces, escapes and stay strings', () => {
  const { attrs, errors } = parseFenceInfo('sh { name="restore the db" expect="say \\"ok\\" now" tag=\'a b\' }');
  assert.deepEqual(errors, []);
  assert.equal(attrs.name, 'restore the db');
  assert.equal(attrs.expect, 'say "ok" now');
  assert.equal(attrs.tag, 'a b');
  // a quoted number is an output pattern, an unquoted one an exit code
  assert.equal(parseFenceInfo('sh { expect="0" }').attrs.expect, '0');
  assert.equal(parseFenceInfo('sh { expect=0 }').attrs.expect, 0);
  assert.equal(parseFenceInfo('sh { auto="true" }').attrs.auto, true);
});

test('expect: exit codes, substrings and regular expressions', () => {
  assert.equal(parseFenceInfo('sh {expect=2}').attrs.expect, 2);
  assert.equal(parseFenceInfo('sh {expect=ok}').attrs.expect, 'ok');
  assert.equal(parseFenceInfo('sh {expect=/^ok$/i}').attrs.expect, '/^ok$/i');
  assert.match(parseFenceInfo('sh {expect=256}').errors[0] ?? '', /expect=256 is not an exit code \(0-255\)/);
  assert.match(parseFenceInfo('sh {expect=-1}').errors[0] ?? '', /not an exit code/);
  assert.match(parseFenceInfo('sh {expect=true}').errors[0] ?? '', /expect must be an exit code or an output pattern/);
  const bad = parseFenceInfo('sh {expect="/(unclosed/"}');
  assert.equal(bad.attrs.expect, undefined);
  assert.match(bad.errors[0] ?? '', /^expect \/\(unclosed\/ is not a valid regular expression: /);
  assert.match(parseFenceInfo('sh {expect=/x/q}').errors[0] ?? '', /not a valid regular expression/);
  assert.match(parseFenceInfo('sh {"expect":""}').errors[0] ?? '', /expect is empty/);
});

test('timeout goes through parseDuration', () => {
  assert.deepEqual(parseFenceInfo('sh {timeout=1h30m}').attrs.timeout, { text: '1h30m', seconds: 5400 });
  assert.deepEqual(parseFenceInfo('sh {timeout="2 hours"}').attrs.timeout, { text: '2 hours', seconds: 7200 });
  assert.deepEqual(parseFenceInfo('sh {timeout=300}').attrs.timeout, { text: '300s', seconds: 300 });
  assert.match(parseFenceInfo('sh {timeout=soon}').errors[0] ?? '', /^timeout: invalid duration "soon"/);
  assert.match(parseFenceInfo('sh {timeout=0}').errors[0] ?? '', /longer than 0s/);
});

test('rto markers', () => {
  assert.deepEqual(parseFenceInfo('sh {rto=start}').attrs, { rtoStart: true });
  assert.deepEqual(parseFenceInfo('sh {rto=end}').attrs, { rtoEnd: true });
  assert.deepEqual(parseFenceInfo('sh {rto="start,end"}').attrs, { rtoStart: true, rtoEnd: true });
  assert.deepEqual(parseFenceInfo('sh {rto=start,end}').attrs, { rtoStart: true, rtoEnd: true });
  assert.match(parseFenceInfo('sh {rto=middle}').errors[0] ?? '', /rto must be start, end or "start,end", not "middle"/);
});

test('unknown keys are kept in extra, with their types', () => {
  const { attrs, errors } = parseFenceInfo('sh { name=x background=true terminalRows=20 category=db }');
  assert.deepEqual(errors, []);
  assert.deepEqual(attrs.extra, { terminalRows: 20, category: 'db' });
  assert.equal(attrs.background, true, 'background is honoured now (issue 10)');
});

test('bad values are errors, never exceptions', () => {
  const cases: [string, RegExp][] = [
    ['sh {auto=yes}', /auto must be true or false, not "yes"/],
    ['sh {name=true}', /name must be text, not true/],
    ['sh {target="db 1"}', /target "db 1" must be letters, digits/],
    ['sh {id=a/b}', /id "a\/b" must be letters, digits/],
    ['sh {"name": "x",}', /^invalid attribute JSON: /],
    ['sh {"name"}', /^invalid attribute JSON: /],
    ['sh { name=x', /not closed with }/],
    ['sh { name="x }', /the value of name has no closing "/],
    ['sh { =x }', /expected key=value, found "=x"/],
  ];
  for (const [info, pattern] of cases) {
    const parsed = parseFenceInfo(info);
    assert.ok(parsed.errors.some((e) => pattern.test(e)), `${info}: ${JSON.stringify(parsed.errors)}`);
    for (const e of parsed.errors) assert.ok(!e.includes('\n'), `one line: ${e}`);
  }
  // the good attributes around a bad one survive
  const mixed = parseFenceInfo('sh { name=ok auto=maybe target=db }');
  assert.deepEqual(mixed.attrs, { name: 'ok', target: 'db' });
  assert.equal(mixed.errors.length, 1);
});

test('text after the language outside braces is ignored with a warning', () => {
  const parsed = parseFenceInfo('sh name=x');
  assert.deepEqual(parsed.attrs, {});
  assert.deepEqual(parsed.errors, []);
  assert.match(parsed.warnings[0] ?? '', /ignored "name=x" after the language \(attributes go in \{ \.\.\. \}\)/);
});

test('parseAttrBlock parses a bare block', () => {
  assert.deepEqual(parseAttrBlock('{ id=restore-db rto=end }').attrs, { id: 'restore-db', rtoEnd: true });
  assert.deepEqual(parseAttrBlock('{}').attrs, {});
});

test('splitTrailingAttrs splits a heading attribute block', () => {
  assert.deepEqual(splitTrailingAttrs('Restore the dump {rto=start}'), { text: 'Restore the dump', block: '{rto=start}' });
  assert.deepEqual(splitTrailingAttrs('Restore {id=restore-db rto=end}  '), { text: 'Restore', block: '{id=restore-db rto=end}' });
  assert.deepEqual(splitTrailingAttrs('{rto=start}'), { text: '', block: '{rto=start}' });
  // not attribute blocks: no space before the brace, Hugo shortcodes, nested braces
  assert.deepEqual(splitTrailingAttrs('Restore ${DB}'), { text: 'Restore ${DB}', block: null });
  assert.deepEqual(splitTrailingAttrs('Note {{< x >}}'), { text: 'Note {{< x >}}', block: null });
  assert.deepEqual(splitTrailingAttrs('Plain title'), { text: 'Plain title', block: null });
});

test('parseHeadingAttrs: ours, JSON, Pandoc and kramdown; null for non-attributes', () => {
  assert.deepEqual(parseHeadingAttrs('{id=restore-db rto=start}')?.attrs, { id: 'restore-db', rtoStart: true });
  assert.deepEqual(parseHeadingAttrs('{"id":"x","rto":"end"}')?.attrs, { id: 'x', rtoEnd: true });
  assert.deepEqual(parseHeadingAttrs('{#restore-db .unnumbered}')?.attrs, { id: 'restore-db' });
  assert.deepEqual(parseHeadingAttrs('{:toc}'), { attrs: {}, errors: [], warnings: [] });
  assert.deepEqual(parseHeadingAttrs('{:.no_toc}')?.attrs, {});
  assert.equal(parseHeadingAttrs('{placeholder}'), null);
  assert.equal(parseHeadingAttrs('{fill in this}'), null);
  assert.match(parseHeadingAttrs('{rto=later}')?.errors[0] ?? '', /rto must be/);
});

// Issue 10: what Runme accepts never blocks a drill (cases from Runme's own
// attribute tests and real Runme READMEs), at most a warning.
test('Runme compatibility: bare flags, ParseBool values, yes/no, empty names, arrays, TOML commas, mimeType', () => {
  const cases: [string, object, RegExp | null][] = [
    ['sh { name=x empty }', { name: 'x' }, /ignored "empty": an attribute needs a value/],
    ['sh { key=value hello=world val=20 }', { extra: { key: 'value', hello: 'world', val: 20 } }, /keeps but does not use: key, hello, val/],
    ['sh { key="value", val=20, float=13.3 }', { extra: { key: 'value', val: 20, float: '13.3' } }, /does not use/],
    ['sh { interactive=yes }', { interactive: true }, /interactive=yes read as interactive=true/],
    ['sh { interactive="True" }', { interactive: true }, null],
    ['sh { interactive=1 excludeFromRunAll=0 }', { interactive: true, excludeFromRunAll: false }, null],
    ['sh { interactive=F background=T }', { interactive: false, background: true }, null],
    ['sh { name="" id="" }', {}, /name is empty; ignored/],
    ['sh {"name": "x", "tag": ["db", "restore"]}', { name: 'x', tag: 'db,restore' }, null],
    ['sh { interactive=false, mimeType=text/plain }', { interactive: false, extra: { mimeType: 'text/plain' } }, /does not use: mimeType/],
    ['python { interpreter=python3 name=py }', { interpreter: 'python3', name: 'py' }, null],
    ['sh { ignore=true }', { ignore: true }, null],
    ['sh {"nested": {"a": 1}, "name": "n"}', { name: 'n' }, /nested object/],
    // Runme's own attribute tests (internal/document/attributes_test.go): TOML nested tables are dropped
    ['sh { nested={ hello="world" } }', {}, /ignored nested: a nested table/],
    // a real Runme README: `name=` with nothing after it
    ['sh { name= closeTerminalOnSuccess=false interactive=false }', { interactive: false, extra: { closeTerminalOnSuccess: false } }, /name is empty; ignored/],
  ];
  for (const [info, attrs, warning] of cases) {
    const parsed = parseFenceInfo(info);
    assert.deepEqual(parsed.errors, [], info);
    assert.deepEqual(parsed.attrs, attrs, info);
    if (warning) assert.ok(parsed.warnings.some((w) => warning.test(w)), `${info}: ${JSON.stringify(parsed.warnings)}`);
    else assert.deepEqual(parsed.warnings, [], info);
  }
  // Drillbook's own safety flag stays strict: "yes" is not read into auto
  assert.match(parseFenceInfo('sh {auto=yes}').errors[0] ?? '', /auto must be true or false/);
  assert.deepEqual(parseFenceInfo('sh {auto=True}').attrs, { auto: true });
});
