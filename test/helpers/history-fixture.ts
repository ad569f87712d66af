/**
 * Drills recorded through the real engine (DrillService on a real SQLite
 * file) with a hand-driven clock, so every duration is known exactly.
 */
import { openDatabase, type Db } from '../../main/store/db';
import { DrillService } from '../../main/drill/service';
import { manualClock } from '../../main/drill/clock';
import { HistoryService } from '../../main/history';
import type { DrillMode } from '../../main/drill/model';
import type { Runbook } from '../../main/runbook/model';
import { makeRunbook, tempDir } from './runbooks';

export interface StepPlan {
  /** ms the step runs; 'skip' / 'fail' end it that way (after `ms` if given). */
  ms: number;
  end?: 'complete' | 'skip' | 'fail';
}

export function historyFixture() {
  const tmp = tempDir('drillbook-history-');
  const clock = manualClock(Date.UTC(2026, 0, 1, 9));
  const db: Db = openDatabase(tmp.dir);
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'history-test' });
  const history = new HistoryService(db, drills);
  return {
    dir: tmp.dir,
    db,
    clock,
    drills,
    history,
    /** Records one drill; returns its id. */
    drill(rb: Runbook, plan: (StepPlan | number)[], opts: { mode?: DrillMode; gapBeforeMs?: number; abort?: boolean; finish?: boolean } = {}): string {
      clock.advance(opts.gapBeforeMs ?? 86_400_000);
      const id = drills.start(rb, opts.mode ?? 'rehearsal', 'ana').id;
      plan.forEach((p, i) => {
        const step = typeof p === 'number' ? { ms: p } : p;
        clock.advance(1_000);
        drills.stepStart(id, i);
        clock.advance(step.ms);
        if (step.end === 'skip') drills.stepSkip(id, i, 'not needed');
        else if (step.end === 'fail') drills.stepFail(id, i, 'broke');
        else drills.stepComplete(id, i);
      });
      if (opts.abort) drills.abort(id, 'stopped');
      else if (opts.finish !== false) drills.finish(id);
      return id;
    },
    close() {
      db.close();
      tmp.cleanup();
    },
  };
}

export function runbook(titles: string[], opts: { file?: string; sha?: string; rto?: number | null; keys?: string[] } = {}): Runbook {
  const rb = makeRunbook(titles.map((title) => ({ title })), opts.rto === undefined ? 3600 : opts.rto);
  rb.file = opts.file ?? '/runbooks/restore.md';
  rb.sha256 = (opts.sha ?? 'v1').padEnd(64, '0');
  if (opts.keys) rb.steps.forEach((s, i) => (s.key = opts.keys![i] ?? s.key));
  return rb;
}
