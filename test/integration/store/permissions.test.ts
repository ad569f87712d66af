/**
 * Issue 11: the history database, its backups, attachments and transcripts
 * are readable by their owner only (0600 files, 0700 folders), when created
 * and after a backup and a restore, whatever the umask.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { AttachmentStore } from '../../../main/evidence/attachments';
import { cliPrefix } from '../../helpers/cli';

const tmp = tempDir('drillbook-perms-');
after(() => tmp.cleanup());

function cli(data: string, ...args: string[]) {
  // umask 022, as on most systems: the modes below are Drillbook's doing, not the test's.
  const r = spawnSync('/bin/sh', ['-c', 'umask 022; exec "$@"', 'sh', process.execPath, ...cliPrefix(), ...args, '--data', data], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 120_000,
  });
  assert.ok(r.status === 0 || r.status === 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

function modes(root: string): { path: string; mode: string; dir: boolean }[] {
  const out: { path: string; mode: string; dir: boolean }[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    out.push({ path: path.relative(root, p) || '.', mode: (st.mode & 0o777).toString(8), dir: st.isDirectory() });
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
  };
  walk(root);
  return out;
}

function assertPrivate(root: string, skip: (rel: string) => boolean = () => false): void {
  const wrong = modes(root).filter((m) => !skip(m.path) && m.mode !== (m.dir ? '700' : '600'));
  assert.deepEqual(wrong, [], `not owner-only: ${wrong.map((w) => `${w.path} ${w.mode}`).join(', ')}`);
}

test('database, backups, attachments and transcripts are owner-only on creation and after backup and restore', { timeout: 240_000 }, () => {
  const data = path.join(tmp.dir, 'data');
  const runbook = path.join(tmp.dir, 'rb.md');
  writeFileSync(runbook, '---\ntitle: Perms\n---\n# Perms\n\n## Step\n\n```sh {auto=true}\necho restored\n```\n');
  cli(data, 'run', runbook);
  new AttachmentStore(data).put(Buffer.from('a screenshot of the restored table'));
  cli(data, 'db', 'backup');
  // The work folder is the blocks' scratch space (their cwd), not history: left as the blocks make it.
  const skip = (rel: string) => rel === 'work' || rel.startsWith('work/');
  assertPrivate(data, skip);
  const backups = readdirSync(path.join(data, 'backups')).filter((f) => f.endsWith('.sqlite'));
  assert.ok(backups.length > 0);
  cli(data, 'db', 'restore', path.join(data, 'backups', backups[0]!));
  assertPrivate(data, skip);
  assert.ok(modes(data).some((m) => m.path.startsWith('transcripts/') && !m.dir), 'a transcript was written');
  assert.ok(modes(data).some((m) => m.path.startsWith('attachments/') && !m.dir), 'an attachment was written');
});
