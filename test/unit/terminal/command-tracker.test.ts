/**
 * The command tracker on byte sequences, without a pty (main/terminal/command-tracker.ts):
 * the shell's state after each OSC 633 mark, the events and their transcript offsets,
 * whatever the chunking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandTracker, type TrackerEvent } from '../../../main/terminal/command-tracker';
import { OutputCapture } from '../../../main/terminal/capture';
import { InputLog, namedKeys } from '../../../main/terminal/input-log';
import { OperatorCommand } from '../../../main/terminal/typed-command';

const A = '\x1b]633;A\x07';
const B = '\x1b]633;B\x07';
const C = '\x1b]633;C\x07';
const D = (n: number | '') => `\x1b]633;D;${n}\x1b\\`;
const E = (line: string) => `\x1b]633;E;${line}\x07`;

/** One prompt, one command the operator typed (`false`), its output, its end, the next prompt. */
const SESSION = Buffer.from(
  'Last login: today\r\n' +
    A + '\x1b[?2004hroot@db:~# ' + B +
    'false\r\n\x1b[?2004l\r' + C + 'out put\r\n' +
    E('false') + D(1) +
    A + '\x1b[?2004hroot@db:~# ' + B,
  'utf8',
);

/** Each event with the tracker's state as the handler saw it. */
interface Seen {
  ev: TrackerEvent;
  shell: string;
  ready: boolean;
  integrated: boolean;
}

function feedAll(t: CommandTracker, chunks: Uint8Array[]): Seen[] {
  const seen: Seen[] = [];
  for (const c of chunks) t.feed(c, (ev) => seen.push({ ev, shell: t.shell, ready: t.ready, integrated: t.integrated }));
  return seen;
}

function summary(seen: Seen[]): string[] {
  return seen.map(({ ev, shell, ready }) => {
    const what = ev.kind === 'command-done' ? `D${ev.exitCode}` : ev.kind === 'command-line' ? `E:${ev.text}` : ev.kind;
    return `${what} ${shell}${ready ? ' ready' : ''}${'changed' in ev && ev.changed ? ' changed' : ''}`;
  });
}

test('a typed command: prompt, settled, started, its line, its exit code, the next prompt; the state as of each mark', () => {
  const t = new CommandTracker();
  assert.equal(t.integrated, false);
  assert.equal(t.shell, 'unknown');
  const seen = feedAll(t, [SESSION]);
  assert.deepEqual(summary(seen), [
    'prompt-start prompt changed', // the first mark: the terminal now shows shell integration
    'settled prompt ready', // bracketed paste on at the prompt settles it...
    'settled prompt ready', // ...and so does B
    'command-start running changed',
    'E:false running',
    'D1 running',
    'prompt-start prompt changed', // back from running: busy changes
    'settled prompt ready',
    'settled prompt ready',
  ]);
  assert.ok(seen.every((s) => s.integrated));
  assert.ok(t.ready);
});

test('offsets are transcript offsets just past each mark, from the base the source attached at', () => {
  const t = new CommandTracker();
  t.attach(1000, null);
  const seen = feedAll(t, [SESSION]);
  const c = seen.find((s) => s.ev.kind === 'command-start')!.ev;
  const at = c.offset - 1000;
  assert.equal(SESSION.subarray(at - C.length, at).toString('latin1'), C);
  assert.equal(SESSION.subarray(at, at + 7).toString('utf8'), 'out put');
  const d = seen.find((s) => s.ev.kind === 'command-done')!.ev;
  assert.equal(SESSION.subarray(d.offset - 1000 - D(1).length, d.offset - 1000).toString('latin1'), D(1));
});

test('the same events and states whatever the chunking: every split point (marks cut in two), and byte by byte', () => {
  const whole = feedAll(new CommandTracker(), [SESSION]);
  for (let cut = 1; cut < SESSION.length; cut++) {
    const split = feedAll(new CommandTracker(), [SESSION.subarray(0, cut), SESSION.subarray(cut)]);
    assert.deepEqual(split, whole, `split at ${cut}`);
  }
  const bytes = Array.from({ length: SESSION.length }, (_, i) => SESSION.subarray(i, i + 1));
  assert.deepEqual(feedAll(new CommandTracker(), bytes), whole);
});

test('a mark cut in the middle is reported once, in the chunk that completes it', () => {
  const t = new CommandTracker();
  const first = feedAll(t, [Buffer.from('x\x1b]633;')]);
  assert.deepEqual(first, []);
  assert.equal(t.shell, 'unknown');
  const second = feedAll(t, [Buffer.from('C\x07y')]);
  assert.deepEqual(summary(second), ['command-start running changed']);
  assert.equal(second[0]!.ev.offset, 'x\x1b]633;C\x07'.length);
});

test('A unsettles the prompt until B; without B, only settle() (the fallback) settles it, and only at a prompt', () => {
  const t = new CommandTracker();
  feedAll(t, [Buffer.from(A + 'PS1 without our mark$ ')]);
  assert.equal(t.shell, 'prompt');
  assert.equal(t.ready, false);
  assert.equal(t.settle(), true);
  assert.equal(t.ready, true);
  feedAll(t, [Buffer.from(C)]);
  assert.equal(t.ready, false, 'a running command is not a ready prompt');
  assert.equal(t.settle(), false, 'the fallback does nothing once a command runs');
  assert.equal(t.ready, false);
});

