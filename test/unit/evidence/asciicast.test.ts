/**
 * Terminal transcripts as asciicast v2: recorded with the real
 * TranscriptWriter (main/terminal/transcript.ts), converted, and read back
 * strictly — header, [time, code, data] events, times never going back, the
 * output byte for byte, step markers, resizes — and redacted without leaking
 * a credential that straddles two recorded segments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as pty from 'node-pty';
import path from 'node:path';
import { TranscriptWriter, transcriptPaths } from '../../../main/terminal/transcript';
import { CastAlongside, parseAsciicast, toAsciicast } from '../../../main/evidence/asciicast';
import { LineCutter, plainText, textOf } from '../../../main/evidence/stream';
import { terminalText } from '../../../main/terminal/scanner';
import { createHash } from 'node:crypto';
import { compilePatterns, Redactor } from '../../../main/evidence/redact';
import { tempDir } from '../../helpers/runbooks';

async function record(steps: (w: TranscriptWriter, clock: { t: number }) => void): Promise<{ raw: Buffer; index: string }> {
  const tmp = tempDir();
  try {
    const clock = { t: Date.UTC(2026, 2, 3, 9, 0, 0) };
    const paths = transcriptPaths(tmp.dir, 'd1', 't1');
    const w = new TranscriptWriter(paths, () => clock.t);
    steps(w, clock);
    await w.close();
    return { raw: readFileSync(paths.out), index: readFileSync(paths.index, 'utf8') };
  } finally {
    tmp.cleanup();
  }
}

const plain = { redact: (s: string) => s };

test('a session replays with its timing: monotonic times, every byte, markers and resizes', async () => {
  const { raw, index } = await record((w, clock) => {
    w.note({ t: 'open', terminalId: 't1', drillId: 'd1', target: 'db', kind: 'ssh', endpoint: 'ana@db-1:22', cols: 120, rows: 30, stepIndex: 0 });
    w.write(Buffer.from('\x1b[32mana@db-1\x1b[0m:~$ '));
    clock.t += 1_500;
    w.note({ t: 'input', bytes: 9 });
    w.write(Buffer.from('pg_restore -d orders dump\r\n'));
    clock.t += 40_000;
    w.note({ t: 'step', stepIndex: 1, title: 'Verify the restore' });
    w.write(Buffer.from('rows: 5000 ✓ é'.slice(0, 12)));
    w.write(Buffer.from('€'.repeat(3)).subarray(0, 4)); // a UTF-8 character split across the next index record
    clock.t -= 5_000; // the wall clock stepped back (NTP): the replay must not go backwards
    w.note({ t: 'resize', cols: 100, rows: 40 });
    w.write(Buffer.from('€'.repeat(3)).subarray(4));
    w.write(Buffer.from('\r\n'));
    clock.t += 10_000;
    w.note({ t: 'close', reason: 'exit' });
  });
  const cast = toAsciicast(raw, index, { ...plain, title: 'ssh db (ana@db-1:22)' });
  assert.equal(typeof cast, 'string');
  const { header, events } = parseAsciicast(cast as string);
  assert.equal(header.version, 2);
  assert.equal(header.width, 120);
  assert.equal(header.height, 30);
  assert.equal(header.timestamp, Date.UTC(2026, 2, 3, 9, 0, 0) / 1000);
  assert.equal(header.title, 'ssh db (ana@db-1:22)');
  for (let i = 1; i < events.length; i++) assert.ok(events[i]![0] >= events[i - 1]![0], 'monotonic');
  assert.equal(events.filter((e) => e[1] === 'o').map((e) => e[2]).join(''), raw.toString('utf8'), 'every byte, no split character mangled');
  assert.deepEqual(events.filter((e) => e[1] === 'm'), [[41.5, 'm', 'Verify the restore']]);
  assert.deepEqual(events.filter((e) => e[1] === 'r'), [[41.5, 'r', '100x40']], 'a clock stepped back keeps the earlier time');
  // The prompt arrived before the keystrokes were recorded at 1.5 s; the command's echo by the step change at 41.5 s.
  assert.deepEqual(events.filter((e) => e[1] === 'o').slice(0, 2).map((e) => e[0]), [1.5, 41.5]);
});

test('no index, no timing: no cast (the .txt transcript still has the text)', () => {
  assert.equal(toAsciicast(Buffer.from('hello'), null, plain), null);
  assert.equal(toAsciicast(Buffer.from('hello'), '{"torn', plain), null);
});

test('credentials are masked in the replay; one split across two segments withholds the cast', async () => {
  const red = () => new Redactor(compilePatterns(), true);
  const whole = await record((w, clock) => {
    w.note({ t: 'open', terminalId: 't1', drillId: 'd1', target: 'db', kind: 'ssh', endpoint: 'x', cols: 80, rows: 24, stepIndex: 0 });
    clock.t += 1000;
    w.write(Buffer.from('$ mysql --password=Sup3rSecretPw orders\r\n'));
    w.note({ t: 'input', bytes: 1 });
  });
  const r1 = red();
  const cast = toAsciicast(whole.raw, whole.index, { redact: (s) => r1.text(s) });
  assert.equal(typeof cast, 'string');
  assert.ok(!(cast as string).includes('Sup3rSecretPw'));
  assert.match(cast as string, /\[REDACTED:password-assignment\]/);

  const split = await record((w, clock) => {
    w.note({ t: 'open', terminalId: 't1', drillId: 'd1', target: 'db', kind: 'ssh', endpoint: 'x', cols: 80, rows: 24, stepIndex: 0 });
    w.write(Buffer.from('$ mysql --password=Sup3r'));
    clock.t += 1000;
    w.note({ t: 'input', bytes: 1 });
    w.write(Buffer.from('SecretPw orders\r\n'));
  });
  const r2 = red();
  const withheld = toAsciicast(split.raw, split.index, { redact: (s) => r2.text(s) });
  assert.equal(typeof withheld, 'object');
  assert.match((withheld as { withheld: string }).withheld, /could not be redacted safely/);
});

test("a headless run's piped output gets a terminal size and CRLF line ends, as a terminal would show it", async () => {
  const { raw, index } = await record((w, clock) => {
    w.note({ t: 'open', terminalId: 't1', drillId: 'd1', target: 'local', kind: 'exec', endpoint: 'local', cols: 0, rows: 0, stepIndex: 0 });
    clock.t += 500;
    w.write(Buffer.from('5000\nok\n'));
    w.note({ t: 'result', runId: 'r1', exitCode: 0, expectPassed: true, message: '', outputFrom: 0, outputTo: 8 });
  });
  const { header, events } = parseAsciicast(toAsciicast(raw, index, plain) as string);
  assert.deepEqual([header.width, header.height], [80, 24]);
  assert.deepEqual(events, [[0.5, 'o', '5000\r\nok\r\n']]);
});

test('asciinema itself reads the cast and replays exactly the recorded output', { skip: spawnSync('sh', ['-c', 'command -v asciinema']).status !== 0 && 'asciinema is not installed (apt-get install asciinema)', timeout: 60_000 }, async () => {
  const { raw, index } = await record((w, clock) => {
    w.note({ t: 'open', terminalId: 't1', drillId: 'd1', target: 'db', kind: 'ssh', endpoint: 'x', cols: 100, rows: 30, stepIndex: 0 });
    w.write(Buffer.from('\x1b[1mrestore\x1b[0m: 5000 rows ✓\r\n'));
    clock.t += 250;
    w.note({ t: 'step', stepIndex: 1, title: 'Verify' });
    w.write(Buffer.from('checksum ok\r\n'));
  });
  const tmp = tempDir();
  try {
    const file = path.join(tmp.dir, 'session.cast');
    writeFileSync(file, toAsciicast(raw, index, plain) as string);
    // `asciinema cat` prints the session's output without the delays; it wants a terminal.
    const shown = await new Promise<string>((resolve, reject) => {
      const p = pty.spawn('asciinema', ['cat', file], { cols: 100, rows: 30 });
      let out = '';
      const timer = setTimeout(() => reject(new Error(`asciinema cat did not end: ${out}`)), 30_000);
      p.onData((d) => (out += d));
      p.onExit(({ exitCode }) => {
        clearTimeout(timer);
        if (exitCode === 0) resolve(out);
        else reject(new Error(`asciinema cat exit ${exitCode}: ${out}`));
      });
    });
    assert.equal(shown, raw.toString('utf8'));
  } finally {
    tmp.cleanup();
  }
});

/** The cast as the export writes it on its stream path: one pass, redacted once with the .txt (CastAlongside). */
function alongside(raw: Buffer, index: string, redact: (s: string) => string, pieceSize: number, hinted = false): { cast: string; result: ReturnType<CastAlongside['finish']>; txt: string } {
  const lines: string[] = [];
  const cast = new CastAlongside(index, { redact }, (l) => lines.push(typeof l === 'string' ? l : l.toString('utf8')));
  const cutter = new LineCutter(pieceSize);
  let from = 0;
  let txt = '';
  const take = (piece: Buffer) => {
    // As bundle.ts does it (hinted): the piece's plainText handed on, so the cast may take the raw bytes as they are.
    const plain = hinted ? plainText(piece, true) : undefined;
    const text = redact(plain ? plain.text : textOf(piece));
    txt += text;
    cast.piece(from, piece, text, plain);
    from += piece.length;
  };
  for (let i = 0; i < raw.length; i += 7) for (const p of cutter.push(raw.subarray(i, i + 7))) take(p);
  for (const p of cutter.end()) take(p);
  const result = cast.finish(createHash('sha256').update(txt, 'utf8').digest('hex'));
  return { cast: lines.join(''), result, txt };
}

