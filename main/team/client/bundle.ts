/**
 * A finished drill's evidence bundle as it goes to the team server: made
 * on this machine by main/evidence export, redacted (the same patterns as
 * the published events), without report.pdf (no Chromium needed to
 * publish), with the terminal transcripts, as the zip an auditor verifies.
 * Nothing unredacted leaves the machine: the server never builds bundles.
 * The temporary folder is private (0700) and removed at once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportBundle, type ExportSource } from '../../evidence/bundle';
import { loadRedactionPatterns } from '../../evidence/config';
import { terminalTranscripts } from '../../evidence/transcripts';

export function bundleMaker(src: ExportSource, dataDir: string): (drillId: string) => Promise<Buffer> {
  const patterns = loadRedactionPatterns(dataDir);
  return async (drillId) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drillbook-team-bundle-'));
    try {
      const zipPath = path.join(dir, 'bundle.zip');
      await exportBundle(src, drillId, { outDir: path.join(dir, 'bundle'), zipPath, redact: true, patterns, printToPdf: null, transcripts: terminalTranscripts(dataDir) });
      return readFileSync(zipPath);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
