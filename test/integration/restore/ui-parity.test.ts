/**
 * One semantics for Run and `drillbook run` (runbooks/FORMAT.md, "Run in the
 * drill view behaves the same"): every bundled runnable sample gives the same
 * step results — each step's status, each block's exit code and expect
 * verdict — through the drill view's Run path (over SSH to a real sshd, real
 * PostgreSQL, MariaDB, restic, rsync) as through `drillbook run`, passing
 * and failing alike.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { mariadbUnavailable, postgresUnavailable, startMariadb, startPostgres, type DbServer } from '../../helpers/services';
import { RUNBOOKS, runDrill, startRig, unavailable, type Rig } from './harness';
import { resultsOf, runThroughUi } from './ui-driver';

const tools = ['restic', 'rsync', 'sha256sum'].filter((t) => spawnSync(t, ['--version']).error);
const skip = unavailable(postgresUnavailable(), mariadbUnavailable(), tools.length ? `not installed: ${tools.join(', ')}` : null);
if (skip) test('Run and drillbook run agree on the samples', () => assert.fail(`cannot run: ${skip}`));

const SECRET = 'Parity-S3cret-' + Math.random().toString(36).slice(2, 12);
let rig: Rig;
let pg: DbServer;
let maria: DbServer;

before(async () => {
  if (skip) return;
  rig = await startRig('drillbook-parity-');
  pg = await startPostgres({ password: SECRET });
  maria = await startMariadb({ password: SECRET });
});
after(async () => {
  await pg?.stop();
  await maria?.stop();
  await rig?.cleanup();
});

const sh = (script: string, env: NodeJS.ProcessEnv = {}) => execFileSync('bash', ['-e', '-o', 'pipefail', '-c', script], { env: { ...process.env, ...env }, encoding: 'utf8' });

/** Runs the sample both ways and asserts the same step results; returns them. */
async function bothWays(sample: string, target: string, vars: Record<string, string>, secrets: Record<string, string> = {}) {
  const file = path.join(RUNBOOKS, sample);
  const headless = await runDrill(rig, sample, { target, vars, env: secrets, timeoutMs: 180_000 });
  assert.ok(headless.drill, `drillbook run recorded no drill (exit ${headless.code})\n${headless.stdout}\n${headless.stderr}`);
  const ui = await runThroughUi(rig, file, { target, vars, secrets });
  try {
    const want = resultsOf(headless.drill);
    assert.deepEqual(ui.results, want, `${sample}: the drill view's Run and drillbook run differ\n--- drillbook run stdout\n${headless.stdout}`);
    // The UI path really went over SSH, as the headless one did.
    assert.ok(ui.drill.commands.filter((c) => c.origin === 'run').every((c) => c.target === target));
    return want;
  } finally {
    await ui.close();
  }
}

test('PostgreSQL pg_dump restore and partial restore: the same step results through Run (over SSH) and drillbook run', { skip: !!skip, timeout: 600_000 }, async () => {
  pg.sql('postgres', 'CREATE DATABASE app');
  pg.sql('app', `CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant_id int NOT NULL, name text NOT NULL);
     CREATE TABLE orders (id bigserial PRIMARY KEY, tenant_id int NOT NULL, customer_id int NOT NULL REFERENCES customers(id), amount_cents int NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
     INSERT INTO customers (tenant_id, name) SELECT (g % 5) + 1, 'customer-' || g FROM generate_series(1, 100) g;
     INSERT INTO orders (tenant_id, customer_id, amount_cents) SELECT c.tenant_id, c.id, g FROM generate_series(1, 2000) g JOIN customers c ON c.id = (g % 100) + 1;`);
  const backups = path.join(rig.dir, 'pg-backups');
  mkdirSync(backups);
  const dump = path.join(backups, 'app-2026-03-01T0200Z.dump');
  execFileSync('pg_dump', ['-Fc', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'app', '-f', dump], { env: { ...process.env, PGPASSWORD: SECRET } });
  sh(`cd '${backups}' && sha256sum app-2026-03-01T0200Z.dump > app-2026-03-01T0200Z.dump.sha256`);
  const vars = { BACKUP_DIR: backups, PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGUSER: 'postgres', SCRATCH_DIR: path.join(rig.dir, 'pg-scratch') };
  const good = await bothWays('postgres-pg-dump-restore.md', 'db', vars, { PGPASSWORD: SECRET });
  assert.ok(good.steps.every((s) => s === 'completed'), JSON.stringify(good));

  // A dump cut short fails at the same step, with the same clean-up, both ways.
  writeFileSync(dump, readFileSync(dump).subarray(0, 3000));
  sh(`cd '${backups}' && sha256sum app-2026-03-01T0200Z.dump > app-2026-03-01T0200Z.dump.sha256`);
  const bad = await bothWays('postgres-pg-dump-restore.md', 'db', vars, { PGPASSWORD: SECRET });
  assert.ok(bad.steps.includes('failed'), JSON.stringify(bad));

  pg.sql('postgres', 'CREATE DATABASE shop TEMPLATE app');
  const shop = path.join(rig.dir, 'pg-shop');
  mkdirSync(shop);
  execFileSync('pg_dump', ['-Fc', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'shop', '-f', path.join(shop, 'shop-2026-03-01T0200Z.dump')], { env: { ...process.env, PGPASSWORD: SECRET } });
  sh(`cd '${shop}' && sha256sum shop-2026-03-01T0200Z.dump > shop-2026-03-01T0200Z.dump.sha256`);
  pg.sql('shop', 'DELETE FROM orders WHERE tenant_id = 3 AND id % 7 <> 0');
  // The first run restores tenant 3; the second finds nothing missing. Both ways, in turn.
  const partialVars = { ...vars, BACKUP_DIR: shop, TENANT_ID: '3', PROD_DB: 'shop', STAGING_DB: 'shop_staging' };
  const file = path.join(RUNBOOKS, 'postgres-partial-restore.md');
  const h1 = await runDrill(rig, 'postgres-partial-restore.md', { target: 'db', vars: partialVars, env: { PGPASSWORD: SECRET } });
  pg.sql('shop', 'DELETE FROM orders WHERE tenant_id = 3 AND id % 7 <> 0');
  const u1 = await runThroughUi(rig, file, { target: 'db', vars: partialVars, secrets: { PGPASSWORD: SECRET } });
  await u1.close();
  assert.deepEqual(u1.results, resultsOf(h1.drill!), `partial restore differs\n${h1.stdout}`);
  assert.ok(u1.results.steps.every((s) => s === 'completed'), JSON.stringify(u1.results));
});

