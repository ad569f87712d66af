/**
 * A zip bomb costs verify nothing (issue 12, item 10): a real zip (yazl)
 * with a 600 MiB entry of zeros, a few MB on disk, is refused from
 * its directory in bounded time and memory, with a clear sentence.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import yazl from 'yazl';
import { verifyBundle, BundleReadError } from '../../../main/evidence';
import { tempDir } from '../../helpers/runbooks';

const tmp = tempDir('drillbook-zipbomb-');
const bomb = path.join(tmp.dir, 'bomb.zip');
const many = path.join(tmp.dir, 'many.zip');
after(() => tmp.cleanup());

function zeros(bytes: number): Readable {
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

async function writeZipOf(file: string, add: (zip: yazl.ZipFile) => void): Promise<void> {
  const zip = new yazl.ZipFile();
  add(zip);
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    out.on('close', () => resolve());
    out.on('error', reject);
    zip.outputStream.pipe(out);
  });
}

before(async () => {
  const t0 = performance.now();
  const size = 600 * 1024 * 1024; // over the 512 MiB per-file cap; the 1.5 GiB takes 20 s just to make here
  await writeZipOf(bomb, (zip) => {
    zip.addBuffer(Buffer.from('{}'), 'manifest.json');
    zip.addReadStream(zeros(size), 'transcripts/t1.txt', { size, compressionLevel: 1 } as yazl.ReadStreamOptions);
  });
  console.log(`# made a ${statSync(bomb).size}-byte zip of a 600 MiB entry in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await writeZipOf(many, (zip) => {
    for (let i = 0; i < 10_001; i++) zip.addBuffer(Buffer.alloc(0), `attachments/${i}.txt`, { compress: false });
  });
});

async function measured<T>(fn: () => Promise<T>): Promise<{ result: T | Error; ms: number; rssGrowth: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const t0 = performance.now();
  let result: T | Error;
  try {
    result = await fn();
  } catch (err) {
    result = err as Error;
  }
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, ms, rssGrowth: peak - base };
}

test('a 600 MiB entry is refused from the zip directory, fast and in bounded memory', { timeout: 120_000 }, async () => {
  assert.ok(statSync(bomb).size < 8 * 1024 * 1024, `the bomb is small on disk (${statSync(bomb).size} bytes)`);
  const m = await measured(() => verifyBundle(bomb));
  assert.ok(m.result instanceof BundleReadError, String(m.result));
  assert.match((m.result as Error).message, /^the zip's entry transcripts\/t1\.txt would inflate to 600 MiB \(from \d+ MiB\); no file of a Drillbook bundle is over 512 MiB, so it was not read$/);
  console.log(`# refused in ${m.ms.toFixed(0)} ms, memory grew ${(m.rssGrowth / 1024 / 1024).toFixed(1)} MiB`);
  assert.ok(m.ms < 2000, `took ${m.ms.toFixed(0)} ms`);
  assert.ok(m.rssGrowth < 64 * 1024 * 1024, `memory grew ${(m.rssGrowth / 1024 / 1024).toFixed(0)} MiB`);
});

test('more entries than a bundle can hold are refused before any is read', { timeout: 60_000 }, async () => {
  const m = await measured(() => verifyBundle(many));
  assert.ok(m.result instanceof BundleReadError, String(m.result));
  assert.match((m.result as Error).message, /holds more than 10000 files/);
});
