import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SequenceScanner, terminalText, type ScanEvent } from '../../../main/terminal/scanner';

const SAMPLE = Buffer.from(
  '\x1b]0;title with ]633 inside\x07' +
    '\x1b]633;A\x07\x1b[?2004hroot@h:~# \x1b]633;B\x07' +
    'echo hé\r\n\x1b[?2004l\r\x1b]633;C\x07hé 😀\r\n' +
    '\x1b]633;D;17\x1b\\' +
    '\x1b]633;A\x07',
  'utf8',
);

function kinds(events: ScanEvent[]): string[] {
  return events.map((e) => (e.kind === 'command-done' ? `D${e.exitCode}` : e.kind === 'bracketed-paste' ? `paste:${e.on}` : e.kind));
}

test('finds prompt marks, exit codes (BEL and ST terminated) and bracketed paste', () => {
  const ev = new SequenceScanner().feed(SAMPLE);
  assert.deepEqual(kinds(ev), ['prompt-start', 'paste:true', 'prompt-end', 'paste:false', 'command-start', 'D17', 'prompt-start']);
  // Offsets point just past each sequence.
  const c = ev.find((e) => e.kind === 'command-start')!;
  assert.equal(SAMPLE.subarray(c.offset - 8, c.offset).toString('latin1'), '\x1b]633;C\x07');
});

test('the same events, at the same offsets, whatever the chunking (every split point, and byte by byte)', () => {
  const whole = new SequenceScanner().feed(SAMPLE);
  for (let cut = 1; cut < SAMPLE.length; cut++) {
    const s = new SequenceScanner();
    const ev = [...s.feed(SAMPLE.subarray(0, cut)), ...s.feed(SAMPLE.subarray(cut))];
    assert.deepEqual(ev, whole, `split at ${cut}`);
  }
  const s = new SequenceScanner();
  const bytewise: ScanEvent[] = [];
  for (let i = 0; i < SAMPLE.length; i++) bytewise.push(...s.feed(SAMPLE.subarray(i, i + 1)));
  assert.deepEqual(bytewise, whole);
});

test('D without a code, cancelled sequences and over-long OSCs do not derail it', () => {
  const long = '\x1b]8;;' + 'x'.repeat(5000) + '\x07';
  const ev = new SequenceScanner().feed(Buffer.from('\x1b]633;D\x07' + '\x1b]633;C\x18' + long + '\x1b]633;C\x07'));
  assert.deepEqual(kinds(ev), ['Dnull', 'command-start']);
});

test('terminalText drops escapes and resolves carriage returns', () => {
  const text = terminalText(Buffer.from('\x1b[32mok\x1b[0m\r\n50%\r100%\r\n\x1b]633;D;0\x07done\x1b(B\n', 'utf8'));
  assert.equal(text, 'ok\n100%\ndone\n');
});

test('E carries the command line (escaped as VS Code does, long ones whole); P carries the Run handshake', () => {
  const long = 'echo ' + 'x'.repeat(3000);
  const line = 'psql -c "select 1; select 2" \\ réfé\n\tnext';
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/;/g, '\\x3b').replace(/\n/g, '\\x0a').replace(/\t/g, '\\x09');
  const bytes = Buffer.from(`\x1b]633;C\x07out\r\n\x1b]633;E;${esc(line)}\x07\x1b]633;D;0\x07\x1b]633;E;${esc(long)}\x07\x1b]633;P;DrillbookReady=r12ab\x07\x1b]0;${'t'.repeat(600)}\x07`, 'utf8');
  const ev = new SequenceScanner().feed(bytes);
  assert.deepEqual(
    ev.map((e) => (e.kind === 'command-line' ? ['E', e.text] : e.kind === 'property' ? ['P', e.key, e.value] : [e.kind])),
    [['command-start'], ['E', line], ['command-done'], ['E', long], ['P', 'DrillbookReady', 'r12ab']],
  );
});
