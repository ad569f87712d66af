/**
 * Exporting a drill as an evidence bundle:
 *
 *   report.html, report.pdf   the report (self-contained; the PDF printed from it)
 *   drill.json                the drill, its full event log, what the bundle holds
 *   steps.csv                 one row per step
 *   schema/drill.v1.schema.json  the JSON Schema drill.json follows
 *   transcripts/*.txt         terminal sessions of the drill, as text
 *   attachments/*             files attached to the drill
 *   manifest.json             SHA-256 of every file above + the chain head + tool version
 *   manifest.json.sig         optional: ssh-keygen -Y sign, namespace "drillbook"
 *
 * Everything that leaves passes through redaction unless the caller asked
 * otherwise explicitly. The bundle is assembled in a temporary folder next
 * to the destination and renamed into place, so a failed export never leaves
 * a half-written bundle under the final name.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { verifyChain } from '../drill/chain';
import type { DrillEvent, DrillSnapshot } from '../drill/model';
import type { DrillService } from '../drill/service';
import type { Runbook } from '../runbook/model';
import { conflict } from '../common/errors';
import type { ExportResult } from '../common/evidence';
import { VERSION } from '../version';
import { AttachmentStore, browserSafeName, isTextual, safeFileName } from './attachments';
import { stepsCsv } from './csv';
import { type StagedFile, buildManifest, MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, serializeManifest, SIGNATURE_FILE, type Manifest } from './manifest';
import type { PrintToPdf } from './pdf';
import { redactText, Redactor, type RedactionPattern } from './redact';
import { redactEvents, type OutboundEvent } from './redact/outbound';
import { buildReportModel, type BundleAttachment, type BundleTranscript } from './report-model';
import { renderReportHtml } from './report-html';
import { signFile } from './sshsig';
import { EMULATE_LIMIT, geometryFromIndex, renderTranscriptText } from '../terminal/transcript-text';
import { CastAlongside, writeAsciicast } from './asciicast';
import type { TranscriptSource } from './transcripts';
import { writeZip } from './zip';
import { terminalText } from '../terminal/scanner';
import { CHUNK, isPlain, lineChunks, plainText, rawBuffer, rawFile, StagedOutput, streamedTextSha, writeTranscriptText, type RawOutput } from './stream';
import drillSchema from './schema/drill.v1.schema.json';

export const DRILL_FILE = 'drill.json';
export const SCHEMA_PATH = 'schema/drill.v1.schema.json';
export const CHAIN_HASH_DESCRIPTION =
  'hash = SHA-256 of the canonical JSON (object keys sorted at every level, no whitespace) of {drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, data, prevHash} for an event without salt or disclosure (v1), ' +
  'or of {drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, committedData, prevHash} (v2), where committedData is data with every string replaced by HMAC-SHA256(leafSalt, string), ' +
  'leafSalt = first 16 bytes of HMAC-SHA256(salt, JSON pointer of the string) when the event carries its salt, else disclosure.salts[pointer], or the whole replacement is disclosure.commitments[pointer] for a masked string; ' +
  'prevHash = the previous event\'s hash ("" for the first)';

/** An event as drill.json carries it: its salt when shown as recorded, a disclosure when masked (chain v2). */
export type ExportedEvent = OutboundEvent;

export interface ExportOptions {
  /** The bundle folder to create (it must not exist, or be empty). */
  outDir: string;
  /** Also write the bundle as a zip here. */
  zipPath?: string | null;
  /** false only when the user explicitly asked for an unredacted export. */
  redact: boolean;
  patterns: readonly RedactionPattern[];
  /** null leaves report.pdf out (explicitly; the manifest says so). */
  printToPdf: PrintToPdf | null;
  /** Sign manifest.json with this SSH key (private, or public with the private half in ssh-agent). */
  signKey?: string | null;
  transcripts?: TranscriptSource | null;
  now?: () => number;
}

export type { ExportResult };

export interface ExportSource {
  drills: DrillService;
  attachments: AttachmentStore;
}

