/**
 * Drives a sample runbook through the path the drill view uses — the
 * terminal service's Run (terminal.run) in each target's terminal, over SSH
 * where the block's target is an SSH host — performing the same blocks
 * `drillbook run` performs (blocksToRun) with the same stop-at-the-first-
 * failure and clean-up rules, and returns the step results to compare.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { TerminalService } from '../../../main/terminal';
import { parseRunbook } from '../../../main/runbook';
import { runbookWithVars } from '../../../main/runbook/vars';
import { blocksToRun } from '../../../main/runner/headless';
import type { DrillSnapshot } from '../../../main/drill/model';
import type { TerminalSink } from '../../../main/terminal/types';
import type { Rig } from './harness';

export interface StepResults {
  steps: string[];
  /** [step number, block name or first line, exit code, expect passed] per block run. */
  blocks: [number, string, number | null, boolean | null][];
}

/** What `drillbook run` recorded, in the comparable shape. */
export function resultsOf(drill: DrillSnapshot): StepResults {
  return {
    steps: drill.steps.map((s) => s.status),
    blocks: drill.commands.filter((c) => c.origin !== 'typed').map((c) => [(c.stepIndex ?? -1) + 1, c.name ?? c.text.split('\n')[0]!, c.exitCode, c.expectPassed]),
  };
}

async function waitFor<T>(what: string, pred: () => T | null | undefined | false, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An ssh config naming the rig's sshd, for a runbook target rewritten to use it. */
export function sshConfigFor(rig: Rig, alias: string): string {
  const file = path.join(rig.dir, `ssh_config_${alias}`);
  writeFileSync(
    file,
    `Host ${alias}\n  HostName 127.0.0.1\n  Port ${rig.sshd.port}\n  User ${rig.sshd.user}\n  IdentityFile ${rig.sshd.clientKey}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${rig.knownHosts}\n`,
  );
  return file;
}

/**
 * Runs `file` as an operator clicking Run on each block `drillbook run`
 * would run. `target` (a runbook target declared `local`) is pointed at the
 * rig's sshd, as `drillbook run --target` does; `secrets` are typed into
 * that terminal at a no-echo prompt (`read -rs NAME`), as an operator would.
 */
export async function runThroughUi(
  rig: Rig,
  file: string,
  opts: { target: string; vars: Record<string, string>; secrets?: Record<string, string>; timeoutMs?: number },
): Promise<{ results: StepResults; drill: DrillSnapshot; close: () => Promise<void> }> {
  const alias = 'drillbook-parity-host';
  const copy = path.join(rig.dir, `ui-${Date.now()}-${path.basename(file)}`);
  const text = readFileSync(file, 'utf8').replace(new RegExp(`^(\\s+${opts.target}:) local\\s*$`, 'm'), `$1 ${alias}`);
  writeFileSync(copy, text);
  const dataDir = path.join(rig.dir, `ui-data-${Date.now()}`);
  const db = openDatabase(dataDir);
  const drills = new DrillService(db);
  const svc = new TerminalService({
    dataDir,
    drills,
    emit: () => {},
    ssh: { configFile: sshConfigFor(rig, alias), knownHostsFiles: [rig.knownHosts], agentSocket: null },
  });
  const sink: TerminalSink = { id: 'parity', data: () => {} };
  const close = async () => {
    await svc.closeAll();
    db.close();
  };
  const budget = opts.timeoutMs ?? 120_000;
  try {
    const runbook = runbookWithVars(parseRunbook(text, copy), opts.vars);
    const drill = drills.start(runbook, 'rehearsal', 'parity');
    const info = svc.open({ drillId: drill.id, target: opts.target, cols: 120, rows: 32 }, sink);
    await waitFor('the ssh terminal', () => svc.list(drill.id).find((t) => t.terminalId === info.terminalId && t.status === 'open' && t.shellIntegration), 30_000);
    for (const [name, value] of Object.entries(opts.secrets ?? {})) {
      const before = drills.get(drill.id).commands.length;
      svc.input(info.terminalId, `read -rs ${name} && export ${name}\r`);
      await waitFor('the no-echo prompt', () => svc.list(drill.id).find((t) => t.terminalId === info.terminalId)?.busy, 10_000);
      svc.input(info.terminalId, value + '\r');
      await waitFor('the secret read', () => drills.get(drill.id).commands.length > before, 10_000);
    }
    let failed = false;
    for (const step of runbook.steps) {
      const blocks = blocksToRun(step.commands, false);
      if (blocks.length === 0 || (failed && !step.always)) {
        drills.stepSkip(drill.id, step.index, blocks.length === 0 ? 'manual step' : 'not run: an earlier step failed');
        continue;
      }
      drills.stepStart(drill.id, step.index);
      let ok = true;
      for (const block of blocks) {
        const commandIndex = step.commands.indexOf(block);
        const { runId } = await svc.run({ drillId: drill.id, stepIndex: step.index, commandIndex }, sink);
        const rec = await waitFor(`block ${block.attrs.name ?? commandIndex} of step ${step.index + 1}`, () => drills.get(drill.id).commands.find((c) => c.runId === runId && c.endedAt), budget);
        if (rec.expectPassed !== true) {
          ok = false;
          break;
        }
      }
      if (ok) drills.stepComplete(drill.id, step.index);
      else {
        drills.stepFail(drill.id, step.index, 'a block failed');
        failed = true;
      }
    }
    const done = drills.finish(drill.id);
    return { results: resultsOf(done), drill: done, close };
  } catch (err) {
    await close();
    throw err;
  }
}
