/**
 * The PostgreSQL samples, run headless over SSH against a real, throwaway
 * PostgreSQL cluster: the nightly pg_dump restore test passes (and leaves
 * nothing behind), and a truncated dump, a wrong checksum and a stale dump
 * each fail at the step that should catch them. The partial-restore sample
 * brings one tenant's deleted rows back without touching anyone else's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { postgresUnavailable, startPostgres, type DbServer } from '../../helpers/services';
import { assertFailedAt, assertNoSecret, assertPassed, assertRanOverSsh, cases, runDrill, startRig, unavailable, type Rig } from './harness';

const skip = unavailable(postgresUnavailable());
if (skip) test('PostgreSQL restore samples', () => assert.fail(`cannot run: ${skip}`));

const SECRET = 'Pg-S3cret-' + Math.random().toString(36).slice(2, 12);
let rig: Rig;
let pg: DbServer;

/** The nightly job: pg_dump -Fc into DIR plus its .sha256. */
function nightlyDump(db: string, dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  execFileSync('pg_dump', ['-Fc', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', db, '-f', file], { env: { ...process.env, PGPASSWORD: pg.password } });
  writeChecksum(file);
  return file;
}

function writeChecksum(file: string): void {
  const sum = execFileSync('sha256sum', [path.basename(file)], { cwd: path.dirname(file), encoding: 'utf8' });
  writeFileSync(file + '.sha256', sum);
}

function seed(db: string): void {
  pg.sql('postgres', `CREATE DATABASE ${db}`);
  pg.sql(
    db,
    `CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant_id int NOT NULL, name text NOT NULL);
     CREATE TABLE orders (id bigserial PRIMARY KEY, tenant_id int NOT NULL, customer_id int NOT NULL REFERENCES customers(id),
                          amount_cents int NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
     CREATE INDEX orders_tenant ON orders (tenant_id, created_at);
     CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount_cents > 90000;
     INSERT INTO customers (tenant_id, name) SELECT (g % 5) + 1, 'customer-' || g FROM generate_series(1, 300) g;
     INSERT INTO orders (tenant_id, customer_id, amount_cents, created_at)
       SELECT c.tenant_id, c.id, (g * 7919) % 100000, now() - (g || ' minutes')::interval
       FROM generate_series(1, 6000) g JOIN customers c ON c.id = (g % 300) + 1;
     CREATE SCHEMA audit;
     CREATE TABLE audit.events (id serial PRIMARY KEY, what text);
     INSERT INTO audit.events (what) SELECT 'event ' || g FROM generate_series(1, 50) g;`,
  );
}

const vars = (backupDir: string) => ({
  BACKUP_DIR: backupDir,
  PGHOST: '127.0.0.1',
  PGPORT: String(pg.port),
  PGUSER: 'postgres',
  SCRATCH_DIR: path.join(rig.dir, 'scratch'),
});

before(async () => {
  if (skip) return;
  rig = await startRig('drillbook-restore-pg-');
  pg = await startPostgres({ password: SECRET });
  seed('app');
});

after(async () => {
  await pg?.stop();
  await rig?.cleanup();
});

test('pg_dump restore test: passes over SSH, records an automated drill, leaves nothing behind, leaks no password', { skip: !!skip }, async () => {
  const backups = path.join(rig.dir, 'backups-good');
  nightlyDump('app', backups, 'app-2026-03-01T0200Z.dump');
  const exportDir = path.join(rig.dir, 'evidence');
  const r = await runDrill(rig, 'postgres-pg-dump-restore.md', {
    target: 'db',
    vars: vars(backups),
    env: { PGPASSWORD: SECRET },
    args: ['--strict', '--export', exportDir],
  });
  assertPassed(r, 10);
  assertRanOverSsh(rig, r, 'db');
  const d = r.drill!;
  assert.ok(d.rto.met, 'RTO met');
  // The verification steps really verified something.
  const out = d.commands.map((c) => c.text).join('\n');
  assert.match(out, /pg_restore --no-owner .* -d "app_restore_test"/, 'variables filled in');
  assert.match(r.stdout, /schema ok: 3 tables/);
  assert.match(r.stdout, /row counts match \(3 tables, drift allowed 0%\)/);
  assert.match(r.stdout, /read-write ok/);
  assert.match(d.notes[0]?.text ?? '', /^Variables: BACKUP_DIR=.*PGPASSWORD=\(secret from \$PGPASSWORD\)/);
  // JUnit: one case per step with a time, plus the RTO.
  const cs = cases(r);
  assert.equal(cs.at(-1)!.name, 'RTO within 30m 00s');
  assert.equal(cs[5]!.name, '6. Restore the dump');
  // Clean-up ran: no scratch database, no scratch folder.
  assert.equal(pg.sql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'app_restore_test'").trim(), '0');
  assert.deepEqual(readdirSync(path.join(rig.dir, 'scratch')), []);
  // The evidence bundle.
  const bundle = path.join(exportDir, d.id);
  assert.ok(existsSync(path.join(bundle, 'manifest.json')), `bundle in ${bundle}`);
  assert.match(r.stdout, new RegExp(`Evidence bundle: ${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assertNoSecret(r, SECRET, [exportDir]);
});

test('a truncated dump fails at the restore step, with pg_restore saying why', { skip: !!skip }, async () => {
  const backups = path.join(rig.dir, 'backups-truncated');
  const dump = nightlyDump('app', backups, 'app-2026-03-02T0200Z.dump');
  // The dump was cut short (disk full, the job killed), and the job still wrote a checksum of what it had.
  truncateSync(dump, Math.floor(statSync(dump).size * 0.6));
  writeChecksum(dump);
  const r = await runDrill(rig, 'postgres-pg-dump-restore.md', { target: 'db', vars: vars(backups), env: { PGPASSWORD: SECRET } });
  const failed = assertFailedAt(
    r,
    6,
    /^postgres-pg-dump-restore\.md:\d+: exited with code 1: RESTORE FAILED: pg_restore: error: could not read from input file: end of file$/,
    /│ RESTORE FAILED: pg_restore: error: could not read from input file: end of file\n  ✗ failed after/,
  );
  assert.match(failed.body, /command: restore \(line \d+, on db\)/);
  // The scratch database was created (step 5) before the restore failed; the clean-up step dropped it all the same.
  assert.match(r.stdout, /Clean up — clean-up, runs after the failure\n[^]*dropped app_restore_test/);
  assert.equal(pg.sql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'app_restore_test'").trim(), '0', 'no scratch database left behind');
  assert.deepEqual(readdirSync(path.join(rig.dir, 'scratch')), [], 'no scratch folder left behind');
  assertNoSecret(r, SECRET);
});

test('a dump that changed after its checksum was written fails at the checksum step', { skip: !!skip }, async () => {
  const backups = path.join(rig.dir, 'backups-bitrot');
  const dump = nightlyDump('app', backups, 'app-2026-03-03T0200Z.dump');
  const bytes = readFileSync(dump);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  writeFileSync(dump, bytes);
  const r = await runDrill(rig, 'postgres-pg-dump-restore.md', { target: 'db', vars: vars(backups), env: { PGPASSWORD: SECRET } });
  assertFailedAt(r, 2, /CHECKSUM MISMATCH for .*app-2026-03-03T0200Z\.dump: recorded [0-9a-f]{64}, now [0-9a-f]{64}/);
});

test('a stale dump (the backup job stopped three days ago) fails at the first step', { skip: !!skip }, async () => {
  const backups = path.join(rig.dir, 'backups-stale');
  const dump = nightlyDump('app', backups, 'app-2026-02-26T0200Z.dump');
  const threeDaysAgo = Date.now() / 1000 - 72 * 3600 - 60;
  utimesSync(dump, threeDaysAgo, threeDaysAgo);
  const r = await runDrill(rig, 'postgres-pg-dump-restore.md', { target: 'db', vars: vars(backups), env: { PGPASSWORD: SECRET } });
  assertFailedAt(r, 1, /STALE: the newest dump is 72h old; the limit is 26h/);
});

test('partial restore: one tenant\'s deleted rows come back from the dump; newer writes and other tenants are untouched', { skip: !!skip }, async () => {
  seed('shop');
  const backups = path.join(rig.dir, 'backups-shop');
  nightlyDump('shop', backups, 'shop-2026-03-01T0200Z.dump');
  const count = (where: string) => pg.sql('shop', `SELECT count(*) FROM orders WHERE ${where}`).trim();
  const tenant3 = count('tenant_id = 3');
  const others = count('tenant_id <> 3');
  // The incident: a job deletes most of tenant 3's orders; meanwhile tenant 1 keeps writing.
  pg.sql('shop', 'DELETE FROM orders WHERE tenant_id = 3 AND id % 7 <> 0');
  pg.sql('shop', "INSERT INTO orders (tenant_id, customer_id, amount_cents) VALUES (1, 5, 4242)");
  pg.sql('shop', 'UPDATE orders SET amount_cents = 1 WHERE tenant_id = 3 AND id % 7 = 0');
  assert.ok(Number(count('tenant_id = 3')) < Number(tenant3) / 5);

  const r = await runDrill(rig, 'postgres-partial-restore.md', {
    target: 'db',
    vars: { ...vars(backups), TENANT_ID: '3', PROD_DB: 'shop', STAGING_DB: 'shop_staging' },
    env: { PGPASSWORD: SECRET },
    args: ['--strict'],
  });
  assertPassed(r, 8);
  assertRanOverSsh(rig, r, 'db');
  assert.equal(count('tenant_id = 3'), tenant3, "every one of tenant 3's orders is back");
  assert.equal(count('tenant_id <> 3'), String(Number(others) + 1), "other tenants' rows untouched, the newer write kept");
  assert.notEqual(count('tenant_id = 3 AND id % 7 = 0'), '0');
  assert.equal(count('tenant_id = 3 AND id % 7 = 0 AND amount_cents <> 1'), '0', 'rows that survived keep their newer values (never overwritten)');
  assert.match(r.stdout, /public\.orders: \d+ rows copied back/);
  assert.match(r.stdout, /tenant 3 restored: every row the backup has is back, other tenants untouched/);
  assert.equal(pg.sql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'shop_staging'").trim(), '0', 'staging dropped');
  assertNoSecret(r, SECRET);

  // Run again: nothing is missing any more, and the drill says so instead of passing vacuously.
  const again = await runDrill(rig, 'postgres-partial-restore.md', {
    target: 'db',
    vars: { ...vars(backups), TENANT_ID: '3', PROD_DB: 'shop', STAGING_DB: 'shop_staging' },
    env: { PGPASSWORD: SECRET },
  });
  assertFailedAt(again, 5, /NOTHING TO RESTORE: the backup has no row of tenant 3 that production lacks/);
  assert.equal(count('tenant_id = 3'), tenant3, 'nothing changed');
});
