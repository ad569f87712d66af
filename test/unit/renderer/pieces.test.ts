/**
 * Terminal output is acknowledged piece by piece as xterm.js parses it
 * (renderer/terminal/pieces.ts), so the core's flow control resumes the
 * source while the page still has output to parse, instead of after the
 * page has drained a whole 1 MiB frame (the page then sat idle for a round
 * trip through sshd: 29% of the flood's time in the profile).
 * Real xterm.js parser (@xterm/headless), real FlowControl.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Terminal } from '@xterm/headless';
import { FlowControl } from '../../../main/terminal/flow';

const load = () => import('../../../renderer/terminal/pieces.js');
const MIB = 1024 * 1024;

function frame(bytes: number): Uint8Array {
  const line = Buffer.from('00000001 restore wal segment checkpoint pg_basebackup orders replica fsync lsn backup restore\r\n');
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += line.length) line.copy(out, i, 0, Math.min(line.length, bytes - i));
  return out;
}

describe('terminal output written in pieces', () => {
  test('a 1 MiB frame is acknowledged in pieces of at most 64 KiB, in order, every byte once', async () => {
    const { writeInPieces, WRITE_PIECE } = await load();
    const term = new Terminal({ cols: 120, rows: 40, allowProposedApi: true });
    const acks: number[] = [];
    await new Promise<void>((done) => {
      let total = 0;
      writeInPieces(term, frame(MIB), (n) => {
        acks.push(n);
        total += n;
        if (total === MIB) done();
      });
    });
    term.dispose();
    assert.equal(WRITE_PIECE, 64 * 1024);
    assert.equal(acks.length, 16);
    assert.ok(acks.every((n) => n === WRITE_PIECE));
  });

  test('the core resumes while the page still has output to parse (1 MiB frames, 2 MB / 500 kB watermarks)', async () => {
    const { writeInPieces } = await load();
    const term = new Terminal({ cols: 120, rows: 40, allowProposedApi: true });
    let sent = 0;
    let parsed = 0;
    const leftAtResume: number[] = [];
    let paused = false;
    const flow = new FlowControl(
      () => (paused = true),
      () => {
        paused = false;
        leftAtResume.push(sent - parsed);
      },
    );
    // The core sends 1 MiB frames until paused, three times over.
    await new Promise<void>((done) => {
      const pump = () => {
        while (!paused && sent < 12 * MIB) {
          const f = frame(MIB);
          sent += f.length;
          flow.sent(f.length);
          writeInPieces(term, f, (n) => {
            parsed += n;
            flow.ack(n);
            if (parsed === sent && sent >= 12 * MIB) done();
            else if (!paused) setImmediate(pump);
          });
        }
      };
      pump();
    });
    term.dispose();
    assert.ok(leftAtResume.length >= 3, `resumed ${leftAtResume.length} times`);
    // Written whole, a frame was acknowledged only once fully parsed: the core resumed with 0 bytes left in the page.
    for (const left of leftAtResume) assert.ok(left >= 400_000, `resumed with only ${left} bytes left to parse`);
  });
});
