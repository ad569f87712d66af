/**
 * `npm run bench -- redaction`: how much the outbound redaction step keeps
 * out, what it leaves alone, and how fast it runs (printed, not asserted).
 *
 * - Recall on gitleaks' rule-test samples (test/fixtures/secrets/gitleaks-samples.ts):
 *   each secret keyed (gitleaks' 30 assignment syntaxes, with the rule's identifier)
 *   and bare (alone on a line, and inside a sentence with no name before it), plus
 *   gitleaks' own true-positive lines; precision on gitleaks' false-positive lines.
 * - Recall on the restore-work and vendor sets (test/fixtures/secrets/restore-work.ts).
 * - The kept-evidence list (test/fixtures/secrets/evidence-lines.txt): every line intact.
 * - Speed: a 100 MB transcript through the streaming redactor in 64 KiB chunks, with
 *   the peak resident memory it added.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compilePatterns, redactText, StreamRedactor } from '../../main/evidence/redact';
import { GITLEAKS_RULES, KEYED_TEMPLATES } from '../fixtures/secrets/gitleaks-samples';
import { RESTORE_WORK, VENDOR, fake } from '../fixtures/secrets/restore-work';

const pct = (n: number, d: number) => `${((100 * n) / Math.max(d, 1)).toFixed(1)}% (${n}/${d})`;

export interface RedactionFigures {
  keyed: [number, number];
  bare: [number, number];
  literalTps: [number, number];
  fps: [number, number];
  restore: [number, number];
  evidence: [number, number];
  mbPerSec: number;
  seconds100MB: number;
  peakRssMB: number;
}

/** Kept out: neither the secret nor any blank-separated piece of 4+ characters survives. */
function keptOut(out: string, secret: string): boolean {
  return ![secret, ...secret.split(/\s+/).filter((p) => p.length >= 4)].some((p) => out.includes(p));
}

export function measureRecall(): Omit<RedactionFigures, 'mbPerSec' | 'seconds100MB' | 'peakRssMB'> & { missed: string[] } {
  const patterns = compilePatterns();
  const missed: string[] = [];
  let keyed = 0;
  let keyedN = 0;
  let bare = 0;
  let bareN = 0;
  let tps = 0;
  let tpsN = 0;
  let fps = 0;
  let fpsN = 0;
  for (const rule of GITLEAKS_RULES) {
    for (const value of rule.values) {
      for (const t of KEYED_TEMPLATES) {
        const text = t.replaceAll('{i}', rule.identifier).replaceAll('{s}', value);
        keyedN++;
        if (keptOut(redactText(text, patterns).text, value)) keyed++;
        else missed.push(`keyed ${rule.id}: ${text.slice(0, 80)}`);
      }
      for (const text of [value, `INFO issued ${value} to restore-bot at 03:00`]) {
        bareN++;
        if (keptOut(redactText(text, patterns).text, value)) bare++;
        else missed.push(`bare ${rule.id}: ${text.slice(0, 80)}`);
      }
    }
    for (const line of rule.tps) {
      tpsN++;
      if (redactText(line, patterns).text !== line) tps++;
      else missed.push(`tp ${rule.id}: ${line.slice(0, 80)}`);
    }
    for (const line of rule.fps) {
      fpsN++;
      if (redactText(line, patterns).text === line) fps++;
      else missed.push(`fp masked ${rule.id}: ${redactText(line, patterns).text.slice(0, 100)}`);
    }
  }
  let restore = 0;
  let restoreN = 0;
  for (const c of [...RESTORE_WORK, ...VENDOR]) {
    const out = redactText(c.text, patterns).text;
    for (const s of c.secrets) {
      restoreN++;
      if (keptOut(out, s)) restore++;
      else missed.push(`restore ${c.name}`);
    }
  }
  const lines = readFileSync(path.join(__dirname, '../fixtures/secrets/evidence-lines.txt'), 'utf8').split('\n').filter(Boolean);
  const intact = lines.filter((l) => redactText(l, patterns).text === l).length;
  return { keyed: [keyed, keyedN], bare: [bare, bareN], literalTps: [tps, tpsN], fps: [fps, fpsN], restore: [restore, restoreN], evidence: [intact, lines.length], missed };
}

/** A transcript of restore output, generated chunk by chunk (never held whole), with a secret every ~100 KB. */
function* transcript(totalBytes: number, chunkBytes: number): Generator<string> {
  const evidence = readFileSync(path.join(__dirname, '../fixtures/secrets/evidence-lines.txt'), 'utf8').split('\n').filter(Boolean);
  const restore = RESTORE_WORK.map((c) => c.text);
  let produced = 0;
  let n = 0;
  while (produced < totalBytes) {
    let chunk = '';
    while (chunk.length < chunkBytes) {
      n++;
      chunk += n % 1500 === 0 ? restore[n % restore.length] + '\n' : n % 7 === 0 ? evidence[n % evidence.length] + '\n' : `2026-12-01T03:${String(n % 60).padStart(2, '0')}:12Z pg_restore: processing data for table "public.orders_${n % 97}" (${fake(8, undefined, n % 5000)} rows ${n})\n`;
    }
    produced += chunk.length;
    yield chunk;
  }
}

export function measureSpeed(totalBytes = 100 * 1024 * 1024): { seconds: number; cpuSeconds: number; mbPerSec: number; peakRssMB: number; masked: number } {
  const patterns = compilePatterns();
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const s = new StreamRedactor(patterns);
  let outBytes = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let i = 0;
  for (const chunk of transcript(totalBytes, 64 * 1024)) {
    outBytes += s.write(chunk).length;
    if (++i % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  outBytes += s.end().length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  peak = Math.max(peak, process.memoryUsage().rss);
  const masked = Object.values(s.hits).reduce((a, b) => a + b, 0);
  void outBytes;
  return { seconds, cpuSeconds, mbPerSec: totalBytes / 1024 / 1024 / seconds, peakRssMB: (peak - base) / 1024 / 1024, masked };
}

export async function redactionBench(): Promise<void> {
  const r = measureRecall();
  console.log(`gitleaks samples, keyed (${KEYED_TEMPLATES.length} syntaxes × ${GITLEAKS_RULES.reduce((a, x) => a + x.values.length, 0)} secrets of ${GITLEAKS_RULES.length} rules): ${pct(...r.keyed)} kept out`);
  console.log(`gitleaks samples, bare (alone, and in a sentence with no name): ${pct(...r.bare)} kept out`);
  console.log(`gitleaks true-positive lines as written in its tests: ${pct(...r.literalTps)} masked`);
  console.log(`gitleaks false-positive lines left untouched (precision): ${pct(...r.fps)}`);
  console.log(`restore-work and vendor set: ${pct(...r.restore)} kept out`);
  console.log(`kept-evidence lines intact: ${pct(...r.evidence)}`);
  if (process.env.BENCH_VERBOSE) for (const m of r.missed) console.log('  ' + m);
  else if (r.missed.length) console.log(`  (${r.missed.length} misses; BENCH_VERBOSE=1 lists them)`);
  const sp = measureSpeed();
  const load = os.loadavg()[0]!.toFixed(1);
  console.log(`100 MB transcript, streamed in 64 KiB chunks: ${sp.seconds.toFixed(2)} s wall, ${sp.cpuSeconds.toFixed(2)} s CPU (${sp.mbPerSec.toFixed(1)} MiB/s), ${sp.masked} values masked, peak RSS +${sp.peakRssMB.toFixed(0)} MiB; load average ${load} on ${os.cpus().length} cores`);
}

if (require.main === module) void redactionBench();
