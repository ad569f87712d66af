/**
 * Transcripts are streamed through the bundle (main/evidence/stream.ts):
 * issue 15 measured 9.3 s and 1.3 GB to export a 92 MB transcript, held
 * whole several times. These tests prove the export reads a transcript file
 * in chunks (never `read()` whole), that the chunked text and redaction give
 * exactly what the whole-text path gives (secrets, escape strings, a private
 * key and UTF-8 characters across the 1 MiB chunk edges), and that a large
 * transcript exports with a JavaScript heap far smaller than the transcript.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { AttachmentStore, compilePatterns, exportBundle, verifyBundle, type TranscriptSource } from '../../../main/evidence';
import { redactText } from '../../../main/evidence/redact';
import { parseAsciicast } from '../../../main/evidence/asciicast';
import { CHUNK, lineChunks, textOf } from '../../../main/evidence/stream';
import { terminalText } from '../../../main/terminal/scanner';
import { makeRunbook, tempDir } from '../../helpers/runbooks';

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  ...Array.from({ length: 40 }, (_, i) => `b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW${i}`),
  '-----END OPENSSH PRIVATE KEY-----',
].join('\r\n');

/** ~3.2 MB of terminal output with awkward things placed right at the chunk edges. */
function awkwardTranscript(): Buffer {
  const parts: string[] = ['\x1b]0;title\x07\x1b[32m$\x1b[0m restore\r\n'];
  let size = parts[0]!.length;
  const edges = [CHUNK, 2 * CHUNK, 3 * CHUNK];
  let k = 0;
  const put = (s: string) => {
    parts.push(s);
    size += Buffer.byteLength(s);
  };
  while (size < 3.2 * CHUNK) {
    const edge = edges.find((e) => e > size && e - size < 400);
    if (edge !== undefined && k < 4) {
      // Straddle the edge: a secret, a private key, an OSC string, a 3-byte character.
      const which = k++ % 4;
      if (which === 0) put('export PGPASSWORD=s3cr3t-value-straddling-the-chunk-edge\r\n');
      if (which === 1) put(KEY + '\r\n');
      if (which === 2) put('\x1b]133;C;cmd=export TOKEN=abc123secret-in-an-osc\r\nstill inside\x07after the osc\r\n');
      if (which === 3) put('€'.repeat(200) + ' progress 10%\rprogress 100%\r\n');
      continue;
    }
    put(`row ${parts.length}: \x1b[1mrestored\x1b[0m 5000 rows, password=pw${parts.length % 97}\r\n`);
  }
  return Buffer.from(parts.join(''), 'utf8');
}

test('line-aligned chunks: the text of the pieces is the text of the whole', async () => {
  const raw = awkwardTranscript();
  const pieces: Buffer[] = [];
  const slices = Array.from({ length: Math.ceil(raw.length / 100_000) }, (_, i) => raw.subarray(i * 100_000, (i + 1) * 100_000));
  for await (const p of lineChunks(slices)) pieces.push(p);
  assert.ok(pieces.length >= 3, `cut into ${pieces.length} pieces`);
  assert.ok(Buffer.concat(pieces).equals(raw));
  assert.equal(pieces.map(textOf).join(''), terminalText(raw));
  const patterns = compilePatterns();
  assert.equal(pieces.map((p) => redactText(textOf(p), patterns).text).join(''), redactText(terminalText(raw), patterns).text);
});

test('export streams a transcript file (never reads it whole) and writes the same redacted text and a cast', async () => {
  const tmp = tempDir('drillbook-stream-');
  const clock = manualClock();
  const db = openDatabase(path.join(tmp.dir, 'data'));
  try {
    const drills = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
    const id = drills.start(makeRunbook([{ title: 'Restore' }], 60), 'rehearsal', 'ana').id;
    const raw = awkwardTranscript();
    const file = path.join(tmp.dir, 'raw.out');
    writeFileSync(file, raw);
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 9) + ms).toISOString();
    const index = [
      { t: 'open', at: at(0), offset: 0, kind: 'local', cols: 100, rows: 30 },
      { t: 'command', at: at(1_000), offset: 40, text: 'restore' },
      { t: 'result', at: at(9_000), offset: raw.length - 100, exitCode: 0 },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n';
    const source: TranscriptSource = {
      list: () => [{ id: 't1', title: 'local shell', stepIndex: 0, startedAt: at(0), endedAt: at(9_000) }],
      read: () => {
        throw new Error('read the whole transcript');
      },
      file: () => file,
      index: () => index,
    };
    const out = path.join(tmp.dir, 'bundle');
    const res = await exportBundle({ drills, attachments: new AttachmentStore(path.join(tmp.dir, 'data')) }, id, {
      outDir: out, zipPath: out + '.zip', redact: true, patterns: compilePatterns(), printToPdf: null, transcripts: source,
    });
    const txt = readFileSync(path.join(out, 'transcripts', 't1.txt'), 'utf8');
    const expected = redactText(terminalText(raw), compilePatterns()).text;
    assert.equal(txt, expected);
    assert.ok(!txt.includes('s3cr3t') && !txt.includes('b3BlbnNzaC1rZXktdjEAAAAABG5v') && !txt.includes('abc123secret'), 'every secret at a chunk edge is masked');
    assert.equal(res.files.find((f) => f.path === 'transcripts/t1.txt')!.bytes, Buffer.byteLength(expected));
    assert.deepEqual(res.redaction.withheld, []);
    const cast = parseAsciicast(readFileSync(path.join(out, 'transcripts', 't1.cast'), 'utf8'));
    const shown = cast.events.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    assert.equal(terminalText(Buffer.from(shown, 'utf8')), expected, 'the replay shows exactly the redacted text');
    assert.ok(cast.events.filter((e) => e[1] === 'o').every((e) => Buffer.byteLength(e[2]) < 2 * CHUNK), 'no cast event holds more than a chunk');
    for (const target of [out, out + '.zip']) assert.equal((await verifyBundle(target)).ok, true, `${target} verifies`);
  } finally {
    db.close();
    tmp.cleanup();
  }
});

test('a 48 MB transcript exports with a 64 MB JavaScript heap (it is never held whole)', () => {
  const script = path.join(__dirname, '..', '..', 'bench', 'evidence-large.ts');
  const r = spawnSync(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', script, '5500000'], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `the export failed:\n${r.stderr.slice(-2000)}`);
  assert.match(r.stdout, /export --no-pdf of a \d+ MB transcript/);
});

test('the plain-output fast path gives exactly what terminalText gives, for plain and not-quite-plain bytes', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  // Mostly plain: digits, CRLFs, tabs, UTF-8 (whole and cut), with now and then a lone CR, an escape or a control byte.
  const alphabet = [...'0123456789 abc\t'].map((c) => Buffer.from(c)).concat([Buffer.from('\r\n'), Buffer.from('\n'), Buffer.from('é'), Buffer.from('€'), Buffer.from([0xe2]), Buffer.from('\r'), Buffer.from('\x1b[31m'), Buffer.from([0x07]), Buffer.from([0x7f])]);
  for (let i = 0; i < 2000; i++) {
    const parts: Buffer[] = [];
    const n = 1 + rnd(40);
    for (let j = 0; j < n; j++) parts.push(alphabet[rnd(i % 3 === 0 ? alphabet.length : alphabet.length - 5)]!);
    const piece = Buffer.concat(parts);
    assert.equal(textOf(piece), terminalText(piece), JSON.stringify(piece.toString('latin1')));
  }
});
