/**
 * One SSH destination parser (main/common/ssh-destination.ts) for the
 * runbook's `targets:` and for `--target NAME=…` / ProxyJump (ssh/config.ts).
 * Issue 14: two regexes accepted different inputs; the runbook's took
 * `user:password@host` (a password in the runbook) and `db[1]`. Every input
 * below goes through both callers, which must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSshDestination } from '../../../main/common/ssh-destination';
import { parseDestination } from '../../../main/ssh/config';
import { parseRunbook } from '../../../main/runbook';

/** What the runbook parser makes of `targets: { t: TEXT }`: the target, or its first error. */
function asRunbookTarget(text: string): Record<string, unknown> | string {
  const rb = parseRunbook(`---\ntargets:\n  t: ${JSON.stringify(text)}\n---\n# R\n## S\ntext\n`, '/r.md');
  const error = rb.diagnostics.find((d) => d.severity === 'error');
  if (error) return error.message;
  const t = rb.meta.targets.find((x) => x.name === 't');
  assert.ok(t, text);
  const { name: _name, kind: _kind, ...rest } = t as unknown as Record<string, unknown>;
  return rest;
}

const ACCEPTED: [string, Record<string, unknown>, boolean][] = [
  ['ssh://root@db:2222', { user: 'root', host: 'db', port: 2222 }, false],
  ['ops@db2.example:2022', { user: 'ops', host: 'db2.example', port: 2022 }, false],
  ['postgres@db1', { user: 'postgres', host: 'db1' }, false],
  ['root@[::1]:22', { user: 'root', host: '::1', port: 22 }, false],
  ['[fe80::1]', { host: 'fe80::1' }, false],
  ['db4:2200', { host: 'db4', port: 2200 }, false],
  ['ssh://db4', { host: 'db4' }, false],
  ['prod-bastion', { host: 'prod-bastion' }, true],
];

test('accepted the same way by both callers: user, host, port, and whether it is an alias', () => {
  for (const [text, dest, alias] of ACCEPTED) {
    const parsed = parseSshDestination(text);
    assert.deepEqual(parsed, { ok: true, dest, alias }, text);
    assert.deepEqual(parseDestination(text), dest, `ssh/config: ${text}`);
    assert.deepEqual(asRunbookTarget(text), alias ? { alias: dest.host } : dest, `runbook: ${text}`);
  }
});

test('refused by both: a password in the user part, a bracket in a host name, spaces, a path, an empty user', () => {
  for (const text of ['ops:hunter2@db1', 'db[1]', 'ops@db 1', 'ops@db/x', '@db', 'a@b@c', 'db:']) {
    assert.equal(parseDestination(text), null, `ssh/config accepted ${text}`);
    const r = asRunbookTarget(text);
    assert.equal(typeof r, 'string', `the runbook accepted ${text}: ${JSON.stringify(r)}`);
    assert.match(r as string, /is not local, user@host\[:port\] or an ssh alias/, text);
  }
});

test('a port outside 1-65535: null for --target, one sentence naming the port for the runbook', () => {
  for (const text of ['db:0', 'db:65536', 'ops@db:123456']) {
    assert.equal(parseDestination(text), null, text);
    assert.deepEqual(parseSshDestination(text), { ok: false, problem: 'port', host: 'db' }, text);
    assert.equal(asRunbookTarget(text), 'target "t": port must be a number from 1 to 65535', text);
  }
});
