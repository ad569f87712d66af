/**
 * Exporting a drill whose one block printed ~100 MB (`seq 1 12000000` in a
 * terminal: 12 million CRLF lines): wall time and peak RSS of the process.
 * Run as its own process by the `evidence` bench so the peak is this
 * export's alone (`npx tsx test/bench/evidence-large.ts [MiB]`).
 *
 * Before transcripts were streamed (issue 15): 9.3 s and 1.3 GB peak for
 * 92 MB. Aim: 100 MB under 5 s, memory bounded. Then the same export with
 * --zip (BENCH_ZIP=0 leaves it out; the peak RSS printed is the process's).
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../main/store/db';
import { DrillService } from '../../main/drill/service';
import { manualClock } from '../../main/drill/clock';
import { AttachmentStore, compilePatterns, exportBundle, type TranscriptSource } from '../../main/evidence';
import { makeRunbook } from '../helpers/runbooks';

async function writeSeq(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('\x1b[32m$\x1b[0m seq 1 ' + lines + '\r\n');
  const batch = 100_000;
  for (let from = 1; from <= lines; from += batch) {
    let s = '';
    for (let i = from; i < Math.min(lines + 1, from + batch); i++) s += i + '\r\n';
    if (!out.write(s)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.write('\x1b[32m$\x1b[0m ');
  await new Promise<void>((r) => out.end(() => r()));
}

async function main(): Promise<void> {
  const lines = Number(process.argv[2] ?? 12_000_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-bench-large-'));
  try {
    const raw = path.join(dir, 'raw.out');
    await writeSeq(raw, lines);
    const size = statSync(raw).size;
    const clock = manualClock();
    const db = openDatabase(dir);
    const drills = new DrillService(db, clock.now, { pid: process.pid, session: 'bench' });
    const id = drills.start(makeRunbook([{ title: 'Count' }], 3600), 'rehearsal', 'ana').id;
    drills.stepStart(id, 0);
    clock.advance(60_000);
    drills.stepComplete(id, 0);
    drills.finish(id);
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 9) + ms).toISOString();
    const index = [
      { t: 'open', at: at(0), offset: 0, kind: 'local', cols: 120, rows: 40 },
      { t: 'command', at: at(1_000), offset: 0, text: `seq 1 ${lines}` },
      { t: 'result', at: at(20_000), offset: size - 9, exitCode: 0 },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n';
    const transcripts: TranscriptSource = {
      list: () => [{ id: 't1', title: 'local shell', stepIndex: 0, startedAt: at(0), endedAt: at(20_000) }],
      read: () => {
        throw new Error('the export must stream the transcript, not read it whole');
      },
      file: () => raw,
      index: () => index,
    };
    const rssBefore = process.resourceUsage().maxRSS / 1024;
    // CPU time of the process: the main thread and the thread pool (zlib deflates there).
    for (const zip of process.env.BENCH_ZIP === '0' ? [false] : [false, true]) {
      const load = os.loadavg()[0]!.toFixed(1);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const out = path.join(dir, zip ? 'bundle-zip' : 'bundle');
      const res = await exportBundle({ drills, attachments: new AttachmentStore(dir) }, id, {
        outDir: out, zipPath: zip ? out + '.zip' : null, redact: true, patterns: compilePatterns(), printToPdf: null, transcripts,
      });
      const took = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const peak = process.resourceUsage().maxRSS / 1024;
      const txt = res.files.find((f) => f.path.endsWith('.txt'))!;
      const cast = res.files.find((f) => f.path.endsWith('.cast'));
      console.log(
        `export --no-pdf${zip ? ' --zip' : ''} of a ${(size / 1e6).toFixed(0)} MB transcript (seq 1 ${lines}): ${took.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU; peak RSS ${peak.toFixed(0)} MiB ` +
          `(${rssBefore.toFixed(0)} MiB before the export); transcript .txt ${(txt.bytes / 1e6).toFixed(0)} MB${cast ? `, .cast ${(cast.bytes / 1e6).toFixed(0)} MB` : ', no .cast'}` +
          `${zip ? `; zip ${(statSync(out + '.zip').size / 1e6).toFixed(1)} MB` : ''}; load average ${load} at the start on ${os.cpus().length} cores`,
      );
      rmSync(out, { recursive: true, force: true });
      rmSync(out + '.zip', { force: true });
    }
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
