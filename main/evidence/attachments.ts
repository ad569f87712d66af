/**
 * Attachment bytes, content-addressed under the data folder:
 * <dataDir>/attachments/ab/abcdef…(sha256). The drill log records only the
 * hash and metadata; the same file attached twice is stored once.
 *
 * Attachments are evidence, never code: files are written without any
 * execute bit, under a name that is only their hash (so no extension a
 * desktop could act on), and nothing in Drillbook opens, renders or runs
 * them — the report links to them, the bundle copies them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { privateDir } from '../store/private';
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync, existsSync } from 'node:fs';
import path from 'node:path';
import { badRequest, notFound } from '../common/errors';

export const DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface StoredAttachment {
  sha256: string;
  size: number;
}

export class AttachmentStore {
  readonly root: string;

  constructor(
    dataDir: string,
    readonly maxBytes: number = DEFAULT_MAX_ATTACHMENT_BYTES,
  ) {
    this.root = path.join(dataDir, 'attachments');
  }

  /** Stores bytes (durably: fsynced, then renamed into place) and returns their hash. */
  put(bytes: Buffer): StoredAttachment {
    if (bytes.length === 0) throw badRequest('the attachment is empty');
    if (bytes.length > this.maxBytes) {
      throw badRequest(`the attachment is ${mib(bytes.length)} MiB; the limit is ${mib(this.maxBytes)} MiB`);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = this.pathOf(sha256);
    if (existsSync(file) && statSync(file).size === bytes.length) return { sha256, size: bytes.length };
    privateDir(path.dirname(file));
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600); // whatever the umask: readable by the owner, never executable
    renameSync(tmp, file);
    return { sha256, size: bytes.length };
  }

  /** The stored bytes, checked against their hash (a damaged store is reported, not exported). */
  get(sha256: string): Buffer {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw badRequest(`not an attachment hash: ${sha256}`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.pathOf(sha256));
    } catch {
      throw notFound(`attachment ${sha256.slice(0, 12)}… is missing from ${this.root}`);
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw new Error(`attachment ${sha256.slice(0, 12)}… is damaged on disk (its content hashes to ${actual.slice(0, 12)}…)`);
    return bytes;
  }

  has(sha256: string): boolean {
    return /^[0-9a-f]{64}$/.test(sha256) && existsSync(this.pathOf(sha256));
  }

  private pathOf(sha256: string): string {
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }
}

/**
 * A file name safe to use inside a bundle on any OS: no folders, no control
 * or reserved characters, no leading dots, bounded length.
 */
export function safeFileName(name: string, fallback = 'attachment'): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  let clean = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- control characters are unsafe in a file name and are replaced
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+/, '')
    .trim();
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(clean)) clean = '_' + clean;
  if (clean.length > 100) {
    const ext = path.extname(clean).slice(0, 12);
    clean = clean.slice(0, 100 - ext.length) + ext;
  }
  return clean || fallback;
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

/** A media type as metadata only (never used to open the file); anything odd becomes octet-stream. */
export function cleanMediaType(type: string | undefined, name: string): string {
  const t = (type ?? '').toLowerCase().split(';')[0]!.trim();
  if (MEDIA_TYPE.test(t)) return t;
  const ext = path.extname(name).toLowerCase();
  return EXT_TYPES[ext] ?? 'application/octet-stream';
}

const EXT_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.pdf': 'application/pdf',
};

/** Whether an attachment is text that redaction can read (and rewrite). */
export function isTextual(mediaType: string, bytes: Buffer): boolean {
  const textType = mediaType.startsWith('text/') || /^application\/(json|x-ndjson|xml|yaml|x-yaml|csv)$/.test(mediaType);
  if (!textType) return false;
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const mib = (n: number) => (Math.ceil((n / (1024 * 1024)) * 10) / 10).toFixed(1).replace(/\.0$/, '');

// Files a browser opens as a page (and runs the scripts in) when a reader clicks them in report.html.
const ACTIVE_EXT = /\.(?:html?|xhtml?|xht|shtml|svgz?|xml|xsl|xslt|mht|mhtml|hta|php|asp|jsp)$/i;
const ACTIVE_TYPE = /^(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|application\/xslt\+xml|multipart\/related|message\/rfc822)$/;
// Extensions a browser shows as what they are (never as a page), so content sniffing does not apply.
const INERT_EXT = /\.(?:txt|log|csv|tsv|json|ndjson|md|sql|ya?ml|ini|conf|cfg|toml|out|err|diff|patch|png|jpe?g|gif|webp|bmp|ico|pdf|gz|tgz|zst|xz|bz2|zip|tar|7z|dump|bak|db|sqlite)$/i;
const MARKUP = /<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|img|xml|\?xml|meta|link|style|math|form|a\s)/i;

/**
 * The name an attachment gets in a bundle: what a browser would run as a
 * page (HTML, SVG, XHTML, XML, or markup under an unknown extension) gets
 * `.txt` appended, so clicking it in report.html shows its text instead of
 * running its scripts.
 */
export function browserSafeName(name: string, mediaType: string, bytes: Buffer): string {
  const sniff = () => MARKUP.test(bytes.subarray(0, 4096).toString('latin1'));
  const active = ACTIVE_EXT.test(name) || ACTIVE_TYPE.test(mediaType) || (!INERT_EXT.test(name) && sniff());
  return active ? `${name}.txt` : name;
}
