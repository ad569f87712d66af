/**
 * Redaction of output as it streams (the console of `drillbook run`, a
 * 100 MB transcript read in chunks), so a secret split across two chunks is
 * still caught and memory stays bounded.
 *
 * Complete lines (ended by a newline or a carriage return) are masked and
 * passed on; a partial line waits for its end
 * (at most MAX_PENDING characters: a line longer than that is cut, keeping
 * OVERLAP characters to be looked at again with what follows). The last
 * lines already passed on are kept as context (CONTEXT characters), so a
 * secret that needs its neighbour — a token on the line after `vault print
 * token`, an AWS secret two lines below its key id, the lines of a private
 * key block — is still recognised; only what had not been passed on yet is
 * masked. Measured: see the README's performance table.
 */
import { applyFindings, collect, type RedactResult } from './engine';
import type { Finding, RedactionPattern } from './types';

export const CONTEXT = 16 * 1024;
export const MAX_PENDING = 256 * 1024;
export const OVERLAP = 4 * 1024;

export class StreamRedactor {
  readonly hits: Record<string, number> = {};
  private context = '';
  private pending = '';

  constructor(private readonly patterns: readonly RedactionPattern[]) {}

  /** Masked text ready to pass on (maybe empty while a line is incomplete). */
  write(chunk: string): string {
    this.pending += chunk;
    // A carriage return ends a line too: a progress bar (`pv`, `rsync --progress`) shows as it updates.
    let cut = Math.max(this.pending.lastIndexOf('\n'), this.pending.lastIndexOf('\r')) + 1;
    if (cut === 0) {
      if (this.pending.length <= MAX_PENDING) return '';
      // A very long line: cut at a blank well before the end, so a token is not split.
      const blank = Math.max(this.pending.lastIndexOf(' ', this.pending.length - OVERLAP), this.pending.lastIndexOf('\t', this.pending.length - OVERLAP));
      cut = blank > 0 ? blank + 1 : this.pending.length - OVERLAP;
    }
    return this.emit(cut);
  }

  /** Everything held back, at the end of the stream. */
  end(): string {
    return this.pending ? this.emit(this.pending.length) : '';
  }

  private emit(cut: number): string {
    const ready = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    const ctx = this.context;
    const text = ctx + ready;
    const findings: Finding[] = [];
    for (const f of collect(text, this.patterns)) {
      if (f.end <= ctx.length) continue; // already passed on
      findings.push({ ...f, start: Math.max(f.start, ctx.length) - ctx.length, end: f.end - ctx.length });
    }
    const r: RedactResult = applyFindings(ready, findings);
    for (const [k, n] of Object.entries(r.hits)) this.hits[k] = (this.hits[k] ?? 0) + n;
    // Context: the tail of what was passed on (unmasked: detectors need the original), from a line start.
    const keep = text.length > CONTEXT ? text.slice(text.length - CONTEXT) : text;
    const nl = keep.indexOf('\n');
    this.context = text.length > CONTEXT && nl >= 0 ? keep.slice(nl + 1) : keep;
    return r.text;
  }
}
