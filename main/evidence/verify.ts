/**
 * `drillbook verify`: checks a bundle offline and names exactly what
 * changed — a modified file (expected and actual SHA-256), a missing file,
 * an unexpected file, the event where the hash chain breaks, a chain head
 * that is not the manifest's (or not the one recorded elsewhere), a
 * signature that does not verify or is not by an allowed signer.
 *
 * What each check protects:
 *  - file hashes: any change to any file the manifest lists;
 *  - the hash chain in drill.json, bound to the manifest's chain head: an
 *    edited event, even when the editor also fixed the manifest's file hash;
 *  - --chain-head (the head recorded in a ticket or email): a log rebuilt
 *    from scratch with new hashes;
 *  - the signature: any change to the manifest, so to anything at all.
 * Events masked on export cannot be re-hashed here (the chain hashes their
 * original content); they are listed, and only the manifest and signature
 * cover their visible content.
 *
 * The human-readable files are not part of the chain. So that a bundle
 * whose report and CSV were rewritten together with an unsigned manifest
 * ("failed" → "completed") cannot pass on the chain's word, verify re-derives
 * from the verified log what those files state — steps.csv byte for byte,
 * the report's result line and steps table, drill.json's summary — and
 * compares. What is still covered by the manifest alone (the rest of the
 * report, the PDF, transcripts, attachments) is said in the result, unless a
 * trusted signature covers it.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { disclosedEventHash, eventHash, type Disclosure } from '../drill/chain';
import type { DrillEvent, UncheckedDrillEvent } from '../drill/model';
import { decodeEvents, MalformedEventError } from '../drill/decode';
import { MANIFEST_FILE, parseManifest, sha256, SIGNATURE_FILE, type Manifest } from './manifest';
import { checkSignature as defaultChecker, type SignatureCheck, type SignatureChecker } from './sshsig';
import { BundleReadError, MAX_BUNDLE_BYTES, MAX_BUNDLE_FILES, readZip } from './zip';
import { DRILL_FILE } from './bundle';
import { reduceDrill } from '../drill/reduce';
import { buildReportModel } from './report-model';
import { renderReportHtml } from './report-html';
import { stepsCsv } from './csv';

export type ProblemKind = 'modified' | 'missing' | 'unexpected' | 'chain' | 'signature' | 'head' | 'derived';

export interface VerifyProblem {
  kind: ProblemKind;
  /** The file concerned, when one is. */
  file: string | null;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  problems: VerifyProblem[];
  /** What was checked and found in order, for the report. */
  checked: string[];
  manifest: Manifest | null;
  signature: SignatureCheck | null;
  /**
   * When ok: what the verdict rests on, in one sentence — everything (a
   * trusted signature), or the log and what was re-derived from it, with the
   * files that only an unsigned manifest covers named.
   */
  coverage: string | null;
}

export interface VerifyOptions {
  /** Trusted signers; implies a required signature (a stripped bundle must not pass). */
  allowedSigners?: string;
  /** The chain head recorded elsewhere (a prefix of at least 8 hex digits is enough). */
  expectHead?: string;
  /** Fail when the bundle has no signature. */
  requireSignature?: boolean;
  checkSignature?: SignatureChecker;
}

export interface BundleFiles {
  /** Relative path (with /) → bytes. */
  files: Map<string, Buffer>;
  /** Entries of a folder that are not regular files (links, devices): reported, never followed or trusted. */
  special: Set<string>;
}

/** Reads a bundle folder or zip into memory. */
export async function readBundle(p: string): Promise<BundleFiles> {
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new BundleReadError(`no such bundle: ${p}`);
  }
  if (st.isFile()) return { files: await readZip(p), special: new Set() };
  if (!st.isDirectory()) throw new BundleReadError(`${p} is neither a bundle folder nor a zip file`);
  const files = new Map<string, Buffer>();
  let total = 0;
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const l = lstatSync(abs);
      if (l.isSymbolicLink()) {
        // Never followed: a link could point anywhere. Recorded so it is reported.
        files.set(r, Buffer.alloc(0));
        special.add(r);
      } else if (l.isDirectory()) {
        walk(abs, r);
      } else if (l.isFile()) {
        total += l.size;
        if (total > MAX_BUNDLE_BYTES) throw new BundleReadError(`${p} is too large to be a Drillbook bundle`);
        if (files.size >= MAX_BUNDLE_FILES) throw new BundleReadError(`${p} holds more than ${MAX_BUNDLE_FILES} files`);
        files.set(r, readFileSync(abs));
      } else {
        files.set(r, Buffer.alloc(0));
        special.add(r);
      }
    }
  };
  const special = new Set<string>();
  walk(p, '');
  return { files, special };
}

