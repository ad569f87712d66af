/**
 * A terminal's views (main/terminal/views.ts), on a real transcript file: output mirrored to every view, the
 * source paused while any view is too far behind and resumed when it catches up or leaves, and a replay that
 * starts on a line boundary and is followed, in order, by what arrived while it was read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLOW_HIGH_WATERMARK } from '../../../main/terminal/flow';
import { TranscriptWriter, transcriptPaths } from '../../../main/terminal/transcript';
import type { TerminalSink } from '../../../main/terminal/types';
import { TerminalViews } from '../../../main/terminal/views';
import { tempDir } from '../../helpers/runbooks';

let sinks = 0;
function sink(): TerminalSink & { frames: string[] } {
  const frames: string[] = [];
  return { id: `v${++sinks}`, frames, data: (_id, bytes) => void frames.push(Buffer.from(bytes).toString('latin1')) };
}

function setup(t: { after: (f: () => void) => void }) {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const transcript = new TranscriptWriter(transcriptPaths(tmp.dir, 'd1', 't1'));
  let changes = 0;
  const views = new TerminalViews('t1', transcript, () => undefined, () => changes++);
  return { transcript, views, changes: () => changes };
}

test('output is mirrored to every view; one view far behind pauses the source until it acknowledges or leaves', (t) => {
  const { views, changes } = setup(t);
  const a = sink();
  const b = sink();
  views.attach(a, false);
  views.attach(b, false);
  views.deliver(Buffer.from('hello'));
  assert.deepEqual(a.frames, ['hello']);
  assert.deepEqual(b.frames, ['hello']);
  assert.deepEqual(views.list, [a, b]);

  views.deliver(Buffer.alloc(FLOW_HIGH_WATERMARK));
  assert.equal(views.paused, true);
  assert.ok(changes() > 0);
  assert.equal(views.backlog, FLOW_HIGH_WATERMARK + 5);
  views.ack(a, FLOW_HIGH_WATERMARK + 5);
  assert.equal(views.paused, true, 'b is still behind');
  views.detach(b);
  assert.equal(views.paused, false, 'a view that left holds nobody back');
  assert.deepEqual(views.list, [a]);
});

test('reset (a new source) clears every backlog', (t) => {
  const { views } = setup(t);
  const a = sink();
  views.attach(a, false);
  views.deliver(Buffer.alloc(FLOW_HIGH_WATERMARK + 1));
  assert.equal(views.paused, true);
  views.reset();
  assert.equal(views.paused, false);
  assert.equal(views.backlog, 0);
});

test('a replaying view gets a reset, the transcript from a line boundary, then the output that arrived meanwhile', async (t) => {
  const { transcript, views } = setup(t);
  transcript.write(Buffer.from('x'.repeat(300 * 1024) + '\nline two\n'));
  const a = sink();
  views.attach(a, true);
  views.deliver(Buffer.from('live'));
  assert.deepEqual(a.frames, [], 'nothing before the replay');
  await new Promise<void>((resolve) => transcript.onDrain(resolve));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(a.frames, ['', 'line two\n', 'live']);
  await transcript.close();
});

test('an empty transcript still replays one frame (the viewer drops automatic replies to it)', async (t) => {
  const { transcript, views } = setup(t);
  const a = sink();
  views.attach(a, true);
  await new Promise<void>((resolve) => transcript.onDrain(resolve));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(a.frames, ['', '\x1b[0m']);
  await transcript.close();
});
