import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASK, SecretMasker, maskText } from '../../../main/runner/secrets';

/** Feeds `text` to a masker in the given chunk sizes and returns everything it emitted. */
function stream(values: string[], text: string, sizes: number[]): string {
  const m = new SecretMasker(values);
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  let pos = 0;
  for (let i = 0; pos < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(m.write(bytes.subarray(pos, pos + n)));
    pos += n;
  }
  out.push(m.flush());
  return Buffer.concat(out).toString();
}

test('a secret is masked however the output is split into chunks', () => {
  const text = 'pw=hunter2-secret; again hunter2-secret\nhunter2-secre (not quite) h';
  const want = `pw=${MASK}; again ${MASK}\nhunter2-secre (not quite) h`;
  for (const sizes of [[1], [2], [3], [5, 1], [7], [1000], [13, 2, 1]]) {
    assert.equal(stream(['hunter2-secret'], text, sizes), want, `chunks of ${sizes.join(',')}`);
  }
});

test('every byte that is not part of a secret comes out, in order', () => {
  // Property check over many random splits and texts made of secret fragments.
  const secrets = ['abcabd', 'zzzz', 'ünïcödé-pw'];
  const alphabet = ['a', 'b', 'c', 'd', 'z', 'abcab', 'zzz', 'ünïc', 'ödé-pw', '\n', 'x'];
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  for (let round = 0; round < 500; round++) {
    let text = '';
    for (let i = rnd(20); i > 0; i--) text += alphabet[rnd(alphabet.length)];
    const sizes = [1 + rnd(6), 1 + rnd(3)];
    assert.equal(stream(secrets, text, sizes), maskText(text, secrets), JSON.stringify({ text, sizes }));
  }
});

test('a secret containing another is masked whole; short values are not masked', () => {
  assert.equal(maskText('x longsecret-and-more y', ['longsecret', 'longsecret-and-more']), `x ${MASK} y`);
  assert.equal(maskText('abc', ['ab']), 'abc');
  assert.equal(new SecretMasker(['ab']).active, false);
  const plain = Buffer.from('no secrets here');
  assert.equal(new SecretMasker([]).write(plain), plain, 'no secrets: output passes through untouched');
});

test('output that merely ends like the start of a secret is held back only until it cannot be one', () => {
  const m = new SecretMasker(['hunter2-secret']);
  assert.equal(m.write(Buffer.from('user hunt')).toString(), 'user ');
  assert.equal(m.write(Buffer.from('ing season\n')).toString(), 'hunting season\n');
  assert.equal(m.flush().length, 0);
});
