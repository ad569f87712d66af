/**
 * Where the team server may listen. Tokens and passwords cross this socket,
 * so anything beyond loopback needs TLS here (--tls-cert/--tls-key) or an
 * explicit --behind-proxy (a TLS-terminating proxy in front of it). The rule
 * is a pure function so it is tested without opening sockets.
 */
import { isIP } from 'node:net';

export interface ListenPlan {
  host: string;
  port: number;
  tls: { cert: string; key: string } | null;
  behindProxy: boolean;
}

export const DEFAULT_LISTEN = '127.0.0.1:8470';

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new Error(`--listen must be ADDRESS:PORT, such as 127.0.0.1:8470 or [::1]:8470 (got "${text}")`);
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port < 0 || port > 65535) throw new Error(`--listen: port ${port} is out of range (0-65535)`);
  if (host !== 'localhost' && isIP(host) === 0) throw new Error(`--listen needs an IP address or localhost, not a host name ("${host}")`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return /^::ffff:127\./i.test(host);
}

/** The plan, or one sentence saying why the server will not listen there. */
export function planListen(opts: { listen?: string; tlsCert?: string; tlsKey?: string; behindProxy?: boolean }): ListenPlan {
  const { host, port } = parseListen(opts.listen ?? DEFAULT_LISTEN);
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together: give both, or neither');
  const tls = opts.tlsCert !== undefined && opts.tlsKey !== undefined ? { cert: opts.tlsCert, key: opts.tlsKey } : null;
  if (tls && opts.behindProxy) throw new Error('choose one of --tls-cert/--tls-key and --behind-proxy');
  if (!isLoopback(host) && !tls && !opts.behindProxy) {
    throw new Error(
      `refusing to listen on ${host}:${port} without TLS: tokens and passwords would cross the network in the clear; pass --tls-cert and --tls-key, or --behind-proxy when a TLS proxy in front of the server ends the connections`,
    );
  }
  return { host, port, tls, behindProxy: opts.behindProxy === true };
}
