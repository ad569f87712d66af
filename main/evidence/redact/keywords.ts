/**
 * Many keywords found in one pass (Aho–Corasick, as gitleaks prefilters its
 * rules): a table-driven automaton over lower-cased ASCII, one table lookup
 * per character whatever the number of words.
 *
 * Why: redaction asked "does this text hold any of these words?" with one
 * `indexOf` per word (28 for the candidate lines, about 100 for the rules'
 * own keywords in every candidate window, after a `toLowerCase` of each). In
 * the redaction bench's 100 MB of restore output that gating was about half
 * of the redaction's CPU time (profiled: 2.7 of 5.6 s in the detectors'
 * windows, most of candidateWindows' 5.3 s); one pass costs what reading the
 * text once does. Numbers: README, Performance.
 *
 * Case: a character is folded as `toLowerCase` folds it where that gives an
 * ASCII letter (A–Z, the Kelvin sign K → k, İ → i); every other non-ASCII
 * character matches no word (the words are ASCII).
 */

const ASCII = 128;

/** Lower-case ASCII code of a character code, 0 for a character no word holds. */
export function fold(c: number): number {
  if (c < ASCII) return c >= 65 && c <= 90 ? c + 32 : c;
  if (c === 0x212a) return 107; // KELVIN SIGN lower-cases to k
  if (c === 0x130) return 105; // LATIN CAPITAL LETTER I WITH DOT ABOVE lower-cases to i + a combining dot
  return 0;
}

/** A word the automaton can hold: non-empty, lower-case ASCII (no NUL: it stands for every other character). */
export function isKeyword(w: string): boolean {
  if (w === '' || w !== w.toLowerCase()) return false;
  for (let i = 0; i < w.length; i++) if (w.charCodeAt(i) === 0 || w.charCodeAt(i) >= ASCII) return false;
  return true;
}

export class KeywordSet {
  readonly words: readonly string[];
  /** Bit words per state: bit w set when word w ends at that state. */
  readonly width: number;
  private readonly delta: Int32Array;
  private readonly out: Uint32Array;
  /** 1 when some word ends at the state. */
  readonly accepts: Uint8Array;

  constructor(words: readonly string[]) {
    for (const w of words) {
      if (!isKeyword(w)) throw new Error(`keyword ${JSON.stringify(w)} must be non-empty lower-case ASCII`);
    }
    this.words = words;
    this.width = Math.max(1, Math.ceil(words.length / 32));
    // The trie.
    const next: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    words.forEach((w, id) => {
      let s = 0;
      for (let i = 0; i < w.length; i++) {
        const c = w.charCodeAt(i);
        let t = next[s]!.get(c);
        if (t === undefined) {
          t = next.length;
          next.push(new Map());
          ends.push([]);
          next[s]!.set(c, t);
        }
        s = t;
      }
      ends[s]!.push(id);
    });
    const n = next.length;
    this.delta = new Int32Array(n * ASCII);
    this.out = new Uint32Array(n * this.width);
    this.accepts = new Uint8Array(n);
    // Breadth first: each state's failure state is complete before the state's own row is filled.
    const fail = new Int32Array(n);
    const order: number[] = [0];
    for (let q = 0; q < order.length; q++) {
      const s = order[q]!;
      for (const id of ends[s]!) this.out[s * this.width + (id >>> 5)]! |= 1 << (id & 31);
      if (s !== 0) for (let k = 0; k < this.width; k++) this.out[s * this.width + k]! |= this.out[fail[s]! * this.width + k]!;
      for (let k = 0; k < this.width; k++) if (this.out[s * this.width + k]) this.accepts[s] = 1;
      for (let c = 0; c < ASCII; c++) {
        const t = next[s]!.get(c);
        if (t !== undefined) {
          fail[t] = s === 0 ? 0 : this.delta[fail[s]! * ASCII + c]!;
          this.delta[s * ASCII + c] = t;
          order.push(t);
        } else this.delta[s * ASCII + c] = s === 0 ? 0 : this.delta[fail[s]! * ASCII + c]!;
      }
    }
  }

  /** The state after `c` (a folded code, see fold) from state `s`. */
  step(s: number, c: number): number {
    return this.delta[s * ASCII + c]!;
  }

  /**
   * The transition table for a caller's own loop, indexed by the character
   * code itself below 128 (the folding is in the table) and by fold(c) above,
   * with accepting states negated (-1 - state): `s = table[(s < 0 ? -1 - s :
   * s) * 128 + (c < 128 ? c : fold(c))]`, a word ends where s < 0.
   */
  signedTable(): Int32Array {
    const t = new Int32Array(this.delta.length);
    for (let i = 0; i < t.length; i++) {
      const to = this.delta[i - (i % ASCII) + fold(i % ASCII)]!;
      t[i] = this.accepts[to] === 1 ? -1 - to : to;
    }
    return t;
  }

  /** Which words occur in text[from, to): a bit set, `width` 32-bit words, OR-ed into `bits`. */
  present(text: string, from: number, to: number, bits: Uint32Array): Uint32Array {
    const { delta, out, accepts, width } = this;
    let s = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      s = delta[s * ASCII + (c < ASCII ? (c >= 65 && c <= 90 ? c + 32 : c) : fold(c))]!;
      if (accepts[s] === 1) for (let k = 0; k < width; k++) bits[k]! |= out[s * width + k]!;
    }
    return bits;
  }

  /** The bit set of some of the words (for testing `present`'s result against). */
  mask(words: readonly string[]): Uint32Array {
    const bits = new Uint32Array(this.width);
    for (const w of words) {
      const id = this.words.indexOf(w);
      if (id < 0) throw new Error(`${w} is not one of the keywords`);
      bits[id >>> 5]! |= 1 << (id & 31);
    }
    return bits;
  }
}

/** True when the two bit sets share a bit. */
export function intersects(a: Uint32Array, b: Uint32Array): boolean {
  for (let k = 0; k < a.length; k++) if ((a[k]! & b[k]!) !== 0) return true;
  return false;
}
