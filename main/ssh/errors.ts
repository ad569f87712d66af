/**
 * Everything that can go wrong reaching a host, as one plain sentence the
 * operator can act on. Raw errno codes and ssh2's internal messages are
 * translated here and nowhere else.
 */

export type SshErrorKind =
  | 'config'
  | 'dns'
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'auth'
  | 'hostkey-changed'
  | 'hostkey-revoked'
  | 'hostkey-unknown'
  | 'hostkey-rejected'
  | 'key'
  | 'jump'
  | 'closed'
  | 'cancelled'
  | 'protocol';

export class SshError extends Error {
  constructor(
    readonly kind: SshErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

export interface ErrorContext {
  /** `host:port` as the user would recognise it. */
  where: string;
  user: string;
  timeoutMs: number;
  /** Auth methods tried, for the "refused authentication" message. */
  tried: string[];
  /** Set when the connection was ready before the error (a drop, not a failure to connect). */
  wasReady?: boolean;
}

/** Maps an error from ssh2 / net / dns to an SshError with a clear sentence. */
export function describeSshError(err: unknown, ctx: ErrorContext): SshError {
  if (err instanceof SshError) return err;
  const e = err as (Error & { code?: string | number; level?: string }) | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = e?.message ?? String(err);
  const secs = Math.round(ctx.timeoutMs / 1000);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new SshError('dns', `cannot find host ${hostOf(ctx.where)}: the DNS lookup failed (check the name, or your network/VPN)`);
    case 'ECONNREFUSED':
      return new SshError('refused', `${ctx.where} refused the connection (no SSH server listening there?)`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new SshError('unreachable', `${ctx.where} is unreachable (no route to the host; check the network/VPN)`);
    case 'ETIMEDOUT':
      return new SshError('timeout', `no answer from ${ctx.where} within ${secs}s (host down, or a firewall dropping the traffic?)`);
    case 'ECONNRESET':
    case 'EPIPE':
      return ctx.wasReady
        ? new SshError('closed', `the connection to ${ctx.where} was reset`)
        : new SshError('closed', `${ctx.where} closed the connection during the SSH handshake`);
  }
  if (e?.level === 'client-authentication' || /authentication methods failed/i.test(message)) {
    const tried = ctx.tried.length ? ` (tried ${[...new Set(ctx.tried)].join(', ')})` : '';
    return new SshError('auth', `${ctx.where} refused authentication as ${ctx.user}${tried}`);
  }
  if (e?.level === 'client-timeout' || /timed out/i.test(message)) {
    return new SshError('timeout', `no SSH answer from ${ctx.where} within ${secs}s (host down, overloaded, or not an SSH server?)`);
  }
  if (e?.level === 'handshake' || e?.level === 'protocol') {
    return new SshError('protocol', `SSH handshake with ${ctx.where} failed: ${firstLine(message)}`);
  }
  return new SshError(ctx.wasReady ? 'closed' : 'protocol', `${ctx.wasReady ? 'connection to' : 'cannot connect to'} ${ctx.where}: ${firstLine(message)}`);
}

function hostOf(where: string): string {
  return where.replace(/^\[|\](:\d+)?$/g, '').replace(/:\d+$/, '');
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').trim();
}
