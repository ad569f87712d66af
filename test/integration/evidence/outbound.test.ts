/**
 * Issue 11: no planted secret leaves the machine by any path. A real
 * `drillbook run` prints credentials (in its commands and its output, some
 * split across writes), then every artefact is read back: the console, the
 * JUnit report, every file of the evidence bundle, `history export` and
 * `show` / `show --json`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { RESTORE_WORK, VENDOR, fake } from '../../fixtures/secrets/restore-work';
import { cliPrefix } from '../../helpers/cli';

const tmp = tempDir('drillbook-outbound-');
const CHROMIUM = process.env.DRILLBOOK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_PDF = existsSync(CHROMIUM) && existsSync('/usr/bin/pdftotext');
after(() => tmp.cleanup());

// The 22 kinds the issue planted (AWS keys, private keys, JWT, URL passwords, …) plus the restore-work and vendor sets.
const PEM = [fake(64, undefined, 901), fake(64, undefined, 902), fake(48, undefined, 903) + '=='];
const CLASSIC: { line: string; secret: string }[] = [
  { line: 'AWS_ACCESS_KEY_ID=AKIA' + fake(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 904), secret: 'AKIA' + fake(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 904) },
  { line: 'aws_secret_access_key = ' + fake(40, undefined, 905), secret: fake(40, undefined, 905) },
  { line: 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.' + fake(43, undefined, 906), secret: 'eyJzdWIiOiIxMjM0NTY3ODkwIn0.' + fake(43, undefined, 906) },
  { line: 'psql postgres://app:UrlPw' + fake(8, undefined, 907) + '@db:5432/orders', secret: 'UrlPw' + fake(8, undefined, 907) },
  { line: 'ghp_' + fake(36, undefined, 908), secret: fake(36, undefined, 908) },
  { line: 'glpat-' + fake(20, undefined, 909), secret: fake(20, undefined, 909) },
  { line: 'xoxb-1234567890-0987654321-' + fake(24, undefined, 910), secret: fake(24, undefined, 910) },
  { line: 'Authorization: Bearer ' + fake(32, undefined, 911), secret: fake(32, undefined, 911) },
  ...PEM.map((p, i) => ({ line: i === 0 ? `-----BEGIN RSA PRIVATE KEY-----\n${PEM.join('\n')}\n-----END RSA PRIVATE KEY-----` : '', secret: p })),
];

test('every artefact of a drill that printed secrets: console, JUnit, bundle files, history export, show, show --json', { timeout: 240_000 }, () => {
  const planted = [
    ...CLASSIC.filter((c) => c.line).map((c) => c.line),
    ...RESTORE_WORK.map((c) => c.text),
    ...VENDOR.map((c) => c.text),
  ];
  const secrets = [...CLASSIC.map((c) => c.secret), ...RESTORE_WORK.flatMap((c) => c.secrets), ...VENDOR.flatMap((c) => c.secrets)];
  const printed = planted.join('\n');
  // The text goes in a file the block prints; one line is printed split across two writes; one is in the command itself.
  writeFileSync(path.join(tmp.dir, 'leaks.txt'), printed + '\n');
  const split = RESTORE_WORK[0]!.text;
  const runbook = path.join(tmp.dir, 'leaky.md');
  writeFileSync(
    runbook,
    `---
title: Leaky restore
rto: 5m
---
# Leaky restore

## Restore

\`\`\`sh {name=restore auto=true}
cat ${path.join(tmp.dir, 'leaks.txt')}
printf '%s' '${split.slice(0, 24)}'; sleep 0.3; printf '%s\\n' '${split.slice(24).replace(/'/g, "'\\''")}'
mysqldump -u root -pCmdL1neSecret orders 2>/dev/null || true
\`\`\`

## Fail quoting it

\`\`\`sh {name=fail auto=true}
echo "psql: connection to postgres://app:FailUrlPw9@db:5432/x failed" >&2
exit 2
\`\`\`
`,
  );
  secrets.push('CmdL1neSecret', 'FailUrlPw9');
  const data = path.join(tmp.dir, 'data');
  const junit = path.join(tmp.dir, 'report.xml');
  const evidence = path.join(tmp.dir, 'evidence');
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [...cliPrefix(), ...args, '--data', data], {
      cwd: ROOT,
      encoding: 'utf8',
      // The bundle's report.pdf is printed by Chromium where it is installed (and read back with pdftotext).
      env: { ...process.env, ...(HAVE_PDF ? {} : { DRILLBOOK_CHROMIUM: '/nonexistent/chromium' }), CI: 'true' },
      timeout: 120_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const run = cli('run', runbook, '--junit', junit, '--export', evidence);
  assert.equal(run.code, 1, run.out + run.err);
  const id = /Drill (\S+) failed/.exec(run.out)?.[1];
  assert.ok(id, run.out);

  const artefacts = new Map<string, string>();
  artefacts.set('console (stdout)', run.out);
  artefacts.set('console (stderr)', run.err);
  artefacts.set('JUnit', readFileSync(junit, 'utf8'));
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.pdf')) artefacts.set(`bundle ${path.relative(evidence, p)} (text)`, spawnSync('pdftotext', ['-layout', p, '-'], { encoding: 'utf8' }).stdout);
      else artefacts.set(`bundle ${path.relative(evidence, p)}`, readFileSync(p).toString('utf8'));
    }
  };
  walk(evidence);
  assert.ok([...artefacts.keys()].some((k) => k.endsWith('report.html')) && [...artefacts.keys()].some((k) => k.endsWith('steps.csv')));
  assert.ok([...artefacts.keys()].some((k) => /transcripts\/.*\.txt$/.test(k)), 'the bundle has the transcript');
  if (HAVE_PDF) assert.ok([...artefacts.keys()].some((k) => k.endsWith('report.pdf (text)')), 'the bundle has report.pdf');
  // Redaction keeps the bundle verifiable: every file's hash and the whole hash chain check out.
  const bundleDir = readdirSync(evidence).map((n) => path.join(evidence, n))[0]!;
  const verified = cli('verify', bundleDir);
  assert.equal(verified.code, 0, verified.out + verified.err);
  const exp = cli('history', 'export');
  assert.equal(exp.code, 0, exp.err);
  artefacts.set('history export', exp.out);
  const show = cli('show', id!);
  artefacts.set('show', show.out);
  const showJson = cli('show', id!, '--json');
  assert.equal(showJson.code, 0, showJson.err);
  artefacts.set('show --json', showJson.out);

  // The run really printed them: the raw transcripts (local, owner-only) and the unredacted history export hold every one.
  let raw = cli('history', 'export', '--no-redact').out.replace(/\\n/g, '\n').replace(/\\"/g, '"');
  const rawWalk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) rawWalk(p);
      else raw += readFileSync(p).toString('utf8');
    }
  };
  rawWalk(path.join(data, 'transcripts'));
  for (const s of secrets) assert.ok(raw.includes(s), `the drill did not record ${s}`);

  const leaks: string[] = [];
  for (const [where, text] of artefacts) {
    const unescaped = text.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    for (const s of secrets) if (unescaped.includes(s)) leaks.push(`${where}: ${s}`);
  }
  assert.deepEqual(leaks, [], `${leaks.length} of ${secrets.length * artefacts.size} secret×artefact pairs leaked`);
  assert.match(artefacts.get('JUnit')!, /\[REDACTED:/);
  assert.match(showJson.out, /mysqldump -u root -p\[REDACTED:mysql-password-flag\] orders/);
  assert.match(run.out, /\+ mysqldump -u root -p\[REDACTED:mysql-password-flag\] --single-transaction/, 'the line printed in two writes');

  // A redacted export of a drill with masked events says so on import instead of failing obscurely.
  const other = path.join(tmp.dir, 'other');
  const file = path.join(tmp.dir, 'export.jsonl');
  writeFileSync(file, exp.out);
  const imp = spawnSync(process.execPath, [...cliPrefix(), 'history', 'import', file, '--data', other], { cwd: ROOT, encoding: 'utf8' });
  assert.match(imp.stdout, /exported with credentials masked, which can be read and verified but not imported; export it again with history export --no-redact/);
});
