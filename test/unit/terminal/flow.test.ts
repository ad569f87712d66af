import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowControl } from '../../../main/terminal/flow';
import { OutputBatcher } from '../../../main/terminal/batcher';
import { decodeFrame, encodeFrame } from '../../../main/terminal/frames';

test('flow control pauses above the high watermark and resumes below the low one', () => {
  const log: string[] = [];
  const f = new FlowControl(() => log.push('pause'), () => log.push('resume'), 100, 10);
  f.sent(60);
  f.sent(40);
  assert.deepEqual(log, []); // exactly at high: not above
  f.sent(1);
  assert.deepEqual(log, ['pause']);
  f.sent(500); // keeps counting while paused, pauses once
  f.ack(550);
  assert.deepEqual(log, ['pause']); // 51 left, not below 10
  f.ack(45);
  assert.deepEqual(log, ['pause', 'resume']);
  assert.equal(f.backlog, 6);
});

test('bogus acks cannot buy credit, and reset resumes a paused source', () => {
  const log: string[] = [];
  const f = new FlowControl(() => log.push('pause'), () => log.push('resume'), 100, 10);
  f.ack(1_000_000);
  f.ack(-50);
  assert.equal(f.backlog, 0);
  f.sent(101);
  assert.equal(f.paused, true);
  f.reset();
  assert.deepEqual(log, ['pause', 'resume']);
  assert.equal(f.backlog, 0);
});

test('batcher: first chunk after quiet goes at once, a burst is coalesced, big bursts flush early', async () => {
  const frames: Buffer[] = [];
  let now = 0;
  const b = new OutputBatcher((f) => frames.push(Buffer.from(f)), 5, 10, () => now);
  now = 100;
  b.push(Buffer.from('a'));
  assert.equal(frames.length, 1); // leading edge: a keystroke echo is not delayed
  now = 101;
  b.push(Buffer.from('b'));
  b.push(Buffer.from('c'));
  assert.equal(frames.length, 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(frames.map(String), ['a', 'bc']);
  now = 103;
  b.push(Buffer.from('0123456789')); // >= maxBytes
  assert.deepEqual(frames.map(String), ['a', 'bc', '0123456789']);
  b.dispose();
});

test('binary frames round-trip terminal id and bytes', () => {
  const payload = Buffer.from([0xe2, 0x82, 0x00, 0xff]);
  const f = encodeFrame('tabcdef012345', payload);
  const d = decodeFrame(f)!;
  assert.equal(d.type, 1);
  assert.equal(d.terminalId, 'tabcdef012345');
  assert.deepEqual(Buffer.from(d.payload), payload);
  assert.equal(decodeFrame(Buffer.from([1])), null);
});
