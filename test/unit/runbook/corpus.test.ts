/**
 * The 24 real-world runbooks in shared/runbook-corpus (see its SOURCES.md):
 * every one must load, and the expectations below were checked by reading
 * each file, so a parser change that moves a step or loses a command fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadRunbookFile, type Runbook } from '../../../main/runbook';

function findCorpus(): string {
  const candidates = [
    path.resolve(__dirname, '../../../../shared/runbook-corpus'),
    path.resolve(process.cwd(), '../shared/runbook-corpus'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'SOURCES.md')));
  // Loud on purpose: a missing corpus must not look like a passing test.
  if (!found) throw new Error(`runbook corpus not found (looked in ${candidates.join(', ')})`);
  return found;
}

interface Expected {
  title: string;
  source: Runbook['stepSource'];
  steps: number;
  first: string;
  last: string;
  /** Lines of every command, in order. */
  commandLines: number[];
  checklist: number;
  /** Further checks particular to the file. */
  extra?: (rb: Runbook, raw: Buffer) => void;
}

const EXPECTED: Record<string, Expected> = {
  '01-dfe-teaching-vacancies-disaster-recovery.md': {
    // ### steps, with "## Data loss" / "## Loss of database instance" as groups that carry text
    title: 'Disaster recovery',
    source: 'heading',
    steps: 14,
    first: 'Freeze pipeline',
    last: 'Restore Data From Daily Backup',
    commandLines: [45, 55, 64, 76, 83, 110, 114, 123],
    checklist: 0,
    extra: (rb) => {
      assert.equal(rb.stepLevel, 3);
      assert.deepEqual(rb.steps.slice(2, 5).map((s) => [s.title, s.line]), [['setup virtual meeting', 20], ['Data loss', 25], ['Make note of database failure time', 34]]);
      // " ### PaaS documentation" and its fence are indented by one space
      const restore = rb.steps.find((s) => s.title === 'Restore postgres database instance');
      assert.deepEqual(restore?.commands.map((c) => c.line), [76, 83]);
      assert.ok(restore?.commands[0]?.text.startsWith('aws-vault login # authenticate'));
      assert.equal(rb.steps.find((s) => s.title === 'PaaS documentation')?.line, 87);
      assert.match(rb.intro, /^This documentation covers two scenarios/);
    },
  },
  '02-moj-network-access-control-disaster-recovery.md': {
    title: 'Disaster Recovery',
    source: 'h2',
    steps: 6,
    first: 'Corrupt radius server container',
    last: 'Breaking network integration updates',
    commandLines: [],
    checklist: 0,
    extra: (rb) => {
      assert.equal(rb.steps.find((s) => s.title === 'AWS Failure')?.line, 31);
      assert.match(rb.intro, /\[Corrupt radius server container\]/);
    },
  },
  '03-moj-cloud-platform-delete-state-lock.md': {
    // "# <%= current_page.data.title %>": the front matter title wins
    title: 'Delete terraform state lock',
    source: 'h2',
    steps: 3,
    first: 'Command-line method',
    last: 'Terraform command',
    commandLines: [31, 52, 72],
    checklist: 0,
    extra: (rb) => {
      assert.match(rb.intro, /^In the \[build pipeline\]/);
      assert.ok(rb.intro.includes('Error acquiring the state lock'), 'the error output fence stays in the intro');
      assert.ok(rb.steps[0]?.commands[0]?.text.startsWith('#!/bin/bash\n\nset -euo pipefail'));
      assert.equal(rb.meta.extra.review_in, '3 months');
      assert.equal(rb.meta.extra.weight, 199);
    },
  },
  '04-moj-cloud-platform-aws-leaked-credentials.md': {
    // issue 10: "## Steps for a leaked credentials" holds the procedure as a
    // numbered list; "## Getting new credentials" (how to recreate them) stays a step
    title: 'AWS Compromised Credentials',
    source: 'procedure',
    steps: 5,
    first: 'Login into our AWS Management Console',
    last: 'Getting new credentials',
    commandLines: [18],
    checklist: 0,
    extra: (rb) => {
      assert.ok(rb.steps[1]?.commands[0]?.text.startsWith('aws iam list-users'));
      assert.deepEqual(rb.steps.map((s) => [s.line, s.endLine]), [[14, 14], [16, 20], [22, 22], [24, 24], [26, 28]]);
      assert.deepEqual(rb.procedure, { title: 'Steps for a leaked credentials', line: 12, how: 'list', chosen: 'detected' });
      assert.equal(rb.context, undefined);
      assert.equal(rb.intro, 'This article is the immediate response, it was created to minimise our window of exposure');
    },
  },
  '05-moj-modernisation-platform-dr-process.md': {
    // issue 10: the empty "## References" is context, not a timed step
    title: 'Disaster Recovery Process',
    source: 'h2',
    steps: 9,
    first: 'Diagnose',
    last: 'TODO',
    commandLines: [],
    checklist: 0,
    extra: (rb) => {
      assert.equal(rb.meta.extra.owner_slack, '#modernisation-platform');
      assert.equal(rb.steps.find((s) => s.title === 'References'), undefined);
      assert.deepEqual(rb.context?.map((c) => [c.title, c.line, c.body]), [['References', 351, '']]);
      assert.deepEqual(rb.steps.map((s) => s.line).slice(0, 4), [18, 36, 55, 66]);
    },
  },
  '06-cloudgov-restoring-rds.md': {
    title: 'Restoring RDS',
    source: 'h2',
    steps: 3,
    first: 'Customer Databases',
    last: 'Platform Databases',
    commandLines: [24, 47, 52, 62],
    checklist: 0,
    extra: (rb) => {
      assert.deepEqual(rb.diagnostics.map((d) => [d.severity, d.line]), [['warning', 7]]); // duplicate layout
      assert.equal(rb.meta.extra.layout, 'docs');
      assert.deepEqual(rb.meta.extra.menu, { docs: { parent: 'runbook' } });
      assert.deepEqual(rb.steps[0]?.commands.map((c) => c.lang), ['sh']);
    },
  },
  '07-cloudgov-security-ir-checklist.md': {
    title: 'Security Incident Response checklist',
    source: 'h2',
    steps: 4,
    first: 'Initiate',
    last: 'Special Situations',
    commandLines: [],
    checklist: 0,
    extra: (rb) => {
      assert.deepEqual(rb.diagnostics.map((d) => [d.severity, d.line]), [['warning', 4]]);
      assert.equal(rb.meta.extra.linktitle, 'Security IR checklist');
      assert.equal(rb.steps[3]?.endLine, 91);
    },
  },
  '08-cloudgov-maintenance-list.md': {
    title: 'Ongoing platform maintenance',
    source: 'h2',
    steps: 11,
    first: 'Daily maintenance checklist',
    last: 'Page information',
    commandLines: [66, 110],
    checklist: 0,
    extra: (rb) => {
      // the fence nested in a list item keeps its text, without the item's indent
      const stemcell = rb.steps.find((s) => s.title === 'Ensure all VMs are running the current stemcell');
      assert.ok(stemcell?.commands[0]?.text.startsWith('root@Tooling:/tmp/build/8e72821d$ bosh deployments'));
      assert.ok(stemcell?.commands[0]?.text.includes('\nconcourse-production '));
    },
  },
  '09-argocd-disaster-recovery.md': {
    // issue 10: lead-in sentences and blocks, no headings: each block is a step
    // (build, export, import), as a reader takes it
    title: 'Disaster Recovery',
    source: 'blocks',
    steps: 3,
    first: "To get this, you'll need to build it yourself",
    last: 'Import from a backup',
    commandLines: [7, 16, 22],
    checklist: 0,
    extra: (rb) => {
      assert.deepEqual(rb.diagnostics, []);
      assert.deepEqual(rb.steps.map((s) => [s.line, s.endLine]), [[5, 12], [14, 18], [20, 24]]);
      assert.equal(rb.steps[2]?.commands[0]?.text, './dist/argocd-util import backup.yaml');
      assert.equal(rb.intro, 'You can use `argocd-util` to import and export all Argo CD data.');
    },
  },
  '10-velero-disaster-case.md': {
    title: 'Disaster recovery',
    source: 'ordered-list',
    steps: 5,
    first: 'After you first run the Velero server on your cluster, set up a daily backup…',
    last: 'When ready, revert your backup storage location to read-write mode',
    commandLines: [12, 22, 31, 37],
    checklist: 0,
    extra: (rb) => {
      assert.deepEqual(rb.steps.map((s) => s.line), [10, 18, 20, 29, 35]);
      assert.equal(rb.steps[0]?.commands[0]?.text, 'velero schedule create <SCHEDULE NAME> --schedule "0 7 * * *"');
      assert.match(rb.intro, /^\*Using Schedules/);
    },
  },
  '11-rook-ceph-disaster-recovery.md': {
    title: 'Disaster Recovery',
    source: 'h2',
    steps: 4,
    first: 'Restoring Mon Quorum',
    last: 'Backing up and restoring a cluster based on PVCs into a new Kubernetes cluster',
    commandLines: [19, 41, 47, 67, 80, 86, 96, 110, 157, 172, 190, 196, 211],
    checklist: 0,
    extra: (rb) => {
      const adopt = rb.steps[2];
      assert.equal(adopt?.title, 'Adopt an existing Rook Ceph cluster into a new Kubernetes cluster');
      // the fence three levels deep, in "4." of the nested list
      assert.ok(adopt?.commands.find((c) => c.line === 172)?.text.startsWith('touch /etc/ceph/ceph.conf\ncd /var/lib/rook'));
      assert.deepEqual([...new Set(rb.steps.flatMap((s) => s.commands.map((c) => c.lang)))], ['console', 'yaml']);
    },
  },
  '12-etcd-disaster-recovery.md': {
    title: 'Disaster recovery',
    source: 'h2',
    steps: 3,
    first: 'Snapshotting the keyspace',
    last: 'Restoring a cluster',
    commandLines: [17, 27, 52, 69, 79, 97, 103, 126],
    checklist: 0,
    extra: (rb) => {
      assert.equal(rb.meta.extra.description, 'etcd v3 snapshot & restore facilities');
      assert.ok(rb.steps[1]?.commands[0]?.text.includes('| 7ef846e |   485261 |'));
      assert.equal(rb.steps[2]?.commands.length, 6);
    },
  },
  '13-github-ghes-initiate-failover.md': {
    // one "## Further reading" at the end: the numbered list holds the steps
    title: 'Initiating a failover to your replica appliance',
    source: 'ordered-list',
    steps: 7,
    first: 'If the primary appliance is available, to allow replication to finish before…',
    last: 'Appliances you do not intend to setup replication to that were part of the…',
    commandLines: [27, 38, 46, 61, 67],
    checklist: 0,
    extra: (rb) => {
      assert.deepEqual(rb.steps.map((s) => s.line), [19, 42, 44, 53, 54, 55, 58]);
      assert.equal(rb.steps[1]?.title, 'Enable maintenance mode on all active replica appliances');
      assert.equal(rb.steps[0]?.commands[0]?.text, 'ghe-maintenance -s');
      assert.ok(rb.steps[6]?.commands[1]?.text.startsWith('{% ifversion ghes > 3.17 %}ghe-repl-decommission UUID'));
      assert.equal(rb.steps[6]?.endLine, 76);
    },
  },
  '14-pagerduty-during-an-incident.md': {
    // no front matter, no H1: the file name
    title: '14-pagerduty-during-an-incident',
    source: 'h2',
    steps: 6,
    first: "Don't Panic!",
    last: 'Steps for Customer Liaison',
    commandLines: [],
    checklist: 0,
    extra: (rb) => {
      // the <table> indented under "!!! note" is an indented code block: not a command
      assert.match(rb.intro, /<table class="custom-table"/);
      assert.equal(rb.steps[1]?.line, 41);
    },
  },
  '15-counteractive-playbook-ransomware-es.md': {
    // CRLF; "## Playbook: Ransomware" is the only H2 and opens the file: the title
    title: 'Playbook: Ransomware',
    source: 'heading',
    steps: 4,
    first: 'Investigación',
    last: 'Recursos',
    commandLines: [],
    checklist: 0,
    extra: (rb, raw) => {
      assert.ok(raw.includes('\r\n'), 'the corpus file really has CRLF line ends');
      assert.deepEqual(rb.steps.map((s) => [s.line, s.endLine, s.key]), [[7, 59, 'investigacion'], [61, 104, 'remediate'], [106, 123, 'comunicar'], [125, 176, 'recursos']]);
      assert.ok(!JSON.stringify(rb).includes('\\r'));
      assert.match(rb.intro, /^\*\*Investigar, remediar/);
    },
  },
  '16-gitea-backup-and-restore.md': {
    title: 'Backup and Restore',
    source: 'h2',
    steps: 4,
    first: 'Backup Consistency',
    last: 'Restore Command (restore)',
    commandLines: [34, 59, 74, 89, 120, 142],
    checklist: 0,
    extra: (rb) => {
      assert.deepEqual(rb.steps[1]?.commands.map((c) => c.lang), ['none']);
      assert.deepEqual(rb.meta.extra.aliases, ['/en-us/backup-and-restore']);
      assert.equal(rb.steps[3]?.key, 'restore-command-restore');
    },
  },
  '17-azure-storage-initiate-account-failover.md': {
    // issue 10: Prerequisites and Next steps (prose and links) are context
    title: 'Initiate a storage account failover',
    source: 'h2',
    steps: 5,
    first: 'Initiate the failover',
    last: 'Important implications of account failover',
    commandLines: [65, 73, 79, 85, 93],
    checklist: 0,
    extra: (rb) => {
      // DocFX tabs "## [Portal](#tab/azure-portal)" are steps titled by their link text
      assert.deepEqual(rb.steps.slice(0, 4).map((s) => s.title), ['Initiate the failover', 'Portal', 'PowerShell', 'Azure CLI']);
      assert.ok(rb.steps[2]?.commands[0]?.text.includes('–Repository PSGallery'), 'en dashes inside commands survive');
      assert.equal(rb.steps[3]?.commands[0]?.lang, 'azurecli');
      assert.deepEqual(rb.context?.map((c) => c.title), ['Prerequisites', 'Next steps']);
    },
  },
  '18-moj-cloud-platform-incident-process.md': {
    title: 'Incident Process',
    source: 'h2',
    steps: 6,
    first: '1. Confirm that the event constitutes an incident',
    last: '6. Post-incident procedure',
    commandLines: [35, 49, 86, 108, 148],
    checklist: 0,
    extra: (rb) => {
      assert.equal(rb.steps[1]?.commands[0]?.text, 'I am declaring an incident because [reason]. The impact is that [impact].');
      assert.deepEqual(rb.steps[2]?.commands.map((c) => c.line), [86, 108]);
      assert.equal(rb.steps[0]?.key, '1-confirm-that-the-event-constitutes-an-incident');
    },
  },
  '19-cds-forms-incident-issue-template.md': {
    // issue 10: "## Context" is reading material; the checklist is the step
    title: 'Incident',
    source: 'h2',
    steps: 1,
    first: "What's involved",
    last: "What's involved",
    commandLines: [],
    checklist: 9,
    extra: (rb) => {
      assert.deepEqual(rb.steps[0]?.checklist.slice(0, 2), [
        { text: 'Assess severity', line: 15, checked: false },
        { text: 'Categorize impact', line: 16, checked: false },
      ]);
      assert.equal(rb.steps[0]?.checklist[8]?.text, 'Relevant action items in board');
      assert.equal(rb.meta.extra.about, 'Use this template to document progress on an incident');
    },
  },
  '20-k8s-safely-drain-node.md': {
    title: 'Safely Drain a Node while Respecting the PodDisruptionBudget',
    source: 'h2',
    steps: 3,
    first: 'Use kubectl drain to remove a node from service',
    last: 'The Eviction API',
    commandLines: [56, 62, 70, 105, 118],
    checklist: 0,
    extra: (rb) => {
      assert.deepEqual(rb.steps[2]?.commands.map((c) => c.lang), ['json', 'bash']);
      assert.deepEqual(rb.meta.extra.reviewers, ['davidopp', 'mml', 'foxish', 'kow3ns']);
      assert.match(rb.intro, /\{\{% prerequisites-heading %\}\}/);
    },
  },
  '21-dfe-teaching-vacancies-alert-runbook.md': {
    // "## Action" (once, empty) above ### steps
    title: 'Alert Runbook',
    source: 'heading',
    steps: 4,
    first: 'Metrics and Logging',
    last: 'Apps',
    commandLines: [23, 27, 37],
    checklist: 0,
    extra: (rb) => {
      // the list-indented fence closed by six backticks
      const aks = rb.steps[1];
      assert.equal(aks?.commands[1]?.text, 'kubectl rollout restart deployment teaching-vacancies-production -n tv-production\nkubectl rollout restart deployment teaching-vacancies-production-worker -n tv-production');
      assert.equal(aks?.endLine, 30);
      assert.deepEqual(rb.diagnostics, []);
    },
  },
  '22-jenkins-infra-aks-1.22-upgrade.md': {
    // the lone "## 1.21.x to 1.22.x" holds the checklist: a group with text, so a step
    title: 'Jenkins AKS Kubernetes Upgrade to 1.22',
    source: 'heading',
    steps: 3,
    first: '1.21.x to 1.22.x',
    last: 'Template Email Mailing List:',
    commandLines: [32, 45, 98, 174],
    checklist: 24,
    extra: (rb) => {
      const list = rb.steps[0]?.checklist ?? [];
      assert.ok(list.every((c) => c.checked), 'every item is [x] or [X]');
      assert.deepEqual(list[0], { text: 'Issue: <https://github.com/jenkins-infra/helpdesk/issues/2930>', line: 14, checked: true });
      assert.deepEqual(list[1], { text: 'Announces:', line: 16, checked: true });
      assert.equal(list.find((c) => c.line === 96)?.text, 'Starting the upgrade in Azure (prodpublick8s)');
      assert.equal(list.at(-1)?.line, 156);
      assert.deepEqual(rb.meta.tags, ['maintenance']);
    },
  },
  '23-azure-site-recovery-failover-failback.md': {
    title: 'Perform a failover in Site Recovery',
    source: 'h2',
    steps: 3,
    first: 'Run a failover',
    last: 'Failback to the primary region in Site Recovery',
    commandLines: [],
    checklist: 0,
    extra: (rb) => {
      assert.deepEqual(rb.steps.map((s) => [s.line, s.endLine]), [[24, 53], [55, 76], [78, 81]]);
      assert.equal(rb.meta.extra['ms.date'], '08/04/2017');
    },
  },
  '24-k8s-operating-etcd-clusters.md': {
    // indented code blocks (member list output, an `export` block) are not commands
    // issue 10: "## Prerequisites" (prose) is context
    title: 'Operating etcd clusters for Kubernetes',
    source: 'h2',
    steps: 9,
    first: 'Resource requirements',
    last: 'Known issue: etcd client balancer with secure endpoints',
    commandLines: [53, 71, 170],
    checklist: 0,
    extra: (rb) => {
      const replace = rb.steps.find((s) => s.title === 'Replacing a failed etcd member');
      assert.equal(replace?.commands.length, 0);
      assert.match(replace?.body ?? '', /8211f1d0f64f3269, started, member1/);
      assert.equal(rb.steps.find((s) => s.line === 79), undefined, '"###  Multi-node ..." stays inside its step');
    },
  },
};

