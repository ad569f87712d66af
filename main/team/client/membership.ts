/**
 * This data folder's membership of a team server: join, status, leave. The
 * one core behind `drillbook team join|status|leave` (main/cli/team.ts) and
 * the app's team.join / team.status / team.leave (main/api), so both say
 * the same thing in the same words.
 *
 * Joining checks before it saves: GET /api/me with the token must answer
 * who it belongs to, or nothing is written. A failure is one sentence
 * naming which of five things went wrong (the address, unreachable, TLS,
 * the token refused, not a Drillbook server), because "fetch failed" tells
 * an operator nothing. The token goes to the host's TokenStore (a 0600
 * file for the CLI and the web host, the OS keychain for the desktop app)
 * and is never returned: status carries no token.
 *
 * Status answers in bounded time: the reachability probe waits at most
 * 5 s (an unreachable address over a dropped route would otherwise hang
 * the screen for the OS's connect timeout, minutes).
 */
import type { Db } from '../../store/db';
import type { TeamStatus } from '../../common/team';
import { configFile, fileTokenStore, loadConfig, loadState, normaliseUrl, removeConfig, saveConfig, type TokenStore } from './config';
import { bundlesPending, pendingDrills } from './publish';
import { existsSync, readFileSync } from 'node:fs';

export type JoinProblem = 'url' | 'unreachable' | 'tls' | 'token' | 'not-drillbook' | 'server' | 'storage';

export class TeamJoinError extends Error {
  constructor(
    readonly kind: JoinProblem,
    message: string,
  ) {
    super(message);
  }
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|DEPTH_ZERO|EPROTO/;

/** One sentence for a failed request to the server (no response at all). */
export function describeFetchFailure(url: string, err: unknown): TeamJoinError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return new TeamJoinError('unreachable', `the team server at ${url} did not answer within the time allowed; check the address and that the server is running`);
  const code = e.cause?.code ?? '';
  const detail = e.cause?.message ?? e.message ?? String(err);
  if (TLS_CODE.test(code) || /certificate|ssl|tls|wrong version number/i.test(detail)) {
    const hint = /wrong version number|WRONG_VERSION/i.test(code + detail)
      ? 'it does not speak HTTPS on that port (try http:// only for a server on this machine)'
      : `its certificate is not trusted here (${code || detail}); a private CA's certificate goes in NODE_EXTRA_CA_CERTS`;
    return new TeamJoinError('tls', `cannot make a secure connection to ${url}: ${hint}`);
  }
  const why = code === 'ECONNREFUSED' ? 'nothing is listening there' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'that host name is not known' : code || detail;
  return new TeamJoinError('unreachable', `cannot reach the team server at ${url} (${why}); check the address and that the server is running`);
}

/** Asks the server who `token` belongs to (GET /api/me), within `timeoutMs`. */
export async function whoAmI(url: string, token: string, opts: { fetchImpl?: typeof fetch; timeoutMs?: number } = {}): Promise<{ user: string; role: string }> {
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(`${url}/api/me`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
  } catch (err) {
    throw describeFetchFailure(url, err);
  }
  const text = await res.text().catch(() => '');
  const json = parseObject(text);
  if (res.status >= 300 && res.status < 400) {
    throw new TeamJoinError('not-drillbook', `${url} redirects elsewhere (${res.headers.get('location') ?? res.status}); give the team server's own address`);
  }
  if ((res.status === 401 || res.status === 403) && json && typeof json.error === 'string') {
    throw new TeamJoinError('token', `the team server refused this token (${json.error}); copy it again from the server's page or ask an admin for a new one`);
  }
  if (res.status >= 500) throw new TeamJoinError('server', `the team server at ${url} has a problem (it answered ${res.status}${json && typeof json.error === 'string' ? `: ${json.error}` : ''}); try again in a moment`);
  if (res.ok && json && typeof json.name === 'string' && typeof json.role === 'string') return { user: json.name, role: json.role };
  throw new TeamJoinError('not-drillbook', `${url} answered, but not as a Drillbook team server (GET /api/me gave ${res.status}${json ? '' : ', not JSON'}); check the address`);
}