export async function verifyBundle(p: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  return verifyFiles(await readBundle(p), opts);
}

export async function verifyFiles(bundle: BundleFiles, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const { files, special } = bundle;
  const problems: VerifyProblem[] = [];
  const checked: string[] = [];
  const problem = (kind: ProblemKind, file: string | null, message: string) => problems.push({ kind, file, message });
  const done = (manifest: Manifest | null, signature: SignatureCheck | null, coverage: string | null = null): VerifyResult => ({
    ok: problems.length === 0,
    problems,
    checked,
    manifest,
    signature,
    coverage: problems.length === 0 ? coverage : null,
  });
  const requireSignature = opts.requireSignature === true || opts.allowedSigners !== undefined;

  const manifestBytes = files.get(MANIFEST_FILE);
  const sigBytes = files.get(SIGNATURE_FILE);
  let signature: SignatureCheck | null = null;

  if (!manifestBytes) {
    problem('missing', MANIFEST_FILE, `missing file ${MANIFEST_FILE}: without it nothing in the bundle can be checked`);
    return done(null, null);
  }
  if (sigBytes && !special.has(SIGNATURE_FILE)) {
    if (!canonicalSignature(sigBytes)) {
      // ssh-keygen tolerates some changes (a trailing byte, padding bits); the bundle does not.
      problem('modified', SIGNATURE_FILE, `modified file ${SIGNATURE_FILE}: it is not an SSH signature exactly as ssh-keygen writes it`);
    } else {
      signature = await (opts.checkSignature ?? defaultChecker)(manifestBytes, sigBytes, opts.allowedSigners);
      if (!signature.valid || signature.trusted === false) problem('signature', SIGNATURE_FILE, signature.message);
      else checked.push(signature.message);
    }
  }

  const parsed = parseManifest(manifestBytes);
  if (!parsed.ok) {
    problem('modified', MANIFEST_FILE, `modified file ${MANIFEST_FILE}: ${parsed.problem}`);
    return done(null, signature);
  }
  const manifest = parsed.manifest;
  if (!sigBytes) {
    if (manifest.signed) problem('missing', SIGNATURE_FILE, `missing file ${SIGNATURE_FILE}: the manifest says the bundle was signed`);
    else if (requireSignature) {
      problem(
        'missing',
        SIGNATURE_FILE,
        `missing file ${SIGNATURE_FILE}: the bundle is not signed, and a signature is required${opts.requireSignature ? '' : ' (--allowed-signers names who must have signed it)'}`,
      );
    }
    else checked.push('not signed (export with --sign KEY to sign bundles)');
  }

  // Every listed file, exactly.
  const listed = new Set(manifest.files.map((f) => f.path));
  let matching = 0;
  for (const f of manifest.files) {
    const bytes = files.get(f.path);
    if (bytes === undefined) problem('missing', f.path, `missing file ${f.path}`);
    else if (special.has(f.path)) problem('modified', f.path, `modified file ${f.path}: it is not a regular file (a link?)`);
    else {
      const actual = sha256(bytes);
      if (actual !== f.sha256) problem('modified', f.path, `modified file ${f.path} (expected sha256 ${f.sha256}, got sha256 ${actual})`);
      else matching++;
    }
  }
  for (const name of [...files.keys()].sort()) {
    if (listed.has(name) || name === MANIFEST_FILE || (name === SIGNATURE_FILE && !special.has(name))) continue;
    problem('unexpected', name, `unexpected file ${name}${special.has(name) ? ' (not a regular file)' : ''}: it is not in the manifest`);
  }
  if (matching === manifest.files.length) checked.push(`${matching} files match ${MANIFEST_FILE}`);

  const log = checkChain(files.get(DRILL_FILE), manifest, problem, checked);
  // A file already reported as modified or missing is not reported twice.
  const reported = new Set(problems.map((x) => x.file));
  if (log) checkDerived(files, log, manifest, (kind, file, message) => (reported.has(file) ? undefined : problem(kind, file, message)), checked);

  if (opts.expectHead !== undefined) {
    const want = opts.expectHead.trim().toLowerCase();
    if (!/^[0-9a-f]{8,64}$/.test(want)) problem('head', null, `--chain-head "${opts.expectHead}" is not a hex hash (at least 8 digits)`);
    else if (!manifest.chain.head.startsWith(want)) problem('head', MANIFEST_FILE, `chain head ${manifest.chain.head} is not the one recorded elsewhere (${want})`);
    else checked.push(`chain head matches the one recorded elsewhere (${want})`);
  }
  return done(manifest, signature, coverageOf(manifest, signature, opts.expectHead !== undefined, files));
}

