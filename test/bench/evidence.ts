/**
 * Evidence speed figures (printed, not asserted): redaction throughput, and
 * exporting and verifying a large drill's bundle with and without the PDF.
 *
 *   npm run bench -- evidence   (or: npx tsx test/bench/evidence.ts)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../main/store/db';
import { DrillService } from '../../main/drill/service';
import { manualClock } from '../../main/drill/clock';
import { AttachmentStore, EvidenceService, chromiumPrintToPdf, compilePatterns, exportBundle, redactText, verifyBundle, type TranscriptSource } from '../../main/evidence';
import { spawnSync } from 'node:child_process';
import { makeRunbook } from '../helpers/runbooks';

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

export async function evidenceBench(): Promise<void> {
  const patterns = compilePatterns();
  const line = 'restored table orders 5000 rows; checksum e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ok PGPASSWORD=s3cret\n';
  const text = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
  let t0 = process.hrtime.bigint();
  const r = redactText(text, patterns);
  const took = ms(t0);
  console.log(`redaction: ${(text.length / 1024 / 1024).toFixed(1)} MiB in ${took.toFixed(0)} ms (${(text.length / 1024 / 1024 / (took / 1000)).toFixed(1)} MiB/s), ${Object.values(r.hits).reduce((a, b) => a + b, 0)} values masked`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-'));
  try {
    const clock = manualClock();
    const db = openDatabase(dir);
    const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'bench' });
    const store = new AttachmentStore(dir);
    const ev = new EvidenceService(drills, store, clock.now, { dataDir: dir });
    const steps = Array.from({ length: 100 }, (_, i) => ({ title: `Step ${i + 1}`, checklist: ['Checked', 'Double-checked'] }));
    const id = drills.start(makeRunbook(steps, 3600), 'rehearsal', 'ana').id;
    const output = 'row data '.repeat(450); // ~4 KB of output per command
    for (let i = 0; i < steps.length; i++) {
      clock.advance(5_000);
      drills.stepStart(id, i);
      for (let c = 0; c < 10; c++) {
        clock.advance(1_000);
        drills.commandRun(id, i, { target: 'local', text: `restore --part ${c} --password=pw${c}`, name: null, exitCode: 0, expectPassed: true, durationMs: 900, outputTail: output });
      }
      drills.checkSet(id, i, 0, true, 'ok');
      drills.stepComplete(id, i);
    }
    drills.finish(id);
    ev.addAttachment(id, { stepIndex: 0, name: 'listing.txt', kind: 'file', mediaType: 'text/plain', bytes: Buffer.from('x'.repeat(1024 * 1024)) });
    const transcript = Buffer.from('\x1b[32m$\x1b[0m restore\r\n' + 'progress line of terminal output\r\n'.repeat(150_000)); // ~5 MB
    const transcripts: TranscriptSource = { list: () => [{ id: 't1', title: 'local shell', stepIndex: 0, startedAt: null, endedAt: null }], read: () => transcript };
    const events = drills.events(id).length;
    console.log(`drill: ${steps.length} steps, ${events} events, a 1 MiB attachment, a ${(transcript.length / 1024 / 1024).toFixed(1)} MiB transcript`);

    for (const pdf of [false, true]) {
      const out = path.join(dir, pdf ? 'with-pdf' : 'no-pdf');
      t0 = process.hrtime.bigint();
      const res = await exportBundle({ drills, attachments: store }, id, { outDir: out, zipPath: out + '.zip', redact: true, patterns, printToPdf: pdf ? chromiumPrintToPdf() : null, transcripts });
      const exportMs = ms(t0);
      const pdfBytes = res.files.find((f) => f.path === 'report.pdf')?.bytes ?? 0;
      console.log(`export ${pdf ? 'with' : 'without'} PDF: ${exportMs.toFixed(0)} ms; zip ${(statSync(out + '.zip').size / 1024 / 1024).toFixed(1)} MiB${pdf ? `, report.pdf ${(pdfBytes / 1024).toFixed(0)} KiB` : ''}`);
      for (const target of [out, out + '.zip']) {
        t0 = process.hrtime.bigint();
        const v = await verifyBundle(target);
        console.log(`  verify ${target.endsWith('.zip') ? 'zip   ' : 'folder'}: ${ms(t0).toFixed(0)} ms (${v.ok ? 'ok' : 'FAILED'})`);
      }
    }
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A ~100 MB transcript (`seq 1 12000000`), in its own process so its peak RSS is its own.
  const large = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'evidence-large.ts')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(large.stdout);
  if (large.status !== 0) throw new Error(`the large export failed (exit ${large.status})`);
}

if (require.main === module) void evidenceBench();
