/**
 * A real OpenSSH sshd for tests: throwaway host and client keys in a temp
 * folder, listening on a random loopback port, started with
 * `/usr/sbin/sshd -D -e -f CONFIG` (needs root and openssh-server, which
 * .ci/run installs). Stopped (and its per-connection children with it) by
 * `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  host: '127.0.0.1';
  port: number;
  user: string;
  dir: string;
  /** Client private key authorised for `user`. */
  clientKey: string;
  /** A known_hosts line for this server (`[127.0.0.1]:port ssh-ed25519 …`). */
  knownHostsLine: string;
  /** The host key's public blob, base64. */
  hostKeyBase64: string;
  pid: number;
  /** Lines sshd logged (stderr), for diagnosing a failed test. */
  log(): string;
  /** Kills the per-connection sshd processes (drops every session) and returns how many. */
  killSessions(): number;
  stop(): Promise<void>;
}

/** Why sshd cannot be used here, or null when it can. */
export function sshdUnavailable(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`;
  if (process.getuid?.() !== 0) return 'sshd tests need root (sshd must switch users)';
  if (spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error) return 'ssh-keygen is not installed (openssh-client)';
  return null;
}

function keygen(file: string, type = 'ed25519', passphrase = ''): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'drillbook-test', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

export function makeKey(dir: string, name: string, opts: { type?: string; passphrase?: string } = {}): string {
  const file = path.join(dir, name);
  keygen(file, opts.type ?? 'ed25519', opts.passphrase ?? '');
  return file;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startSshd(opts: { extraConfig?: string; hostKeyType?: string; dir?: string } = {}): Promise<TestSshd> {
  const reason = sshdUnavailable();
  if (reason) throw new Error(reason);
  mkdirSync('/run/sshd', { recursive: true }); // privilege separation directory
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'drillbook-sshd-'));
  const hostKey = path.join(dir, 'ssh_host_key');
  if (!existsSync(hostKey)) keygen(hostKey, opts.hostKeyType ?? 'ed25519');
  const clientKey = path.join(dir, 'client_key');
  if (!existsSync(clientKey)) keygen(clientKey);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(clientKey + '.pub'));
  const [keyType, keyB64] = readFileSync(hostKey + '.pub', 'utf8').trim().split(/\s+/);

  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = path.join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'PidFile none',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'AllowTcpForwarding yes',
        'PrintMotd no',
        'LogLevel INFO',
        'MaxStartups 50',
        opts.extraConfig ?? '',
      ].join('\n') + '\n',
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.length > 200_000) log = log.slice(-100_000);
    });
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const check = () => {
        if (/Server listening on/.test(log)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stderr!.on('data', check);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ok) {
      stopChild(child);
      if (/Address already in use/.test(log)) continue;
      throw new Error(`sshd did not start: ${log.trim().split('\n').slice(-5).join(' | ')}`);
    }
    const pid = child.pid!;
    return {
      host: '127.0.0.1',
      port,
      user: os.userInfo().username,
      dir,
      clientKey,
      knownHostsLine: `[127.0.0.1]:${port} ${keyType} ${keyB64}`,
      hostKeyBase64: keyB64!,
      pid,
      log: () => log,
      killSessions: () => {
        const kids = childrenOf(pid);
        for (const k of kids) {
          try {
            process.kill(k, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        return kids.length;
      },
      stop: async () => {
        for (const k of childrenOf(pid)) {
          try {
            process.kill(k, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        await stopChild(child);
        if (!opts.dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error('sshd: no free port after 5 attempts');
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => {
      child.kill('SIGKILL');
    }, 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Direct children of a process (sshd's per-connection processes), from /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}
