/**
 * Keeps secret values out of everything a run writes: the console, the
 * transcripts, the drill log and JUnit. A block can print a secret by
 * accident (`set -x`, an error quoting a connection string), so output is
 * masked as it streams, including a value split across two chunks.
 */

export const MASK = '[secret]';
/**
 * Shorter values are not masked: replacing every "ab" in the output would
 * wreck it, and a value that short is not a secret worth the name.
 */
export const MIN_MASKED_LENGTH = 4;

export interface SecretEnv {
  /** Exported to every block (local env; for SSH targets, the session's env prelude). */
  env: Record<string, string>;
  /** Values to mask in output. */
  values: string[];
}

export function secretEnv(env: Record<string, string>): SecretEnv {
  return { env, values: Object.values(env) };
}

/** Replaces secret values in text (for output already collected). */
export function maskText(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of maskable(values)) out = out.split(v).join(MASK);
  return out;
}

function maskable(values: readonly string[]): string[] {
  // Longest first, so a secret that contains another is masked whole.
  return [...new Set(values.filter((v) => v.length >= MIN_MASKED_LENGTH))].sort((a, b) => b.length - a.length);
}

/**
 * Streaming masker over bytes. Holds back the end of a chunk only while it
 * could be the start of a secret, so ordinary output is not delayed.
 */
export class SecretMasker {
  private readonly secrets: Buffer[];
  private readonly mask = Buffer.from(MASK);
  private carry = Buffer.alloc(0);

  constructor(values: readonly string[]) {
    this.secrets = maskable(values).map((v) => Buffer.from(v, 'utf8'));
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  write(chunk: Buffer): Buffer {
    if (!this.active) return chunk;
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const parts: Buffer[] = [];
    let pos = 0;
    for (;;) {
      let at = -1;
      let len = 0;
      for (const s of this.secrets) {
        const i = buf.indexOf(s, pos);
        if (i >= 0 && (at < 0 || i < at || (i === at && s.length > len))) {
          at = i;
          len = s.length;
        }
      }
      if (at < 0) break;
      parts.push(buf.subarray(pos, at), this.mask);
      pos = at + len;
    }
    const tail = buf.subarray(pos);
    const hold = this.partialAtEnd(tail);
    parts.push(tail.subarray(0, tail.length - hold));
    this.carry = Buffer.from(tail.subarray(tail.length - hold));
    return Buffer.concat(parts);
  }

  /** What was held back, at the end of the output. */
  flush(): Buffer {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return rest;
  }

  /** Length of the longest suffix of `tail` that is a proper prefix of a secret. */
  private partialAtEnd(tail: Buffer): number {
    let best = 0;
    for (const s of this.secrets) {
      for (let k = Math.min(s.length - 1, tail.length); k > best; k--) {
        if (tail.subarray(tail.length - k).equals(s.subarray(0, k))) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