test('bracketed paste settles only at a prompt; switching it off does not unsettle', () => {
  const t = new CommandTracker();
  const before = feedAll(t, [Buffer.from('\x1b[?2004h')]);
  assert.deepEqual(before, [], 'no prompt yet: nothing to settle');
  assert.equal(t.bracketedPaste, true);
  feedAll(t, [Buffer.from(A)]);
  assert.equal(t.ready, false);
  assert.deepEqual(summary(feedAll(t, [Buffer.from('\x1b[?2004l\x1b[?2004h')])), ['settled prompt ready']);
  feedAll(t, [Buffer.from('\x1b[?2004l')]);
  assert.equal(t.ready, true);
  assert.equal(t.bracketedPaste, false);
});

test('C twice reports a change once; D keeps the shell running until the next prompt', () => {
  const t = new CommandTracker();
  assert.deepEqual(summary(feedAll(t, [Buffer.from(C + C + D(''))])), ['command-start running changed', 'command-start running', 'Dnull running']);
});

test("the Run handshake's properties pass through in order, between the marks", () => {
  const t = new CommandTracker();
  const seen = feedAll(t, [Buffer.from(C + '\x1b]633;P;DrillbookReady=r1\x07' + '\x1b]633;P;DrillbookOutput=r1\x07' + 'ok\r\n' + D(0))]);
  assert.deepEqual(
    seen.map((s) => (s.ev.kind === 'property' ? `${s.ev.key}=${s.ev.value}` : s.ev.kind)),
    ['command-start', 'DrillbookReady=r1', 'DrillbookOutput=r1', 'command-done'],
  );
});

test('attach: a new source starts unknown, unless primed from a reattached transcript; a source without integration says so', () => {
  const t = new CommandTracker();
  feedAll(t, [SESSION]);
  t.ended();
  assert.equal(t.shell, 'unknown');
  t.attach(5000, false);
  assert.equal(t.integrated, false);
  assert.equal(t.ready, false);

  const r = new CommandTracker();
  r.prime('prompt');
  assert.equal(r.integrated, true);
  r.attach(42, null);
  assert.equal(r.shell, 'prompt');
  assert.equal(r.ready, true, 'a shell re-adopted at its prompt takes a Run at once');
  r.attach(43, null);
  assert.equal(r.shell, 'unknown', 'the primed state is used once');
  assert.equal(r.integrated, true);

  const m = new CommandTracker();
  m.markIntegrated();
  assert.equal(m.integrated, true);
  assert.equal(m.shell, 'unknown');
});

test('a half-finished mark from a source that ended does not leak into the next one', () => {
  const t = new CommandTracker();
  feedAll(t, [Buffer.from('\x1b]633;')]);
  t.attach(0, null);
  assert.deepEqual(feedAll(t, [Buffer.from('C\x07')]), [], 'the new source starts from a fresh scanner');
});

test('output capture keeps the last ~limit bytes in whole chunks, as text', () => {
  const c = new OutputCapture(10);
  c.push(Buffer.from('aaaa'));
  c.push(new Uint8Array(0));
  c.push(Buffer.from('bbbb'));
  c.push(Buffer.from('cccc'));
  assert.equal(c.text(), 'aaaabbbbcccc', 'the oldest chunk stays while the rest is under the limit');
  c.push(Buffer.from('\x1b[32mdd\x1b[0m'));
  assert.equal(c.size, 11, 'older chunks go once the newer ones alone reach the limit');
  assert.equal(c.text(), 'dd', 'read as text: escapes stripped');
  const one = new OutputCapture(4);
  one.push(Buffer.from('a single chunk larger than the limit stays'));
  assert.equal(one.text(), 'a single chunk larger than the limit stays');
});

test('input log: bytes and named keys, never the text; a record per line', async () => {
  assert.deepEqual(namedKeys('ab\x7f\t\x1b[A\r\x03'), ['Backspace', 'Tab', 'Esc', 'Enter', 'Ctrl-C']);
  const recs: unknown[] = [];
  const log = new InputLog((r) => recs.push(r), 50);
  log.note('secret');
  assert.deepEqual(recs, [], 'held until the line ends');
  log.note(Buffer.from('\r'));
  assert.deepEqual(recs, [{ bytes: 7, keys: ['Enter'] }]);
  log.note('ls');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(recs[1], { bytes: 2 }, 'flushed after the window, with no keys field');
  log.flush();
  assert.equal(recs.length, 2);
});

test('a typed command: its line, exit code, output range and tail; one resumed after a restart is timed from its wall-clock start', () => {
  const c = OperatorCommand.started(100, 2);
  c.text = 'pg_restore -l dump';
  c.capture.push(Buffer.from('x'.repeat(5000) + '\x1b[1mend\x1b[0m'));
  const cmd = c.finish(3, 5200);
  assert.equal(cmd.text, 'pg_restore -l dump');
  assert.equal(cmd.exitCode, 3);
  assert.equal(cmd.stepIndex, 2);
  assert.deepEqual([cmd.outputFrom, cmd.outputTo], [100, 5200]);
  assert.equal(cmd.outputTail.length, 4000);
  assert.ok(cmd.outputTail.endsWith('xend'), 'the tail is text, escapes stripped');
  assert.ok(Date.parse(cmd.endedAt) >= Date.parse(cmd.startedAt));

  const startedAt = new Date(Date.now() - 90_000).toISOString();
  const resumed = OperatorCommand.resumed(startedAt, 40, null).finish(0, 50);
  assert.equal(resumed.startedAt, startedAt);
  assert.equal(resumed.text, null, 'no line known for a command picked up after a restart');
  assert.ok(resumed.durationMs >= 90_000 && resumed.durationMs < 120_000, `${resumed.durationMs} ms`);
});