export async function exportBundle(src: ExportSource, drillId: string, opts: ExportOptions): Promise<ExportResult> {
  const snapshot = src.drills.get(drillId);
  const events = src.drills.events(drillId);
  const broken = verifyChain(events);
  if (broken) throw conflict(`drill ${drillId}'s log fails its hash check (${broken.problem}); it cannot be exported as evidence`);
  let runbook: Runbook | null = null;
  try {
    runbook = src.drills.runbookOf(drillId);
  } catch {
    runbook = null;
  }
  const exportedAt = new Date(opts.now?.() ?? Date.now()).toISOString();
  const transcripts = opts.transcripts ? await loadTranscripts(opts.transcripts, drillId) : [];
  checkOutDir(path.resolve(opts.outDir));
  // Transcripts are streamed into this folder as they are redacted (stream.ts); writeBundle moves them into the bundle.
  const stageDir = path.join(path.dirname(path.resolve(opts.outDir)), `.${path.basename(opts.outDir)}.staging-${randomBytes(4).toString('hex')}`);
  mkdirSync(stageDir, { recursive: true });
  try {
    const built = await buildBundle({
      snapshot,
      events,
      runbook,
      exportedAt,
      redact: opts.redact,
      patterns: opts.patterns,
      printToPdf: opts.printToPdf,
      signed: Boolean(opts.signKey),
      attachmentBytes: (sha) => src.attachments.get(sha),
      transcripts,
      stageDir,
    });
    return await writeBundle(built, opts);
  } finally {
    rmSync(stageDir, { recursive: true, force: true });
  }
}

async function loadTranscripts(source: TranscriptSource, drillId: string): Promise<LoadedTranscript[]> {
  const out: LoadedTranscript[] = [];
  for (const t of await source.list(drillId)) {
    out.push({
      info: { id: t.id, title: t.title, stepIndex: t.stepIndex, startedAt: t.startedAt, endedAt: t.endedAt },
      raw: (source.file ? await source.file(drillId, t.id) : null) ?? (await source.read(drillId, t.id)),
      index: source.index ? await source.index(drillId, t.id) : null,
    });
  }
  return out;
}

export interface LoadedTranscript {
  info: Omit<BundleTranscript, 'path' | 'bytes' | 'indexPath'>;
  /** The raw bytes, or the file holding them (streamed in chunks, never read whole). */
  raw: Buffer | string;
  /** JSONL index, when the recorder keeps one. */
  index: string | null;
}

export interface BundleInput {
  snapshot: DrillSnapshot;
  events: readonly DrillEvent[];
  runbook: Runbook | null;
  exportedAt: string;
  redact: boolean;
  patterns: readonly RedactionPattern[];
  printToPdf: PrintToPdf | null;
  /** The bundle will be signed (recorded in the manifest). */
  signed: boolean;
  attachmentBytes: (sha256: string) => Buffer;
  transcripts: LoadedTranscript[];
  /** Where large files (transcripts) are written as they are made; without it they are built in memory. */
  stageDir?: string | null;
}

export interface BuiltBundle {
  drillId: string;
  /** Bytes to write, or files already staged on disk (with their hash). */
  files: Map<string, Buffer | StagedFile>;
  manifest: Manifest;
  withheld: string[];
}

