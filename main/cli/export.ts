/**
 * `drillbook export DRILL_ID --out DIR [--zip] [--no-redact] [--no-pdf]
 *   [--sign KEY] [--redact-config FILE]` — writes a drill's evidence bundle
 * (main/evidence/BUNDLE.md).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { Core } from '../api/core';
import { UserError } from '../common/errors';
import { chromiumPrintToPdf, exportBundle, findChromium, loadRedactionPatterns, runExport, terminalTranscripts, pdfPageCount, type PrintToPdf } from '../evidence';
import { Progress } from './output';
import { BUNDLED_RUNBOOKS, CliError, EXIT, dataDirFrom } from './common';

export async function exportCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  if (positionals.length !== 1) throw new CliError('name one drill id (see drillbook history)');
  if (typeof values.out !== 'string' || values.out.trim() === '') throw new CliError('--out DIR is required: the folder to write the bundle into');
  const drillId = positionals[0]!;
  const outDir = path.resolve(values.out);
  const zipPath = values.zip ? outDir.replace(/[\\/]+$/, '') + '.zip' : null;
  const redact = values['no-redact'] !== true;
  const dataDir = dataDirFrom(values);

  let patterns;
  try {
    patterns = loadRedactionPatterns(dataDir, typeof values['redact-config'] === 'string' ? path.resolve(values['redact-config']) : undefined);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const signKey = typeof values.sign === 'string' ? path.resolve(values.sign) : null;
  if (signKey && !existsSync(signKey)) throw new CliError(`no such key file: ${signKey}`);
  // report.pdf needs Chromium: say how to get it (or how to do without) before anything is written. Exit 3.
  const chromium = values['no-pdf'] ? null : findChromium();
  if (!values['no-pdf'] && !chromium) {
    throw new CliError(
      `report.pdf needs Chromium, and none was found${process.env.DRILLBOOK_CHROMIUM ? ` at DRILLBOOK_CHROMIUM=${process.env.DRILLBOOK_CHROMIUM}` : ' (/usr/bin/chromium)'}: install it (apt-get install chromium), set DRILLBOOK_CHROMIUM to its path, or export without the PDF with --no-pdf`,
      EXIT.badInput,
    );
  }
  if (!redact) process.stderr.write('drillbook export: warning: --no-redact: credentials recorded in the drill go into the bundle as they are\n');

  const core = new Core({ dataDir, runbookDirs: [BUNDLED_RUNBOOKS], host: 'cli' });
  // On a terminal, a live line while the bundle is written (the PDF takes seconds); nothing in a pipe.
  const progress = new Progress();
  const t0 = performance.now();
  const ticker = setInterval(() => progress.update(`export: ${stage} (${Math.round((performance.now() - t0) / 1000)} s)`, true), 1000);
  ticker.unref();
  let stage = 'writing the bundle';
  progress.update(`export: ${stage}`, true);
  const pdf: PrintToPdf | null = chromium
    ? async (html) => {
        stage = 'printing report.pdf with Chromium';
        progress.update(`export: ${stage}`, true);
        try {
          return await chromiumPrintToPdf(chromium)(html);
        } finally {
          stage = 'writing the bundle';
        }
      }
    : null;
  try {
    let result;
    try {
      result = await runExport(() =>
        exportBundle({ drills: core.drills, attachments: core.evidence.attachments }, drillId, {
          outDir,
          zipPath,
          redact,
          patterns,
          printToPdf: pdf,
          signKey,
          transcripts: terminalTranscripts(dataDir),
        }),
      );
    } catch (err) {
      if (err instanceof UserError) throw new CliError(err.message, err.code === 'internal' ? EXIT.internal : EXIT.badInput);
      throw err;
    } finally {
      clearInterval(ticker);
      progress.done();
    }
    const pdfFile = result.files.find((f) => f.path === 'report.pdf');
    const out = process.stdout;
    out.write(`Exported drill ${result.drillId} to ${result.dir} (${result.files.length + 1 + (result.signed ? 1 : 0)} files)\n`);
    if (result.zipPath) out.write(`  zip:        ${result.zipPath}\n`);
    out.write(`  chain head: ${result.chainHead}\n              record it in your ticket: \`drillbook verify BUNDLE --chain-head ${result.chainHead.slice(0, 16)}\` checks it\n`);
    if (pdfFile) out.write(`  report.pdf: ${pdfPageCount(await readFile(path.join(result.dir, 'report.pdf')))} page(s)\n`);
    else out.write('  report.pdf: not made (--no-pdf)\n');
    const masked = Object.entries(result.redaction.masked);
    if (!result.redaction.applied) out.write('  redaction:  OFF (--no-redact)\n');
    else out.write(`  redaction:  ${masked.length ? masked.map(([k, n]) => `${k} ×${n}`).join(', ') : 'nothing to mask'}\n`);
    for (const w of result.redaction.withheld) out.write(`  withheld:   ${w}\n`);
    if (result.signed) out.write(`  signed:     manifest.json.sig (ssh-keygen -Y, namespace drillbook)\n`);
    return EXIT.ok;
  } finally {
    core.close();
  }
}

async function readFile(file: string): Promise<Buffer> {
  const { readFile: rf } = await import('node:fs/promises');
  return rf(file);
}
