/**
 * Bundles as zip files (yazl to write, yauzl to read). Reading is defensive:
 * a bundle comes from elsewhere, so entry names are checked (no absolute
 * paths, no "..", no duplicates), sizes are bounded, and every entry's
 * CRC-32 is checked (yauzl leaves that to the caller).
 *
 * Sizes are checked from the zip's directory before anything is inflated
 * (entry count, each entry's declared size, the total), and each entry is
 * then inflated with its declared size as a hard cap (yauzl's
 * validateEntrySizes, and a count of our own). A 1.5 GiB entry of zeros
 * once cost verify 25 s and 3.3 GB before it was refused; it is now refused
 * from the directory in milliseconds.
 */
import { createWriteStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import yazl from 'yazl';
import yauzl from 'yauzl';

/** A bundle larger than this is refused rather than read into memory (attachments are at most 20 MiB each). */
export const MAX_BUNDLE_BYTES = 1024 * 1024 * 1024;
export const MAX_BUNDLE_FILES = 10_000;
/** One file of a bundle larger than this is not one Drillbook wrote (a transcript of a very chatty restore stays far below). */
export const MAX_ENTRY_BYTES = 512 * 1024 * 1024;

const mib = (n: number) => `${Math.round(n / 1024 / 1024).toLocaleString('en-US')} MiB`;

export class BundleReadError extends Error {}

/**
 * Deflate level of a bundle file. Transcripts take level 1: the 109 MB
 * export's transcript (.txt 97 MB, .cast 133 MB) took 6.1–6.4 s of CPU to
 * deflate at zlib's default level 6 into 52.7 MB, and 2.6–2.8 s at level 1
 * into 55.5 MB (+5%), at load 24 on 2 shared cores; level 3 gave 55.1 MB
 * for 3.0 s. The other files are small and keep level 6. Any level is
 * plain deflate: readers and `drillbook verify` see no difference.
 */
export function compressionLevel(name: string): number {
  if (/\.(pdf|zip|png|jpe?g|gz)$/i.test(name)) return 0;
  return name.startsWith('transcripts/') ? 1 : 6;
}

/** Writes files (sorted, with one fixed timestamp) into a zip at `zipPath`. */
export async function writeZip(files: ReadonlyMap<string, Buffer | { file: string }>, zipPath: string, mtime: Date): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const name of [...files.keys()].sort()) {
    const f = files.get(name)!;
    // PDFs and zips are compressed already; deflating them again only costs time.
    const options = { mtime, mode: 0o100644, compressionLevel: compressionLevel(name) };
    // A file on disk (a large transcript) is streamed from it, never held whole.
    if (Buffer.isBuffer(f)) zip.addBuffer(f, name, options);
    else zip.addFile(f.file, name, options);
  }
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(zipPath, { mode: 0o644 });
    out.on('error', reject);
    out.on('close', () => resolve());
    zip.outputStream.on('error', reject);
    zip.outputStream.pipe(out);
  });
}

/** Reads every file in a zip; damage is reported by entry name. */
export async function readZip(zipPath: string): Promise<Map<string, Buffer>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true });
  } catch (err) {
    throw new BundleReadError(`${zipPath} is not a readable zip file (${(err as Error).message})`);
  }
  const files = new Map<string, Buffer>();
  try {
    // 1. The directory only: names, count and declared sizes, before a single byte is inflated.
    const entries: yauzl.Entry[] = [];
    const names = new Set<string>();
    let total = 0;
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (name.endsWith('/')) continue; // a folder entry
      const unsafe = yauzl.validateFileName(name);
      if (unsafe) throw new BundleReadError(`the zip holds an unsafe entry name "${name}" (${unsafe})`);
      if (names.has(name)) throw new BundleReadError(`the zip holds "${name}" twice`);
      names.add(name);
      if (entries.length >= MAX_BUNDLE_FILES) throw new BundleReadError(`the zip holds more than ${MAX_BUNDLE_FILES} files`);
      if (entry.uncompressedSize > MAX_ENTRY_BYTES) {
        throw new BundleReadError(`the zip's entry ${name} would inflate to ${mib(entry.uncompressedSize)} (from ${mib(entry.compressedSize)}); no file of a Drillbook bundle is over ${mib(MAX_ENTRY_BYTES)}, so it was not read`);
      }
      total += entry.uncompressedSize;
      if (total > MAX_BUNDLE_BYTES) throw new BundleReadError(`the zip would inflate to more than ${mib(MAX_BUNDLE_BYTES)}: too large to be a Drillbook bundle, so it was not read`);
      entries.push(entry);
    }
    // 2. Each entry, inflated up to its declared size and no further.
    for (const entry of entries) {
      const name = entry.fileName;
      let bytes: Buffer;
      try {
        const stream = await zip.openReadStreamPromise(entry);
        const chunks: Buffer[] = [];
        let got = 0;
        for await (const c of stream) {
          got += (c as Buffer).length;
          if (got > entry.uncompressedSize) {
            stream.destroy();
            throw new Error(`it inflates to more than the ${entry.uncompressedSize} bytes it declares`);
          }
          chunks.push(c as Buffer);
        }
        bytes = Buffer.concat(chunks);
      } catch (err) {
        throw new BundleReadError(`damaged zip entry ${name}: ${(err as Error).message}`);
      }
      if ((crc32(bytes) >>> 0) !== (entry.crc32 >>> 0)) throw new BundleReadError(`damaged zip entry ${name}: its CRC-32 does not match`);
      files.set(name, bytes);
    }
  } catch (err) {
    if (err instanceof BundleReadError) throw err;
    throw new BundleReadError(`${zipPath} is damaged (${(err as Error).message})`);
  } finally {
    zip.close();
  }
  return files;
}