/** Everything but the writing: the files of a bundle and its manifest. */
export async function buildBundle(input: BundleInput): Promise<BuiltBundle> {
  const { snapshot, events } = input;
  // `red` counts what it masks in the recorded data; `quiet` masks derived copies of the same data without counting it twice.
  const red = new Redactor(input.patterns, input.redact);
  const quiet = new Redactor(input.patterns, input.redact);
  const files = new Map<string, Buffer | StagedFile>();
  const withheld: string[] = [];

  // The same step as every other export path (./redact/outbound.ts).
  const { events: outEvents, redactedEvents } = redactEvents(events, red);
  const outSnapshot = quiet.deep(snapshot);
  const outRunbook = input.runbook ? quiet.deep(input.runbook) : null;

  // Attachments: text is redacted; binary files cannot be, so one that looks like it holds a credential is withheld.
  const attachments: BundleAttachment[] = [];
  const pathBySha = new Map<string, { path: string | null; withheld: string | null; redacted: boolean }>();
  const used = new Set<string>();
  for (const a of outSnapshot.evidence.attachments) {
    let placed = pathBySha.get(a.sha256);
    if (!placed) {
      placed = placeAttachment(a.sha256, a.name, a.mediaType, input, red, files, used);
      pathBySha.set(a.sha256, placed);
      if (placed.withheld) withheld.push(`${a.name}: ${placed.withheld}`);
    }
    attachments.push({ ...a, bundlePath: placed.path, withheld: placed.withheld, redacted: placed.redacted });
  }

  const transcripts: BundleTranscript[] = [];
  for (const t of input.transcripts) {
    // As text (escape sequences gone): readable, and redaction sees secrets that colour codes would split.
    // Streamed: read, converted, redacted and written (hashed as it goes) a line-aligned chunk at a time (stream.ts),
    // except output with escapes or redraws from a terminal with a screen, up to EMULATE_LIMIT: that is replayed
    // through a terminal emulator (../terminal/transcript-text.ts) so it reads as the operator saw it.
    const base = unique(`transcripts/${safeFileName(t.info.id, 'terminal')}`, used);
    const raw: RawOutput = typeof t.raw === 'string' ? rawFile(t.raw) : rawBuffer(t.raw);
    const txt = new StagedOutput(input.stageDir ?? null, `${base}.txt`);
    let castSha: string | null = null;
    // The stream path writes the cast in the same pass, from the same redacted text (asciicast.ts CastAlongside).
    let alongside: { out: StagedOutput; cast: CastAlongside } | null = null;
    try {
      const emulated = await emulatedText(raw, t.index);
      if (emulated === null && t.index !== null) {
        const out = new StagedOutput(input.stageDir ?? null, `${base}.cast`);
        alongside = { out, cast: new CastAlongside(t.index, { title: quiet.text(t.info.title), redact: (s) => quiet.text(s) }, (line) => out.sink.write(line)) };
        const cast = alongside.cast;
        let from = 0;
        for await (const piece of lineChunks(raw.range(0, raw.size))) {
          const plain = plainText(piece, true);
          const text = plain ? plain.text : terminalText(piece);
          const redacted = red.text(text);
          // Nothing masked: the bytes plainText made are the .txt's, not encoded again.
          txt.sink.write(plain?.bytes && redacted === text ? plain.bytes : redacted);
          cast.piece(from, piece, redacted, plain);
          from += piece.length;
        }
      } else if (emulated === null) await writeTranscriptText(raw.range(0, raw.size), (s) => red.text(s), txt.sink);
      else {
        txt.sink.write(red.text(emulated));
        // The replay stripped of escapes is not the emulated screen: the cast is checked against the streamed text instead.
        if (t.index !== null) castSha = await streamedTextSha(raw.range(0, raw.size), (s) => quiet.text(s));
      }
    } catch (err) {
      txt.abort();
      alongside?.out.abort();
      throw err;
    }
    const text = txt.finish();
    files.set(`${base}.txt`, text.entry);
    let indexPath: string | null = null;
    if (t.index !== null) {
      indexPath = `${base}.jsonl`;
      files.set(indexPath, Buffer.from(redactJsonl(t.index, red), 'utf8'));
      // The same session as asciicast v2, replayable with its timing in any asciinema player (./asciicast.ts).
      const castOut = alongside?.out ?? new StagedOutput(input.stageDir ?? null, `${base}.cast`);
      let cast: ReturnType<typeof writeAsciicast>;
      try {
        cast = alongside
          ? alongside.cast.finish(text.sha256)
          : writeAsciicast(raw, t.index, { title: quiet.text(t.info.title), redact: (s) => quiet.text(s) }, (line) => castOut.sink.write(line), castSha ?? text.sha256);
      } catch (err) {
        castOut.abort();
        throw err;
      }
      if (cast === 'written') files.set(`${base}.cast`, castOut.finish().entry);
      else {
        castOut.abort();
        if (cast) withheld.push(`${base}.cast: ${cast.withheld}`);
      }
    }
    transcripts.push({ ...t.info, title: quiet.text(t.info.title), path: `${base}.txt`, indexPath, bytes: text.bytes });
  }

  const patternNames = input.redact ? input.patterns.map((p) => p.name) : [];
  const redaction = { applied: input.redact, masked: { ...red.hits }, redactedEvents };
  const model = buildReportModel({
    snapshot: outSnapshot,
    events: outEvents,
    runbook: outRunbook,
    toolVersion: VERSION,
    generatedAt: input.exportedAt,
    redaction,
    attachments,
    transcripts,
  });
  const html = renderReportHtml(model);
  files.set('report.html', Buffer.from(html, 'utf8'));
  if (input.printToPdf) files.set('report.pdf', await input.printToPdf(html));
  files.set('steps.csv', Buffer.from(stepsCsv(model), 'utf8'));
  files.set(SCHEMA_PATH, Buffer.from(JSON.stringify(drillSchema, null, 2) + '\n', 'utf8'));

  const drillJson = {
    $schema: SCHEMA_PATH,
    format: 'drillbook-drill',
    schemaVersion: 1,
    tool: { name: 'drillbook', version: VERSION },
    exportedAt: input.exportedAt,
    redaction: { applied: input.redact, patterns: patternNames, masked: redaction.masked, redactedEvents },
    drill: outSnapshot,
    runbook: outRunbook ? runbookSummary(outRunbook) : null,
    attachments,
    transcripts,
    events: outEvents,
    chain: { algorithm: 'sha256', hashes: CHAIN_HASH_DESCRIPTION, head: snapshot.chainHead, events: events.length },
  };
  files.set(DRILL_FILE, Buffer.from(JSON.stringify(drillJson, null, 2) + '\n', 'utf8'));

  const manifest = buildManifest(
    {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_VERSION,
      tool: { name: 'drillbook', version: VERSION },
      drillId: snapshot.id,
      createdAt: input.exportedAt,
      chain: { head: snapshot.chainHead, events: events.length, redactedEvents },
      redaction: { applied: input.redact, patterns: patternNames, masked: redaction.masked },
      pdf: input.printToPdf !== null,
      signed: input.signed,
    },
    files,
  );
  return { drillId: snapshot.id, files, manifest, withheld };
}

