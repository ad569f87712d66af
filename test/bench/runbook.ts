/**
 * Runbook parsing speed (issue 10): `lint` of a 3000-step runbook in-process
 * (aim: under 1 s), 20,000 `## V` headings (the old key loop took 50 s), and
 * the two real corpora. Median of 5 runs after one warm-up.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRunbookFile } from '../../main/runbook';
import { lintVars } from '../../main/runbook/vars';

/** A Drillbook runbook with `steps` steps, each with text, a block with attributes and a checklist item. */
export function sampleRunbook(steps: number): string {
  const parts = ['---', 'title: 3000-step sample', 'rto: 4h', '---', '', '# 3000-step sample', '', 'Generated for the runbook bench.', ''];
  for (let i = 1; i <= steps; i++) {
    parts.push(
      `## Step ${i}: restore shard ${i}`,
      '',
      `Restore shard ${i} and check its row count.`,
      '',
      '```sh {auto=true expect=0 timeout=5m}',
      `pg_restore -d shard_${i} /backups/shard_${i}.dump`,
      '```',
      '',
      `- [ ] shard ${i} answers`,
      '',
    );
  }
  return parts.join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function time(fn: () => void, runs = 5): number {
  fn();
  const took: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    took.push(performance.now() - started);
  }
  return median(took);
}

export async function runbookBench(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-runbook-bench-'));
  try {
    const sample = path.join(dir, 'sample-3000.md');
    writeFileSync(sample, sampleRunbook(3000));
    const lint = () => {
      const rb = loadRunbookFile(sample);
      lintVars(rb);
      if (rb.steps.length !== 3000) throw new Error(`expected 3000 steps, found ${rb.steps.length}`);
    };
    console.log(`lint of the 3000-step sample (${(Buffer.byteLength(sampleRunbook(3000)) / 1024).toFixed(0)} KiB): ${time(lint).toFixed(0)} ms (aim < 1000 ms)`);

    const headings = path.join(dir, 'v.md');
    writeFileSync(headings, Array.from({ length: 20_000 }, () => '## V').join('\n'));
    console.log(`20,000 "## V" headings: ${time(() => loadRunbookFile(headings), 3).toFixed(0)} ms (was 50 s before issue 10)`);

    for (const corpus of [path.resolve(__dirname, '../corpus'), path.resolve(__dirname, '../../../shared/runbook-corpus')]) {
      let files: string[];
      try {
        files = readdirSync(corpus).filter((f) => f.endsWith('.md') && f !== 'SOURCES.md');
      } catch {
        continue;
      }
      const all = () => files.forEach((f) => loadRunbookFile(path.join(corpus, f)));
      console.log(`${path.relative(path.resolve(__dirname, '../..'), corpus)}: ${files.length} files in ${time(all).toFixed(1)} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
