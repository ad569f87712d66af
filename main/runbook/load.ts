/**
 * Reading a runbook file: the checks that need the bytes (size, encoding,
 * hash), then the pure parser. Every failure is a RunbookError with one
 * plain-language line; errno codes and stacks never reach the user.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { RunbookError, type ParseOptions, type Runbook } from './model';
import { parseRunbook } from './parse';

export const MAX_RUNBOOK_BYTES = 2 * 1024 * 1024;

/** Loads and parses a runbook. Throws RunbookError (line 1 for file-level problems). */
export function loadRunbookFile(file: string, options: ParseOptions = {}): Runbook {
  const absolute = path.resolve(file);
  const stats = statOrThrow(absolute);
  if (stats.isDirectory()) throw new RunbookError(absolute, 1, 'is a folder, not a runbook file');
  if (!stats.isFile()) throw new RunbookError(absolute, 1, 'not a regular file');
  if (stats.size > MAX_RUNBOOK_BYTES) throw tooLarge(absolute, stats.size);

  const bytes = readOrThrow(absolute);
  // The file may have grown between stat and read.
  if (bytes.length > MAX_RUNBOOK_BYTES) throw tooLarge(absolute, bytes.length);
  const text = decodeText(absolute, bytes);
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new RunbookError(absolute, 1, 'empty file');

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return parseRunbook(text, absolute, sha256, options);
}

function statOrThrow(file: string): Stats {
  try {
    return statSync(file);
  } catch (err) {
    throw new RunbookError(file, 1, describeFsError(err));
  }
}

function readOrThrow(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new RunbookError(file, 1, describeFsError(err));
  }
}

/** A human phrase for an fs error: never the errno code or the syscall. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: cannot read the file';
    case 'EISDIR':
      return 'is a folder, not a runbook file';
    case 'ELOOP':
      return 'too many symbolic links (a link loop?)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files; try again';
    case 'EIO':
      return 'the disk reported a read error';
    default:
      return 'cannot read the file';
  }
}

function tooLarge(file: string, bytes: number): RunbookError {
  const exact = bytes / (1024 * 1024);
  const limitMib = MAX_RUNBOOK_BYTES / (1024 * 1024);
  // A file just over the limit must not read "2.0 MiB; the limit is 2 MiB".
  const rounded = Math.round(exact * 10) / 10;
  const mib = rounded > limitMib ? rounded : Math.ceil(exact * 10) / 10;
  return new RunbookError(file, 1, `file is too large (${mib.toFixed(1)} MiB; the limit is ${limitMib} MiB)`);
}

/** UTF-8 text, or a RunbookError pointing at the first byte that is not. */
function decodeText(file: string, bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new RunbookError(file, 1, 'not a text file Drillbook can read (UTF-16; save it as UTF-8)');
  }
  const nul = bytes.indexOf(0);
  const bad = firstInvalidUtf8(bytes);
  const at = nul < 0 ? bad : bad < 0 ? nul : Math.min(nul, bad);
  if (at >= 0) throw new RunbookError(file, lineAt(bytes, at), `not a text file (binary data at byte ${at})`);
  return bytes.toString('utf8');
}

/** 1-based line containing byte `offset`. */
function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or -1.
 * TextDecoder's fatal mode says only that the input is bad, not where.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = sequenceLength(b);
    if (length === 0 || i + length > bytes.length) return i;
    const second = bytes[i + 1] ?? 0;
    if (!secondByteOk(b, second)) return i;
    for (let k = 2; k < length; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}

function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0; // continuation byte, overlong lead (C0, C1) or beyond U+10FFFF
}

/** The second byte's allowed range depends on the lead byte (Unicode table 3-7). */
function secondByteOk(lead: number, second: number): boolean {
  if (lead === 0xe0) return second >= 0xa0 && second <= 0xbf;
  if (lead === 0xed) return second >= 0x80 && second <= 0x9f;
  if (lead === 0xf0) return second >= 0x90 && second <= 0xbf;
  if (lead === 0xf4) return second >= 0x80 && second <= 0x8f;
  return (second & 0xc0) === 0x80;
}
