/**
 * Secrets on the team server. Passwords: argon2id (hash-wasm: maintained,
 * pure WebAssembly, so nothing is downloaded or compiled at install) with
 * OWASP's minimum profile m=19 MiB, t=2, p=1, measured ~270 ms per hash on
 * a loaded 2-core machine, which also slows guessing. API tokens: 256 random
 * bits shown once, stored only as their SHA-256 (a token is not guessable, so
 * a fast hash is enough and lookups stay one index probe). Login failures
 * are rate-limited per account and per address.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';

export const TOKEN_PREFIX = 'dbt_';

export async function hashPassword(password: string): Promise<string> {
  return argon2id({ password, salt: randomBytes(16), parallelism: 1, iterations: 2, memorySize: 19_456, hashLength: 32, outputType: 'encoded' });
}

export async function verifyPassword(password: string, encoded: string | null): Promise<boolean> {
  if (!encoded) return false;
  try {
    return await argon2Verify({ password, hash: encoded });
  } catch {
    return false;
  }
}

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < 12) throw new Error('a password needs at least 12 characters');
  if (password.length > 1024) throw new Error('a password can have at most 1024 characters');
  return password;
}

/**
 * At most `max` failed logins per key within `windowMs`; further attempts
 * are refused until the oldest failure leaves the window. Memory is bounded:
 * at most `maxKeys` keys are tracked, the stalest dropped first.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly max = 5,
    readonly windowMs = 15 * 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  /** Milliseconds until a login may be tried again for any of `keys`; 0 when allowed. */
  retryAfter(keys: readonly string[]): number {
    const t = this.now();
    let wait = 0;
    for (const k of keys) {
      const list = (this.failures.get(k) ?? []).filter((x) => t - x < this.windowMs);
      if (list.length >= this.max) wait = Math.max(wait, list[0]! + this.windowMs - t);
    }
    return wait;
  }

  fail(keys: readonly string[]): void {
    const t = this.now();
    for (const k of keys) {
      const list = (this.failures.get(k) ?? []).filter((x) => t - x < this.windowMs);
      list.push(t);
      this.failures.delete(k);
      this.failures.set(k, list);
    }
    while (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(keys: readonly string[]): void {
    for (const k of keys) this.failures.delete(k);
  }
}
