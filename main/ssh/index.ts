/**
 * SSH for Drillbook: resolving targets like `ssh` does (~/.ssh/config),
 * known_hosts checking, and connecting (auth chain, ProxyJump, keepalive).
 */
export { parseDestination, resolveEndpoint, systemResolveContext, loadSshConfig, parseSshConfig, describeEndpoint, type SshDestination, type SshEndpoint, type ResolveContext } from './config';
export { connectSsh, execOnce, defaultKnownHostsFiles, type ConnectOptions, type SshConnection, type Prompter, type HostKeyPolicy, type HostKeyQuestion, type KeyboardInteractiveQuestion } from './connect';
export { SshError, describeSshError, type SshErrorKind } from './errors';
export { parseKnownHosts, checkHostKey, fingerprintSha256, hostFieldMatches, knownHostName, appendKnownHost, hashHostName, readKnownHostsFiles } from './known-hosts';
export { endpointForTarget, type TargetResolveOptions } from './target';
