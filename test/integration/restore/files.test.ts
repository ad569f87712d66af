/**
 * The file-level samples over SSH with the real tools: restic (a
 * throwaway repository, a real repository made by a "nightly job", and that
 * repository with a corrupted pack file), rsync --link-dest snapshots (good,
 * then bit rot in the newest snapshot), and the freshness check (good,
 * stale, zero bytes, shrunk by half), each failing at the step meant to
 * catch it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assertFailedAt, assertNoSecret, assertPassed, assertRanOverSsh, runDrill, startRig, unavailable, type Rig } from './harness';

const tools = ['restic', 'rsync', 'sha256sum'].filter((t) => spawnSync(t, ['--version']).error);
const skip = unavailable(tools.length ? `not installed: ${tools.join(', ')} (apt-get install restic rsync)` : null);
if (skip) test('file restore samples', () => assert.fail(`cannot run: ${skip}`));

const SECRET = 'Restic-S3cret-' + Math.random().toString(36).slice(2, 12);
let rig: Rig;

before(async () => {
  if (skip) return;
  rig = await startRig('drillbook-restore-files-');
});
after(async () => rig?.cleanup());

/** Some application files: binary, text, nested, one with a space in its name. */
function makeSource(dir: string): void {
  mkdirSync(path.join(dir, 'invoices', '2026'), { recursive: true });
  mkdirSync(path.join(dir, 'config'), { recursive: true });
  for (let i = 0; i < 40; i++) writeFileSync(path.join(dir, 'invoices', '2026', `invoice-${i}.pdf`), Buffer.alloc(30_000 + i * 97, i));
  writeFileSync(path.join(dir, 'config', 'app.toml'), 'listen = "0.0.0.0:8080"\nworkers = 8\n');
  writeFileSync(path.join(dir, 'config', 'feature flags.json'), '{"beta": false}\n');
}

const sh = (script: string, env: NodeJS.ProcessEnv = {}) => execFileSync('bash', ['-e', '-o', 'pipefail', '-c', script], { env: { ...process.env, ...env }, encoding: 'utf8' });

// ---------------------------------------------------------------------------
// restic

test('restic: the self-contained default (throwaway repository, sample data) passes over SSH', { skip: !!skip }, async () => {
  const r = await runDrill(rig, 'restic-file-restore.md', { target: 'host', vars: { SCRATCH_DIR: path.join(rig.dir, 'scratch-restic') }, args: ['--strict'] });
  assertPassed(r, 7);
  assertRanOverSsh(rig, r, 'host');
  assert.match(r.stdout, /checksums match \(51 files\)/);
  assert.match(r.stdout, /no errors were found/);
  assert.deepEqual(readdirSync(path.join(rig.dir, 'scratch-restic')), [], 'scratch folder (with the throwaway repository) removed');
});

test('restic: a real repository restores and verifies; a corrupted pack file fails the restore step', { skip: !!skip }, async () => {
  const src = path.join(rig.dir, 'app-files');
  const repo = path.join(rig.dir, 'restic-repo');
  makeSource(src);
  // The nightly job.
  sh(`restic init -q && restic backup -q --host app1 '${src}'`, { RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: SECRET });
  const vars = { RESTIC_REPOSITORY: repo, SOURCE_DIR: src, SCRATCH_DIR: path.join(rig.dir, 'scratch-restic') };
  const r = await runDrill(rig, 'restic-file-restore.md', { target: 'host', vars, env: { RESTIC_PASSWORD: SECRET } });
  assertPassed(r, 7);
  assert.match(r.stdout, /newest snapshot: .* \(0h old\)/, 'the nightly snapshot was found and is fresh');
  assert.match(r.stdout, /checksums match \(42 files\)/);
  assertNoSecret(r, SECRET);

  // Corrupt every data pack in a copy of the repository (bit rot on the backup disk).
  const broken = path.join(rig.dir, 'restic-repo-broken');
  cpSync(repo, broken, { recursive: true });
  let packs = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const bytes = readFileSync(p);
        for (let i = 100; i < bytes.length - 100; i += 4096) bytes[i]! ^= 0x5a;
        writeFileSync(p, bytes);
        packs++;
      }
    }
  };
  walk(path.join(broken, 'data'));
  assert.ok(packs > 0);
  const bad = await runDrill(rig, 'restic-file-restore.md', { target: 'host', vars: { ...vars, RESTIC_REPOSITORY: broken }, env: { RESTIC_PASSWORD: SECRET } });
  assertFailedAt(bad, 4, /exited with code 1: RESTORE FAILED: ignoring error for .*: ciphertext verification failed$/, /│ RESTORE FAILED: ignoring error for .*: ciphertext verification failed\n/);
  assert.deepEqual(readdirSync(path.join(rig.dir, 'scratch-restic')), [], 'the clean-up step removed the half-restored files');
  assertNoSecret(bad, SECRET);
});

// ---------------------------------------------------------------------------
// rsync --link-dest

