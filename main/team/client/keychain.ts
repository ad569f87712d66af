/**
 * Where the desktop app keeps the team API token: encrypted with Electron's
 * safeStorage (the OS keychain: Keychain on macOS, DPAPI on Windows,
 * libsecret/kwallet on Linux) in <data>/team-token.bin. A thin adapter,
 * type-checked here; the desktop app's team screen is not built yet.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import { writePrivateAtomic } from './config';

export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

export function safeStorageTokenStore(safeStorage: SafeStorage, dataDir: string): TokenStore {
  const file = path.join(dataDir, 'team-token.bin');
  return {
    get: () => (existsSync(file) ? safeStorage.decryptString(readFileSync(file)) : null),
    set: (token) => {
      if (!safeStorage.isEncryptionAvailable()) throw new Error('the OS keychain is not available, so the team token cannot be stored safely; use drillbook team join from the CLI');
      writePrivateAtomic(file, safeStorage.encryptString(token));
    },
    clear: () => rmSync(file, { force: true }),
  };
}
