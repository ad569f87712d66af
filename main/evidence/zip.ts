/**
 * Bundles as zip files (yazl to write, yauzl to read). Reading is defensive:
 * a bundle comes from elsewhere, so entry names are checked (no absolute
 * paths, no "..", no duplicates), sizes are bounded, and every entry's
 * CRC-32 is checked (yauzl leaves that to the caller).
 */
import { createWriteStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import yazl from 'yazl';
import yauzl from 'yauzl';

/** A bundle larger than this is refused rather than read into memory. */
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024 * 1024;
export const MAX_BUNDLE_FILES = 10_000;

export class BundleReadError extends Error {}

/** Writes files (sorted, with one fixed timestamp) into a zip at `zipPath`. */
export async function writeZip(files: ReadonlyMap<string, Buffer | { file: string }>, zipPath: string, mtime: Date): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const name of [...files.keys()].sort()) {
    const f = files.get(name)!;
    // PDFs and zips are compressed already; deflating them again only costs time.
    const options = { mtime, mode: 0o100644, compress: !/\.(pdf|zip|png|jpe?g|gz)$/i.test(name) };
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
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (name.endsWith('/')) continue; // a folder entry
      const unsafe = yauzl.validateFileName(name);
      if (unsafe) throw new BundleReadError(`the zip holds an unsafe entry name "${name}" (${unsafe})`);
      if (files.has(name)) throw new BundleReadError(`the zip holds "${name}" twice`);
      if (files.size >= MAX_BUNDLE_FILES) throw new BundleReadError(`the zip holds more than ${MAX_BUNDLE_FILES} files`);
      total += entry.uncompressedSize;
      if (total > MAX_BUNDLE_BYTES) throw new BundleReadError('the zip is too large to be a Drillbook bundle');
      let bytes: Buffer;
      try {
        const stream = await zip.openReadStreamPromise(entry);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
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
