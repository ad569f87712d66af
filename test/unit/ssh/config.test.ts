import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDestination, parseSshConfig, resolveEndpoint, type ResolveContext } from '../../../main/ssh/config';
import { endpointForTarget } from '../../../main/ssh/target';
import { SshError } from '../../../main/ssh/errors';
import { tempDir } from '../../helpers/runbooks';

const HOME = '/home/op';

function ctx(text: string | null, existing: string[] = [], home = HOME): ResolveContext {
  return { config: text === null ? null : parseSshConfig(text, home), home, localUser: 'op', exists: (f) => existing.includes(f) };
}

const CONFIG = `
Host db
  HostName 10.0.0.5
  User postgres
  Port 2222
  IdentityFile ~/.ssh/db_%h_%r
  IdentitiesOnly yes
  ProxyJump bastion

Host bastion
  HostName bastion.example.com
  User jump
  ServerAliveInterval 20
  ServerAliveCountMax 4

Host old
  ProxyCommand nc %h %p

Host multi
  HostName 10.9.9.9
  ProxyJump alice@hop1:2201,hop2

Host *.internal
  User ops
  HashKnownHosts yes
  ConnectTimeout 7
`;

test('destinations: ssh:// URLs, user@host:port, IPv6, aliases; junk rejected', () => {
  assert.deepEqual(parseDestination('ssh://root@10.0.0.1:2222'), { user: 'root', host: '10.0.0.1', port: 2222 });
  assert.deepEqual(parseDestination('root@db'), { user: 'root', host: 'db' });
  assert.deepEqual(parseDestination('[::1]:22'), { host: '::1', port: 22 });
  assert.deepEqual(parseDestination('prod-db'), { host: 'prod-db' });
  assert.equal(parseDestination('a b'), null);
  assert.equal(parseDestination('host:99999'), null);
  assert.equal(parseDestination('http://x/y'), null);
});

test('an alias resolves HostName, User, Port, IdentityFile (with tokens), IdentitiesOnly and its ProxyJump', () => {
  const e = resolveEndpoint({ host: 'db' }, ctx(CONFIG));
  assert.equal(e.host, '10.0.0.5');
  assert.equal(e.user, 'postgres');
  assert.equal(e.port, 2222);
  assert.deepEqual(e.identityFiles, ['/home/op/.ssh/db_10.0.0.5_postgres']);
  assert.equal(e.identitiesOnly, true);
  assert.equal(e.jumps.length, 1);
  const hop = e.jumps[0]!;
  assert.equal(hop.host, 'bastion.example.com');
  assert.equal(hop.user, 'jump');
  assert.equal(hop.port, 22);
  assert.equal(hop.serverAliveIntervalSec, 20);
  assert.equal(hop.serverAliveCountMax, 4);
});

test('explicit user and port win over the config (like ssh -l / -p)', () => {
  const e = resolveEndpoint({ host: 'db', user: 'root', port: 22 }, ctx(CONFIG));
  assert.equal(e.user, 'root');
  assert.equal(e.port, 22);
  assert.equal(e.host, '10.0.0.5');
});

test('ProxyJump lists hop in order, each resolved through the config', () => {
  const e = resolveEndpoint({ host: 'multi' }, ctx(CONFIG + '\nHost hop2\n  HostName 192.168.1.2\n  User bob\n'));
  assert.deepEqual(
    e.jumps.map((j) => `${j.user}@${j.host}:${j.port}`),
    ['alice@hop1:2201', 'bob@192.168.1.2:22'],
  );
});

test('wildcard Host blocks apply; defaults come from the local user and existing default keys', () => {
  const e = resolveEndpoint({ host: 'app.internal' }, ctx(CONFIG));
  assert.equal(e.user, 'ops');
  assert.equal(e.hashKnownHosts, true);
  assert.equal(e.connectTimeoutSec, 7);
  const plain = resolveEndpoint({ host: 'elsewhere' }, ctx(null, ['/home/op/.ssh/id_ed25519']));
  assert.equal(plain.user, 'op');
  assert.equal(plain.port, 22);
  assert.deepEqual(plain.identityFiles, ['/home/op/.ssh/id_ed25519']);
  assert.deepEqual(plain.jumps, []);
});

test('ProxyCommand without ProxyJump is a clear error; so is a jump loop', () => {
  assert.throws(() => resolveEndpoint({ host: 'old' }, ctx(CONFIG)), (e: unknown) => e instanceof SshError && /ProxyCommand/.test(e.message) && /ProxyJump/.test(e.message));
  assert.throws(
    () => resolveEndpoint({ host: 'a' }, ctx('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n')),
    (e: unknown) => e instanceof SshError && /longer than/.test(e.message),
  );
  assert.throws(() => resolveEndpoint({ host: 'x' }, ctx('Host x\n  Port banana\n')), /Port for x is "banana"/);
});

test('Include pulls in files (globs relative to ~/.ssh)', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  mkdirSync(path.join(tmp.dir, '.ssh', 'config.d'), { recursive: true });
  writeFileSync(path.join(tmp.dir, '.ssh', 'config.d', '10-db'), 'Host inc-db\n  HostName 10.1.1.1\n  Port 2022\n');
  const c = ctx('Include config.d/*\nHost other\n  User z\n', [], tmp.dir);
  const e = resolveEndpoint({ host: 'inc-db' }, c);
  assert.equal(e.host, '10.1.1.1');
  assert.equal(e.port, 2022);
});

test('runbook targets: alias, host fields, CLI overrides, unknown names', () => {
  const c = ctx(CONFIG);
  const targets = [
    { name: 'local', kind: 'local' as const },
    { name: 'primary', kind: 'ssh' as const, alias: 'db' },
    { name: 'replica', kind: 'ssh' as const, host: '10.0.0.6', user: 'pg', port: 2200 },
  ];
  const p = endpointForTarget('primary', targets, { ctx: c });
  assert.equal(p.label, 'primary');
  assert.equal(p.host, '10.0.0.5');
  const r = endpointForTarget('replica', targets, { ctx: c });
  assert.equal(`${r.user}@${r.host}:${r.port}`, 'pg@10.0.0.6:2200');
  const o = endpointForTarget('replica', targets, { ctx: c, overrides: new Map([['replica', 'ssh://root@127.0.0.1:4022']]) });
  assert.equal(`${o.user}@${o.host}:${o.port}`, 'root@127.0.0.1:4022');
  assert.throws(() => endpointForTarget('local', targets, { ctx: c }), /local machine/);
  assert.throws(() => endpointForTarget('no such', targets, { ctx: c }), /no target named "no such"/);
});