function placeAttachment(
  sha256: string,
  name: string,
  mediaType: string,
  input: BundleInput,
  red: Redactor,
  files: Map<string, Buffer | StagedFile>,
  used: Set<string>,
): { path: string | null; withheld: string | null; redacted: boolean } {
  let bytes: Buffer;
  try {
    bytes = input.attachmentBytes(sha256);
  } catch (err) {
    return { path: null, withheld: (err as Error).message, redacted: false };
  }
  let redacted = false;
  if (input.redact) {
    if (isTextual(mediaType, bytes)) {
      const original = bytes.toString('utf8');
      const text = red.text(original);
      redacted = text !== original;
      bytes = Buffer.from(text, 'utf8');
    } else {
      const probe = redactText(bytes.toString('latin1'), input.patterns);
      const kinds = Object.keys(probe.hits);
      if (kinds.length > 0) {
        return { path: null, withheld: `a binary file that appears to hold credentials (${kinds.join(', ')}) cannot be redacted; export unredacted to include it`, redacted: false };
      }
    }
  }
  // HTML, SVG and the like are shipped as text: the report links them, and a click must not run them.
  const p = unique(`attachments/${sha256.slice(0, 12)}-${browserSafeName(safeFileName(name), mediaType, bytes)}`, used);
  files.set(p, bytes);
  return { path: p, withheld: null, redacted };
}

/** Redacts a JSONL text record by record (keeping each line valid JSON). */
function redactJsonl(text: string, red: Redactor): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line.trim()) return line;
      try {
        return JSON.stringify(red.deep(JSON.parse(line) as unknown));
      } catch {
        return red.text(line);
      }
    })
    .join('\n');
}

function unique(p: string, used: Set<string>): string {
  let candidate = p;
  for (let i = 2; used.has(candidate); i++) {
    const ext = path.posix.extname(p);
    candidate = `${p.slice(0, p.length - ext.length)}-${i}${ext}`;
  }
  used.add(candidate);
  return candidate;
}

function runbookSummary(rb: Runbook) {
  return {
    title: rb.title,
    path: rb.file,
    sha256: rb.sha256,
    rtoSec: rb.rto?.seconds ?? null,
    rpoSec: rb.rpo?.seconds ?? null,
    steps: rb.steps.map((s) => ({
      index: s.index,
      key: s.key,
      title: s.title,
      checklist: s.checklist.map((c) => c.text),
      commands: s.commands.map((b) => ({
        line: b.line,
        lang: b.lang,
        text: b.text,
        name: b.attrs.name ?? b.attrs.id ?? null,
        target: b.attrs.target ?? null,
        expect: b.attrs.expect ?? null,
        check: b.attrs.extra?.check ?? null,
      })),
    })),
  };
}

