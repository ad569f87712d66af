/**
 * `drillbook export` and `drillbook verify` as real processes: exit codes,
 * what they print, and one-line errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/runbooks';
import { ROOT } from '../../helpers/server';
import { recordEvidenceDrill, SECRETS } from './fixture';
import { cliPrefix } from '../../helpers/cli';

let tmp: { dir: string; cleanup: () => void };
let drillId: string;
let chainHead: string;
let dataDir: string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [...cliPrefix(), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, DRILLBOOK_DATA: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(async () => {
  tmp = tempDir('drillbook-cli-evidence-');
  const fx = await recordEvidenceDrill(tmp.dir);
  drillId = fx.drill.id;
  chainHead = fx.drill.chainHead;
  dataDir = fx.dataDir;
  fx.core.close();
});

after(() => tmp?.cleanup());

test('export writes a redacted bundle and its zip; verify checks both, and the recorded chain head', () => {
  const out = path.join(tmp.dir, 'bundle');
  const e = cli('export', drillId, '--out', out, '--zip', '--data', dataDir);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, new RegExp(`Exported drill ${drillId} to ${out.replace(/[/\\]/g, '.')}`));
  assert.ok(e.out.includes(`chain head: ${chainHead}`));
  assert.match(e.out, /report\.pdf: [1-9]\d* page\(s\)/);
  assert.match(e.out, /redaction:  .*password-assignment ×\d/);
  assert.ok(existsSync(out + '.zip'));
  assert.ok(!readFileSync(path.join(out, 'drill.json'), 'utf8').includes(SECRETS.pgPassword[0]));

  for (const target of [out, out + '.zip']) {
    const v = cli('verify', target, '--chain-head', chainHead.slice(0, 12));
    assert.equal(v.code, 0, v.out + v.err);
    assert.match(v.out, /✓ \d+ files match manifest.json/);
    assert.match(v.out, /✓ chain head matches the one recorded elsewhere/);
    // Unsigned: OK says exactly what it rests on, never "nothing was changed" (issue 12, item 9).
    assert.match(v.out, /OK: the event log is the one whose chain head you gave; steps\.csv, the report's result and steps table and the drill summary match what the log says\. The rest \(.*report\.html.*\) is covered only by manifest\.json, which is not signed/);
    assert.doesNotMatch(v.out, /nothing in the bundle was changed/);
  }

  // Tamper with the report: exit 1, naming the file and both hashes.
  const report = path.join(out, 'report.html');
  writeFileSync(report, readFileSync(report, 'utf8').replace('Orders database restore', 'Orders database restorE'));
  const bad = cli('verify', out);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /✗ modified file report\.html \(expected sha256 [0-9a-f]{64}, got sha256 [0-9a-f]{64}\)/);
  assert.match(bad.out, /FAILED: 1 problem\./);
  const json = cli('verify', out, '--json');
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.out) as { ok: boolean; problems: { kind: string; file: string }[] };
  assert.equal(parsed.ok, false);
  assert.deepEqual(parsed.problems.map((p) => [p.kind, p.file]), [['modified', 'report.html']]);

  const wrongHead = cli('verify', out + '.zip', '--chain-head', 'deadbeefdeadbeef');
  assert.equal(wrongHead.code, 1);
  assert.match(wrongHead.out, /✗ chain head [0-9a-f]{64} is not the one recorded elsewhere \(deadbeefdeadbeef\)/);
});

test('--no-redact is explicit, warned about, and keeps what was recorded; --no-pdf leaves the PDF out and says so', () => {
  const out = path.join(tmp.dir, 'raw');
  const e = cli('export', drillId, '--out', out, '--no-redact', '--no-pdf', '--data', dataDir);
  assert.equal(e.code, 0, e.err);
  assert.match(e.err, /warning: --no-redact/);
  assert.match(e.out, /redaction:  OFF/);
  assert.match(e.out, /report\.pdf: not made/);
  assert.ok(readFileSync(path.join(out, 'drill.json'), 'utf8').includes(SECRETS.pgPassword[0]));
  assert.ok(!existsSync(path.join(out, 'report.pdf')));
  const v = cli('verify', out);
  assert.equal(v.code, 0, v.out);
  assert.match(v.out, /UNREDACTED/);
});

test('bad input is one line and exit 3; an unreadable bundle exit 1', () => {
  const nonEmpty = path.join(tmp.dir, 'occupied');
  mkdirSync(nonEmpty);
  writeFileSync(path.join(nonEmpty, 'x'), 'x');
  const cases: [string[], RegExp][] = [
    [['export', drillId, '--out', nonEmpty, '--no-pdf', '--data', dataDir], /is not empty; export into a new or empty folder/],
    [['export', 'nosuchdrill', '--out', path.join(tmp.dir, 'n'), '--no-pdf', '--data', dataDir], /no drill with id nosuchdrill/],
    [['export', drillId, '--data', dataDir], /--out DIR is required/],
    [['export', drillId, '--out', path.join(tmp.dir, 's'), '--no-pdf', '--sign', path.join(tmp.dir, 'no-key'), '--data', dataDir], /no such key file/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 3, `${args.join(' ')} → ${r.code}: ${r.err}`);
    assert.match(r.err, message);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
  const config = path.join(tmp.dir, 'redaction.json');
  writeFileSync(config, '{"patterns":[{"name":"x","regex":"("}]}');
  const badConfig = cli('export', drillId, '--out', path.join(tmp.dir, 'c'), '--redact-config', config, '--data', dataDir);
  assert.equal(badConfig.code, 3);
  assert.match(badConfig.err, /pattern "x" is not a valid regular expression/);
  const missing = cli('verify', path.join(tmp.dir, 'nothing-here'));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no such bundle/);
});