/** The nightly job from the runbook's intro, run for a snapshot named `stamp`. */
function rsyncSnapshot(src: string, root: string, stamp: string): void {
  sh(`new='${root}/${stamp}'
      rsync -a --delete --link-dest='${root}/latest' '${src}/' "$new/"
      (cd "$new" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) > "$new.sha256"
      ln -sfn "${stamp}" '${root}/latest'`);
}

test('rsync: versioned snapshots restore and match their manifests; bit rot in the newest fails the compare step', { skip: !!skip }, async () => {
  const src = path.join(rig.dir, 'site');
  const root = path.join(rig.dir, 'snapshots');
  makeSource(src);
  mkdirSync(root);
  rsyncSnapshot(src, root, '2026-02-28T0200Z');
  appendFileSync(path.join(src, 'config', 'app.toml'), 'timeout = 30\n');
  writeFileSync(path.join(src, 'invoices', '2026', 'invoice-new.pdf'), Buffer.alloc(5000, 7));
  rsyncSnapshot(src, root, '2026-03-01T0200Z');
  const vars = { SNAPSHOT_ROOT: root, SCRATCH_DIR: path.join(rig.dir, 'scratch-rsync') };

  const r = await runDrill(rig, 'rsync-snapshot-restore.md', { target: 'backup', vars, args: ['--strict'] });
  assertPassed(r, 6);
  assertRanOverSsh(rig, r, 'backup');
  assert.match(r.stdout, /versioned: 2 snapshots; 41 of 43 files in the newest are shared with older ones/);
  assert.match(r.stdout, /checksums match \(43 files\)/);
  assert.match(r.stdout, /older version ok: \.\/config\/app\.toml as of 2026-02-28T0200Z/);

  // A file in the newest snapshot changes after the backup (the changed config is not hard-linked, so only this snapshot rots).
  const rotted = path.join(root, '2026-03-01T0200Z', 'config', 'app.toml');
  writeFileSync(rotted, readFileSync(rotted, 'utf8').replace('workers = 8', 'workers = 9'));
  const bad = await runDrill(rig, 'rsync-snapshot-restore.md', { target: 'backup', vars });
  const failed = assertFailedAt(bad, 4, /exited with code 1: .*\.\/config\/app\.toml/, /CHECKSUM MISMATCH against .*2026-03-01T0200Z\.sha256 \(written at backup time\)/);
  assert.match(failed.body, /CHECKSUM MISMATCH against/);
  assert.deepEqual(readdirSync(path.join(rig.dir, 'scratch-rsync')), [], 'the clean-up step removed the restored copy');
});

// ---------------------------------------------------------------------------
// Freshness and size anomalies

function backupDir(name: string, files: { name: string; bytes: number; hoursAgo: number }[]): string {
  const dir = path.join(rig.dir, name);
  mkdirSync(dir);
  for (const f of files) {
    const p = path.join(dir, f.name);
    writeFileSync(p, Buffer.alloc(f.bytes, 1));
    const t = Date.now() / 1000 - f.hoursAgo * 3600;
    utimesSync(p, t, t);
  }
  return dir;
}

const NIGHTLIES = [
  { name: 'app-2026-02-27.dump', bytes: 200_000, hoursAgo: 73 },
  { name: 'app-2026-02-28.dump', bytes: 204_000, hoursAgo: 49 },
  { name: 'app-2026-03-01.dump', bytes: 207_000, hoursAgo: 25 },
];

test('freshness: healthy backups pass; stale, empty and shrunk ones each fail at their own step', { skip: !!skip }, async () => {
  const run = (dir: string) => runDrill(rig, 'backup-freshness-check.md', { target: 'backup', vars: { BACKUP_DIR: dir } });

  const good = await run(backupDir('fresh-good', [...NIGHTLIES, { name: 'app-2026-03-02.dump', bytes: 209_000, hoursAgo: 1 }]));
  assertPassed(good, 4);
  assertRanOverSsh(rig, good, 'backup');
  assert.match(good.stdout, /fresh: app-2026-03-02\.dump is 1h old \(limit 26h\)/);
  assert.match(good.stdout, /size ok: app-2026-03-02\.dump is 100% of app-2026-03-01\.dump/);

  const stale = await run(backupDir('fresh-stale', NIGHTLIES.map((f) => ({ ...f, hoursAgo: f.hoursAgo + 48 }))));
  assertFailedAt(stale, 2, /STALE: the newest backup app-2026-03-01\.dump is 73h old; the limit is 26h\. Is the backup job still running\?/);

  const empty = await run(backupDir('fresh-empty', [...NIGHTLIES, { name: 'app-2026-03-02.dump', bytes: 0, hoursAgo: 1 }]));
  assertFailedAt(empty, 3, /EMPTY: the newest backup app-2026-03-02\.dump is 0 bytes/);

  const shrunk = await run(backupDir('fresh-shrunk', [...NIGHTLIES, { name: 'app-2026-03-02.dump', bytes: 98_000, hoursAgo: 1 }]));
  assertFailedAt(shrunk, 4, /SHRUNK: app-2026-03-02\.dump is 98000 bytes, 47% of the backup before it \(app-2026-03-01\.dump, 207000 bytes\); the limit is 50%/);
});