/** What an OK verdict rests on, said exactly (BUNDLE.md, "What verify proves"). */
function coverageOf(manifest: Manifest, signature: SignatureCheck | null, headGiven: boolean, files: Map<string, Buffer>): string {
  if (signature?.valid && signature.trusted === true) return `nothing in the bundle was changed since ${signature.message.replace(/^signed by /, '').trim() || 'its signer'} signed it.`;
  const manifestOnly = [...files.keys()]
    .filter((f) => f !== MANIFEST_FILE && f !== DRILL_FILE && f !== 'steps.csv' && f !== SIGNATURE_FILE)
    .map((f) => (f.includes('/') ? f.split('/')[0] + '/' : f));
  const unique = [...new Set(manifestOnly)].sort();
  const head = headGiven ? 'the event log is the one whose chain head you gave' : 'the event log matches its own hash chain (give --chain-head or check a signature to rule out a log rebuilt from scratch)';
  const sig = signature?.valid ? ', and the signature is valid but its signer was not checked against an allowed_signers file' : '';
  return (
    `${head}; steps.csv, the report's result and steps table and the drill summary match what the log says. ` +
    `The rest (${unique.join(', ')}) is covered only by ${MANIFEST_FILE}, which ${signature ? 'is signed' + sig : 'is not signed'}: whoever rewrote them could have rewritten it too.`
  );
}

interface VerifiedLog {
  events: DrillEvent[];
  doc: { drill?: { status?: unknown; interrupted?: unknown; steps?: unknown }; exportedAt?: unknown };
}

/**
 * Re-derives from the verified events what the human-readable files state,
 * and names the first difference in each.
 */
