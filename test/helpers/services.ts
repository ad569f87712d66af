/**
 * Throwaway database servers for the restore tests: a PostgreSQL cluster
 * and a MariaDB server, each in its own temp folder, listening on a random
 * 127.0.0.1 port with its socket in that folder, password authentication
 * over TCP. Debian's own clusters (created by the packages) are never used
 * or touched.
 *
 * Servers refuse to run as root, so as root they run as the `postgres` /
 * `mysql` users the packages create; as anyone else they run as that user.
 * Every wait is bounded; `stop()` always ends the server (SIGKILL after a
 * grace period) and removes its folder, and a process exit kills any server
 * still running.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './sshd';

export interface DbServer {
  kind: 'postgresql' | 'mariadb';
  host: '127.0.0.1';
  port: number;
  /** Superuser and its password (TCP logins need it). */
  user: string;
  password: string;
  /** Folder holding the data dir and the socket; removed by stop(). */
  dir: string;
  socketDir: string;
  version: string;
  /** Runs SQL as the superuser over TCP; throws with the client's stderr on failure. */
  sql(database: string, query: string): string;
  log(): string;
  stop(): Promise<void>;
  /** PostgreSQL only: a fast shutdown and a start on the same port and data (the team server's restart tests). */
  restart?(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

interface RunAs {
  uid?: number;
  gid?: number;
  name: string;
}

function runAs(serviceUser: string): RunAs {
  if (process.getuid?.() !== 0) return { name: os.userInfo().username };
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${serviceUser}:`));
  if (!line) throw new Error(`running as root, but there is no ${serviceUser} user to run the server as (install the server package)`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid), name: serviceUser };
}

function makeDir(prefix: string, owner: RunAs): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  if (owner.uid !== undefined) chownSync(dir, owner.uid, owner.gid!);
  return dir;
}

function run(cmd: string, args: string[], owner: RunAs, env: NodeJS.ProcessEnv = process.env, timeout = 60_000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout, uid: owner.uid, gid: owner.gid, cwd: '/' });
  if (r.error) throw new Error(`${path.basename(cmd)}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-6).join(' | ')}`);
  return r.stdout;
}

/** Starts a server and waits (bounded) for its readiness line on stderr. */
async function startServer(
  cmd: string,
  args: string[],
  owner: RunAs,
  ready: RegExp,
  what: string,
  timeoutMs = 30_000,
): Promise<{ child: ChildProcess; log: () => string; addrInUse: boolean }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], uid: owner.uid, gid: owner.gid, cwd: '/' });
  running.add(child);
  let log = '';
  const onData = (d: Buffer) => {
    log += d.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const ok = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const check = () => {
      if (ready.test(log)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stderr!.on('data', check);
    child.stdout!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ok) {
    await stopChild(child, 'SIGKILL');
    const addrInUse = /already in use|could not bind|Do you already have another/i.test(log);
    if (!addrInUse) throw new Error(`${what} did not start within ${timeoutMs / 1000}s: ${log.trim().split('\n').slice(-6).join(' | ')}`);
    return { child, log: () => log, addrInUse };
  }
  return { child, log: () => log, addrInUse: false };
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      running.delete(child);
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      done();
    });
    child.kill(signal);
  });
}

// ---------------------------------------------------------------------------
// PostgreSQL

/** The newest installed server's bin folder (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? path.join(root, majors[0], 'bin') : null;
}

export function postgresUnavailable(): string | null {
  if (!postgresBinDir()) return 'PostgreSQL is not installed (apt-get install postgresql)';
  if (spawnSync('psql', ['--version']).error) return 'psql is not on PATH (apt-get install postgresql-client)';
  return null;
}

/**
 * `keepDir` (benches only): the cluster lives in that folder and survives
 * stop(), so a big seeded database is reused across runs; initdb runs only
 * when the folder holds no cluster yet, and `password` must then be the one
 * it was created with.
 */
export async function startPostgres(opts: { password?: string; keepDir?: string } = {}): Promise<DbServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(postgresUnavailable() ?? 'no PostgreSQL');
  const owner = runAs('postgres');
  const keep = opts.keepDir;
  if (keep) {
    mkdirSync(keep, { recursive: true, mode: 0o755 });
    if (owner.uid !== undefined) chownSync(keep, owner.uid, owner.gid!);
  }
  const dir = keep ?? makeDir('drillbook-pg-', owner);
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'sock');
  const password = opts.password ?? 'pg-' + Math.random().toString(36).slice(2, 14);
  const pwfile = path.join(dir, 'pwfile');
  const fresh = !existsSync(path.join(data, 'PG_VERSION'));
  if (fresh) {
    writeFileSync(pwfile, password + '\n', { mode: 0o600 });
    if (owner.uid !== undefined) chownSync(pwfile, owner.uid, owner.gid!);
  }
  if (!existsSync(socketDir)) mkdirSync(socketDir);
  if (owner.uid !== undefined) chownSync(socketDir, owner.uid, owner.gid!);
  try {
    // --no-sync and the settings below trade durability for speed: these clusters live for a minute.
    if (fresh) {
      run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'], owner);
      rmSync(pwfile);
    }
    const version = run(path.join(bin, 'postgres'), ['--version'], owner).trim();
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const started = await startServer(
        path.join(bin, 'postgres'),
        ['-D', data, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=32MB', '-c', 'max_connections=40', '-c', 'logging_collector=off'],
        owner,
        /database system is ready to accept connections/,
        'PostgreSQL',
      );
      if (started.addrInUse) continue;
      let { child, log } = started;
      const args = ['-D', data, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=32MB', '-c', 'max_connections=40', '-c', 'logging_collector=off'];
      const env = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' };
      return {
        kind: 'postgresql',
        host: '127.0.0.1',
        port,
        user: 'postgres',
        password,
        dir,
        socketDir,
        version,
        log: () => log(),
        sql(database, query) {
          const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-c', query], {
            encoding: 'utf8',
            env,
            timeout: 60_000,
          });
          if (r.status !== 0) throw new Error(`psql: ${(r.stderr || String(r.error)).trim()}`);
          return r.stdout;
        },
        stop: async () => {
          await stopChild(child, 'SIGINT'); // fast shutdown
          if (!keep) rmSync(dir, { recursive: true, force: true });
        },
        restart: async () => {
          await stopChild(child, 'SIGINT');
          const again = await startServer(path.join(bin, 'postgres'), args, owner, /database system is ready to accept connections/, 'PostgreSQL');
          if (again.addrInUse) throw new Error(`PostgreSQL could not listen on ${port} again after a restart`);
          ({ child, log } = again);
        },
      };
    }
    throw new Error('PostgreSQL: no free port after 5 attempts');
  } catch (err) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------
// MariaDB

const MARIADBD = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'];

export function mariadbUnavailable(): string | null {
  if (!MARIADBD.some((f) => existsSync(f))) return 'MariaDB is not installed (apt-get install mariadb-server)';
  if (spawnSync('mariadb-install-db', ['--help']).error) return 'mariadb-install-db is not on PATH (mariadb-server)';
  if (spawnSync('mariadb-dump', ['--version']).error) return 'mariadb-dump is not on PATH (mariadb-client)';
  return null;
}

export async function startMariadb(opts: { password?: string } = {}): Promise<DbServer> {
  const problem = mariadbUnavailable();
  if (problem) throw new Error(problem);
  const daemon = MARIADBD.find((f) => existsSync(f))!;
  const owner = runAs('mysql');
  const dir = makeDir('drillbook-maria-', owner);
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'sock');
  const socket = path.join(socketDir, 'mysqld.sock');
  mkdirSync(socketDir);
  if (owner.uid !== undefined) chownSync(socketDir, owner.uid, owner.gid!);
  const password = opts.password ?? 'my-' + Math.random().toString(36).slice(2, 14);
  const userArg = owner.uid !== undefined ? [`--user=${owner.name}`] : [];
  try {
    run(
      'mariadb-install-db',
      ['--no-defaults', `--datadir=${data}`, ...userArg, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve', '--innodb-buffer-pool-size=32M'],
      owner,
      process.env,
      120_000,
    );
    const version = run(daemon, ['--version'], owner).trim();
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const started = await startServer(
        daemon,
        [
          '--no-defaults',
          `--datadir=${data}`,
          `--socket=${socket}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--pid-file=${path.join(socketDir, 'mysqld.pid')}`,
          ...userArg,
          '--skip-name-resolve',
          '--skip-log-bin',
          '--innodb-buffer-pool-size=32M',
          '--innodb-flush-log-at-trx-commit=0',
        ],
        owner,
        /ready for connections/,
        'MariaDB',
        60_000,
      );
      if (started.addrInUse) continue;
      const { child, log } = started;
      // root@localhost has no password yet (socket only); the tests log in over TCP as drill@127.0.0.1.
      const admin = (query: string) => {
        const r = spawnSync('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-e', query], { encoding: 'utf8', timeout: 30_000 });
        if (r.status !== 0) throw new Error(`mariadb: ${(r.stderr || String(r.error)).trim()}`);
      };
      admin(`CREATE USER 'drill'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON *.* TO 'drill'@'127.0.0.1' WITH GRANT OPTION;`);
      return {
        kind: 'mariadb',
        host: '127.0.0.1',
        port,
        user: 'drill',
        password,
        dir,
        socketDir,
        version,
        log,
        sql(database, query) {
          const r = spawnSync('mariadb', ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', 'drill', '-N', '-B', ...(database ? [database] : []), '-e', query], {
            encoding: 'utf8',
            env: { ...process.env, MYSQL_PWD: password },
            timeout: 60_000,
          });
          if (r.status !== 0) throw new Error(`mariadb: ${(r.stderr || String(r.error)).trim()}`);
          return r.stdout;
        },
        stop: async () => {
          await stopChild(child, 'SIGTERM', 15_000);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    throw new Error('MariaDB: no free port after 5 attempts');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
