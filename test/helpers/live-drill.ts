/**
 * A running drill with everything an observer may and may not see: a
 * checklist, notes, a Run in a terminal and a command typed by hand (both
 * with terminal ids, transcript files, output ranges and an output tail
 * carrying CANARY), a terminal without shell integration, a pause.
 * Recorded through the real engine (historyFixture).
 */
import { parseRunbook } from '../../main/runbook/parse';
import type { historyFixture } from './history-fixture';

/** Text that is only ever terminal output: it must never reach an observer. */
export const CANARY = 'CANARY-terminal-output-7f3a';
export const TERMINAL_ID = 'term-live-7f3a';
export const TRANSCRIPT = '/home/ana/.local/share/drillbook/transcripts/term-live-7f3a.out';

export const LIVE_RUNBOOK = `---
title: Orders database restore
rto: 1h
---

# Orders database restore

## Declare the incident

- [ ] Page the database owner
- [ ] Freeze deploys

## Restore the base backup {rto=start}

\`\`\`sh
pg_restore -d orders /backups/orders.dump
\`\`\`

- [ ] Row counts match the manifest

## Verify {rto=end}

Published runbook text is someone else's input: <img src=x onerror="window.pwned=1"> stays text, and so does
[this link](javascript:window.pwned=2).

\`\`\`sh
psql -c 'select count(*) from orders'
\`\`\`
`;

export function liveRunbook(file = '/srv/runbooks/orders.md') {
  return parseRunbook(LIVE_RUNBOOK, file, 'a'.repeat(64));
}

/** Starts the drill and records step 1 done, step 2 running with a Run and a typed command; returns its id. */
export function recordLiveDrill(f: ReturnType<typeof historyFixture>, operator = 'ana'): string {
  const id = f.drills.start(liveRunbook(), 'live', operator).id;
  f.drills.stepStart(id, 0);
  f.drills.checkSet(id, 0, 0, true);
  f.clock.advance(20_000);
  f.drills.stepComplete(id, 0);
  f.drills.stepStart(id, 1);
  f.drills.commandRun(id, 1, {
    target: 'local',
    text: 'pg_restore -d orders /backups/orders.dump',
    name: null,
    runId: 'run-1',
    commandIndex: 0,
    terminalId: TERMINAL_ID,
    transcript: TRANSCRIPT,
    offset: 120,
    exitCode: null,
    expectPassed: null,
  });
  f.clock.advance(9_000);
  f.drills.commandRun(id, 1, {
    target: 'local',
    text: 'pg_restore -d orders /backups/orders.dump',
    name: null,
    resultOf: 'run-1',
    terminalId: TERMINAL_ID,
    transcript: TRANSCRIPT,
    exitCode: 0,
    durationMs: 9_000,
    expectPassed: null,
    outputTail: `restored 1200 rows ${CANARY}`,
    outputFrom: 120,
    outputTo: 4096,
  });
  f.drills.terminalEvent(id, 'command.typed', 1, {
    target: 'local',
    text: 'ls /backups',
    exitCode: 0,
    startedAt: new Date(f.clock.now().wallMs).toISOString(),
    endedAt: new Date(f.clock.now().wallMs).toISOString(),
    durationMs: 12,
    terminalId: TERMINAL_ID,
    transcript: TRANSCRIPT,
    outputFrom: 4096,
    outputTo: 4200,
    outputTail: `orders.dump ${CANARY}`,
  });
  f.drills.terminalEvent(id, 'terminal.integration', 1, { terminalId: 'term-plain-9', target: 'db1', reason: 'the shell has no integration' });
  f.drills.addNote(id, 1, 'restore running, 1200 rows so far');
  return id;
}
