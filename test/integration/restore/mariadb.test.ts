/**
 * The MariaDB/MySQL sample over SSH against a real, throwaway MariaDB: the
 * nightly mysqldump --single-transaction restore test passes (schema, exact
 * row counts, table checksums, a read and a write), and the classic silent
 * failure, a dump cut off half way that gzip still wrapped into a valid
 * file, fails at the completeness check with a clear message.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { mariadbUnavailable, startMariadb, type DbServer } from '../../helpers/services';
import { assertFailedAt, assertNoSecret, assertPassed, assertRanOverSsh, runDrill, startRig, unavailable, type Rig } from './harness';

const skip = unavailable(mariadbUnavailable());
if (skip) test('MariaDB restore sample', () => assert.fail(`cannot run: ${skip}`));

const SECRET = 'My-S3cret-' + Math.random().toString(36).slice(2, 12);
let rig: Rig;
let db: DbServer;

/** The nightly job as the runbook describes it; `cutAt` simulates mariadb-dump dying half way (gzip still succeeds). */
function nightlyDump(dir: string, name: string, cutAt?: number): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  const dump = `mariadb-dump --no-defaults -h 127.0.0.1 -P ${db.port} -u drill --single-transaction --quick --routines --triggers --events app`;
  const script = cutAt === undefined ? `${dump} | gzip > '${file}'` : `${dump} | head -c ${cutAt} | gzip > '${file}'`;
  execFileSync('bash', ['-c', script], { env: { ...process.env, MYSQL_PWD: db.password } });
  execFileSync('bash', ['-c', `sha256sum '${name}' > '${name}.sha256'`], { cwd: dir });
  return file;
}

const vars = (backupDir: string) => ({
  BACKUP_DIR: backupDir,
  DB_HOST: '127.0.0.1',
  DB_PORT: String(db.port),
  DB_USER: 'drill',
  SCRATCH_DIR: path.join(rig.dir, 'scratch'),
});

before(async () => {
  if (skip) return;
  rig = await startRig('drillbook-restore-maria-');
  db = await startMariadb({ password: SECRET });
  db.sql(
    '',
    `SET NAMES utf8mb4;
     CREATE DATABASE app CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
     USE app;
     CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, tenant_id INT NOT NULL, name VARCHAR(100) NOT NULL) ENGINE=InnoDB;
     CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, amount_cents INT NOT NULL,
                          note TEXT, created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
                          FOREIGN KEY (customer_id) REFERENCES customers(id)) ENGINE=InnoDB;
     CREATE TABLE order_audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, order_id BIGINT NOT NULL) ENGINE=InnoDB;
     CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO order_audit (order_id) VALUES (NEW.id);
     CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount_cents > 90000;
     INSERT INTO customers (tenant_id, name) SELECT seq % 5 + 1, CONCAT('customer-', seq) FROM seq_1_to_300;
     INSERT INTO orders (customer_id, amount_cents, note) SELECT seq % 300 + 1, (seq * 7919) % 100000, IF(seq % 3 = 0, 'it''s "quoted"\\ttabbed ☕', NULL) FROM seq_1_to_6000;`,
  );
});

after(async () => {
  await db?.stop();
  await rig?.cleanup();
});

test('mysqldump restore test: passes over SSH with exact counts and checksums, cleans up, leaks no password', { skip: !!skip }, async () => {
  const backups = path.join(rig.dir, 'backups-good');
  nightlyDump(backups, 'app-2026-03-01T0200Z.sql.gz');
  const r = await runDrill(rig, 'mariadb-mysqldump-restore.md', { target: 'db', vars: vars(backups), env: { MYSQL_PWD: SECRET }, args: ['--strict'] });
  assertPassed(r, 9);
  assertRanOverSsh(rig, r, 'db');
  assert.match(r.stdout, /checksum OK; dump is complete \(-- Dump completed on /);
  assert.match(r.stdout, /schema ok: 3 tables/);
  assert.match(r.stdout, /row counts match \(3 tables, drift allowed 0%\)/);
  assert.match(r.stdout, /table checksums match/);
  assert.match(r.stdout, /read-write ok/);
  assert.equal(db.sql('', "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'app_restore_test'").trim(), '0', 'scratch database dropped');
  assert.deepEqual(readdirSync(path.join(rig.dir, 'scratch')), []);
  assertNoSecret(r, SECRET);
});

test('a dump cut off half way (valid gzip, no "-- Dump completed") fails at the completeness check', { skip: !!skip }, async () => {
  const backups = path.join(rig.dir, 'backups-truncated');
  nightlyDump(backups, 'app-2026-03-02T0200Z.sql.gz', 150_000);
  const r = await runDrill(rig, 'mariadb-mysqldump-restore.md', { target: 'db', vars: vars(backups), env: { MYSQL_PWD: SECRET } });
  assertFailedAt(r, 2, /TRUNCATED: .*app-2026-03-02T0200Z\.sql\.gz does not end with '-- Dump completed' .*the dump did not finish/);
  assert.equal(db.sql('', "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'app_restore_test'").trim(), '0', 'nothing was restored');
});
