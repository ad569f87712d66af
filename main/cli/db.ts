/**
 * `drillbook db check|backup|backups|restore`: the history database's own
 * disaster recovery. These work on the file directly, without the core, so
 * they still run when the database is too damaged to open normally.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { verifyAllChains, type ChainCheck } from '../history/verify';
import {
  BackupError,
  backupDir,
  backupName,
  backupTo,
  dbFile,
  integrityCheck,
  listBackups,
  restoreDatabase,
  type IntegrityReport,
} from '../store/backup';
import { MIGRATIONS } from '../store/migrations';
import { CliError, EXIT, dataDirFrom } from './common';
import { Progress, table } from './output';

const USAGE = 'usage: drillbook db check [--quick] [--json] | db backup [--out FILE] | db backups | db restore FILE';

export async function dbCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const [sub, ...rest] = positionals;
  const dataDir = dataDirFrom(values);
  switch (sub) {
    case 'check':
      noMore(rest);
      return check(dataDir, values.quick === true, values.json === true);
    case 'backup':
      noMore(rest);
      return backup(dataDir, typeof values.out === 'string' ? values.out : null);
    case 'backups':
      noMore(rest);
      return backups(dataDir, values.json === true);
    case 'restore':
      if (rest.length !== 1) throw new CliError('name the backup file to restore (see drillbook db backups)');
      return restore(dataDir, rest[0]!);
    default:
      throw new CliError(sub ? `unknown db command "${sub}"; ${USAGE}` : USAGE);
  }
}

function noMore(rest: string[]): void {
  if (rest.length > 0) throw new CliError(`unexpected argument "${rest[0]}"; ${USAGE}`);
}

interface CheckResult {
  file: string;
  ok: boolean;
  schemaVersion: number | null;
  integrity: IntegrityReport | null;
  foreignKeys: string[];
  chains: ChainCheck | null;
  problems: string[];
  backups: { dir: string; count: number; newest: string | null };
}

async function check(dataDir: string, quick: boolean, json: boolean): Promise<number> {
  const file = dbFile(dataDir);
  const all = listBackups(dataDir);
  const result: CheckResult = {
    file,
    ok: false,
    schemaVersion: null,
    integrity: null,
    foreignKeys: [],
    chains: null,
    problems: [],
    backups: { dir: backupDir(dataDir), count: all.length, newest: all[0]?.file ?? null },
  };
  if (!existsSync(file)) {
    if (json) process.stdout.write(JSON.stringify({ ...result, ok: true, problems: [], note: 'no history database yet' }, null, 2) + '\n');
    else process.stdout.write(`No history database at ${file} yet (nothing recorded). Nothing to check.\n`);
    return EXIT.ok;
  }
  let db: Database.Database | null = null;
  // Each stage blocks for seconds on a large history: name it on a terminal (stderr), say nothing in a pipe.
  const progress = new Progress();
  try {
    progress.update(`db check: ${quick ? 'quick_check' : 'integrity_check'} of ${file}…`, true);
    db = new Database(file, { readonly: true, fileMustExist: true });
    result.schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (result.schemaVersion > MIGRATIONS.length) result.problems.push(`written by a newer Drillbook (schema ${result.schemaVersion}; this version knows ${MIGRATIONS.length})`);
    result.integrity = integrityCheck(db, quick ? 'quick' : 'full');
    for (const p of result.integrity.problems) result.problems.push(`sqlite: ${p}`);
    if (result.integrity.ok) {
      result.foreignKeys = (db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[]).map(
        (r) => `${r.table} row ${r.rowid} points at a missing ${r.parent} row`,
      );
      for (const p of result.foreignKeys.slice(0, 20)) result.problems.push(p);
      if (!quick) {
        progress.update('db check: verifying every drill\'s hash chain…', true);
        result.chains = verifyAllChains(db);
        for (const p of result.chains.problems) result.problems.push(`drill ${p.drillId}: ${p.problem}`);
      }
    }
  } catch (err) {
    result.problems.push(`cannot read the database: ${(err as Error).message}`);
  } finally {
    progress.done();
    db?.close();
  }
  result.ok = result.problems.length === 0;

  if (json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return result.ok ? EXIT.ok : EXIT.failed;
  }
  process.stdout.write(`${file} (schema ${result.schemaVersion ?? '?'})\n`);
  if (result.integrity) process.stdout.write(`  ${result.integrity.mode === 'full' ? 'integrity_check' : 'quick_check'}: ${result.integrity.ok ? 'ok' : 'FAILED'} (${result.integrity.ms} ms)\n`);
  if (result.integrity?.ok) process.stdout.write(`  foreign keys: ${result.foreignKeys.length === 0 ? 'ok' : `${result.foreignKeys.length} dangling`}\n`);
  if (result.chains) {
    const bad = result.chains.problems.length;
    process.stdout.write(`  hash chains: ${result.chains.drills} drills, ${result.chains.events} events, ${bad === 0 ? 'all verify' : `${bad} drill${bad === 1 ? '' : 's'} with problems`}\n`);
  } else if (quick) {
    process.stdout.write('  hash chains: not checked (--quick)\n');
  }
  for (const p of result.problems.slice(0, 30)) process.stdout.write(`  ! ${p}\n`);
  if (result.problems.length > 30) process.stdout.write(`  … and ${result.problems.length - 30} more\n`);
  process.stdout.write(`  backups: ${all.length} in ${backupDir(dataDir)}${all[0] ? `, newest ${all[0].createdAt} (${all[0].name})` : ''}\n`);
  if (!result.ok) {
    process.stdout.write(
      all[0]
        ? `\nThe history has problems. To go back to the newest backup: drillbook db restore ${all[0].file}\n(the current file is kept as a pre-restore copy in the backups folder).\n`
        : `\nThe history has problems, and there is no backup to restore. Keep a copy of ${file} before anything else.\n`,
    );
  } else {
    process.stdout.write('ok\n');
  }
  return result.ok ? EXIT.ok : EXIT.failed;
}

async function backup(dataDir: string, out: string | null): Promise<number> {
  const file = dbFile(dataDir);
  if (!existsSync(file)) throw new CliError(`no history database at ${file} to back up`, EXIT.failed);
  const dest = out ? path.resolve(out) : path.join(backupDir(dataDir), backupName('manual', new Date(), backupDir(dataDir)));
  if (!out) mkdirSync(backupDir(dataDir), { recursive: true });
  // Online backup: safe while the app or a drill is writing.
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await backupTo(db, dest);
  } catch (err) {
    if (err instanceof BackupError) throw new CliError(err.message, EXIT.failed);
    throw err;
  } finally {
    db.close();
  }
  process.stdout.write(`${dest}\n`);
  return EXIT.ok;
}

async function backups(dataDir: string, json: boolean): Promise<number> {
  const all = listBackups(dataDir);
  if (json) {
    process.stdout.write(JSON.stringify(all, null, 2) + '\n');
    return EXIT.ok;
  }
  if (all.length === 0) {
    process.stdout.write(`No backups in ${backupDir(dataDir)} yet.\n`);
    return EXIT.ok;
  }
  process.stdout.write(table(['CREATED (UTC)', 'KIND', 'SIZE', 'FILE'], all.map((b) => [b.createdAt, b.kind, `${Math.round(b.bytes / 1024)} KiB`, b.file]), ['l', 'l', 'r']));
  return EXIT.ok;
}

async function restore(dataDir: string, source: string): Promise<number> {
  try {
    const r = await restoreDatabase(dataDir, source);
    process.stdout.write(`Restored ${r.drills} drill${r.drills === 1 ? '' : 's'} (${r.events} events, schema ${r.schemaVersion}) from ${r.restoredFrom}\n`);
    if (r.safetyCopy) process.stdout.write(`The database it replaced is kept at ${r.safetyCopy}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof BackupError) throw new CliError(err.message, EXIT.failed);
    throw err;
  }
}
