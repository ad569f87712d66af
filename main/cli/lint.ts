import path from 'node:path';
import { loadRunbookFile, RunbookError, type Runbook } from '../runbook';
import { CliError, EXIT } from './common';
import { lintVars } from '../runbook/vars';
import { describeStepSource } from '../runbook/describe';

type LintResult = { file: string; runbook: Runbook } | { file: string; error: { line: number; message: string } };

export async function lintCommand(values: Record<string, unknown>, files: string[]): Promise<number> {
  if (files.length === 0) throw new CliError('name at least one runbook file');
  const results: LintResult[] = files.map((file) => {
    try {
      return { file, runbook: loadRunbookFile(path.resolve(file)) };
    } catch (err) {
      if (err instanceof RunbookError) return { file, error: { line: err.line, message: err.reason } };
      throw err;
    }
  });
  let errors = 0;
  for (const r of results) {
    if ('error' in r) {
      errors++;
      process.stderr.write(`${r.file}:${r.error.line}: ${r.error.message}\n`);
      continue;
    }
    for (const d of r.runbook.diagnostics) {
      if (d.severity === 'error') errors++;
      process.stderr.write(`${r.file}:${d.line}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}\n`);
    }
    // Variables (main/runbook/vars.ts) are checked here too, not only when a drill starts.
    for (const p of lintVars(r.runbook)) {
      errors++;
      process.stderr.write(`${r.file}:${p.line}: ${p.message}\n`);
    }
  }
  if (values.json) {
    const out = results.map((r) => ('error' in r ? r : { ...r.runbook, file: r.file }));
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    for (const r of results) {
      if ('runbook' in r) {
        const rb = r.runbook;
        const commands = rb.steps.reduce((n, s) => n + s.commands.length, 0);
        const checks = rb.steps.reduce((n, s) => n + s.checklist.length, 0);
        process.stdout.write(
          `${r.file}: ${rb.title} — ${count(rb.steps.length, 'step')}, ${count(commands, 'command')}, ${count(checks, 'checklist item')}${rb.rto ? `, RTO ${rb.rto.text}` : ''}\n` +
            // issue 10: say where the steps came from and what is read as context, not timed
            `  steps from ${describeStepSource(rb)}${rb.context?.length ? `; context, not timed: ${rb.context.map((c) => `${c.title} (line ${c.line})`).join(', ')}` : ''}\n`,
        );
      }
    }
  }
  return errors > 0 ? EXIT.failed : EXIT.ok;
}

/** "1 step", "2 steps". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
