/**
 * SSH destinations as people write them: `ssh://user@host:port`,
 * `user@host:port`, `user@host`, `host:port`, `[v6]:port`, or a bare word
 * (an ~/.ssh/config alias). One parser for the runbook's `targets:` and for
 * `--target NAME=…` / ProxyJump: issue 14 found two regexes that accepted
 * different inputs (the runbook's took `user:password@host`, a password
 * written into the runbook, and a stray `[` in a host name).
 */

export interface SshDestination {
  user?: string;
  host: string;
  port?: number;
}

export type DestinationParse =
  | {
      ok: true;
      dest: SshDestination;
      /** A bare word with no scheme, user or port: an ~/.ssh/config alias. */
      alias: boolean;
    }
  | { ok: false; problem: 'syntax' }
  /** A destination with a port outside 1-65535 (`host` names it in the message). */
  | { ok: false; problem: 'port'; host: string };

// user: no @, /, : or space (a colon would be user:password). host: a [bracketed v6 address] or no : @ / [ ] or space.
const DESTINATION = /^(ssh:\/\/)?(?:([^@\s/:]+)@)?(\[[^\]\s]+\]|[^:@\s/[\]]+)(?::(\d+))?\/?$/;

export function parseSshDestination(text: string): DestinationParse {
  const trimmed = text.trim();
  const m = DESTINATION.exec(trimmed);
  if (!m) return { ok: false, problem: 'syntax' };
  const [, scheme, user, rawHost = '', portText] = m;
  const dest: SshDestination = { host: rawHost.replace(/^\[|\]$/g, '') };
  if (user !== undefined) dest.user = user;
  if (portText !== undefined) {
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, problem: 'port', host: dest.host };
    dest.port = port;
  }
  return { ok: true, dest, alias: scheme === undefined && user === undefined && portText === undefined && !rawHost.startsWith('[') };
}

/** The destination, or null for anything that is not one. */
export function parseDestination(text: string): SshDestination | null {
  const r = parseSshDestination(text);
  return r.ok ? r.dest : null;
}
