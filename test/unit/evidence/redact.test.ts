import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compilePatterns, DEFAULT_PATTERNS, redactText, Redactor, RedactionConfigError, StreamRedactor } from '../../../main/evidence/redact';
import { RESTORE_WORK, VENDOR, fake } from '../../fixtures/secrets/restore-work';
import { measureRecall } from '../../bench/redaction';

const patterns = compilePatterns();
const r = (s: string) => redactText(s, patterns);

const PEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun
VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK
-----END RSA PRIVATE KEY-----`;

/** [pattern, text, secret that must disappear, text that must remain] */
const CASES: [string, string, string, string][] = [
  ['private-key', `key:\n${PEM}\ndone`, 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', 'done'],
  ['private-key', `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n`, 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE', ''],
  ['private-key', `tail of output\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END PRIVATE KEY-----\nafter`, 'VTLw7onLRnrq0/IzW7yWR7Qk', 'tail of output'],
  ['private-key', `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF7example0000000000000000\n-----END PGP PRIVATE KEY BLOCK-----`, 'lQOYBF7example', ''],
  ['aws-access-key-id', 'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE', 'export AWS_ACCESS_KEY_ID='],
  ['aws-access-key-id', 'role creds ASIAY34FZKBOKMUTVV7A expire soon', 'ASIAY34FZKBOKMUTVV7A', 'expire soon'],
  ['aws-secret-access-key', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = '],
  ['aws-secret-access-key', '{"AccessKeyId": "x", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', 'wJalrXUtnFEMI/K7MDENG', '"SecretAccessKey": "'],
  ['github-token', 'git clone https://x-access-token:ghp_1234567890abcdefghijABCDEFGHIJ123456@github.com/o/r', 'ghp_1234567890abcdefghijABCDEFGHIJ123456', 'github.com/o/r'],
  ['github-token', 'GH=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'github_pat_11ABCDEFG0123456789_abc', 'GH='],
  ['gitlab-token', 'PRIVATE-TOKEN glpat-xxxxXXXX1234yyyyZZZZ', 'glpat-xxxxXXXX1234yyyyZZZZ', 'PRIVATE-TOKEN'],
  ['slack-token', 'SLACK xoxb-1234567890-0987654321-AbCdEfGhIjKl', 'xoxb-1234567890-0987654321-AbCdEfGhIjKl', 'SLACK'],
  ['google-api-key', 'key AIzaSyA1234567890abcdefghijklmnopqrstuv here', 'AIzaSyA1234567890abcdefghijklmnopqrstuv', 'here'],
  ['google-oauth-token', 'gcloud token ya29.a0AfH6SMBx1234567890abcdefghijklmnop', 'ya29.a0AfH6SMBx1234567890', 'gcloud'],
  ['stripe-key', 'STRIPE sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'STRIPE'],
  ['npm-token', '//registry.npmjs.org/:_authToken npm_abcdefghijklmnopqrstuvwxyz0123456789', 'npm_abcdefghijklmnopqrstuvwxyz0123456789', 'registry.npmjs.org'],
  ['jwt', 'cookie eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIi', 'end'],
  ['bearer-token', 'curl -H "Authorization: Bearer abcdef0123456789abcdef.xyz" https://api', 'abcdef0123456789abcdef.xyz', 'Authorization: Bearer '],
  ['authorization-header', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA==', 'Authorization: Basic '],
  ['connection-string-password', 'psql postgres://app:hunter2@db.internal:5432/orders', 'hunter2', 'postgres://app:'],
  ['connection-string-password', 'MONGO=mongodb+srv://admin:p%40ss-w0rd@cluster0.example.net/db', 'p%40ss-w0rd', '@cluster0.example.net/db'],
  ['password-assignment', 'mysqldump --user=root password=hunter2 orders', 'hunter2', 'orders'],
  ['password-assignment', 'PGPASSWORD=s3cr3t psql -h db', 's3cr3t', 'psql -h db'],
  ['password-assignment', '{"user": "sa", "password": "Pa55w0rd!"}', 'Pa55w0rd!', '"password": "'],
  ['password-assignment', 'Server=db;User Id=sa;Password=Pa55w0rd;Database=orders', 'Pa55w0rd', 'Database=orders'],
  ['password-assignment', 'db_password: correct-horse-battery', 'correct-horse-battery', 'db_password: '],
  ['password-assignment', 'client_secret=0123abcd api_key=zzz999', '0123abcd', 'client_secret='],
  ['password-flag', 'mysql --password hunter2 -h db', 'hunter2', '-h db'],
  ['azure-sas-signature', 'https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=abcdEFGH1234%2Babcd%3D1234', 'abcdEFGH1234%2Babcd%3D1234', 'sv=2022-11-02'],
];

test('every built-in pattern finds at least one case here on its own', () => {
  const texts = [...CASES.map((c) => c[1]), ...RESTORE_WORK.map((c) => c.text), ...VENDOR.map((c) => c.text)];
  const all = compilePatterns();
  for (const spec of DEFAULT_PATTERNS) {
    const alone = all.filter((p) => p.name === spec.name);
    assert.ok(texts.some((t) => Object.keys(redactText(t, alone).hits).length > 0), `no test case for ${spec.name}`);
  }
});

for (const [name, text, secret, keep] of CASES) {
  test(`${name} masks: ${text.slice(0, 50).replace(/\n/g, '⏎')}`, () => {
    const out = r(text);
    assert.ok(!out.text.includes(secret), `secret survived: ${out.text}`);
    assert.ok(out.text.includes(`[REDACTED:${name}]`), `expected a ${name} mask: ${out.text}`);
    assert.ok(out.text.includes(keep), `context lost: ${out.text}`);
    assert.ok((out.hits[name] ?? 0) >= 1);
  });
}

const INNOCENT = [
  'password reset completed for 3 users',
  'passwords: 3 rotated last quarter',
  'max_tokens=100 tokens: 5',
  'password_hint=blue',
  'if password == expected: ok',
  'Enter password:\nok',
  'Bearer of bad news',
  'ssh -p 2222 db.internal',
  'https://example.com:8443/path/to?x=1',
  'started at 2026-01-01T09:00:00Z; 09:15:03 done',
  'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  backups/orders.db',
  'uuid 123e4567-e89b-12d3-a456-426614174000',
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----',
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ana@laptop',
  'Secret Manager rotation is scheduled',
  'PRAGMA integrity_check; ok',
  'AKIA is the prefix of AWS access key ids',
  'the token count is 5',
  'key: value',
  'drillbook sqlite orders.db "SELECT count(*) FROM orders;"',
];

for (const text of INNOCENT) {
  test(`leaves alone: ${text.slice(0, 50).replace(/\n/g, '⏎')}`, () => {
    const out = r(text);
    assert.equal(out.text, text);
    assert.deepEqual(out.hits, {});
  });
}

test('masking is idempotent: an already-redacted text stays as it is', () => {
  const once = r('password=hunter2 AKIAIOSFODNN7EXAMPLE').text;
  assert.equal(r(once).text, once);
});

test('config: switch a default off and add a pattern of your own', () => {
  const custom = compilePatterns({ disable: ['jwt'], patterns: [{ name: 'ticket-secret', description: '', regex: 'tks_([a-z0-9]{12})', group: 1 }] });
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N';
  const out = redactText(`${jwt} tks_abcdef123456`, custom);
  assert.ok(out.text.includes(jwt), 'disabled pattern does nothing');
  assert.equal(out.text.endsWith('tks_[REDACTED:ticket-secret]'), true, out.text);
});

test('config errors are one specific line', () => {
  const cases: [Parameters<typeof compilePatterns>[0], RegExp][] = [
    [{ disable: ['nope'] }, /"nope", which is not a built-in detector/],
    [{ patterns: [{ name: 'x', description: '', regex: '(' }] }, /pattern "x" is not a valid regular expression/],
    [{ patterns: [{ name: 'x', description: '', regex: 'a*' }] }, /matches empty text/],
    [{ patterns: [{ name: 'x', description: '', regex: 'a(b)', group: 2 }] }, /no capture group 2/],
    [{ patterns: [{ name: 'Bad Name', description: '', regex: 'a' }] }, /must be lower-case/],
    [{ patterns: [{ name: 'jwt', description: '', regex: 'a' }] }, /two patterns are named "jwt"/],
    [{ patterns: [{ name: 'x', description: '', regex: 'a', flags: 'y' }] }, /flags may only be/],
  ];
  for (const [config, message] of cases) {
    assert.throws(() => compilePatterns(config), (e: Error) => e instanceof RedactionConfigError && message.test(e.message) && !e.message.includes('\n'));
  }
});

test('Redactor.deep masks strings at any depth, keeps keys and other values, and counts', () => {
  const red = new Redactor(patterns);
  const out = red.deep({ a: ['password=x1', { b: 'AKIAIOSFODNN7EXAMPLE', n: 3, t: true, z: null }], 'password=key': 'ok' });
  assert.deepEqual(out, {
    a: ['password=[REDACTED:password-assignment]', { b: '[REDACTED:aws-access-key-id]', n: 3, t: true, z: null }],
    'password=key': 'ok',
  });
  assert.equal(red.total, 2);
  const off = new Redactor(patterns, false);
  assert.equal(off.text('password=x1'), 'password=x1');
});

test('a long transcript without secrets is scanned in linear time (no catastrophic backtracking)', () => {
  // Identifier soup and a base64 dump (what `base64 backup.tar` prints): the shapes the key-block and assignment patterns scan.
  const text = 'a_b-c.d_e-f.g_h x:y '.repeat(50_000) + 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo='.repeat(2).concat('\n').repeat(15_000); // ~2 MB
  const t0 = process.hrtime.bigint();
  const out = r(text);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(out.text.length, text.length);
  assert.ok(ms < 5_000, `took ${ms} ms`);
});

// ---- issue 11 ------------------------------------------------------------------------------

for (const c of [...RESTORE_WORK, ...VENDOR]) {
  test(`masks ${c.name}`, () => {
    const out = r(c.text).text;
    // No piece of a secret survives either (a password with a blank in it).
    for (const secret of c.secrets) for (const piece of [secret, ...secret.split(/\s+/).filter((p) => p.length >= 4)]) assert.ok(!out.includes(piece), `"${piece}" survived: ${out}`);
    assert.match(out, /\[REDACTED:[a-z0-9-]+\]/);
    if (c.keep) assert.ok(out.includes(c.keep), `context lost: ${out}`);
  });
}

test('defect: `DB_PASSWORD := s3cret` and `=>` are masked, not reported masked while the secret stays', () => {
  for (const text of ['DB_PASSWORD := s3cret', 'DB_PASSWORD=> s3cret', "'password' => 's3cret'", 'password ?= s3cret', 'password ::= s3cret', '$password .= "s3cret";']) {
    const out = r(text);
    assert.ok(!out.text.includes('s3cret'), `visible in: ${out.text}`);
    assert.equal(out.hits['password-assignment'], 1, text);
    assert.ok(out.text.includes('[REDACTED:password-assignment]'));
  }
});

test('defect: names ending in _KEY and _AUTH are secret names; camelCase Key too; KeyName and AccessKeyId are not', () => {
  assert.equal(r('STRIPE_KEY=abc123xyz').text, 'STRIPE_KEY=[REDACTED:password-assignment]');
  assert.equal(r('NPM_AUTH=abc123xyz').text, 'NPM_AUTH=[REDACTED:password-assignment]');
  assert.equal(r('{"apiKey": "abc123xyz"}').text, '{"apiKey": "[REDACTED:password-assignment]"}');
  assert.equal(r('"KeyName": "prod-key", "AccessKeyId": "x"').text, '"KeyName": "prod-key", "AccessKeyId": "x"');
});

test('defect: an unterminated private key block masks a bounded amount and says how much and why', () => {
  const body = Array.from({ length: 12 }, (_, i) => fake(64, undefined, 100 + i));
  const after = 'pg_restore: restored 1,204 rows into public.orders\\n'.replace('\\\\n', '\\n').repeat(25);
  const text = `$ cat key.pem\n-----BEGIN RSA PRIVATE KEY-----\n${body.join('\n')}\ncat: write error\n${after}`;
  const out = r(text).text;
  for (const line of body) assert.ok(!out.includes(line), 'key material survived');
  assert.ok(out.includes('cat: write error'), 'the first line after the key material must stay');
  assert.ok(out.endsWith(after), 'everything after the block stays');
  assert.match(out, /\[REDACTED:private-key\] \(a private key block with no END line: 13 lines, [\d,]+ characters withheld; masked up to the first line that is not key material\)/);
  assert.ok(text.length - out.length < 1000, `only the block goes: ${text.length} → ${out.length}`);
});

test('an unterminated key block is bounded even when everything after it looks like base64', () => {
  const lines = Array.from({ length: 300 }, (_, i) => fake(64, undefined, 300 + i));
  const out = r(`-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}`).text;
  assert.match(out, /stopped after 200 lines/);
  assert.ok(out.includes(lines[250]!), 'lines past the bound stay');
});

test('defect: no over-masking of `xoxo-` in a file name or `new` after `credentials:`', () => {
  for (const text of ['cp /srv/backups/xoxo-party-2024-12-01.tar.gz /restore/', 'xoxo-notes.txt', 'Generating credentials: new', 'credentials: new keypair written to ~/.ssh']) {
    assert.equal(r(text).text, text);
  }
});

test('evidence lines survive untouched: sums, snapshot ids, digests, instance ids, ETags, commits, UUIDs', () => {
  const file = path.join(__dirname, '../../fixtures/secrets/evidence-lines.txt');
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  assert.ok(lines.length >= 50);
  for (const line of lines) assert.equal(r(line).text, line);
  assert.equal(r(lines.join('\n')).text, lines.join('\n'), 'and all together (neighbouring lines give no context to mask)');
});

test('masks never eat unrelated text: only the secret goes', () => {
  assert.equal(r('mysqldump -u root -pS3cret orders > o.sql').text, 'mysqldump -u root -p[REDACTED:mysql-password-flag] orders > o.sql');
  assert.equal(r('psql postgres://app:hunter2@db:5432/orders').text, 'psql postgres://app:[REDACTED:connection-string-password]@db:5432/orders');
  assert.equal(r('curl -u backup:Sup3r https://x/y').text, 'curl -u backup:[REDACTED:url-tool-credentials] https://x/y');
});

test('StreamRedactor catches a secret split across chunks at every position', () => {
  const patterns = compilePatterns();
  const secretLine = 'step 3\nexport PGPASSWORD=Spl1tS3cret\nmysqldump -pGlu3dPw orders\nghp_' + fake(36, undefined, 9) + ' done\n';
  for (let cut = 1; cut < secretLine.length; cut += 3) {
    const s = new StreamRedactor(patterns);
    const out = s.write(secretLine.slice(0, cut)) + s.write(secretLine.slice(cut)) + s.end();
    for (const secret of ['Spl1tS3cret', 'Glu3dPw', fake(36, undefined, 9)]) assert.ok(!out.includes(secret), `cut at ${cut}: ${out}`);
    assert.ok(out.includes('mysqldump -p[REDACTED:mysql-password-flag] orders'));
  }
});

test('StreamRedactor uses lines already passed on as context (a bare token on the line after its name)', () => {
  const s = new StreamRedactor(compilePatterns());
  const token = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + fake(10, undefined, 5);
  let out = s.write('$ aws configure get aws_secret_access_key\n');
  out += s.write(token + '\n') + s.end();
  assert.ok(!out.includes(token), out);
});

test('Redactor.deep masks a string under a secret key name', () => {
  const red = new Redactor(patterns);
  assert.deepEqual(red.deep({ env: { DB_PASSWORD: 'plainpw', USER: 'app' } }), { env: { DB_PASSWORD: '[REDACTED:password-assignment]', USER: 'app' } });
});

test("gitleaks' rule-test samples: at least 98% kept out, keyed and bare; its tp lines masked; evidence intact", () => {
  const r = measureRecall();
  const rate = ([n, d]: [number, number]) => n / d;
  assert.ok(rate(r.keyed) >= 0.98, `keyed ${r.keyed.join('/')}`);
  assert.ok(rate(r.bare) >= 0.98, `bare ${r.bare.join('/')}`);
  assert.ok(rate(r.literalTps) >= 0.95, `tp lines ${r.literalTps.join('/')}`);
  assert.ok(rate(r.fps) >= 0.9, `fp lines left alone ${r.fps.join('/')}`);
  assert.deepEqual(r.restore[0], r.restore[1]);
  assert.deepEqual(r.evidence[0], r.evidence[1]);
});

test('placeholders and references are left alone', () => {
  for (const text of ['password: $PGPASSWORD', 'token: xxxxxxxxxxxxxxxxxxxx', 'curl -u admin:$ADMIN_PASS https://x', 'curl -u <user:password> https://x', 'api_key = "${{ secrets.API_KEY }}"', 'access_token=ACCESS_TOKEN', 'xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx']) {
    assert.equal(r(text).text, text);
  }
});

test('a text whose lower-case form changes length (İ) is still scanned, at the right offsets', () => {
  const text = 'İstanbul restore: PGPASSWORD=Ist4nbulPw psql';
  assert.equal(r(text).text, 'İstanbul restore: PGPASSWORD=[REDACTED:password-assignment] psql');
});

test('StreamRedactor passes a progress line on at its carriage return', () => {
  const s = new StreamRedactor(compilePatterns());
  assert.equal(s.write('  42% 1.2GiB 80MiB/s\r'), '  42% 1.2GiB 80MiB/s\r');
  assert.equal(s.write(' 43%'), '');
  assert.equal(s.end(), ' 43%');
});

test('an unterminated key block printed by a script (echo lines) is masked too', () => {
  const line = fake(64, undefined, 777);
  const out = r(`echo "-----BEGIN RSA PRIVATE KEY-----"\necho "${line}"\necho "cat: write error"`).text;
  assert.ok(!out.includes(line), out);
  assert.ok(out.includes('echo "cat: write error"'), out);
});

test('a key block longer than a scan window is masked whole, and a key line at a window edge too', () => {
  const filler = 'pg_restore: processing data for table "public.orders"\n'.repeat(300);
  const body = Array.from({ length: 150 }, (_, i) => fake(64, undefined, 2000 + i));
  const out = r(`${filler}-----BEGIN RSA PRIVATE KEY-----\n${body.join('\n')}\n${filler}`).text;
  for (const line of body) assert.ok(!out.includes(line), `key line survived: ${line}`);
  const script = 'echo "mysqldump -u root -pS3cret orders"\necho "-----BEGIN RSA PRIVATE KEY-----"\necho "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"\necho "cat: write error"';
  assert.match(r(script).text, /no END line: 2 lines/);
});