test('MariaDB mysqldump restore: the same step results both ways', { skip: !!skip, timeout: 600_000 }, async () => {
  maria.sql('', `CREATE DATABASE app; USE app; CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB; INSERT INTO orders (v) SELECT CONCAT('row-', seq) FROM seq_1_to_500;`);
  const backups = path.join(rig.dir, 'maria-backups');
  mkdirSync(backups);
  sh(`mariadb-dump --no-defaults -h 127.0.0.1 -P ${maria.port} -u drill --single-transaction --quick --routines --triggers --events app | gzip > '${backups}/app-2026-03-01T0200Z.sql.gz'
      cd '${backups}' && sha256sum app-2026-03-01T0200Z.sql.gz > app-2026-03-01T0200Z.sql.gz.sha256`, { MYSQL_PWD: SECRET });
  const vars = { BACKUP_DIR: backups, DB_HOST: '127.0.0.1', DB_PORT: String(maria.port), DB_USER: 'drill', SCRATCH_DIR: path.join(rig.dir, 'maria-scratch') };
  const good = await bothWays('mariadb-mysqldump-restore.md', 'db', vars, { MYSQL_PWD: SECRET });
  assert.ok(good.steps.every((s) => s === 'completed'), JSON.stringify(good));
});

test('restic, rsync and backup freshness: the same step results both ways, passing and failing', { skip: !!skip, timeout: 600_000 }, async () => {
  const restic = await bothWays('restic-file-restore.md', 'host', { SCRATCH_DIR: path.join(rig.dir, 'restic-scratch') });
  assert.ok(restic.steps.every((s) => s === 'completed'), JSON.stringify(restic));

  const src = path.join(rig.dir, 'site');
  const root = path.join(rig.dir, 'snapshots');
  mkdirSync(path.join(src, 'config'), { recursive: true });
  for (let i = 0; i < 10; i++) writeFileSync(path.join(src, `file-${i}.bin`), Buffer.alloc(5000 + i, i));
  writeFileSync(path.join(src, 'config', 'app.toml'), 'workers = 8\n');
  mkdirSync(root);
  const snapshot = (stamp: string) =>
    sh(`new='${root}/${stamp}'
        rsync -a --delete --link-dest='${root}/latest' '${src}/' "$new/"
        (cd "$new" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) > "$new.sha256"
        ln -sfn "${stamp}" '${root}/latest'`);
  snapshot('2026-02-28T0200Z');
  appendFileSync(path.join(src, 'config', 'app.toml'), 'timeout = 30\n');
  snapshot('2026-03-01T0200Z');
  const rsyncVars = { SNAPSHOT_ROOT: root, SCRATCH_DIR: path.join(rig.dir, 'rsync-scratch') };
  const rsync = await bothWays('rsync-snapshot-restore.md', 'backup', rsyncVars);
  assert.ok(rsync.steps.every((s) => s === 'completed'), JSON.stringify(rsync));
  const rotted = path.join(root, '2026-03-01T0200Z', 'config', 'app.toml');
  writeFileSync(rotted, readFileSync(rotted, 'utf8').replace('workers = 8', 'workers = 9'));
  const rot = await bothWays('rsync-snapshot-restore.md', 'backup', rsyncVars);
  assert.equal(rot.steps[3], 'failed', JSON.stringify(rot));

  const dir = path.join(rig.dir, 'nightlies');
  mkdirSync(dir);
  const nightly = (name: string, bytes: number, hoursAgo: number) => {
    writeFileSync(path.join(dir, name), Buffer.alloc(bytes, 1));
    const t = Date.now() / 1000 - hoursAgo * 3600;
    utimesSync(path.join(dir, name), t, t);
  };
  nightly('app-2026-02-28.dump', 204_000, 49);
  nightly('app-2026-03-01.dump', 207_000, 25);
  nightly('app-2026-03-02.dump', 209_000, 1);
  const fresh = await bothWays('backup-freshness-check.md', 'backup', { BACKUP_DIR: dir });
  assert.ok(fresh.steps.every((s) => s === 'completed'), JSON.stringify(fresh));
  nightly('app-2026-03-03.dump', 0, 0.5);
  const empty = await bothWays('backup-freshness-check.md', 'backup', { BACKUP_DIR: dir });
  assert.ok(empty.steps.includes('failed'), JSON.stringify(empty));
});
