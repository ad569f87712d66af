/**
 * What a restarted `drillbook web` remembers, so the browser tab left open
 * reconnects by itself (renderer/app/transport.ts retries with backoff):
 *
 * - the port: the last one used (first start: DEFAULT_WEB_PORT). If another
 *   program holds it, the server says so and takes a free one, which is
 *   remembered instead.
 * - the SHA-256 of the last few tokens: the tab's HttpOnly cookie still
 *   holds the token of the server that served it; the next server accepts
 *   it by hash. The tokens themselves are never written to disk.
 *
 * Stored in `<data>/web.json` (0600). At most MAX_TOKENS hashes, none older
 * than TOKEN_MAX_AGE_MS.
 */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';

export const DEFAULT_WEB_PORT = 47_613;
const MAX_TOKENS = 4;
const TOKEN_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

const stateSchema = z.object({
  port: z.number().int().min(1).max(65535).nullable(),
  tokens: z.array(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), at: z.string().max(64) })).max(64),
});
export type WebState = z.infer<typeof stateSchema>;

export function webStateFile(dataDir: string): string {
  return path.join(dataDir, 'web.json');
}

export function readWebState(dataDir: string): WebState {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(readFileSync(webStateFile(dataDir), 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    /* first start, or an unreadable file: start afresh */
  }
  return { port: null, tokens: [] };
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token hashes a new server should still accept (recent ones only). */
export function acceptedTokenHashes(state: WebState, now = Date.now()): string[] {
  return state.tokens.filter((t) => now - Date.parse(t.at) < TOKEN_MAX_AGE_MS).map((t) => t.sha256);
}

/** Remembers the port and this start's token (by hash), atomically. */
export function rememberWebStart(dataDir: string, port: number, token: string, now = Date.now()): void {
  const before = readWebState(dataDir);
  const tokens = [{ sha256: tokenHash(token), at: new Date(now).toISOString() }, ...before.tokens.filter((t) => now - Date.parse(t.at) < TOKEN_MAX_AGE_MS)].slice(0, MAX_TOKENS);
  const file = webStateFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ port, tokens }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** The port to try first: the one asked for, else the remembered one, else the default. */
export function preferredPort(asked: number | undefined, state: WebState): number {
  if (asked !== undefined) return asked;
  return state.port ?? DEFAULT_WEB_PORT;
}
