/**
 * Where the desktop app keeps the team API token: encrypted with Electron's
 * safeStorage (the OS keychain: Keychain on macOS, DPAPI on Windows,
 * libsecret/kwallet on Linux) in <data>/team-token.bin; team.json then says
 * `tokenIn: keychain` and holds no token. The desktop host passes this store
 * to the core (main/desktop/electron-main.ts). A thin adapter over Electron,
 * type-checked here (no Electron runtime in the tests); the logic around it
 * is the core's (membership.ts), tested with the file store.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import { writePrivateAtomic, type TokenStore } from './config';

export function safeStorageTokenStore(safeStorage: SafeStorage, dataDir: string): TokenStore {
  const file = path.join(dataDir, 'team-token.bin');
  return {
    kind: 'keychain',
    // A membership joined with the CLI keeps its token in team.json: still honoured.
    get: (stored) => (existsSync(file) ? safeStorage.decryptString(readFileSync(file)) : typeof stored.token === 'string' ? stored.token : null),
    set: (token) => {
      if (!safeStorage.isEncryptionAvailable()) throw new Error('the OS keychain is not available, so the team token cannot be stored safely; join with drillbook team join from the CLI instead');
      writePrivateAtomic(file, safeStorage.encryptString(token));
      return { tokenIn: 'keychain' };
    },
    clear: () => rmSync(file, { force: true }),
  };
}
