/**
 * Chunked evidence bundle uploads on the team server: a bundle larger than
 * one request (32 MiB) arrives in chunks of at most 8 MiB, appended to a
 * private staging file per (drill, upload id), so a connection killed
 * mid-upload costs only the chunk in flight: the client asks how much
 * arrived and sends the rest. Nothing staged is a stored bundle: once the
 * last chunk is in, the whole file must match the SHA-256 the client
 * declared, then it goes through exactly the verification and append-only
 * store of a one-request upload (server.ts).
 *
 * Bounded: one upload at most 1 GiB, everything staged at most 4 GiB (a
 * chunk past that is answered 503, which the client retries later), and
 * staged files untouched for 24 h are removed on the next chunk. Files are
 * 0600 in a 0700 folder under the OS temp folder; a server restart within
 * the day resumes too.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
export const MAX_STAGED_BUNDLE_BYTES = 1024 * 1024 * 1024;

export interface UploadMeta {
  total: number;
  sha256: string;
  userId: number;
}

export class StagingError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const UPLOAD_ID = /^[A-Za-z0-9_-]{16,64}$/;

export class UploadStaging {
  constructor(
    readonly dir = path.join(tmpdir(), `drillbook-team-uploads-${process.getuid?.() ?? 'user'}`),
    private readonly limits = { maxTotalBytes: 4 * 1024 * 1024 * 1024, maxAgeMs: 24 * 3600_000 },
  ) {}

  private files(drillId: string, uploadId: string) {
    const base = path.join(this.dir, `${Buffer.from(drillId).toString('hex')}.${uploadId}`);
    return { part: `${base}.part`, meta: `${base}.json` };
  }

  /** Bytes received so far of this upload (0: none), and what it was begun for. */
  status(drillId: string, uploadId: string): { received: number; meta: UploadMeta | null } {
    const f = this.files(drillId, uploadId);
    try {
      return { received: statSync(f.part).size, meta: JSON.parse(readFileSync(f.meta, 'utf8')) as UploadMeta };
    } catch {
      return { received: 0, meta: null };
    }
  }

  /**
   * Appends one chunk at `offset` (which must be where the upload stands;
   * a chunk already received is acknowledged without writing it again).
   * Returns the bytes received after it.
   */
  append(drillId: string, uploadId: string, meta: UploadMeta, offset: number, chunk: Buffer): number {
    this.sweep();
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const f = this.files(drillId, uploadId);
    const cur = this.status(drillId, uploadId);
    if (cur.meta && (cur.meta.total !== meta.total || cur.meta.sha256 !== meta.sha256 || cur.meta.userId !== meta.userId)) {
      throw new StagingError(409, `upload ${uploadId} was begun for another bundle or by another account; start a new upload`);
    }
    if (offset + chunk.length > meta.total) throw new StagingError(400, `the chunk at ${offset} runs past the bundle's declared size (${meta.total} bytes)`);
    if (offset + chunk.length <= cur.received) return cur.received; // sent again after a lost answer: already here
    if (offset !== cur.received) throw new StagingError(409, `the upload stands at byte ${cur.received}, not ${offset}; ask where it stands (GET …/bundle/chunks) and send from there`);
    if (this.stagedBytes() + chunk.length > this.limits.maxTotalBytes) throw new StagingError(503, 'the server has too many bundle uploads in progress; try again later');
    if (!cur.meta) {
      rmSync(f.part, { force: true }); // a part left without its description (a crash between the two) starts over
      writeFileSync(f.meta, JSON.stringify(meta), { mode: 0o600 });
    }
    const fd = openSync(f.part, 'a', 0o600);
    try {
      writeSync(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return cur.received + chunk.length;
  }

  /** The whole staged bundle, once complete and matching its declared SHA-256; throws (and discards it) otherwise. */
  assemble(drillId: string, uploadId: string): Buffer {
    const f = this.files(drillId, uploadId);
    const { meta } = this.status(drillId, uploadId);
    const bytes = readFileSync(f.part);
    if (!meta || bytes.length !== meta.total) throw new StagingError(409, `upload ${uploadId} is not complete yet`);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== meta.sha256) {
      this.discard(drillId, uploadId);
      throw new StagingError(422, `the assembled bundle's sha256 (${sha.slice(0, 16)}…) is not the one declared (${meta.sha256.slice(0, 16)}…), so it was not stored; upload it again`);
    }
    return bytes;
  }

  discard(drillId: string, uploadId: string): void {
    const f = this.files(drillId, uploadId);
    rmSync(f.part, { force: true });
    rmSync(f.meta, { force: true });
  }

  private stagedBytes(): number {
    let total = 0;
    for (const name of this.list()) if (name.endsWith('.part')) total += statSafe(path.join(this.dir, name))?.size ?? 0;
    return total;
  }

  /** Removes uploads nobody has added to for maxAgeMs. */
  sweep(now = Date.now()): void {
    for (const name of this.list()) {
      const st = statSafe(path.join(this.dir, name));
      if (st && now - st.mtimeMs > this.limits.maxAgeMs) rmSync(path.join(this.dir, name), { force: true });
    }
  }

  private list(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }
}

function statSafe(p: string) {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}
