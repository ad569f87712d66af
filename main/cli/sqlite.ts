/**
 * A minimal SQLite shell so the demo runbook (and users' own) can drill a
 * SQLite restore on machines without the sqlite3 CLI. It mirrors sqlite3's
 * default list output (columns joined by "|") and supports `.backup DEST`,
 * which uses SQLite's online backup API like the real shell.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { CliError, EXIT } from './common';

export async function sqliteCommand(_values: Record<string, unknown>, args: string[]): Promise<number> {
  const [file, command, ...more] = args;
  if (!file || command === undefined || more.length > 0) throw new CliError('usage: drillbook sqlite DBFILE "SQL" | ".backup DEST"');
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw new CliError(`cannot open ${file}: ${(err as Error).message}`, EXIT.failed);
  }
  try {
    const dot = /^\.(\w+)\s*(.*)$/s.exec(command.trim());
    if (dot) return await dotCommand(db, dot[1]!, dot[2]!.trim());
    return runSql(db, command);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${path.basename(file)}: ${(err as Error).message}`, EXIT.failed);
  } finally {
    db.close();
  }
}

async function dotCommand(db: Database.Database, name: string, arg: string): Promise<number> {
  if (name === 'backup') {
    if (!arg) throw new CliError('.backup needs a destination file');
    if (existsSync(arg)) throw new CliError(`${arg} already exists; refusing to overwrite a backup`, EXIT.failed);
    await db.backup(arg);
    return EXIT.ok;
  }
  throw new CliError(`unsupported dot-command .${name} (supported: .backup)`);
}

/** Runs every statement; prints the rows of each statement that returns rows. */
function runSql(db: Database.Database, sql: string): number {
  for (const statement of splitStatements(sql)) {
    const stmt = db.prepare(statement);
    if (!stmt.reader) {
      stmt.run();
      continue;
    }
    for (const row of stmt.raw().iterate() as Iterable<unknown[]>) {
      process.stdout.write(row.map(formatCell).join('|') + '\n');
    }
  }
  return EXIT.ok;
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Buffer.isBuffer(v)) return v.toString('hex');
  return String(v);
}

/** Splits on semicolons outside quotes and comments, keeping triggers' BEGIN…END intact. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote) {
      current += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      current += '\n';
      continue;
    }
    if (/\bBEGIN\s*$/i.test(current + ch) && /\bCREATE\s+TRIGGER\b/i.test(current)) depth++;
    if (/\bEND\s*$/i.test(current + ch) && depth > 0) depth--;
    if (ch === ';' && depth === 0) {
      if (current.trim()) out.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
