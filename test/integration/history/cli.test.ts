/**
 * The history from the command line, as a team would use it: drills
 * recorded on two operators' machines, exported, merged on a third
 * without duplicates, then listed (CSV, JSON, filters) and summarised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';
import { historyFixture, runbook } from '../../helpers/history-fixture';
import { cliPrefix } from '../../helpers/cli';

function cli(dataDir: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [...cliPrefix(), ...args, '--data', dataDir], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    input,
    env: { ...process.env, DRILLBOOK_DATA: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A machine's data folder with drills recorded on it. */
function machine(dir: string, startDay: number, plans: { ms: number[]; mode?: 'rehearsal' | 'live' | 'automated'; fail?: boolean }[]) {
  const f = historyFixture();
  f.clock.advance(startDay * 86_400_000);
  const rb = runbook(['Declare', 'Restore', 'Verify'], { file: '/srv/runbooks/db-restore.md', rto: 120 });
  const ids = plans.map((p) => f.drill(rb, p.fail ? [p.ms[0]!, { ms: p.ms[1]!, end: 'fail' }, p.ms[2]!] : p.ms, { mode: p.mode ?? 'rehearsal' }));
  f.db.close();
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(f.dir, 'drillbook.sqlite'), path.join(dir, 'drillbook.sqlite'));
  rmSync(f.dir, { recursive: true, force: true });
  return ids;
}

test('two machines export, a third merges without duplicates; history filters, CSV and stats agree', () => {
  const tmp = tempDir();
  try {
    const a = path.join(tmp.dir, 'ana');
    const b = path.join(tmp.dir, 'bo');
    const team = path.join(tmp.dir, 'team');
    const aIds = machine(a, 0, [{ ms: [5_000, 30_000, 5_000] }, { ms: [5_000, 32_000, 5_000] }, { ms: [5_000, 31_000, 5_000], mode: 'live' }]);
    const bIds = machine(b, 40, [{ ms: [6_000, 115_000, 5_000] }, { ms: [5_000, 30_000, 5_000], fail: true }]);

    const aFile = path.join(tmp.dir, 'ana.jsonl');
    const ea = cli(a, ['history', 'export', '--out', aFile]);
    assert.equal(ea.code, 0, ea.err);
    assert.match(ea.err, /exported 3 drills to/);
    const eb = cli(b, ['history', 'export']);
    assert.equal(eb.code, 0, eb.err);
    assert.equal(eb.out.trim().split('\n').length, 2, 'one line per drill on stdout');
    assert.equal(cli(a, ['history', 'export', '--out', aFile]).code, 3, 'never overwrites an export');

    const ia = cli(team, ['history', 'import', aFile]);
    assert.equal(ia.code, 0, ia.out + ia.err);
    assert.match(ia.out, /3 drills read: 3 imported/);
    const ib = cli(team, ['history', 'import', '-'], eb.out);
    assert.equal(ib.code, 0, ib.out + ib.err);
    // Ana sends her file again, and Bo's export arrives concatenated with it: nothing is doubled.
    const merged = readFileSync(aFile, 'utf8') + eb.out;
    const again = cli(team, ['history', 'import', '-', '--json'], merged);
    assert.equal(again.code, 0);
    const report = JSON.parse(again.out) as { duplicates: number; imported: number };
    assert.equal(report.duplicates, 5);
    assert.equal(report.imported, 0);

    // A tampered copy is refused, with the reason, and the command says so by its exit code.
    const lines = merged.trim().split('\n');
    const forged = JSON.parse(lines[0]!) as { events: { data: Record<string, unknown> }[] };
    forged.events[0]!.data.mode = 'live';
    const bad = cli(team, ['history', 'import', '-'], JSON.stringify(forged) + '\n');
    assert.equal(bad.code, 1);
    assert.match(bad.out, /rejected, line 1, drill \S+: hash chain broken: event 1 \(drill\.started\) was altered/);

    const all = JSON.parse(cli(team, ['history', '--json']).out) as { id: string; result: string; mode: string }[];
    assert.deepEqual(all.map((d) => d.id).sort(), [...aIds, ...bIds].sort());
    const fails = JSON.parse(cli(team, ['history', '--json', '--result', 'fail']).out) as { id: string }[];
    // Bo's first drill missed the 120 s RTO (129 s), his second failed a step; Ana's all passed.
    assert.deepEqual(fails.map((d) => d.id).sort(), [...bIds].sort());
    assert.deepEqual(all.filter((d) => d.result === 'fail').map((d) => d.id).sort(), [...bIds].sort());
    const live = JSON.parse(cli(team, ['history', '--json', '--mode', 'live']).out) as { id: string }[];
    assert.deepEqual(live.map((d) => d.id), [aIds[2]]);
    const early = JSON.parse(cli(team, ['history', '--json', '--until', '2026-01-20']).out) as { id: string }[];
    assert.deepEqual(early.map((d) => d.id).sort(), [...aIds].sort());
    const late = JSON.parse(cli(team, ['history', '--json', '--since', '2026-01-20', '--runbook', 'db-restore.md']).out) as { id: string }[];
    assert.deepEqual(late.map((d) => d.id).sort(), [...bIds].sort());

    const csv = cli(team, ['history', '--csv', '--since', '2026-01-20']).out.split('\r\n');
    assert.equal(csv[0], 'id,runbook_title,runbook_path,runbook_sha256,mode,operator,status,result,started_at,ended_at,net_sec,paused_sec,rto_target_sec,rto_actual_sec,rto_met,steps,steps_completed,steps_skipped,steps_failed');
    assert.equal(csv.length, 1 + 2 + 1, 'header, two drills, final CRLF');
    assert.match(csv[1]!, new RegExp(`^${bIds[1]},Test runbook,/srv/runbooks/db-restore.md,.*,rehearsal,ana,failed,fail,`));

    const badDate = cli(team, ['history', '--since', '2026-13-01']);
    assert.equal(badDate.code, 3);
    assert.equal(badDate.err.trim().split('\n').length, 1, 'one line');
    assert.match(badDate.err, /since/);

    const stats = JSON.parse(cli(team, ['stats', 'db-restore.md', '--json']).out) as {
      counts: { drills: number; finished: number; passed: number };
      passRate: number;
      steps: { key: string; n: number; durations: { p50: number; p90: number } }[];
      last: { id: string; slowSteps: { key: string }[] };
    };
    assert.equal(stats.counts.drills, 5);
    assert.equal(stats.passRate, stats.counts.passed / stats.counts.finished);
    const restore = stats.steps.find((s) => s.key === 'restore')!;
    assert.equal(restore.n, 4, 'the failed step is not a measured run');
    assert.equal(restore.durations.p50, 31_500, 'median of 30, 31, 32 and 115 s');
    const text = cli(team, ['stats', '/srv/runbooks/db-restore.md']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /5 drills · pass rate/);
    assert.match(text.out, /Restore/);
    const unknown = cli(team, ['stats', 'nope.md']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no drills of "nope.md" in the history; runbooks with drills:\n  \/srv\/runbooks\/db-restore.md/);
  } finally {
    tmp.cleanup();
  }
});

