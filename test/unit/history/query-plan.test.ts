/**
 * The hot history queries must be answered from indexes: checked with
 * EXPLAIN QUERY PLAN on every statement the history prepared while
 * serving a list, counts, a runbook page, a waterfall and a comparison
 * with every kind of filter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { historyFixture, runbook } from '../../helpers/history-fixture';

function plan(db: import('../../../main/store/db').Db, sql: string): string[] {
  const params: Record<string, unknown> = {};
  for (const m of sql.matchAll(/@(\w+)/g)) params[m[1]!] = /^(limit|offset|need|threshold)$/.test(m[1]!) ? 1 : '2026-01-01';
  const positional = (sql.replace(/'[^']*'/g, '').match(/\?/g) ?? []).map(() => '[]');
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (Object.keys(params).length ? stmt.all(params) : stmt.all(...positional)) as { detail: string }[];
  return rows.map((r) => r.detail);
}

test('every history query is answered from an index (EXPLAIN QUERY PLAN)', () => {
  const f = historyFixture();
  try {
    const rb = runbook(['Declare', 'Restore', 'Verify'], { rto: 600 });
    const v2 = runbook(['Declare', 'Restore', 'Check'], { sha: 'v2' });
    const ids = [f.drill(rb, [1_000, 2_000, 3_000]), f.drill(rb, [1_000, 2_000, 3_000], { mode: 'live' }), f.drill(v2, [1_000, 2_000, 3_000])];
    // Exercise every path the API and CLI use.
    const filters = [{}, { runbookPath: rb.file }, { mode: 'live' as const }, { status: 'completed' as const }, { result: 'pass' as const }, { result: 'fail' as const }, { since: '2026-01-01' }, { until: '2027-01-01' }, { runbookPath: rb.file, result: 'fail' as const, since: '2026-01-01', until: '2027-01-01', mode: 'live' as const }];
    for (const filter of filters) {
      f.history.list({ ...filter, limit: 50 });
      f.history.list({ ...filter, limit: 50, steps: false });
      f.history.count(filter);
    }
    f.history.runbooks();
    f.history.runbookStats({ runbookPath: rb.file });
    f.history.runbookStats({ runbookPath: rb.file, mode: 'rehearsal', since: '2026-01-01', until: '2027-12-31' });
    f.history.waterfall(ids[0]!);
    f.history.compare(ids[0]!, ids[2]!);

    const statements = f.history.queries.preparedSql();
    assert.ok(statements.length >= 20, `exercised ${statements.length} statements`);
    const report: string[] = [];
    for (const sql of statements) {
      const lines = plan(f.db, sql);
      const oneLine = sql.replace(/\s+/g, ' ').slice(0, 110);
      report.push(`${oneLine}\n    ${lines.join(' | ')}`);
      for (const line of lines) {
        // A full pass over a table (not an index) is what 10,000 drills make slow.
        assert.ok(!/^SCAN (drills|drill_steps|events|step_stats)$/.test(line), `table scan in: ${oneLine}\n  ${lines.join('\n  ')}`);
        // Ordered results come from index order (sorting a few aggregated rows, or one page's steps, is fine).
        assert.ok(!/USE TEMP B-TREE FOR (ORDER BY|RIGHT PART OF ORDER BY)/.test(line) || /json_each|GROUP BY/.test(sql), `sort without an index in: ${oneLine}\n  ${lines.join('\n  ')}`);
      }
      if (/FROM drills .*ORDER BY started_at, id/s.test(sql) && sql.includes('runbook_sha256')) {
        assert.ok(lines.some((l) => l.includes('COVERING INDEX drills_trend')), `trend query covered by drills_trend: ${lines.join(' | ')}`);
      }
      if (/SELECT COUNT\(\*\) FROM drills/.test(sql)) {
        assert.ok(lines.every((l) => /COVERING INDEX/.test(l)), `a count reads only an index: ${oneLine}: ${lines.join(' | ')}`);
      }
      if (/FROM drill_steps WHERE runbook_path = @runbookPath/.test(sql)) {
        assert.ok(lines.some((l) => l.includes('drill_steps_stats')), `step statistics use drill_steps_stats: ${oneLine}: ${lines.join(' | ')}`);
        if (!/\btitle\b/.test(sql)) assert.ok(lines.some((l) => l.includes('COVERING INDEX drill_steps_stats')), `covered: ${oneLine}: ${lines.join(' | ')}`);
      }
    }
    if (process.env.DRILLBOOK_SHOW_PLANS) console.log(report.join('\n'));
  } finally {
    f.close();
  }
});
