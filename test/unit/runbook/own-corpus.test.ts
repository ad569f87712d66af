/**
 * Drillbook's own corpus (test/corpus, see its SOURCES.md): 45 real runbooks
 * not in ../shared/runbook-corpus. For each, what a careful reader takes as
 * the steps (line and title), the commands (fence lines), the checklist and
 * the context sections, written by reading the file:
 *
 * - alert runbooks (Meaning / Impact / Diagnosis / Mitigation): Meaning and
 *   Impact are reading material, Diagnosis and Mitigation are what is done;
 *   where Diagnosis or Mitigation is split into ### parts, the parts are the
 *   steps (03, 11, 15);
 * - Runme READMEs of lead-in sentences and blocks: one step per block (18,
 *   19, 25, 29), titled by the sentence leading into it or the block's name;
 *   a single block without headings is the whole document (21-24, with the
 *   usual warning);
 * - a numbered list under a lone heading is the procedure (20);
 * - second round (32-45): Chinese, Japanese, Russian and Spanish runbooks,
 *   GitLab runbook pages, Docusaurus pages (JSON front matter, :::note,
 *   <Tabs>/<TabItem>), Setext headings, DR procedures (PD recovery, etcd,
 *   SQL Server failover, Patroni backups): headings numbered as steps are
 *   the steps (32, 33), "Option N" sub-headings are one step's choices (34),
 *   Hugo heading shortcodes and question sections are context (35).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRunbookFile, type Runbook } from '../../../main/runbook';
import { planBlock, type BlockPlan } from '../../../main/runbook/plan';

const DIR = path.resolve(__dirname, '../../corpus');

interface Expected {
  title: string;
  source: Runbook['stepSource'];
  steps: [line: number, title: string][];
  commands: number[];
  checklist: number;
  context: string[];
  /** Diagnostics as [severity initial, line]. */
  warnings: [string, number][];
}

const ALERT = (diag: number, mit: number, commands: number[], impact = true): Pick<Expected, 'source' | 'steps' | 'commands' | 'checklist' | 'context' | 'warnings'> => ({
  source: 'h2',
  steps: [[diag, 'Diagnosis'], [mit, 'Mitigation']],
  commands,
  checklist: 0,
  context: impact ? ['Meaning', 'Impact'] : ['Meaning'],
  warnings: [],
});