const corpus = findCorpus();
const files = fs.readdirSync(corpus).filter((f) => f.endsWith('.md') && f !== 'SOURCES.md').sort();

test('the corpus is all there, and every file has expectations', () => {
  assert.equal(files.length, 24);
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
});

for (const file of files) {
  test(`corpus: ${file}`, () => {
    const full = path.join(corpus, file);
    const raw = fs.readFileSync(full);
    const rb = loadRunbookFile(full);
    const expected = EXPECTED[file];
    assert.ok(expected, `no expectations for ${file}`);

    assert.equal(rb.title, expected.title);
    assert.equal(rb.stepSource, expected.source);
    assert.equal(rb.steps.length, expected.steps);
    assert.equal(rb.steps[0]?.title, expected.first);
    assert.equal(rb.steps.at(-1)?.title, expected.last);
    assert.deepEqual(rb.steps.flatMap((s) => s.commands.map((c) => c.line)), expected.commandLines);
    assert.equal(rb.steps.flatMap((s) => s.checklist).length, expected.checklist);
    expected.extra?.(rb, raw);

    assertConsistent(rb, raw);
  });
}

/** What holds for any runbook: real lines, ordered steps, nothing blocking a drill. */
function assertConsistent(rb: Runbook, raw: Buffer): void {
  assert.equal(rb.sha256, createHash('sha256').update(raw).digest('hex'));
  assert.ok(rb.steps.length >= 1);
  assert.deepEqual(rb.diagnostics.filter((d) => d.severity === 'error'), [], 'nothing stops these from being drilled');
  const lines = raw.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
  const at = (n: number) => lines[n - 1] ?? '';
  const keys = new Set<string>();
  let previousEnd = 0;
  rb.steps.forEach((step, i) => {
    assert.equal(step.index, i);
    assert.ok(step.line > previousEnd, `step ${i} starts after the previous one ends`);
    assert.ok(step.endLine >= step.line);
    assert.ok(at(step.line).trim() !== '', `step ${i} opens on a non-blank line`);
    assert.ok(!keys.has(step.key), `unique key ${step.key}`);
    assert.match(step.key, /^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    keys.add(step.key);
    previousEnd = step.endLine;
    for (const command of step.commands) {
      assert.ok(command.line >= step.line && command.line <= step.endLine);
      assert.match(at(command.line), /^[\s>]*(```|~~~)/, `command at ${command.line} is on its fence line`);
      assert.ok(command.fenced);
      assert.ok(!command.text.endsWith('\n'));
    }
    for (const item of step.checklist) {
      assert.match(at(item.line), /\[[ xX]\]/, `checklist item at ${item.line}`);
    }
  });
}