test('`drillbook history` never prints "met" for a failed or aborted drill: not in the table, the CSV or the JSON', () => {
  const tmp = tempDir();
  try {
    const dir = path.join(tmp.dir, 'data');
    const f = historyFixture();
    // All three close the RTO window in about 10 s against a 120 s target; only the first may say so.
    const rb = runbook(['Declare', 'Restore', 'Verify'], { file: '/srv/runbooks/db-restore.md', rto: 120 });
    const passed = f.drill(rb, [1_000, 2_000, 1_000]);
    const failed = f.drill(rb, [1_000, { ms: 2_000, end: 'fail' }, 1_000]);
    const aborted = f.drill(rb, [1_000, 2_000, 1_000], { abort: true });
    f.db.close();
    mkdirSync(dir, { recursive: true });
    cpSync(path.join(f.dir, 'drillbook.sqlite'), path.join(dir, 'drillbook.sqlite'));
    rmSync(f.dir, { recursive: true, force: true });

    const table = cli(dir, ['history', '--no-color']);
    assert.equal(table.code, 0, table.err);
    const line = (id: string) => table.out.split('\n').find((l) => l.startsWith(id)) ?? '';
    assert.match(line(passed), /\bpass\b.*\bmet\b/, table.out);
    for (const id of [failed, aborted]) {
      assert.match(line(id), /\bFAIL\b/, table.out);
      assert.doesNotMatch(line(id), /\bmet\b/, `the row of a ${id === failed ? 'failed' : 'aborted'} drill: ${line(id)}`);
    }
    const csv = cli(dir, ['history', '--csv']).out.trim().split('\r\n');
    const metColumn = csv[0]!.split(',').indexOf('rto_met');
    const met = new Map(csv.slice(1).map((l) => [l.split(',')[0]!, l.split(',')[metColumn]]));
    assert.deepEqual([met.get(passed), met.get(failed), met.get(aborted)], ['true', '', '']);
    const json = JSON.parse(cli(dir, ['history', '--json']).out) as { id: string; rto: { met: boolean | null } }[];
    assert.deepEqual(json.map((d) => [d.id, d.rto.met]), [[aborted, null], [failed, null], [passed, true]]);
  } finally {
    tmp.cleanup();
  }
});
