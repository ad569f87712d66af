/**
 * A drill full of evidence, recorded through the real core (real SQLite,
 * real bash through the headless runner, a real terminal transcript
 * writer), with credentials planted in every place they can hide: command
 * text, command output, check notes, notes, findings, a text attachment and
 * a terminal transcript.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Core } from '../../../main/api/core';
import { manualClock } from '../../../main/drill/clock';
import { loadRunbookFile } from '../../../main/runbook';
import { runHeadless } from '../../../main/runner/headless';
import { TranscriptWriter, transcriptPaths } from '../../../main/terminal/transcript';
import type { DrillSnapshot } from '../../../main/drill/model';
import type { PrintToPdf } from '../../../main/evidence';

/** Every secret planted below, with the pattern that must mask it. */
export const SECRETS = {
  awsKey: ['AKIAIOSFODNN7EXAMPLE', 'aws-access-key-id'],
  pgPassword: ['hunter2secret', 'password-assignment'],
  connString: ['s3cretConnPw', 'connection-string-password'],
  bearer: ['eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0LongToken', 'bearer-token'],
  noteSecret: ['n0teSecretValue', 'password-assignment'],
  findingKey: ['ghp_1234567890abcdefghijABCDEFGHIJ123456', 'github-token'],
  attachKey: ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws-secret-access-key'],
  transcriptPw: ['tr4nscriptPw', 'password-assignment'],
  privateKey: ['MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', 'private-key'],
} as const;

export const RUNBOOK = `---
title: Orders database restore
rto: 10m
rpo: 1h
---

# Orders database restore

## Prepare {rto=start}

\`\`\`sh {name=prep auto=true expect=0}
echo "export PGPASSWORD=${SECRETS.pgPassword[0]}"
echo "using key ${SECRETS.awsKey[0]}"
\`\`\`

- [ ] Backup located

## Restore

\`\`\`sh {name=restore auto=true expect="/restored/" check=1}
echo "connecting to postgres://app:${SECRETS.connString[0]}@db:5432/orders"
echo restored
\`\`\`

- [ ] Restore finished
- [ ] Row counts match

## Verify {rto=end}

\`\`\`sh {name=verify auto=true expect=0 check="1,2"}
printf 'curl -H "Authorization: Bearer ${SECRETS.bearer[0]}"\\n'
echo "-----BEGIN RSA PRIVATE KEY-----"
echo "${SECRETS.privateKey[0]}"
echo "-----END RSA PRIVATE KEY-----"
echo ok
\`\`\`

- [ ] Integrity check passes
- [ ] Application smoke test passes
`;

export interface EvidenceDrill {
  core: Core;
  drill: DrillSnapshot;
  runbookFile: string;
  dataDir: string;
}

/**
 * Runs the runbook headless (real bash), then records evidence as an
 * operator and reviewer would, up to the reviewer's sign-off.
 */
export async function recordEvidenceDrill(dir: string, opts: { printToPdf?: PrintToPdf } = {}): Promise<EvidenceDrill> {
  const dataDir = path.join(dir, 'data');
  const rbDir = path.join(dir, 'runbooks');
  mkdirSync(rbDir, { recursive: true });
  const runbookFile = path.join(rbDir, 'orders.md');
  writeFileSync(runbookFile, RUNBOOK);
  // Every reading of the clock is a second later, so steps and the drill take measurable time.
  const clock = manualClock(Date.UTC(2026, 2, 3, 9, 0, 0));
  const now = () => {
    clock.advance(1000);
    return clock.now();
  };
  const core = new Core({ dataDir, runbookDirs: [rbDir], host: 'cli', now, ...(opts.printToPdf ? { printToPdf: opts.printToPdf } : {}) });
  const runbook = loadRunbookFile(runbookFile);
  const result = await runHeadless(core.drills, runbook, {
    all: false,
    mode: 'rehearsal',
    operator: 'ana',
    workRoot: path.join(dataDir, 'work'),
    binDir: path.join(dir, 'bin'),
    log: () => undefined,
    output: () => undefined,
  });
  const id = result.drill.id;

  // A real terminal transcript for the drill, as main/terminal writes them.
  const tw = new TranscriptWriter(transcriptPaths(dataDir, id, 't0123456789ab'), () => Date.UTC(2026, 2, 3, 9, 1, 0));
  tw.note({ t: 'open', terminalId: 't0123456789ab', drillId: id, target: 'db', kind: 'ssh', endpoint: 'ana@db-1:22', cols: 80, rows: 24, stepIndex: 1 });
  tw.note({ t: 'command', runId: 'r1', stepIndex: 1, name: null, text: `mysql --password=${SECRETS.transcriptPw[0]} orders`, target: 'db', mode: 'typed' });
  tw.write(Buffer.from(`\x1b[32mana@db-1\x1b[0m:~$ mysql --password=${SECRETS.transcriptPw[0]} orders\r\nrows: 5000\r\n`));
  await tw.close();

  const c = core;
  await c.call('participant.set', { drillId: id, name: 'Bo', role: 'DBA' });
  await c.call('participant.set', { drillId: id, name: 'Cy', role: 'reviewer (internal audit)' });
  await c.call('scenario.set', { drillId: id, scenario: 'Primary orders DB lost (disk failure)', scope: 'orders DB only; no app failover', testType: 'restore' });
  await c.call('failure.declare', { drillId: id, failureAt: '2026-03-03T08:55:00Z', note: 'disk pulled at 08:55' });
  await c.call('recoveryPoint.set', { drillId: id, backupId: 'bk-2026-03-03-0830', backupAt: '2026-03-03T08:30:00Z', source: 's3://backups/orders' });
  await c.call('note.add', { drillId: id, stepIndex: 0, text: `ops note: password=${SECRETS.noteSecret[0]} was used` });
  await c.call('finding.add', { drillId: id, text: `token ${SECRETS.findingKey[0]} found in shell history`, severity: 'high', stepIndex: 0, by: 'Bo' });
  await c.call('finding.add', { drillId: id, text: '=HYPERLINK("http://evil")', severity: 'low' });
  await c.call('remediation.add', { drillId: id, text: 'Rotate the leaked token; scrub shell history', owner: 'Bo', due: '2026-04-01', findingId: 'F1' });
  await c.call('attachment.add', { drillId: id, stepIndex: 0, itemIndex: 0, name: 'backup-listing.txt', kind: 'file', mediaType: 'text/plain', text: `aws_secret_access_key = ${SECRETS.attachKey[0]}\nbk-2026-03-03-0830 4.2G\n` });
  await c.call('attachment.add', { drillId: id, stepIndex: 2, name: 'screen.txt', kind: 'screen', text: 'PRAGMA integrity_check;\nok\n' });
  await c.call('attachment.add', { drillId: id, stepIndex: null, name: 'photo.png', kind: 'file', mediaType: 'image/png', contentBase64: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]).toString('base64') });
  await c.call('signoff.add', { drillId: id, role: 'operator', name: 'ana', statement: 'Restore tested as described.' });
  const drill = await c.call('signoff.add', { drillId: id, role: 'reviewer', name: 'Cy' });
  return { core, drill, runbookFile, dataDir };
}