test('the one-pass cast replays what the two-pass cast does, and withholds where it withholds', async () => {
  const patterns = compilePatterns();
  const redact = (s: string) => new Redactor(patterns, true).text(s);
  const sessions: { raw: Buffer; index: string }[] = [];
  // Plain CRLF output across several records (pieces both inside one segment and straddling records), colour, a bare LF.
  sessions.push(
    await record((w, clock) => {
      w.note({ t: 'open', terminalId: 't1', drillId: 'd1', target: 'local', kind: 'local', endpoint: 'local', cols: 100, rows: 30, stepIndex: 0 });
      for (let i = 0; i < 400; i++) {
        w.write(Buffer.from(`${i} rows restored\r\n`));
        if (i === 250) w.write(Buffer.from('token: Hunter2Secret99x\r\n')); // masked inside plain CRLF output
        if (i % 90 === 0) {
          clock.t += 1_000;
          w.note({ t: i % 180 === 0 ? 'step' : 'input', stepIndex: 1, title: `Step at ${i}`, bytes: 1 } as never);
        }
      }
      w.write(Buffer.from('\x1b[31mred\x1b[0m and a bare\nline feed\r\nexport PGPASSWORD=Hunter2Secret99x\r\n'));
      clock.t += 2_000;
      w.note({ t: 'resize', cols: 90, rows: 20 });
      w.write(Buffer.from('done\r\n$ '));
      clock.t += 500;
      w.note({ t: 'close', reason: 'exit' });
    }),
  );
  // A credential split across two recorded segments: both ways withhold the cast.
  sessions.push(
    await record((w, clock) => {
      w.note({ t: 'open', terminalId: 't1', drillId: 'd1', target: 'local', kind: 'local', endpoint: 'local', cols: 80, rows: 24, stepIndex: 0 });
      w.write(Buffer.from('export PGPASSWORD=Hunter2Se'));
      clock.t += 100;
      w.note({ t: 'input', bytes: 1 });
      w.write(Buffer.from('cret99x\r\n'));
      w.note({ t: 'close', reason: 'exit' });
    }),
  );
  for (const [i, s] of sessions.entries()) {
    const before = toAsciicast(s.raw, s.index, { redact });
    for (const size of [64, 300, 1 << 20]) {
      const now = alongside(s.raw, s.index, redact, size);
      // With plainText's result handed on (bundle.ts), the very same bytes.
      const hinted = alongside(s.raw, s.index, redact, size, true);
      assert.deepEqual([hinted.cast, hinted.result, hinted.txt], [now.cast, now.result, now.txt], `session ${i}, pieces of ${size}: the same cast with the hint`);
      if (typeof before !== 'string') {
        assert.deepEqual(now.result, before, `session ${i}, pieces of ${size}: withheld both ways`);
        continue;
      }
      assert.equal(now.result, 'written', `session ${i}, pieces of ${size}`);
      const a = parseAsciicast(before).events;
      const b = parseAsciicast(now.cast).events;
      const out = (es: typeof a) => es.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
      assert.equal(out(b), out(a), `session ${i}, pieces of ${size}: the same output`);
      assert.deepEqual(b.filter((e) => e[1] !== 'o'), a.filter((e) => e[1] !== 'o'), 'the same markers and resizes at the same times');
      assert.equal(terminalText(Buffer.from(out(b))), now.txt, 'what a player shows is the .txt');
      assert.doesNotMatch(now.cast, /Hunter2Secret99x/);
      // Output is never placed earlier than the two-pass cast placed it.
      const firstTime = (es: typeof a, needle: string) => es.find((e) => e[1] === 'o' && e[2].includes(needle))?.[0];
      for (const needle of ['0 rows', '200 rows', '399 rows', 'done']) assert.ok((firstTime(b, needle) ?? 0) >= (firstTime(a, needle) ?? 0) - 1e-9, needle);
    }
  }
});
