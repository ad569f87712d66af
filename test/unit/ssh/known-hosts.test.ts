import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  hashHostName,
  hostFieldMatches,
  knownHostName,
  parseKnownHosts,
  readKnownHostsFiles,
} from '../../../main/ssh/known-hosts';
import { knownKeyTypes, keyTypeOfBlob, wildcardMatch } from '../../../main/ssh/known-hosts';
import { tempDir } from '../../helpers/runbooks';

/** A syntactically real ed25519 public key blob. */
function blob(seed: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.alloc(32, seed);
  const b = Buffer.alloc(4 + type.length + 4 + key.length);
  b.writeUInt32BE(type.length, 0);
  type.copy(b, 4);
  b.writeUInt32BE(key.length, 4 + type.length);
  key.copy(b, 8 + type.length);
  return b;
}
const A = blob(1);
const B = blob(2);

test('names: port 22 is bare, other ports are [host]:port', () => {
  assert.equal(knownHostName('db.example', 22), 'db.example');
  assert.equal(knownHostName('127.0.0.1', 2222), '[127.0.0.1]:2222');
});

test('patterns: lists, wildcards, negation, case-insensitive', () => {
  assert.ok(hostFieldMatches('a.example,db.example', 'db.example'));
  assert.ok(hostFieldMatches('*.example', 'DB.Example'));
  assert.ok(hostFieldMatches('db?.example', 'db1.example'));
  assert.ok(!hostFieldMatches('db?.example', 'db10.example'));
  assert.ok(!hostFieldMatches('*.example,!db.example', 'db.example'));
  assert.ok(hostFieldMatches('[127.0.0.1]:2222', '[127.0.0.1]:2222'));
  assert.ok(!hostFieldMatches('127.0.0.1', '[127.0.0.1]:2222'));
  assert.ok(wildcardMatch('a*b*c', 'axxbyyc'));
  assert.ok(!wildcardMatch('a*b*c', 'axxbyy'));
});

test('hashed entries written by OpenSSH (ssh-keygen -H) are matched; others are not', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const file = path.join(tmp.dir, 'known_hosts');
  writeFileSync(file, `[127.0.0.1]:2222 ssh-ed25519 ${A.toString('base64')}\ndb.example ssh-ed25519 ${B.toString('base64')}\n`);
  const r = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\|1\|/m);
  assert.doesNotMatch(text, /db\.example/);
  const entries = parseKnownHosts(text);
  assert.equal(entries.length, 2);
  assert.equal(checkHostKey(entries, '[127.0.0.1]:2222', A).status, 'known');
  assert.equal(checkHostKey(entries, 'db.example', B).status, 'known');
  assert.equal(checkHostKey(entries, 'db.example', A).status, 'changed');
  assert.equal(checkHostKey(entries, 'other.example', A).status, 'unknown');
});

test('our hashed names are found by OpenSSH (ssh-keygen -F)', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const file = path.join(tmp.dir, 'known_hosts');
  appendKnownHost(file, '[10.1.2.3]:2200', A, { hash: true });
  const line = readFileSync(file, 'utf8');
  assert.match(line, /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
  const r = spawnSync('ssh-keygen', ['-F', '[10.1.2.3]:2200', '-f', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, 'ssh-keygen -F should find the entry');
  assert.ok(hostFieldMatches(hashHostName('x.example'), 'x.example'));
});

test('a host with a different key on record is "changed", whatever the key type', () => {
  const rsaLike = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa'), Buffer.alloc(20, 9)]);
  const entries = parseKnownHosts(`db.example ssh-rsa ${rsaLike.toString('base64')}\n`);
  const check = checkHostKey(entries, 'db.example', A);
  assert.equal(check.status, 'changed');
  assert.deepEqual(knownKeyTypes(entries, 'db.example'), ['ssh-rsa']);
  assert.equal(keyTypeOfBlob(rsaLike), 'ssh-rsa');
});

test('@revoked refuses the key; @cert-authority lines are not host keys; comments and junk are skipped', () => {
  const text = [
    '# comment',
    '',
    `@revoked * ssh-ed25519 ${A.toString('base64')}`,
    `@cert-authority *.example ssh-ed25519 ${B.toString('base64')}`,
    'garbage-line',
    `db.example ssh-ed25519 not*base64`,
  ].join('\n');
  const entries = parseKnownHosts(text);
  assert.equal(entries.length, 1);
  assert.equal(checkHostKey(entries, 'db.example', A).status, 'revoked');
  assert.equal(checkHostKey(entries, 'db.example', B).status, 'unknown');
});

test('append creates the file, starts a fresh line when needed, and reads back', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const file = path.join(tmp.dir, 'sub', 'known_hosts');
  appendKnownHost(file, '[h]:2', A);
  writeFileSync(file, readFileSync(file, 'utf8').trimEnd()); // no trailing newline
  appendKnownHost(file, 'h2', B);
  const entries = readKnownHostsFiles([file, path.join(tmp.dir, 'missing')]);
  assert.equal(entries.length, 2);
  assert.equal(checkHostKey(entries, '[h]:2', A).status, 'known');
  assert.equal(checkHostKey(entries, 'h2', B).status, 'known');
});

test('fingerprints are OpenSSH SHA256 format', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const key = path.join(tmp.dir, 'k');
  assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status, 0);
  const pub = readFileSync(key + '.pub', 'utf8').split(' ');
  const ours = fingerprintSha256(Buffer.from(pub[1]!, 'base64'));
  const theirs = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', key + '.pub'], { encoding: 'utf8' }).stdout.split(' ')[1];
  assert.equal(ours, theirs);
});