/** Joins: checks the address and the token with the server, then saves the membership. Nothing is written on failure. */
export async function joinTeam(dataDir: string, input: { url: string; token: string }, tokens: TokenStore = fileTokenStore, fetchImpl?: typeof fetch): Promise<{ url: string; user: string; role: string }> {
  let url: string;
  try {
    url = normaliseUrl(input.url.trim());
  } catch (err) {
    throw new TeamJoinError('url', (err as Error).message);
  }
  const token = input.token.trim();
  if (!token) throw new TeamJoinError('token', 'paste the API token from the team server (it was empty)');
  if (/\s/.test(token)) throw new TeamJoinError('token', 'the token has spaces or line breaks inside it; paste exactly the token the server printed');
  const me = await whoAmI(url, token, { fetchImpl });
  try {
    saveConfig(dataDir, { url, token, user: me.user, role: me.role, joinedAt: new Date().toISOString() }, tokens);
  } catch (err) {
    // The keychain unavailable (no secret service on this desktop), the data folder not writable.
    throw new TeamJoinError('storage', `the server accepted the token, but it could not be stored: ${(err as Error).message}`);
  }
  return { url, ...me };
}

/** Leaves: the token is removed from its store and the membership file too. Returns whether there was one. */
export function leaveTeam(dataDir: string, tokens: TokenStore = fileTokenStore): boolean {
  return removeConfig(dataDir, tokens);
}

/**
 * Where this data folder stands. `probe`: also ask the server now (at most
 * 5 s); otherwise `reachable` is null. Never throws for a broken membership
 * file: that is the status's lastError.
 */
export async function teamStatus(db: Db, dataDir: string, opts: { tokens?: TokenStore; probe?: boolean; fetchImpl?: typeof fetch } = {}): Promise<TeamStatus> {
  const none: TeamStatus = { joined: false, url: null, user: null, role: null, joinedAt: null, tokenIn: null, reachable: null, queued: { drills: 0, bundles: 0 }, lastPublishAt: null, lastAttemptAt: null, lastError: null };
  let cfg;
  try {
    cfg = loadConfig(dataDir, opts.tokens ?? fileTokenStore);
  } catch (err) {
    return { ...none, joined: existsSync(configFile(dataDir)), lastError: (err as Error).message };
  }
  if (!cfg) return none;
  const state = loadState(dataDir, cfg.url);
  const status: TeamStatus = {
    joined: true,
    url: cfg.url,
    user: cfg.user || null,
    role: cfg.role || null,
    joinedAt: cfg.joinedAt || null,
    tokenIn: tokenIn(dataDir),
    reachable: null,
    queued: { drills: pendingDrills(db, state.acked).length, bundles: bundlesPending(db, state).length },
    lastPublishAt: state.lastPublishAt ?? null,
    lastAttemptAt: state.lastAttemptAt ?? null,
    lastError: state.lastError ?? null,
  };
  if (!opts.probe) return status;
  try {
    const me = await whoAmI(cfg.url, cfg.token, { fetchImpl: opts.fetchImpl, timeoutMs: 5_000 });
    return { ...status, reachable: true, user: me.user, role: me.role };
  } catch (err) {
    return { ...status, reachable: false, lastError: (err as Error).message };
  }
}

function tokenIn(dataDir: string): 'file' | 'keychain' {
  try {
    return (JSON.parse(readFileSync(configFile(dataDir), 'utf8')) as { tokenIn?: string }).tokenIn === 'keychain' ? 'keychain' : 'file';
  } catch {
    return 'file';
  }
}

function parseObject(text: string): { name?: unknown; role?: unknown; error?: unknown } | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
