/**
 * From a runbook target (front matter `targets:`) or a command-line
 * `NAME=ssh://user@host:port` / alias to a resolved endpoint.
 */
import type { TargetSpec } from '../runbook/model';
import { parseDestination, resolveEndpoint, type ResolveContext, type SshDestination, type SshEndpoint } from './config';
import { SshError } from './errors';

export interface TargetResolveOptions {
  ctx: ResolveContext;
  /** Overrides by target name (CLI --target NAME=…), as destinations or aliases. */
  overrides?: ReadonlyMap<string, string>;
}

/** The destination a runbook target names: its alias (resolved by ~/.ssh/config) or host. */
export function destinationOf(target: TargetSpec): SshDestination {
  const host = target.alias ?? target.host;
  if (!host) throw new SshError('config', `target "${target.name}" has neither a host nor an ssh alias`);
  const dest: SshDestination = { host };
  if (target.user) dest.user = target.user;
  if (target.port) dest.port = target.port;
  return dest;
}

/**
 * Resolves a target by name. `targets` are the runbook's; an override for
 * the name wins (the CLI pointing a runbook's `db` at a rehearsal host).
 */
export function endpointForTarget(name: string, targets: readonly TargetSpec[], opts: TargetResolveOptions): SshEndpoint {
  const override = opts.overrides?.get(name);
  if (override !== undefined) {
    const dest = parseDestination(override);
    if (!dest) throw new SshError('config', `--target ${name}=${override}: expected ssh://user@host:port, user@host or an ~/.ssh/config alias`);
    return { ...resolveEndpoint(dest, opts.ctx), label: name };
  }
  const spec = targets.find((t) => t.name === name);
  if (!spec) {
    // Not in the runbook: accept a destination written directly (ad-hoc terminals).
    const dest = parseDestination(name);
    if (!dest) throw new SshError('config', `no target named "${name}"`);
    return resolveEndpoint(dest, opts.ctx);
  }
  if (spec.kind !== 'ssh') throw new SshError('config', `target "${name}" is the local machine, not an SSH host`);
  return { ...resolveEndpoint(destinationOf(spec), opts.ctx), label: name };
}
