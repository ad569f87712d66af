/**
 * Where a team membership's API token lives: team.json (0600) for the CLI
 * and the web host, the OS keychain for the desktop app
 * (main/team/client/keychain.ts over Electron's safeStorage). Electron's
 * safeStorage cannot run here (no Electron runtime, no keyring), so it is
 * stood in for by a reversible cipher that says whether it is available:
 * what is tested is the adapter's own logic — the token never in team.json,
 * the file 0600, a keychain that is unavailable refused with nothing written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import { configFile, fileTokenStore, loadConfig, removeConfig, saveConfig } from '../../../main/team/client/config';
import { safeStorageTokenStore } from '../../../main/team/client/keychain';
import { teamStatus } from '../../../main/team/client/membership';
import { openDatabase } from '../../../main/store/db';

function fakeSafeStorage(available = true): SafeStorage {
  const key = 0x5a;
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s: string) => Buffer.from([...Buffer.from(s, 'utf8')].map((b) => b ^ key).reverse()),
    decryptString: (b: Buffer) => Buffer.from([...b].reverse().map((x) => x ^ key)).toString('utf8'),
  } as unknown as SafeStorage;
}

const TOKEN = 'dbk_1f2e3d4c5b6a79880716253443526170';
const cfg = { url: 'https://team.example.org', token: TOKEN, user: 'ana', role: 'operator', joinedAt: '2026-12-07T00:00:00.000Z' };

test('the desktop keychain store: team.json holds no token and says where it is; the encrypted file is 0600; status names the keychain; leave removes both', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'team-keychain-'));
  try {
    const keychain = safeStorageTokenStore(fakeSafeStorage(), dir);
    saveConfig(dir, cfg, keychain);
    const json = readFileSync(configFile(dir), 'utf8');
    assert.ok(!json.includes(TOKEN), 'no token in team.json');
    assert.equal(JSON.parse(json).tokenIn, 'keychain');
    const bin = path.join(dir, 'team-token.bin');
    assert.equal(statSync(bin).mode & 0o777, 0o600);
    assert.ok(!readFileSync(bin).includes(TOKEN), 'not in plain text on disk');
    assert.equal(loadConfig(dir, keychain)?.token, TOKEN);
    // The CLI on the same data folder cannot use it, and says why in one sentence.
    assert.throws(() => loadConfig(dir, fileTokenStore), /joined its team server from the desktop app, whose token is in the OS keychain/);
    const db = openDatabase(dir);
    try {
      const st = await teamStatus(db, dir, { tokens: keychain });
      assert.equal(st.tokenIn, 'keychain');
      assert.ok(!JSON.stringify(st).includes(TOKEN));
    } finally {
      db.close();
    }
    assert.equal(removeConfig(dir, keychain), true);
    assert.equal(existsSync(bin), false);
    assert.equal(existsSync(configFile(dir)), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a keychain that is not available refuses to store the token, in one sentence, and nothing is written', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'team-keychain-'));
  try {
    assert.throws(() => saveConfig(dir, cfg, safeStorageTokenStore(fakeSafeStorage(false), dir)), /the OS keychain is not available/);
    assert.equal(existsSync(configFile(dir)), false);
    assert.equal(existsSync(path.join(dir, 'team-token.bin')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a data folder joined with the CLI (token in team.json) still works in the desktop app', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'team-keychain-'));
  try {
    saveConfig(dir, cfg, fileTokenStore);
    assert.equal(statSync(configFile(dir)).mode & 0o777, 0o600);
    assert.equal(loadConfig(dir, safeStorageTokenStore(fakeSafeStorage(), dir))?.token, TOKEN);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('joining is the first thing done on a machine: a data folder that does not exist yet is made (0700) and team.json is 0600, with either store', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'team-fresh-'));
  try {
    for (const [name, store] of [['file', fileTokenStore], ['keychain', null]] as const) {
      const dir = path.join(root, name, 'not', 'yet');
      saveConfig(dir, cfg, store ?? safeStorageTokenStore(fakeSafeStorage(), dir));
      assert.equal(statSync(dir).mode & 0o777, 0o700, `${name}: the data folder is the owner's only`);
      assert.equal(statSync(configFile(dir)).mode & 0o777, 0o600, `${name}: team.json is 0600`);
      assert.equal(loadConfig(dir, store ?? safeStorageTokenStore(fakeSafeStorage(), dir))?.token, TOKEN);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
