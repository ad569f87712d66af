/**
 * A 2,641-step runbook (the size of a large generated DR plan): how long
 * parsing it and starting a drill on it take, and one step event after.
 * Starting took 6-12 s before the step rows were written ahead of the
 * runbook JSON (main/drill/store.ts createDrill).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseRunbook } from '../../main/runbook';
import { openDatabase } from '../../main/store/db';
import { DrillService } from '../../main/drill/service';

export const BIG_STEPS = 2641;

export function bigRunbookText(steps = BIG_STEPS): string {
  let md = '---\ntitle: Big generated DR plan\nrto: 4h\n---\n\n';
  for (let i = 0; i < steps; i++) md += `## Step ${i}: restore shard ${i}\n\nRestore shard ${i}.\n\n\`\`\`sh {name=shard-${i}}\necho restoring ${i}\n\`\`\`\n\n- [ ] shard ${i} answers\n\n`;
  return md;
}

export async function bigRunbookBench(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-big-'));
  try {
    let t = performance.now();
    const rb = parseRunbook(bigRunbookText(), path.join(dir, 'big.md'));
    const parseMs = performance.now() - t;
    const db = openDatabase(path.join(dir, 'data'));
    const svc = new DrillService(db);
    t = performance.now();
    const snap = svc.start(rb, 'rehearsal', 'bench');
    const startMs = performance.now() - t;
    t = performance.now();
    svc.stepStart(snap.id, 0);
    const eventMs = performance.now() - t;
    db.close();
    console.log(`${BIG_STEPS}-step runbook: parse ${parseMs.toFixed(0)} ms · start a drill ${startMs.toFixed(0)} ms · one step event ${eventMs.toFixed(0)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