function checkOutDir(outDir: string): void {
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw conflict(`${outDir} exists and is not a folder`);
    if (readdirSync(outDir).length > 0) throw conflict(`${outDir} is not empty; export into a new or empty folder`);
  }
}

/** Writes a built bundle: folder (atomically renamed into place), signature, zip. */
export async function writeBundle(built: BuiltBundle, opts: Pick<ExportOptions, 'outDir' | 'zipPath' | 'signKey' | 'now'>): Promise<ExportResult> {
  const outDir = path.resolve(opts.outDir);
  checkOutDir(outDir);
  mkdirSync(path.dirname(outDir), { recursive: true });
  const tmp = path.join(path.dirname(outDir), `.${path.basename(outDir)}.partial-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    for (const [rel, bytes] of built.files) {
      const file = path.join(tmp, ...rel.split('/'));
      mkdirSync(path.dirname(file), { recursive: true });
      if (Buffer.isBuffer(bytes)) writeFileSync(file, bytes, { mode: 0o644 });
      else renameSync(bytes.file, file); // streamed and hashed already (a transcript)
    }
    const manifestBytes = serializeManifest(built.manifest);
    writeFileSync(path.join(tmp, MANIFEST_FILE), manifestBytes, { mode: 0o644 });
    let signature: Buffer | null = null;
    if (built.manifest.signed !== Boolean(opts.signKey)) throw new Error('the manifest and the signing options disagree about signing');
    if (opts.signKey) signature = await signFile(path.join(tmp, MANIFEST_FILE), opts.signKey);
    if (existsSync(outDir)) rmdirSync(outDir);
    renameSync(tmp, outDir);

    let zipPath: string | null = null;
    if (opts.zipPath) {
      zipPath = path.resolve(opts.zipPath);
      if (existsSync(zipPath)) throw conflict(`${zipPath} already exists; refusing to overwrite it`);
      // Staged files are in the bundle folder now: the zip streams them from there.
      const all = new Map<string, Buffer | { file: string }>(
        [...built.files].map(([rel, f]) => [rel, Buffer.isBuffer(f) ? f : { file: path.join(outDir, ...rel.split('/')) }]),
      );
      all.set(MANIFEST_FILE, manifestBytes);
      if (signature) all.set(SIGNATURE_FILE, signature);
      const tmpZip = `${zipPath}.partial-${randomBytes(4).toString('hex')}`;
      try {
        await writeZip(all, tmpZip, new Date(built.manifest.createdAt));
        renameSync(tmpZip, zipPath);
      } finally {
        rmSync(tmpZip, { force: true });
      }
    }
    return {
      drillId: built.drillId,
      dir: outDir,
      zipPath,
      chainHead: built.manifest.chain.head,
      files: built.manifest.files,
      signed: signature !== null,
      pdf: built.manifest.pdf,
      redaction: {
        applied: built.manifest.redaction.applied,
        masked: built.manifest.redaction.masked,
        redactedEvents: built.manifest.chain.redactedEvents,
        withheld: built.withheld,
      },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The text of a terminal transcript with a screen, rendered by a terminal
 * emulator; null where the stream is exact and cheaper: no screen (headless
 * runs), over EMULATE_MAX, or plain output (only printable bytes, tabs and
 * line ends, which an emulator would render the same).
 */
/**
 * Emulated up to one streaming chunk (1 MiB), not EMULATE_LIMIT (8 MiB): the
 * 3.2 MB escape-laden transcript of test/unit/evidence/stream.test.ts did not
 * finish rendering through @xterm/headless in 10 minutes on this machine
 * (not diagnosed); larger output is streamed (terminalText per chunk), as
 * transcriptText already did above its own limit.
 */
const EMULATE_MAX = Math.min(EMULATE_LIMIT, CHUNK);

async function emulatedText(raw: RawOutput, index: string | null): Promise<string | null> {
  const geometry = geometryFromIndex(index);
  if (!geometry || raw.size > EMULATE_MAX) return null;
  const bytes = Buffer.concat([...raw.range(0, raw.size)].map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  if (isPlain(bytes)) return null;
  return renderTranscriptText(bytes, geometry);
}
