/** Transcript text for evidence bundles, rendered through @xterm/headless (main/terminal/transcript-text.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geometryFromIndex, renderTranscriptText, transcriptText } from '../../../main/terminal/transcript-text';
import { terminalText } from '../../../main/terminal/scanner';

const index = (cols: number, rows: number, extra: object[] = []) =>
  [{ t: 'open', terminalId: 't1', drillId: 'd', target: 'local', kind: 'local', endpoint: 'local shell', cols, rows, stepIndex: 0, at: '2026-01-01T00:00:00.000Z', offset: 0 }, ...extra].map((r) => JSON.stringify(r)).join('\n') + '\n';

test('readline redraws come out as the line the operator ended up with', async () => {
  // Typed "ecoh", two backspaces with erase-to-end, then "ho hi"; history recall redrawing over a longer line.
  const raw = Buffer.from('$ ecoh\b\b\x1b[Kho hi\r\nhi\r\n$ ls -la /very/long/path\r$ \x1b[Kpwd\r\n/root\r\n$ ');
  const text = await transcriptText(raw, index(80, 24));
  assert.equal(text, '$ echo hi\nhi\n$ pwd\n/root\n$\n');
  // What stripping escape sequences alone made of it:
  assert.notEqual(terminalText(raw).split('\n')[0], '$ echo hi');
});

test('lines the terminal wrapped are joined; resizes are honoured where they happened', async () => {
  const long = 'z'.repeat(50);
  const raw = Buffer.from(`${long}\r\n${long}\r\n`);
  const first = Buffer.byteLength(`${long}\r\n`);
  const text = await transcriptText(raw, index(20, 5, [{ t: 'resize', cols: 100, rows: 5, at: '2026-01-01T00:00:01.000Z', offset: first }]));
  assert.equal(text, `${long}\n${long}\n`);
});

test('clear does not remove earlier output; many lines are kept in order with bounded memory', async () => {
  const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i}`);
  const raw = Buffer.from(lines.join('\r\n') + '\r\n\x1b[H\x1b[2J\x1b[3J$ after clear\r\n');
  const text = await renderTranscriptText(raw, { cols: 80, rows: 24, resizes: [] });
  const out = text.trimEnd().split('\n');
  assert.deepEqual(out.slice(0, 2), ['line 0', 'line 1']);
  assert.equal(out.filter((l) => l.startsWith('line ')).length, 30_000);
  assert.equal(out.at(-1), '$ after clear');
});

test('headless (exec) transcripts have no screen and are not emulated', () => {
  const exec = JSON.stringify({ t: 'open', terminalId: 'x1', drillId: 'd', target: 'local', kind: 'exec', endpoint: 'local bash', cols: 0, rows: 0, stepIndex: null, at: 'x', offset: 0 });
  assert.equal(geometryFromIndex(exec), null);
  assert.equal(geometryFromIndex(null), null);
  assert.deepEqual(geometryFromIndex(index(120, 30)), { cols: 120, rows: 30, resizes: [] });
});
