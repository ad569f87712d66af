import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TranscriptWriter, readTranscriptBytes, readTranscriptIndex, transcriptPaths } from '../../../main/terminal/transcript';
import { tempDir } from '../../helpers/runbooks';

test('transcript: exact bytes, index records with offsets, append across writers (reconnect)', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const paths = transcriptPaths(tmp.dir, 'drill-1', 't000000000001');
  assert.equal(paths.out, path.join(tmp.dir, 'transcripts', 'drill-1', 't000000000001.out'));
  const w = new TranscriptWriter(paths, () => Date.UTC(2026, 0, 1));
  w.note({ t: 'open', terminalId: 't000000000001', drillId: 'drill-1', target: 'db', kind: 'ssh', endpoint: 'root@h', cols: 80, rows: 24, stepIndex: 0 });
  const euro = Buffer.from('€', 'utf8');
  w.write(Buffer.from('price: '));
  w.write(euro.subarray(0, 1)); // a character split across writes stays intact on disk
  w.write(euro.subarray(1));
  w.note({ t: 'resize', cols: 100, rows: 30 });
  w.write(Buffer.from([0x00, 0xff, 0x1b]));
  await w.close();
  const w2 = new TranscriptWriter(paths);
  assert.equal(w2.offset, 13);
  w2.write(Buffer.from('more'));
  w2.note({ t: 'close', reason: 'done' });
  await w2.close();

  const out = readFileSync(paths.out);
  assert.deepEqual(out, Buffer.concat([Buffer.from('price: €'), Buffer.from([0x00, 0xff, 0x1b]), Buffer.from('more')]));
  const { records, truncated } = await readTranscriptIndex(paths.index);
  assert.equal(truncated, false);
  assert.deepEqual(
    records.map((r) => [r.t, r.offset]),
    [
      ['open', 0],
      ['resize', 10],
      ['close', 17],
    ],
  );
  assert.equal(records[0]!.at, '2026-01-01T00:00:00.000Z');
  assert.deepEqual(readTranscriptBytes(paths.out, 7, 3).bytes, euro);
  assert.equal(readTranscriptBytes(paths.out, 100, 10).bytes.length, 0);
  const limited = await readTranscriptIndex(paths.index, 2);
  assert.equal(limited.records.length, 2);
  assert.equal(limited.truncated, true);
});
