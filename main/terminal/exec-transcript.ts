/**
 * Transcripts for headless runs: one per target, in the same two-file
 * format as a terminal's (raw output + JSONL index), so `drillbook show`
 * and the transcript viewer treat them alike. Each block is a `command`
 * record, its output follows in `.out`, and a `result` record closes it.
 */
import { TranscriptWriter, transcriptPaths } from './transcript';
import { newId } from '../common/ids';

export class ExecTranscripts {
  private readonly writers = new Map<string, TranscriptWriter>();

  constructor(
    private readonly dataDir: string,
    private readonly drillId: string,
  ) {}

  /** The transcript for a target, created on first use. */
  for(target: string, endpoint: string): TranscriptWriter {
    let w = this.writers.get(target);
    if (!w) {
      const id = newId('x');
      w = new TranscriptWriter(transcriptPaths(this.dataDir, this.drillId, id));
      w.note({ t: 'open', terminalId: id, drillId: this.drillId, target, kind: 'exec', endpoint, cols: 0, rows: 0, stepIndex: null });
      this.writers.set(target, w);
    }
    return w;
  }

  paths(): string[] {
    return [...this.writers.values()].map((w) => w.paths.out);
  }

  async close(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.close()));
  }
}
