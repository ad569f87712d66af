/**
 * `npm run bench`: speed goals, measured and printed (not asserted in the
 * test suite, where a shared CI machine would make them flaky). Each bench
 * prints its own figures. `npm run bench -- NAME...` runs only those.
 */
import { appendBench } from './append';
import { cliBench } from './cli';
import { evidenceBench } from './evidence';
import { bigRunbookBench } from './big-runbook';
import { historyBench } from './history';
import { runbookBench } from './runbook';
import { redactionBench } from './redaction';
import { sizeBench } from './size';
import { terminalBench } from './terminal';
import { chaosBench } from './chaos';
import { transportBench } from './transport';
import { teamBench } from './team';
import { teamLiveBench } from './team-live';

const BENCHES: { name: string; run: () => Promise<void> }[] = [
  { name: 'append', run: appendBench },
  { name: 'cli', run: cliBench },
  { name: 'evidence', run: evidenceBench },
  { name: 'history', run: historyBench },
  { name: 'runbook', run: runbookBench },
  { name: 'size', run: sizeBench },
  { name: 'terminal', run: terminalBench },
  { name: 'redaction', run: redactionBench },
  { name: 'big-runbook', run: bigRunbookBench },
  { name: 'chaos', run: chaosBench },
  { name: 'transport', run: transportBench },
  { name: 'team-live', run: teamLiveBench },
  { name: 'team', run: teamBench },
];

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`unknown bench ${unknown.join(', ')}; benches: ${BENCHES.map((b) => b.name).join(', ')}`);
    return 3;
  }
  let failed = 0;
  for (const b of BENCHES) {
    if (only.length && !only.includes(b.name)) continue;
    console.log(`\n=== bench: ${b.name} ===`);
    try {
      await b.run();
    } catch (err) {
      failed++;
      console.error(`bench ${b.name} failed: ${(err as Error).stack ?? String(err)}`);
    }
  }
  return failed ? 1 : 0;
}

main().then((code) => (process.exitCode = code));
