/**
 * Transcripts are deflated at level 1 in a bundle's zip, the other files at
 * zlib's default (main/evidence/zip.ts compressionLevel: 2.6 s of CPU
 * instead of 6.3 s for the 109 MB export's transcripts, 5% larger), and the
 * zip still reads back byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { readZip, writeZip } from '../../../main/evidence/zip';
import { tempDir } from '../../helpers/runbooks';

test('a transcript is deflated at level 1, a report at the default level, and both read back intact', async () => {
  const tmp = tempDir();
  try {
    const lines: string[] = [];
    for (let i = 1; i <= 200_000; i++) lines.push(String(i));
    const text = Buffer.from(lines.join('\n') + '\n');
    const files = new Map<string, Buffer>([
      ['transcripts/t1.txt', text],
      ['transcripts/t1.cast', text],
      ['report.html', text],
      ['report.pdf', text],
    ]);
    const zipPath = path.join(tmp.dir, 'b.zip');
    await writeZip(files, zipPath, new Date(Date.UTC(2026, 0, 1)));
    const zip = await yauzl.openPromise(zipPath, { lazyEntries: true });
    const sizes = new Map<string, number>();
    for await (const e of zip.eachEntry()) sizes.set(e.fileName, e.compressedSize);
    zip.close();
    const fast = deflateRawSync(text, { level: 1 }).length;
    const normal = deflateRawSync(text, { level: 6 }).length;
    assert.notEqual(fast, normal, 'the two levels differ on this text');
    assert.equal(sizes.get('transcripts/t1.txt'), fast);
    assert.equal(sizes.get('transcripts/t1.cast'), fast);
    assert.equal(sizes.get('report.html'), normal);
    assert.equal(sizes.get('report.pdf'), text.length, 'stored');
    const back = await readZip(zipPath);
    for (const [name, bytes] of files) assert.deepEqual(back.get(name), bytes, name);
  } finally {
    tmp.cleanup();
  }
});
