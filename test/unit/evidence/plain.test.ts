/**
 * plainText (main/evidence/stream.ts), the export's one pass over plain
 * terminal output, against the passes it replaced: isPlain, then the copy
 * that dropped each CRLF's CR, then the cast's own CRLF check — on
 * `seq`-like output, UTF-8 (well-formed and not), and random bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPlain, plainText, textOf } from '../../../main/evidence/stream';
import { terminalText } from '../../../main/terminal/scanner';

/** The cast's check before (asciicast.ts crlfOnly): plain, and every line feed after a CR. */
function crlfOnly(piece: Uint8Array): boolean {
  for (let i = 0; i < piece.length; i++) {
    const c = piece[i]!;
    if ((c >= 0x20 && c !== 0x7f) || c === 0x09) continue;
    if (c === 0x0d && piece[i + 1] === 0x0a) {
      i++;
      continue;
    }
    return false;
  }
  return true;
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const BYTES = [0x22, 0x5c, 0x0d, 0x0a, 0x0a, 0x09, 0x1b, 0x7f, 0x00, 0x07, 0x20, 0x41, 0x7a, 0x31, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x80];

test('plainText is textOf for plain pieces, null for the rest, and knows a CRLF-only piece', () => {
  const next = rng(11);
  const pieces: Buffer[] = [
    Buffer.from('1\r\n2\r\n3\r\n'),
    Buffer.from('a bare\nline feed\r\n'),
    Buffer.from('ends in a lone CR\r'),
    Buffer.from('a lone\rCR\r\n'),
    Buffer.from('\x1b[32mcolour\x1b[0m\r\n'),
    Buffer.from('tabs\tand é, € and 😀\r\n'),
    Buffer.from([0xe2, 0x82, 0x0d, 0x0a, 0xff, 0x0a]), // malformed UTF-8 cut by a CRLF
    Buffer.alloc(0),
  ];
  for (let i = 0; i < 5000; i++) {
    const n = Math.floor(next() * 40);
    pieces.push(Buffer.from(Array.from({ length: n }, () => (next() < 0.6 ? 0x20 + Math.floor(next() * 0x5f) : BYTES[Math.floor(next() * BYTES.length)]!))));
  }
  let plainCount = 0;
  let jsonCount = 0;
  for (const piece of pieces) {
    const p = plainText(piece);
    assert.equal(p !== null, isPlain(piece), JSON.stringify(piece.toString('latin1')));
    if (p === null) continue;
    plainCount++;
    assert.equal(p.text, textOf(piece));
    assert.equal(p.text, terminalText(piece), 'what the terminal scanner makes of it');
    // The bytes are the text's own where they are well-formed UTF-8; otherwise the text must be encoded (U+FFFD for what was not).
    if (p.bytes) assert.deepEqual(p.bytes, Buffer.from(p.text, 'utf8'));
    else assert.notDeepEqual(Buffer.from(p.text, 'utf8'), Buffer.from(piece.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));
    assert.equal(p.crlf, crlfOnly(piece));
    // The cast takes a CRLF piece's bytes as its text with CRLF line ends.
    if (p.crlf) assert.equal(piece.toString('utf8'), p.text.replace(/\n/g, '\r\n'));
    // Asked for, the JSON escape of a CRLF-only well-formed piece is JSON.stringify's, byte for byte.
    const j = plainText(piece, true)!;
    assert.deepEqual([j.text, j.bytes, j.crlf], [p.text, p.bytes, p.crlf]);
    if (p.crlf && p.bytes) {
      jsonCount++;
      assert.equal(j.json!.toString('utf8'), JSON.stringify(piece.toString('utf8')).slice(1, -1));
    } else assert.equal(j.json, null);
    assert.equal(p.json, null, 'not asked for');
  }
  assert.ok(plainCount > 500, `${plainCount} plain pieces`);
  assert.ok(jsonCount > 100, `${jsonCount} escaped pieces`);
  assert.equal(plainText(Buffer.from([0xf0, 0x9f, 0x98, 0x0a]))!.bytes, null, 'a cut 4-byte sequence: as long as its U+FFFD, still not the same bytes');
});