function checkDerived(
  files: Map<string, Buffer>,
  log: VerifiedLog,
  manifest: Manifest,
  problem: (kind: ProblemKind, file: string | null, message: string) => void,
  checked: string[],
): void {
  const last = log.events[log.events.length - 1]!;
  let model;
  try {
    const snapshot = reduceDrill(log.events, { wallMs: last.wallMs, monoMs: last.monoMs, clock: last.clock }, { interrupted: log.doc.drill?.interrupted === true });
    model = buildReportModel({
      snapshot,
      events: log.events,
      runbook: null,
      toolVersion: manifest.tool.version,
      generatedAt: typeof log.doc.exportedAt === 'string' ? log.doc.exportedAt : manifest.createdAt,
      redaction: { applied: manifest.redaction.applied, masked: {}, redactedEvents: manifest.chain.redactedEvents },
      attachments: [],
      transcripts: [],
    });
  } catch (err) {
    problem('derived', DRILL_FILE, `the drill could not be re-derived from its event log (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  let agree = 0;
  const csv = files.get('steps.csv');
  if (csv) {
    const want = stepsCsv(model).split('\r\n');
    const got = csv.toString('utf8').split('\r\n');
    const row = want.findIndex((line, i) => got[i] !== line);
    if (row >= 0 || got.length !== want.length) {
      const at = row >= 0 ? row : Math.min(want.length, got.length);
      problem('derived', 'steps.csv', `steps.csv does not say what the verified log says: row ${at} is "${(got[at] ?? '').slice(0, 160)}", the log gives "${(want[at] ?? '').slice(0, 160)}"`);
    } else agree++;
  }
  const html = files.get('report.html');
  if (html) {
    const derived = renderReportHtml(model);
    const text = html.toString('utf8');
    const facts: [string, (h: string) => string | null][] = [
      ['result', (h) => /<tr><th>Result<\/th><td>.*?<\/td><\/tr>/.exec(h)?.[0] ?? null],
      ['steps table', (h) => /<table class="steps">.*?<\/table>/s.exec(h)?.[0] ?? null],
    ];
    const differ = facts.filter(([, pick]) => pick(text) !== pick(derived)).map(([name]) => name);
    if (differ.length) problem('derived', 'report.html', `report.html does not say what the verified log says: its ${differ.join(' and ')} differ${differ.length === 1 ? 's' : ''} from the log's`);
    else agree++;
  }
  const d = log.doc.drill;
  const stepStatuses = Array.isArray(d?.steps) ? (d.steps as { status?: unknown }[]).map((x) => x?.status) : null;
  if (d?.status !== model.status || JSON.stringify(stepStatuses) !== JSON.stringify(model.steps.map((x) => x.status))) {
    problem('derived', DRILL_FILE, `${DRILL_FILE}'s drill summary (${String(d?.status)}) does not match its own event log (${model.status})`);
  } else agree++;
  if (agree === 3 || (agree === 2 && (!csv || !html))) checked.push(`steps.csv, the report's result and steps table, and the drill summary re-derived from the log: they match (${model.status})`);
}

/** An armored SSHSIG exactly as ssh-keygen writes it: markers, base64 in 70-column lines, canonical padding. */
export function canonicalSignature(bytes: Buffer): boolean {
  const m = /^-----BEGIN SSH SIGNATURE-----\n([A-Za-z0-9+/=\n]+)\n-----END SSH SIGNATURE-----\n$/.exec(bytes.toString('latin1'));
  if (!m) return false;
  const body = m[1]!.replace(/\n/g, '');
  const again = Buffer.from(body, 'base64').toString('base64');
  return again === body && (again.match(/.{1,70}/g) ?? []).join('\n') === m[1];
}

function checkChain(
  bytes: Buffer | undefined,
  manifest: Manifest,
  problem: (kind: ProblemKind, file: string | null, message: string) => void,
  checked: string[],
): VerifiedLog | null {
  if (!bytes) return null; // reported as missing already
  let doc: { events?: unknown; chain?: { head?: unknown }; drill?: { id?: unknown }; redaction?: { redactedEvents?: unknown } };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    problem('chain', DRILL_FILE, `chain not checked: ${DRILL_FILE} is not valid JSON`);
    return null;
  }
  if (!Array.isArray(doc.events) || doc.events.length === 0) {
    problem('chain', DRILL_FILE, `chain not checked: ${DRILL_FILE} has no events`);
    return null;
  }
  const events = doc.events as UncheckedDrillEvent[];
  const masked = new Set(manifest.chain.redactedEvents);
  const docMasked = Array.isArray(doc.redaction?.redactedEvents) ? (doc.redaction.redactedEvents as unknown[]) : [];
  if (docMasked.length !== masked.size || docMasked.some((s) => !masked.has(s as number))) {
    problem('chain', DRILL_FILE, `${DRILL_FILE} and ${MANIFEST_FILE} disagree about which events were masked`);
  }
  let prev = '';
  let rehashed = 0;
  const unverifiable: number[] = [];
  let salted = false;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const n = i + 1;
    if (!e || typeof e !== 'object' || typeof e.hash !== 'string') {
      problem('chain', DRILL_FILE, `chain broken at event ${n}: it is not an event`);
      return null;
    }
    if (e.seq !== n) {
      problem('chain', DRILL_FILE, `chain broken at event ${n}: found seq ${String(e.seq)} (an event was removed, added or reordered)`);
      return null;
    }
    if (e.prevHash !== prev) {
      problem('chain', DRILL_FILE, `chain broken at event ${n} (${String(e.type)}): it does not link to event ${n - 1}`);
      return null;
    }
    const shipped = (e as { disclosure?: unknown }).disclosure;
    let disclosure: Disclosure | null = null;
    try {
      disclosure = shipped === undefined ? null : asDisclosure(shipped);
    } catch {
      problem('chain', DRILL_FILE, `chain broken at event ${n} (${String(e.type)}): its disclosure is malformed (the event was altered)`);
      return null;
    }
    const v2 = e.salt !== undefined || disclosure !== null;
    // Once a drill records v2 events every later one is v2: an event that lost its salt or disclosure was downgraded to escape re-hashing.
    if (salted && !v2) {
      problem('chain', DRILL_FILE, `chain broken at event ${n} (${String(e.type)}): it carries neither salt nor disclosure, unlike the events before it (the event was altered)`);
      return null;
    }
    salted ||= v2;
    if (v2 || !masked.has(n)) {
      let h: string;
      try {
        h = disclosure ? disclosedEventHash(e, disclosure) : eventHash(e);
      } catch {
        h = '';
      }
      if (h !== e.hash) {
        problem('chain', DRILL_FILE, `chain broken at event ${n} (${String(e.type)}): its content does not match its hash (the event was altered)`);
        return null;
      }
      // A masked string's visible text is not covered by its commitment: it must at least say it was masked.
      const unmarked = disclosure ? unmarkedMasks(e.data, disclosure) : [];
      if (unmarked.length > 0) {
        problem('chain', DRILL_FILE, `event ${n} (${String(e.type)}) shows ${unmarked.join(', ')} as masked without a [REDACTED:…] marker (the event was altered)`);
        return null;
      }
      rehashed++;
    } else {
      unverifiable.push(n);
    }
    prev = e.hash;
  }
  if (prev !== manifest.chain.head) {
    problem('chain', DRILL_FILE, `chain head ${prev} in ${DRILL_FILE} is not the manifest's ${manifest.chain.head}`);
    return null;
  }
  if (events.length !== manifest.chain.events) {
    problem('chain', DRILL_FILE, `${DRILL_FILE} has ${events.length} events; the manifest says ${manifest.chain.events}`);
    return null;
  }
  if (doc.chain?.head !== manifest.chain.head || doc.drill?.id !== manifest.drillId) {
    problem('chain', DRILL_FILE, `${DRILL_FILE} names a different drill or chain head than the manifest`);
    return null;
  }
  const shownMasked = masked.size - unverifiable.length;
  const maskedNote =
    (shownMasked > 0 ? ` (${shownMasked} of them shown masked, re-hashed from their disclosed commitments)` : '') +
    (unverifiable.length > 0 ? `; ${unverifiable.length} masked on export from before chain v2 (events ${unverifiable.join(', ')}) are covered by the manifest (and signature) only` : '');
  checked.push(`hash chain intact: ${events.length} events, head ${prev}; ${rehashed} re-hashed${maskedNote}`);
  // The chain holds; before the reports are re-derived from it, every event must be one the catalogue can read (main/drill/decode.ts).
  let decoded: DrillEvent[];
  try {
    decoded = decodeEvents(manifest.drillId, events);
  } catch (err) {
    if (!(err instanceof MalformedEventError)) throw err;
    problem('chain', DRILL_FILE, `${err.message}: ${DRILL_FILE} cannot be read as a Drillbook drill log`);
    return null;
  }
  return { events: decoded, doc: doc as VerifiedLog['doc'] };
}

/** JSON pointers of masked strings whose visible text does not say it was masked. */
function unmarkedMasks(data: unknown, disclosure: Disclosure): string[] {
  return Object.keys(disclosure.commitments).filter((pointer) => {
    let v: unknown = data;
    for (const part of pointer.split('/').slice(1)) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    }
    return typeof v !== 'string' || !v.includes('[REDACTED:');
  });
}

/** A disclosure from drill.json, checked for shape (its content is checked by re-hashing). */
function asDisclosure(value: unknown): Disclosure {
  const isMap = (m: unknown): m is Record<string, string> =>
    m !== null && typeof m === 'object' && !Array.isArray(m) && Object.values(m).every((v) => typeof v === 'string');
  const d = value as { salts?: unknown; commitments?: unknown } | null;
  if (!d || !isMap(d.salts) || !isMap(d.commitments)) throw new Error('not a disclosure');
  return { salts: d.salts, commitments: d.commitments };
}
