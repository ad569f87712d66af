/**
 * Drillbook's own corpus (test/corpus, see its SOURCES.md): 31 real runbooks
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
 * - a numbered list under a lone heading is the procedure (20).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRunbookFile, type Runbook } from '../../../main/runbook';
import { planBlock, type BlockPlan } from '../../../main/runner/plan';

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