const EXPECTED: Record<string, Expected> = {
  '01-openshift-etcdMembersDown.md': { title: 'etcdMembersDown', ...ALERT(19, 66, [24, 30, 41, 50, 56, 62]) },
  '02-openshift-KubeJobFailed.md': { title: 'KubeJobFailed', ...ALERT(14, 28, [19, 32, 41]) },
  '03-openshift-etcdNoLeader.md': {
    title: 'etcdNoLeader',
    source: 'procedure',
    steps: [[17, 'Control plane nodes issue'], [23, 'Slow disk issue'], [30, 'Other'], [37, 'Mitigation']],
    commands: [],
    checklist: 0,
    context: ['Meaning', 'Impact'],
    warnings: [],
  },
  '04-openshift-HAProxyDown.md': { title: 'HAProxyDown', ...ALERT(11, 25, [14, 19]) },
  '05-openshift-KubeNodeNotReady.md': { title: 'KubeNodeNotReady', ...ALERT(15, 53, [20, 30, 40, 46]) },
  '06-openshift-KubeSchedulerDown.md': { title: 'KubeSchedulerDown', ...ALERT(15, 60, [19, 27, 33, 39, 48, 54]) },
  '07-openshift-ImageRegistryStorageReadOnly.md': {
    title: 'ImageRegistryStorageReadOnly',
    source: 'h2',
    steps: [[16, 'Mitigation']],
    commands: [],
    checklist: 0,
    context: ['Meaning', 'Impact'],
    warnings: [],
  },
  '08-openshift-NodeRAIDDegraded.md': { title: 'NodeRAIDDegraded', ...ALERT(14, 27, [20]) },
  '09-openshift-HAProxyReloadFail.md': { title: 'HAProxyReloadFail', ...ALERT(13, 23, [16]) },
  '10-prom-etcdInsufficientMembers.md': { title: 'etcdInsufficientMembers', ...ALERT(18, 55, [30, 39, 45, 51]) },
  '11-prom-KubePersistentVolumeFillingUp.md': {
    title: 'Kube Persistent Volume Filling Up',
    source: 'procedure',
    steps: [
      [20, 'Diagnosis'],
      [27, 'Data retention'],
      [34, 'Data export'],
      [39, 'Data rebalance in the cluster'],
      [57, 'Direct Volume resizing'],
      [91, 'Migrate data to a new, larger volume'],
      [98, 'Purge volume'],
      [106, 'Migrate data to new, larger instance pool in the same cluster'],
      [117, 'Migrate data to new, larger cluster'],
    ],
    commands: [63, 73, 81, 87],
    checklist: 0,
    context: ['Meaning', 'Impact'],
    warnings: [],
  },
  '12-prom-Watchdog.md': { title: 'Watchdog', ...ALERT(19, 24, []) },
  '13-prom-KubePodCrashLooping.md': { title: 'Kube Pod Crash Looping', ...ALERT(19, 40, []) },
  '14-prom-AlertmanagerFailedReload.md': { title: 'AlertmanagerFailedReload', ...ALERT(19, 32, [24]) },
  '15-prom-etcdNoLeader.md': {
    title: 'etcdNoLeader',
    source: 'procedure',
    steps: [[23, 'Control plane nodes issue'], [29, 'Slow disk issue'], [35, 'Other'], [41, 'Mitigation']],
    commands: [],
    checklist: 0,
    context: ['Meaning', 'Impact'],
    warnings: [],
  },
  '16-prom-KubeJobFailed.md': { title: 'Kube Job Failed', ...ALERT(16, 22, []) },
  '17-prom-KubeAPIDown.md': { title: 'KubeAPIDown', ...ALERT(13, 31, [19, 27]) },
  '18-runme-cwd-relative.md': {
    title: '18-runme-cwd-relative',
    source: 'blocks',
    steps: [[8, 'relative-pwd'], [12, 'relative-rel-pwd'], [16, 'relative-abs-pwd']],
    commands: [8, 12, 16],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '19-runme-cwd-absolute.md': {
    title: '19-runme-cwd-absolute',
    source: 'blocks',
    steps: [[8, 'absolute-pwd'], [12, 'absolute-rel-pwd'], [16, 'absolute-abs-pwd']],
    commands: [8, 12, 16],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '20-runme-nested-code-block.md': {
    title: 'Running',
    source: 'procedure',
    steps: [[7, 'Install the linkerd CLI'], [13, 'Install Linkerd2'], [19, 'View the dashboard!'], [25, 'Inject, Deploy, and Enjoy'], [33, 'Use the app!']],
    commands: [9, 15, 21, 27, 35, 41],
    checklist: 0,
    context: ['In Minikube'],
    warnings: [],
  },
  '21-runme-shell-zsh.md': single('21-runme-shell-zsh'),
  '22-runme-shell-ksh.md': single('22-runme-shell-ksh'),
  '23-runme-skipprompts-enabled.md': single('23-runme-skipprompts-enabled'),
  '24-runme-skipprompts-disabled.md': single('24-runme-skipprompts-disabled'),
  '25-runme-envs.md': {
    title: '25-runme-envs',
    source: 'blocks',
    steps: [[7, 'vars'], [15, 'vars2']],
    commands: [7, 15],
    checklist: 0,
    context: [],
    // promptEnv is kept but not used: lint names it on both blocks
    warnings: [['w', 7], ['w', 15]],
  },
  '26-runme-web-readme.md': {
    title: 'WASM example',
    source: 'document',
    steps: [[9, 'WASM example']],
    commands: [],
    checklist: 0,
    context: [],
    warnings: [['w', 9]],
  },
  '27-runme-dev-readme.md': {
    title: 'Runme.dev',
    source: 'heading',
    steps: [[7, 'Prerequisites'], [31, 'Development'], [47, 'Preview Content'], [56, 'Deployment']],
    commands: [12, 19, 26, 35, 41, 51, 61, 73, 81],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '28-runme-docs-run-all.md': {
    title: 'Run all cells',
    source: 'h2',
    steps: [[8, 'Run All in the CLI'], [16, 'Run Specific Markdown File'], [26, 'Run All in VS Code']],
    commands: [12, 20],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '29-linkerd-runme-test.md': {
    title: 'Test Linkerd Docs',
    source: 'blocks',
    steps: [[5, 'First make sure the right Kubernetes version is installed'], [11, 'then validate Linkerd install'], [17, 'lastly, kick of the tests via']],
    commands: [7, 13, 19],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '30-runme-aws-rds-snapshot.md': {
    title: '30-runme-aws-rds-snapshot',
    source: 'heading',
    steps: [
      [1, 'Creating A Snapshot'],
      [9, 'Viewing Snapshots'],
      [20, 'Deleting a Snapshot'],
      [27, 'Copying a Snapshot to Another Region'],
      [37, 'Restoring a Database from a Snapshot'],
      [45, 'Modifying a Database Instance'],
    ],
    commands: [3, 11, 16, 22, 29, 39, 47],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '31-mkdocs-material-adding-a-git-repository.md': {
    // MkDocs Material: the lone ## with text is a step, the ### are steps;
    // the two content tabs' yaml blocks are found, each with its tab label
    title: 'Adding a git repository',
    source: 'heading',
    steps: [[12, 'Configuration'], [29, 'Repository name'], [45, 'Repository icon'], [74, 'Edit button']],
    commands: [18, 38, 54, 85, 91],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '32-pingcap-pd-recover-zh.md': {
    // Chinese DR runbook: two alternative methods (## 方式一 / ## 方式二), each
    // numbered "### 第 N 步": those are the steps; installing the tool, the
    // methods' lead-ins and the FAQ are reading material. (86, 103, 118, 141
    // are log output the page labels bash: pinned as fences, as the page gives them.)
    title: 'PD Recover 使用文档',
    source: 'procedure',
    steps: [
      [30, '第 1 步：停掉所有节点'],
      [34, '第 2 步：使用特定地启动参数拉起该存活的 PD 节点'],
      [44, '第 3 步： 使用 pd-recover 修复元数据'],
      [60, '第 4 步：重启这个 PD'],
      [64, '第 5 步：扩容 PD，拉起集群'],
      [72, '第 1 步： 获取 Cluster ID'],
      [123, '第 2 步：获取已分配 ID'],
      [148, '第 3 步：部署一套新的 PD 集群'],
      [152, '第 4 步：使用 pd-recover'],
      [162, '第5 步：重启整个集群'],
    ],
    commands: [40, 50, 82, 86, 99, 103, 114, 118, 137, 141, 158],
    checklist: 0,
    context: [
      '安装 PD Recover',
      '从源代码编译',
      '下载 TiDB 工具包',
      '方式一：从剩余 PD 集群重建',
      '方式二：完全重建 PD 集群',
      '获取 Cluster ID 时发现有多个 Cluster ID',
      '执行 pd-recover 时返回错误 dial tcp 10.0.1.13:2379: connect: connection refused',
    ],
    warnings: [],
  },
  '33-gitlab-scale-down-patroni.md': {
    // GitLab runbook page: reference ## sections, then "# Execution" holding
    // Preparation and "## Step 1 - ..." to "## Step 4 - ...", then more # sections
    title: 'Scale Down Patroni',
    source: 'procedure',
    steps: [
      [49, 'Preparation'],
      [61, 'Step 1 - Stop chef-client'],
      [65, 'Step 2 - Take the replicate node out of load balancing'],
      [107, 'Step 3 - Stop patroni service on the node'],
      [117, 'Step 4 - Terraform change to decrease the count'],
    ],
    commands: [71, 80, 88, 94, 111],
    checklist: 0,
    context: ['Overview', 'Pre-requisite', 'Scope', 'Mental Model', 'Automation Thoughts', 'Reference'],
    warnings: [],
  },
  '34-doris-restore.md': {
    // Docusaurus page with JSON front matter and no # heading: numbered ##
    // steps; step 2's "### Option N" are alternatives inside one step
    title: 'Restore',
    source: 'h2',
    steps: [[15, '1. Get the Backup Timestamp of the Snapshot'], [29, '2. Restore from Snapshot'], [121, '3. Check the Execution Status of the Restore Job']],
    commands: [19, 35, 48, 61, 75, 93, 109, 123],
    checklist: 0,
    context: ['Prerequisites'],
    warnings: [],
  },
  '35-k8s-ja-change-default-storage-class.md': {
    // Kubernetes website, Japanese: Hugo heading shortcodes, a "why?" section,
    // and the procedure as a numbered list under one ## (two output blocks)
    title: 'デフォルトのStorageClassを変更する',
    source: 'procedure',
    steps: [
      [26, 'クラスター内のStorageClassをリストします'],
      [42, 'デフォルトのStorageClassを非デフォルトとしてマークします'],
      [54, 'StorageClassをデフォルトとしてマークします'],
      [65, '選択したStorageClassがデフォルトであることを確認します'],
    ],
    commands: [28, 34, 48, 58, 67, 73],
    checklist: 0,
    context: ['Before you begin', 'なぜデフォルトのストレージクラスを変更するのか?', "What's next"],
    warnings: [],
  },
  '36-rancher-restore-cluster-from-backup.md': {
    // Docusaurus etcd DR page (:::note, no # heading, a trailing # section):
    // three alternative ## procedures, each a numbered list; a reader times them as three steps
    title: 'Restoring a Cluster from Backup',
    source: 'h2',
    steps: [
      [11, 'Viewing Available Snapshots'],
      [19, 'Restoring a Cluster from a Snapshot'],
      [45, 'Recovering etcd without a Snapshot'],
      [75, 'Enabling Snapshot Features for Clusters Created Before Rancher v2.2.0'],
    ],
    commands: [53, 61],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '37-rancher-audit-log-docusaurus-tabs.md': {
    // Docusaurus MDX: <Tabs>/<TabItem> per distribution, :::note/:::tip, a
    // <head> block; "### Method 1/2" sit inside the RKE2 panel, so each ends
    // with the panel and the K3s and RKE1 panels are steps of their own
    title: 'Enabling the API Audit Log in Downstream Clusters',
    source: 'heading',
    steps: [
      [19, 'Method 1 (Recommended): Set audit-policy-file in machineGlobalConfig'],
      [41, 'Method 2: Use the Directives, machineSelectorFiles and machineGlobalConfig'],
      [116, 'K3s'],
      [191, 'RKE1'],
    ],
    commands: [24, 66, 83, 141, 158, 197, 210],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '38-gitlab-vault-troubleshooting.md': {
    // GitLab runbook page: one ## per alert, each what to do when it fires
    title: 'Troubleshooting Hashicorp Vault',
    source: 'h2',
    steps: [[3, 'No Active Vault Instance / Vault Sealed / Vault Low Failure Tolerance'], [28, 'Vault Audit Log Request Failure']],
    commands: [11, 22],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '39-ansible-mariabackup-setext.md': {
    // Setext headings (Title / ===, Section / ---): an Ansible role README whose
    // Restore section is the runbook; Requirements, Dependencies, Tested with,
    // License and Author are reading material
    title: 'ageres210784.ansible_mariabackup',
    source: 'h2',
    steps: [[11, 'Role Variables'], [26, 'Restore'], [55, 'Example Playbook']],
    commands: [16, 31, 35, 39, 58],
    checklist: 0,
    context: ['Requirements', 'Dependencies', 'Tested with Ansible', 'License', 'Author Information'],
    warnings: [],
  },
  '40-mssql-ag-failover-cluster-type-none.md': {
    // SQL Server docs include: no title heading, two alternative failover
    // procedures as ### sections (forced, or planned in five numbered steps)
    title: '40-mssql-ag-failover-cluster-type-none',
    source: 'heading',
    steps: [[8, 'Forced manual failover with data loss'], [18, 'Manual failover without data loss']],
    commands: [14, 26, 34, 51, 60, 67],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '41-counteractive-social-engineering-es.md': {
    // Spanish IR plan: "## Pasos a seguir" (steps to follow) holds the ###
    // phases, next to "## Objetivos" and "## Definiciones"
    title: 'Plan de Respuesta a Incidentes de Ingeniería Social',
    source: 'procedure',
    steps: [
      [11, 'Identificación del incidente:'],
      [17, 'Evaluación de la situación:'],
      [23, 'Contención y mitigación:'],
      [29, 'Investigación y análisis:'],
      [35, 'Notificación y comunicación:'],
      [43, 'Recuperación y mejora:'],
    ],
    commands: [],
    checklist: 0,
    context: ['Objetivos', 'Definiciones'],
    warnings: [],
  },
  '42-k8s-ru-certificates.md': {
    // Kubernetes website, Russian: three alternative tools as ### sections
    // (each a numbered list of commands) before two ## sections, which are
    // groups with text of their own (rule 2); 271 is output (```none)
    title: 'Генерация сертификатов вручную',
    source: 'heading',
    steps: [[13, 'easyrsa'], [58, 'openssl'], [148, 'cfssl'], [260, 'Распространение самоподписанного сертификата CA'], [278, 'API для сертификатов']],
    commands: [19, 28, 36, 52, 64, 70, 76, 84, 122, 128, 136, 142, 156, 167, 176, 200, 219, 225, 254, 266, 271],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '43-gitlab-patroni-gcs-snapshots.md': {
    // GitLab runbook page: a manual backup procedure as nested bullets with
    // fences 4 columns in, then a Troubleshooting section with an alert and a command
    title: 'Patroni GCS Snapshots',
    source: 'h2',
    steps: [[21, 'Manual GCS Snapshots'], [57, 'Troubleshooting']],
    commands: [41, 53, 69],
    checklist: 0,
    context: [],
    warnings: [],
  },
  '44-ms-ad-nonauthoritative-restore-crlf.md': {
    // Windows Server docs, stored with its CRLF line ends: front matter
    // title, one procedure section with commands in a bullet, Next Steps as context
    title: 'AD Forest Recovery - Nonauthoritative restore',
    source: 'h2',
    steps: [[24, 'Performing a nonauthoritative restore']],
    commands: [32, 38],
    checklist: 0,
    context: ['Next Steps'],
    warnings: [],
  },
  '45-pulsar-rolling-restart.md': {
    // Apache Pulsar (Docusaurus) operations page: "What happens when a broker
    // stops" explains (its numbered list is what the broker does); the other
    // ## sections are the operator's phases, one of them with a numbered list
    title: 'Rolling restarts',
    source: 'h2',
    steps: [
      [26, 'Drain a broker at a controlled rate'],
      [38, 'Pause automatic rebalancing during the restart'],
      [59, 'Restart one broker at a time'],
      [81, 'Move bundles yourself'],
      [91, 'Kubernetes deployments'],
    ],
    commands: [30, 42, 49, 65, 71, 85],
    checklist: 0,
    context: ['What happens when a broker stops'],
    warnings: [],
  },
};

/** A Runme example with one block and no heading: one step, named after the file, with the no-steps warning. */
function single(name: string): Expected {
  return { title: name, source: 'document', steps: [[8, name]], commands: [8], checklist: 0, context: [], warnings: [['w', 8]] };
}

const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.md') && f !== 'SOURCES.md').sort();

test('own corpus: at least 30 files, each with expectations and a SOURCES.md row', () => {
  assert.ok(files.length >= 30, `${files.length} files`);
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
  const sources = fs.readFileSync(path.join(DIR, 'SOURCES.md'), 'utf8');
  for (const file of files) assert.ok(sources.includes(`| ${file} |`), `SOURCES.md lists ${file}`);
});

for (const file of files) {
  test(`own corpus: ${file}`, () => {
    const rb = loadRunbookFile(path.join(DIR, file));
    const expected = EXPECTED[file];
    assert.ok(expected);
    assert.equal(rb.title, expected.title);
    assert.equal(rb.stepSource, expected.source);
    assert.deepEqual(rb.steps.map((s) => [s.line, s.title]), expected.steps);
    assert.deepEqual(rb.steps.flatMap((s) => s.commands.map((c) => c.line)), expected.commands);
    assert.equal(rb.steps.flatMap((s) => s.checklist).length, expected.checklist);
    assert.deepEqual((rb.context ?? []).map((c) => c.title), expected.context);
    assert.deepEqual(rb.diagnostics.map((d) => [d.severity[0], d.line]), expected.warnings);
    // every fenced block in the file is either a step's command or named by lint
    const lines = fs.readFileSync(path.join(DIR, file), 'utf8').split('\n');
    const opening = lines.flatMap((l, i) => (/^[\s>]*```/.test(l) ? [i + 1] : [])).filter((_, k) => k % 2 === 0);
    const named = new Set(rb.diagnostics.map((d) => d.line));
    for (const line of opening) assert.ok(expected.commands.includes(line) || named.has(line), `${file}:${line} is a command or a warning`);
    const keys = new Set(rb.steps.map((s) => s.key));
    assert.equal(keys.size, rb.steps.length, 'unique step keys');
  });
}

test('own corpus: MkDocs content tabs keep their labels', () => {
  const rb = loadRunbookFile(path.join(DIR, '31-mkdocs-material-adding-a-git-repository.md'));
  assert.deepEqual(
    rb.steps.flatMap((s) => s.commands.map((c) => [c.line, c.tab ?? null, c.text])),
    [
      [18, null, 'repo_url: https://github.com/squidfunk/mkdocs-material'],
      [38, null, 'repo_name: squidfunk/mkdocs-material'],
      [54, null, 'theme:\n  icon:\n    repo: fontawesome/brands/git-alt'],
      [85, 'Customize edit path', 'edit_uri: edit/master/docs/'],
      [91, 'Hide edit button', 'edit_uri: ""'],
    ],
  );
});

test('own corpus: the CRLF file keeps its CRLF bytes (test/corpus/.gitattributes) and reads like its LF twin', () => {
  const file = path.join(DIR, '44-ms-ad-nonauthoritative-restore-crlf.md');
  const bytes = fs.readFileSync(file, 'utf8');
  assert.equal(bytes.split('\r\n').length - 1, bytes.split('\n').length - 1, 'every line ends in CRLF');
  const rb = loadRunbookFile(file);
  assert.deepEqual(rb.steps[0]?.commands.map((c) => c.text), [
    'wbadmin start systemstaterecovery <otheroptions> -authsysvol',
    'wbadmin start systemstaterecovery -version:11/20/2012-13:00 -authsysvol',
  ]);
  assert.ok(!rb.title.includes('\r') && !rb.steps[0]?.title.includes('\r'));
});

test('own corpus: Docusaurus <TabItem> labels travel with their commands', () => {
  const rb = loadRunbookFile(path.join(DIR, '37-rancher-audit-log-docusaurus-tabs.md'));
  assert.deepEqual(
    rb.steps.flatMap((s) => s.commands.map((c) => [c.line, c.tab ?? null])),
    [[24, 'RKE2'], [66, 'RKE2'], [83, 'RKE2'], [141, 'K3s'], [158, 'K3s'], [197, 'RKE1'], [210, 'RKE1']],
  );
});

test('own corpus, run as Runme runs it: prompts stripped, cwd from the front matter, the shell from the front matter', () => {
  const ran = (p: BlockPlan) => (p.run ? p : assert.fail(p.reason));
  const prompts = loadRunbookFile(path.join(DIR, '23-runme-skipprompts-enabled.md'));
  const block = prompts.steps[0]?.commands[0];
  assert.ok(block);
  const plan = ran(planBlock(block, { runbookFile: prompts.file, frontMatter: prompts.meta.extra, workDir: '/w' }));
  assert.equal(plan.script, 'export ENV="<insert-env-here>"\necho "ENV=$ENV"');

  const relative = loadRunbookFile(path.join(DIR, '18-runme-cwd-relative.md'));
  const ctx = { runbookFile: relative.file, frontMatter: relative.meta.extra, workDir: '/w' };
  const cwds = relative.steps.map((s) => ran(planBlock(s.commands[0]!, ctx)).cwd);
  const base = path.resolve(DIR, '../../../');
  assert.deepEqual(cwds, [base, path.resolve(base, '..'), '/opt']);

  const zsh = loadRunbookFile(path.join(DIR, '21-runme-shell-zsh.md'));
  assert.equal(ran(planBlock(zsh.steps[0]!.commands[0]!, { runbookFile: zsh.file, frontMatter: zsh.meta.extra, workDir: '/w' })).argv[0], 'zsh');
});
