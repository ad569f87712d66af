import Database from 'better-sqlite3';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Runbook, Step } from '../../main/runbook/model';

/** A runbook built in code, for engine tests that should not depend on the parser. */
export function makeRunbook(
  steps: { title: string; checklist?: string[]; rtoStart?: boolean; rtoEnd?: boolean }[],
  rtoSeconds: number | null = 600,
): Runbook {
  const built: Step[] = steps.map((s, index) => ({
    index,
    title: s.title,
    key: s.title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    line: index * 10 + 3,
    endLine: index * 10 + 12,
    body: '',
    commands: [],
    checklist: (s.checklist ?? []).map((text, i) => ({ text, line: index * 10 + 5 + i, checked: false })),
    rtoStart: s.rtoStart ?? false,
    rtoEnd: s.rtoEnd ?? false,
    always: false,
  }));
  return {
    file: '/runbooks/test.md',
    sha256: 'a'.repeat(64),
    title: 'Test runbook',
    ...(rtoSeconds !== null ? { rto: { text: `${rtoSeconds}s`, seconds: rtoSeconds } } : {}),
    meta: { title: 'Test runbook', tags: [], targets: [], extra: {} },
    intro: '',
    steps: built,
    stepSource: 'h2',
    diagnostics: [],
  };
}

// Folders a test did not clean up (an assertion failed before its cleanup, or it never called it) go when the test
// file's process exits: each full run left ~33 drillbook-history-* folders in /tmp.
const leftover = new Set<string>();
process.once('exit', () => {
  for (const dir of leftover) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder removed by the returned cleanup, or when the process exits, whichever comes first. */
export function tempDir(prefix = 'drillbook-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  leftover.add(dir);
  return {
    dir,
    cleanup: () => {
      leftover.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Overwrites one index's root page with junk: the file still opens, but
 * SQLite's integrity_check fails. A real on-disk fault, for tests of the
 * history's own checks.
 */
export function damageIndexPage(file: string, indexName: string, fill = 0x5a): void {
  const db = new Database(file, { readonly: true });
  const root = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(indexName) as number | undefined;
  const size = db.pragma('page_size', { simple: true }) as number;
  db.close();
  if (!root) throw new Error(`no index ${indexName} in ${file}`);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(size, fill), 0, size, (root - 1) * size);
  closeSync(fd);
}
