/**
 * A real evidence bundle, end to end: a drill run through real bash with
 * evidence recorded, exported with the PDF printed by real Chromium, signed
 * with a throwaway SSH key, then verified — and tampered with in every way
 * the brief lists, each of which verify must catch and name.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { tempDir } from '../../helpers/runbooks';
import { recordEvidenceDrill, SECRETS, type EvidenceDrill } from './fixture';
import { validate } from './json-schema';
import {
  chromiumPrintToPdf,
  exportBundle,
  loadRedactionPatterns,
  pdfPageCount,
  readBundle,
  terminalTranscripts,
  verifyBundle,
  verifyFiles,
  BundleReadError,
  type ExportResult,
  type VerifyResult,
} from '../../../main/evidence';
import { buildManifest, parseManifest, serializeManifest, sha256, type Manifest } from '../../../main/evidence/manifest';
import { disclosedEventHash, eventHash, isSalt, leafCommitment, leafSalt } from '../../../main/drill/chain';
import type { ExportedEvent as TypedExportedEvent } from '../../../main/evidence/bundle';

/** An exported event as these tests forge it: its data edited as plain JSON. */
type ExportedEvent = Omit<TypedExportedEvent, 'data'> & { data: Record<string, unknown> };
import { writeZip } from '../../../main/evidence/zip';
import type { DrillEvent } from '../../../main/drill/model';

let tmp: { dir: string; cleanup: () => void };
let fx: EvidenceDrill;
let signed: ExportResult;
let plain: ExportResult;
let keyFile: string;
let allowed: string;
let otherAllowed: string;

const hasPdftotext = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function pdfText(file: string): string {
  assert.ok(hasPdftotext, 'pdftotext is needed to read the PDF (apt-get install poppler-utils; .ci/run installs it)');
  // Reading order (not -layout), so a value wrapped inside a table cell stays together once whitespace is removed.
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function listFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel))
    .sort()
    .flatMap((n) => {
      const r = rel ? `${rel}/${n}` : n;
      return statSync(path.join(dir, r)).isDirectory() ? listFiles(dir, r) : [r];
    });
}

function keygen(file: string, comment: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
  return readFileSync(file + '.pub', 'utf8').trim();
}

before(async () => {
  tmp = tempDir('drillbook-bundle-');
  fx = await recordEvidenceDrill(tmp.dir);
  keyFile = path.join(tmp.dir, 'id_ana');
  const pub = keygen(keyFile, 'ana@example.com');
  allowed = path.join(tmp.dir, 'allowed_signers');
  writeFileSync(allowed, `ana@example.com namespaces="drillbook" ${pub}\n`);
  const otherPub = keygen(path.join(tmp.dir, 'id_mallory'), 'mallory@example.com');
  otherAllowed = path.join(tmp.dir, 'allowed_other');
  writeFileSync(otherAllowed, `mallory@example.com namespaces="drillbook" ${otherPub}\n`);

  const patterns = loadRedactionPatterns(fx.dataDir);
  const pdf = chromiumPrintToPdf();
  const src = { drills: fx.core.drills, attachments: fx.core.evidence.attachments };
  const transcripts = terminalTranscripts(fx.dataDir);
  signed = await exportBundle(src, fx.drill.id, { outDir: path.join(tmp.dir, 'signed'), zipPath: path.join(tmp.dir, 'signed.zip'), redact: true, patterns, printToPdf: pdf, signKey: keyFile, transcripts });
  plain = await exportBundle(src, fx.drill.id, { outDir: path.join(tmp.dir, 'unredacted'), redact: false, patterns, printToPdf: pdf, transcripts });
});

after(() => {
  fx?.core.close();
  tmp?.cleanup();
});

const names = (r: VerifyResult) => r.problems.map((p) => p.message).join('\n');

test('a fresh bundle verifies: every file, the hash chain, and the signature by an allowed signer (folder and zip)', async () => {
  for (const target of [signed.dir, signed.zipPath!]) {
    const r = await verifyBundle(target, { allowedSigners: allowed, expectHead: fx.drill.chainHead.slice(0, 16), requireSignature: true });
    assert.equal(r.ok, true, names(r));
    assert.ok(r.checked.some((c) => c.startsWith('signature valid: signed by ana@example.com')), r.checked.join('\n'));
    assert.ok(r.checked.some((c) => c.startsWith('hash chain intact')));
    assert.equal(r.manifest?.chain.head, fx.drill.chainHead);
  }
  const files = listFiles(signed.dir);
  for (const must of ['report.html', 'report.pdf', 'drill.json', 'steps.csv', 'manifest.json', 'manifest.json.sig', 'schema/drill.v1.schema.json']) {
    assert.ok(files.includes(must), `bundle has ${must}`);
  }
  assert.ok(files.some((f) => /^transcripts\/t0123456789ab\.txt$/.test(f)), 'the drill\'s terminal transcript');
  assert.ok(files.some((f) => /^transcripts\/t0123456789ab\.jsonl$/.test(f)), 'with its index');
  assert.ok(files.some((f) => /^transcripts\/t0123456789ab\.cast$/.test(f)), 'and as an asciicast v2 replay');
  assert.equal(files.filter((f) => f.startsWith('attachments/')).length, 3);

  // Without an allowed_signers file the signature still has to be valid, and verify says who was not checked.
  const unchecked = await verifyBundle(signed.dir);
  assert.equal(unchecked.ok, true, names(unchecked));
  assert.ok(unchecked.checked.some((c) => /who signed was not checked/.test(c)));
  // Signed, but not by anyone the auditor trusts.
  const stranger = await verifyBundle(signed.dir, { allowedSigners: otherAllowed });
  assert.equal(stranger.ok, false);
  assert.match(names(stranger), /signature invalid: made by ED25519 key SHA256:\S+ that is not in /);
  // Unsigned bundle, signature required.
  const required = await verifyBundle(plain.dir, { requireSignature: true });
  assert.match(names(required), /missing file manifest.json.sig: the bundle is not signed, and a signature is required/);
});

test('drill.json follows its versioned JSON Schema, carries the whole chain, and the manifest is bound to its head', () => {
  const schema = JSON.parse(readFileSync(path.join(signed.dir, 'schema/drill.v1.schema.json'), 'utf8')) as Record<string, unknown>;
  const repoSchema = JSON.parse(readFileSync(path.join(__dirname, '../../../main/evidence/schema/drill.v1.schema.json'), 'utf8')) as unknown;
  assert.deepEqual(schema, repoSchema, 'the bundle carries the schema it follows');
  for (const dir of [signed.dir, plain.dir]) {
    const doc = JSON.parse(readFileSync(path.join(dir, 'drill.json'), 'utf8')) as { events: DrillEvent[]; chain: { head: string }; redaction: { redactedEvents: number[] } };
    assert.deepEqual(validate(schema, doc), []);
    assert.equal(doc.events.length, fx.core.drills.events(fx.drill.id).length);
    assert.equal(doc.chain.head, fx.drill.chainHead);
  }
  const manifest = JSON.parse(readFileSync(path.join(signed.dir, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(manifest.chain.head, fx.drill.chainHead);
  assert.equal(manifest.tool.name, 'drillbook');
  assert.match(manifest.tool.version, /^\d+\.\d+\.\d+/);
  assert.equal(manifest.signed, true);
  const unredacted = JSON.parse(readFileSync(path.join(plain.dir, 'drill.json'), 'utf8')) as { redaction: { redactedEvents: number[] } };
  assert.deepEqual(unredacted.redaction.redactedEvents, [], 'an unredacted export re-hashes every event');
  // Every file the manifest lists is there with that hash, and nothing else is (bar the manifest and its signature).
  const listed = manifest.files.map((f) => f.path).sort();
  assert.deepEqual(listed, listFiles(signed.dir).filter((f) => f !== 'manifest.json' && f !== 'manifest.json.sig'));
  for (const f of manifest.files) assert.equal(sha256(readFileSync(path.join(signed.dir, f.path))), f.sha256);
});

test('report.pdf is a real PDF printed by Chromium, with the report in it', () => {
  const file = path.join(signed.dir, 'report.pdf');
  const pdf = readFileSync(file);
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(pdf.subarray(-1024).toString('latin1').includes('%%EOF'));
  assert.ok(pdfPageCount(pdf) > 0);
  assert.match(pdf.toString('latin1'), /\/(Producer|Creator)\s*\((Skia|Chromium)/);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
  assert.ok(pages > 0);
  assert.equal(pages, pdfPageCount(pdf));
  const text = pdfText(file);
  assert.ok(text.includes(fx.drill.id), 'the drill ID is in the PDF text');
  assert.ok(text.includes('Restore drill evidence'));
  assert.ok(text.includes('Orders database restore'));
  assert.ok(text.replace(/\s+/g, '').includes(fx.drill.chainHead), 'the chain head is in the PDF');
  // Every page is numbered "page X of Y" (issue 9).
  for (let i = 1; i <= pages; i++) assert.match(text, new RegExp(`page ${i} of ${pages}\\b`), `page ${i} of ${pages} in the footer`);
});

test('report.html carries what an auditor asks for', () => {
  const html = readFileSync(path.join(signed.dir, 'report.html'), 'utf8');
  const d = fx.drill;
  for (const must of [d.id, d.runbook.title, d.runbook.sha256, 'rehearsal', 'restore', 'orders DB only; no app failover', 'Bo', 'DBA', 'bk-2026-03-03-0830', d.chainHead, 'F1', 'R1', '2026-04-01', 'Restore tested as described.']) {
    assert.ok(html.includes(must), `report mentions ${must}`);
  }
  assert.match(html, /RTO \(recovery time\)<\/td><td>10m 00s<\/td><td>[^<]+<\/td><td><span class="badge ok">met/);
  assert.match(html, /RPO \(data loss\)<\/td><td>1h 00m 00s<\/td><td>25m 00s<\/td><td><span class="badge ok">met/);
  assert.match(html, /proved by command <strong>restore<\/strong>/, 'a bound command is the proof of its checklist item');
  assert.ok(!/<script|https?:\/\/(?!json-schema)/i.test(html.replace(/s3:\/\/backups\/orders|http:\/\/evil/g, '')), 'nothing to run or fetch');
  const csv = readFileSync(path.join(signed.dir, 'steps.csv'), 'utf8');
  assert.ok(csv.startsWith('step,key,title,status,started_at,ended_at,duration_seconds,operator,reason,rto_marker,checklist_done,checklist_total,commands_run,commands_failed,commands_typed\r\n'));
  assert.equal(csv.trimEnd().split('\r\n').length, 1 + d.steps.length);
});

test('redaction masks every planted credential in every artefact; an explicit unredacted export keeps them', () => {
  const artefacts = (dir: string) =>
    listFiles(dir)
      .filter((f) => f !== 'manifest.json.sig' && !f.endsWith('.png'))
      .map((f) => ({ f, text: f.endsWith('.pdf') ? pdfText(path.join(dir, f)).replace(/\s+/g, '') : readFileSync(path.join(dir, f), 'utf8') }));
  const red = artefacts(signed.dir);
  for (const [secret] of Object.values(SECRETS)) {
    for (const { f, text } of red) assert.ok(!text.includes(secret) && !text.includes(secret.slice(0, 12)), `${secret} leaked into ${f}`);
  }
  const get = (f: string) => red.find((x) => x.f === f)!.text;
  const transcriptFiles = red.filter((x) => x.f.startsWith('transcripts/'));
  assert.equal(transcriptFiles.length, 3, '.txt, .jsonl and the asciicast replay .cast');
  for (const t of transcriptFiles) assert.ok(t.text.includes('[REDACTED:password-assignment]'), `transcript ${t.f} masked`);
  const attachment = red.find((x) => x.f.endsWith('backup-listing.txt'))!;
  assert.ok(attachment.text.includes('[REDACTED:aws-secret-access-key]') && attachment.text.includes('bk-2026-03-03-0830 4.2G'));
  for (const f of ['report.html', 'drill.json']) {
    const text = get(f);
    for (const [, pattern] of Object.values(SECRETS)) {
      if (pattern === 'aws-secret-access-key') continue; // only in the attachment file
      assert.ok(text.includes(`[REDACTED:${pattern}]`), `${f} shows where a ${pattern} was masked`);
    }
  }
  assert.ok(get('report.pdf').includes('[REDACTED:'), 'the PDF is printed from the redacted report');
  const manifest = JSON.parse(get('manifest.json')) as Manifest;
  assert.equal(manifest.redaction.applied, true);
  assert.ok(manifest.redaction.masked['password-assignment']! >= 4);
  assert.ok(manifest.redaction.patterns.includes('private-key'));

  const raw = artefacts(plain.dir);
  const all = raw.map((x) => x.text).join('\n');
  for (const [secret] of Object.values(SECRETS)) assert.ok(all.includes(secret), `unredacted export keeps ${secret}`);
  for (const f of ['drill.json', 'report.html', 'report.pdf']) assert.ok(raw.find((x) => x.f === f)!.text.includes(SECRETS.pgPassword[0]), `${f} unredacted`);
  assert.ok(raw.find((x) => x.f.endsWith('.txt') && x.f.startsWith('transcripts/'))!.text.includes(SECRETS.transcriptPw[0]));
  assert.ok(raw.find((x) => x.f === 'report.html')!.text.includes('UNREDACTED EXPORT'));
  assert.ok(!all.includes('[REDACTED:'));
  assert.equal((JSON.parse(raw.find((x) => x.f === 'manifest.json')!.text) as Manifest).redaction.applied, false);
});

/** Positions to change in a file: first, last, middle, and a couple in between. */
function positions(size: number): number[] {
  return [...new Set([0, size - 1, Math.floor(size / 2), Math.floor(size / 3), Math.floor((2 * size) / 3)])].filter((p) => p >= 0 && p < size);
}

test('changing any single byte of any file of the bundle is caught, and the file is named', async () => {
  const work = path.join(tmp.dir, 'flip');
  cpSync(signed.dir, work, { recursive: true });
  const files = listFiles(work);
  let checks = 0;
  for (const f of files) {
    const file = path.join(work, f);
    const original = readFileSync(file);
    for (const pos of positions(original.length)) {
      const changed = Buffer.from(original);
      changed[pos] = changed[pos]! ^ 0xff;
      writeFileSync(file, changed);
      const r = await verifyBundle(work, { allowedSigners: allowed });
      assert.equal(r.ok, false, `${f} byte ${pos} changed unnoticed`);
      assert.ok(
        r.problems.some((p) => p.file === f && p.message.includes(f)),
        `${f} byte ${pos}: the problem names another file:\n${names(r)}`,
      );
      checks++;
    }
    writeFileSync(file, original);
  }
  const clean = await verifyBundle(work, { allowedSigners: allowed });
  assert.equal(clean.ok, true, 'restored: ' + names(clean));
  assert.ok(files.length >= 12 && checks >= files.length * 3, `${files.length} files, ${checks} changes`);
});

test('a modified file is reported with the expected and the actual hash', async () => {
  const work = path.join(tmp.dir, 'modified');
  cpSync(signed.dir, work, { recursive: true });
  const before = readFileSync(path.join(work, 'steps.csv'));
  const after = Buffer.concat([before, Buffer.from('9,x,Injected,completed\r\n')]);
  writeFileSync(path.join(work, 'steps.csv'), after);
  const r = await verifyBundle(work, { allowedSigners: allowed });
  assert.deepEqual(r.problems.map((p) => p.message), [`modified file steps.csv (expected sha256 ${sha256(before)}, got sha256 ${sha256(after)})`]);
});

test('removing any file, or adding one, is caught and named', async () => {
  const work = path.join(tmp.dir, 'remove');
  cpSync(signed.dir, work, { recursive: true });
  for (const f of listFiles(work)) {
    const file = path.join(work, f);
    const original = readFileSync(file);
    unlinkSync(file);
    const r = await verifyBundle(work, { allowedSigners: allowed });
    assert.equal(r.ok, false, `removing ${f} went unnoticed`);
    assert.ok(r.problems.some((p) => p.kind === 'missing' && p.message.startsWith(`missing file ${f}`)), `removing ${f}:\n${names(r)}`);
    writeFileSync(file, original);
  }
  for (const extra of ['notes.txt', 'attachments/extra.bin', 'transcripts/deep/more.txt', '.DS_Store']) {
    mkdirSync(path.dirname(path.join(work, extra)), { recursive: true });
    writeFileSync(path.join(work, extra), 'x');
    const r = await verifyBundle(work, { allowedSigners: allowed });
    assert.deepEqual(r.problems.map((p) => p.message), [`unexpected file ${extra}: it is not in the manifest`]);
    rmSync(path.join(work, extra));
  }
  symlinkSync('/etc/passwd', path.join(work, 'attachments', 'link'));
  const linked = await verifyBundle(work, { allowedSigners: allowed });
  assert.deepEqual(linked.problems.map((p) => p.message), ['unexpected file attachments/link (not a regular file): it is not in the manifest']);
  unlinkSync(path.join(work, 'attachments', 'link'));
  const missingManifest = path.join(work, 'manifest.json');
  const m = readFileSync(missingManifest);
  unlinkSync(missingManifest);
  assert.match(names(await verifyBundle(work)), /^missing file manifest.json: without it nothing in the bundle can be checked$/);
  writeFileSync(missingManifest, m);
  assert.equal((await verifyBundle(work, { allowedSigners: allowed })).ok, true);
});

test('in a zip bundle, a changed byte in any entry, a removed entry and an added one are caught and named', async () => {
  const zipFile = signed.zipPath!;
  const zipBytes = readFileSync(zipFile);
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true, autoClose: false });
  const spans: { name: string; start: number; size: number }[] = [];
  for await (const entry of zip.eachEntry()) {
    const h = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    spans.push({ name: entry.fileName, start: h.fileDataStart, size: entry.compressedSize });
  }
  zip.close();
  assert.equal(spans.length, listFiles(signed.dir).length);
  const work = path.join(tmp.dir, 'flip.zip');
  const originalFiles = (await readBundle(zipFile)).files;
  let sameContent = 0;
  for (const s of spans) {
    for (const pos of positions(s.size)) {
      const changed = Buffer.from(zipBytes);
      changed[s.start + pos] = changed[s.start + pos]! ^ 0xff;
      writeFileSync(work, changed);
      let message: string;
      let r: VerifyResult;
      try {
        r = await verifyBundle(work, { allowedSigners: allowed });
      } catch (err) {
        assert.ok(err instanceof BundleReadError, String(err));
        assert.ok(err.message.includes(s.name), `${s.name} byte ${pos}: ${err.message}`);
        continue;
      }
      if (r.ok) {
        // A flipped byte of compressed data can still inflate to exactly the original bytes (a deflate stream can
        // say the same thing more than one way, e.g. a back-reference moved to an identical earlier copy). CI once
        // saw verify pass such a flip in manifest.json. Nothing the auditor relies on changed then, which is checked
        // here; a flip that changed an entry's content and still verified would be a real miss and fails.
        const after = (await readBundle(work)).files.get(s.name);
        assert.ok(after?.equals(originalFiles.get(s.name)!), `${s.name} byte ${pos} changed its content unnoticed`);
        sameContent++;
        continue;
      }
      message = names(r);
      assert.ok(message.includes(s.name), `${s.name} byte ${pos}: ${message}`);
    }
  }
  assert.ok(sameContent <= 2, `${sameContent} flipped bytes left every entry's content as it was; expected that to be rare`);
  const { files } = await readBundle(zipFile);
  const without = new Map(files);
  without.delete('steps.csv');
  await writeZip(without, work + '.less', new Date());
  assert.match(names(await verifyBundle(work + '.less', { allowedSigners: allowed })), /^missing file steps.csv$/);
  const withMore = new Map(files);
  withMore.set('attachments/planted.sh', Buffer.from('#!/bin/sh\n'));
  await writeZip(withMore, work + '.more', new Date());
  assert.match(names(await verifyBundle(work + '.more', { allowedSigners: allowed })), /^unexpected file attachments\/planted.sh: it is not in the manifest$/);
});

/** Edits drill.json with `edit`, then does what a careful forger would: fixes drill.json's hash in the manifest and the manifest's digest. */
function forge(dir: string, edit: (doc: { events: ExportedEvent[]; chain: { head: string }; drill: { chainHead: string } }) => void): void {
  const file = path.join(dir, 'drill.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { events: ExportedEvent[]; chain: { head: string }; drill: { chainHead: string } };
  edit(doc);
  const bytes = Buffer.from(JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(file, bytes);
  const parsed = parseManifest(readFileSync(path.join(dir, 'manifest.json')));
  assert.ok(parsed.ok);
  const { digest: _old, files: _files, ...body } = parsed.manifest;
  const current = new Map(listFiles(dir).filter((f) => f !== 'manifest.json' && f !== 'manifest.json.sig').map((f) => [f, readFileSync(path.join(dir, f))]));
  const head = doc.events[doc.events.length - 1]!.hash;
  const forged = buildManifest({ ...body, chain: { ...body.chain, head } }, current);
  writeFileSync(path.join(dir, 'manifest.json'), serializeManifest(forged));
}

test('an edited event breaks the chain even when the forger fixes the manifest; rebuilding the chain is caught by the recorded head and the signature', async () => {
  const events = fx.core.drills.events(fx.drill.id);
  const victim = events.find((e) => e.type === 'step.completed')!;

  // Unsigned bundle: change when a step completed, fix the manifest's hash for drill.json.
  const a = path.join(tmp.dir, 'forge-a');
  cpSync(plain.dir, a, { recursive: true });
  forge(a, (doc) => {
    doc.events[victim.seq - 1]!.at = '2026-03-03T09:00:05.000Z';
  });
  let r = await verifyBundle(a);
  assert.deepEqual(r.problems.map((p) => p.message), [`chain broken at event ${victim.seq} (step.completed): its content does not match its hash (the event was altered)`]);

  // The forger also re-hashes that event and every one after it: the chain links up again, under a new head.
  const b = path.join(tmp.dir, 'forge-b');
  cpSync(plain.dir, b, { recursive: true });
  forge(b, (doc) => {
    doc.events[victim.seq - 1]!.at = '2026-03-03T09:00:05.000Z';
    let prev = doc.events[victim.seq - 2]!.hash;
    for (const e of doc.events.slice(victim.seq - 1)) {
      e.prevHash = prev;
      e.hash = e.disclosure ? disclosedEventHash(e, e.disclosure) : eventHash(e);
      prev = e.hash;
    }
    doc.chain.head = prev;
    doc.drill.chainHead = prev;
  });
  // The chain links up, but what the log now says (a step's end) is no longer what steps.csv and the report say: re-derived and compared.
  r = await verifyBundle(b);
  assert.deepEqual(r.problems.map((p) => [p.kind, p.file]), [['derived', 'steps.csv'], ['derived', 'report.html']], names(r));
  assert.match(names(r), /steps\.csv does not say what the verified log says: row \d+ is ".*", the log gives ".*2026-03-03T09:00:05\.000Z/);
  r = await verifyBundle(b, { expectHead: fx.drill.chainHead });
  assert.ok(r.problems.some((p) => p.kind === 'head' && new RegExp(`^chain head [0-9a-f]{64} is not the one recorded elsewhere \\(${fx.drill.chainHead}\\)$`).test(p.message)), names(r));

  // Same forgery on the signed bundle: the signature no longer matches the manifest.
  const c = path.join(tmp.dir, 'forge-c');
  cpSync(signed.dir, c, { recursive: true });
  forge(c, (doc) => {
    doc.events[victim.seq - 1]!.at = '2026-03-03T09:00:05.000Z';
  });
  r = await verifyBundle(c, { allowedSigners: allowed });
  assert.ok(r.problems.some((p) => p.file === 'manifest.json.sig' && p.message.startsWith('signature invalid')), names(r));
  assert.ok(r.problems.some((p) => p.kind === 'chain' && p.message.includes(`event ${victim.seq}`)), names(r));

  // An event masked on export is re-hashed through its disclosure (chain v2): editing what it shows is caught by the chain too.
  const maskedSeq = signed.redaction.redactedEvents[0]!;
  const d = path.join(tmp.dir, 'forge-d');
  cpSync(signed.dir, d, { recursive: true });
  forge(d, (doc) => {
    doc.events[maskedSeq - 1]!.data.exitCode = 42;
  });
  r = await verifyBundle(d, { allowedSigners: allowed });
  assert.deepEqual(r.problems.map((p) => p.file), ['manifest.json.sig', 'drill.json'], names(r));
  assert.match(names(r), new RegExp(`chain broken at event ${maskedSeq} \\(command\\.run\\): its content does not match its hash`));

  // Removing an event (and fixing the hashes) breaks the links.
  const e = path.join(tmp.dir, 'forge-e');
  cpSync(plain.dir, e, { recursive: true });
  forge(e, (doc) => {
    doc.events.splice(victim.seq - 1, 1);
  });
  r = await verifyBundle(e);
  assert.match(names(r), new RegExp(`chain broken at event ${victim.seq}: found seq ${victim.seq + 1}`));
});

test('a bundle whose log holds an event the catalogue cannot read, re-chained so its hashes hold, is one clear problem, not a crash', async () => {
  // Before the decoder, verify folded the junk (String(5) as the note's text) and judged the reports by it.
  const note = fx.core.drills.events(fx.drill.id).find((e) => e.type === 'note.added')!;
  const dir = path.join(tmp.dir, 'forge-junk');
  cpSync(plain.dir, dir, { recursive: true });
  forge(dir, (doc) => {
    doc.events[note.seq - 1]!.data = { text: 5 };
    let prev = doc.events[note.seq - 2]!.hash;
    for (const e of doc.events.slice(note.seq - 1)) {
      e.prevHash = prev;
      e.hash = eventHash(e);
      prev = e.hash;
    }
    doc.chain.head = prev;
    doc.drill.chainHead = prev;
  });
  const r = await verifyBundle(dir);
  assert.deepEqual(
    r.problems.map((p) => [p.kind, p.file, p.message]),
    [['chain', 'drill.json', `drill ${fx.drill.id} event ${note.seq} (note.added): data.text must be a string, not a number: drill.json cannot be read as a Drillbook drill log`]],
  );
});

test('chain v2: every event of a redacted bundle is re-hashed, and a masked event gives away nothing it masked', async () => {
  const total = fx.core.drills.events(fx.drill.id).length;
  const maskedSeqs = signed.redaction.redactedEvents;
  assert.ok(maskedSeqs.length >= 2, 'the fixture masks secrets in several events');
  const ok = await verifyBundle(signed.dir, { allowedSigners: allowed });
  assert.equal(ok.ok, true, names(ok));
  assert.ok(
    ok.checked.includes(`hash chain intact: ${total} events, head ${fx.drill.chainHead}; ${total} re-hashed (${maskedSeqs.length} of them shown masked, re-hashed from their disclosed commitments)`),
    ok.checked.join('\n'),
  );

  const doc = JSON.parse(readFileSync(path.join(signed.dir, 'drill.json'), 'utf8')) as { events: ExportedEvent[] };
  for (const e of doc.events) {
    if (maskedSeqs.includes(e.seq)) {
      assert.equal(e.salt, undefined, `masked event ${e.seq} does not ship its salt`);
      assert.ok(e.disclosure && Object.keys(e.disclosure.commitments).length > 0, `masked event ${e.seq} ships commitments`);
      for (const pointer of Object.keys(e.disclosure.commitments)) assert.equal(e.disclosure.salts[pointer], undefined, 'no salt for a masked string');
    } else {
      assert.ok(isSalt(e.salt) && e.disclosure === undefined, `event ${e.seq}, shown as recorded, carries its salt`);
    }
  }
  // The masked note: its commitment matches the recorded text only with the salt that stays in the local history.
  const recorded = fx.core.drills.events(fx.drill.id);
  const note = doc.events.find((e) => e.type === 'note.added' && maskedSeqs.includes(e.seq))!;
  const original = recorded[note.seq - 1]! as { data: Record<string, unknown>; salt?: string };
  assert.match(String(original.data.text), new RegExp(SECRETS.noteSecret[0]));
  assert.equal(note.disclosure!.commitments['/text'], leafCommitment(leafSalt(original.salt!, '/text'), String(original.data.text)));
  assert.doesNotMatch(JSON.stringify(note), new RegExp(SECRETS.noteSecret[0]));

  const chainProblems = async (edit: (events: ExportedEvent[]) => void) => {
    const dir = mkdtempSync(path.join(tmp.dir, 'v2-'));
    cpSync(signed.dir, dir, { recursive: true });
    forge(dir, (d) => edit(d.events));
    const r = await verifyBundle(dir);
    return r.problems.filter((p) => p.kind === 'chain').map((p) => p.message);
  };
  const victim = doc.events.find((e) => e.seq > 1 && e.disclosure && Object.keys(e.disclosure.salts).length > 0 && maskedSeqs.includes(e.seq))!;
  const shownPointer = Object.keys(victim.disclosure!.salts)[0]!;
  const shownKey = shownPointer.split('/')[1]!;
  // A string shown as recorded, next to a masked one, is still bound to the chain.
  assert.deepEqual(
    await chainProblems((es) => {
      const data = es[victim.seq - 1]!.data;
      if (shownPointer.split('/').length === 2) data[shownKey] = String(data[shownKey]) + ' (edited)';
      else throw new Error(`pick a top-level string, not ${shownPointer}`);
    }),
    [`chain broken at event ${victim.seq} (${victim.type}): its content does not match its hash (the event was altered)`],
  );
  // A masked string's visible text must still say it is masked.
  const maskedPointer = Object.keys(victim.disclosure!.commitments)[0]!;
  assert.deepEqual(
    await chainProblems((es) => {
      es[victim.seq - 1]!.data[maskedPointer.slice(1)] = 'nothing to see here';
    }),
    [`event ${victim.seq} (${victim.type}) shows ${maskedPointer} as masked without a [REDACTED:…] marker (the event was altered)`],
  );
  // Dropping the disclosure to pass the event off as one from before chain v2 is caught.
  assert.deepEqual(
    await chainProblems((es) => {
      delete es[victim.seq - 1]!.disclosure;
    }),
    [`chain broken at event ${victim.seq} (${victim.type}): it carries neither salt nor disclosure, unlike the events before it (the event was altered)`],
  );
  // Claiming a shown string was masked, with a commitment made from its disclosed salt, changes nothing it could hide.
  assert.deepEqual(
    await chainProblems((es) => {
      const e = es[victim.seq - 1]!;
      e.disclosure!.commitments[shownPointer] = 'f'.repeat(64);
    }),
    [`chain broken at event ${victim.seq} (${victim.type}): its content does not match its hash (the event was altered)`],
  );
});

test('a drill recorded before chain v2: its masked events link into the chain and are named as covered by the manifest only', async () => {
  // The same drill as a history from before the upgrade holds it: no salts, v1 hashes.
  const real = fx.core.drills;
  const v1: DrillEvent[] = [];
  for (const e of real.events(fx.drill.id)) {
    const { salt: _salt, hash: _hash, ...body } = e;
    const unsalted = { ...body, prevHash: v1.at(-1)?.hash ?? '' };
    v1.push({ ...unsalted, hash: eventHash(unsalted) });
  }
  const head = v1.at(-1)!.hash;
  const legacy = {
    events: () => v1,
    get: (id: string) => ({ ...real.get(id), chainHead: head }),
    runbookOf: (id: string) => real.runbookOf(id),
  } as unknown as typeof real;
  const patterns = loadRedactionPatterns(fx.dataDir);
  const out = await exportBundle({ drills: legacy, attachments: fx.core.evidence.attachments }, fx.drill.id, { outDir: path.join(tmp.dir, 'legacy'), redact: true, patterns, printToPdf: null });
  const masked = out.redaction.redactedEvents;
  assert.deepEqual(masked, signed.redaction.redactedEvents);
  const doc = JSON.parse(readFileSync(path.join(out.dir, 'drill.json'), 'utf8')) as { events: ExportedEvent[] };
  assert.ok(doc.events.every((e) => e.salt === undefined && e.disclosure === undefined));
  const r = await verifyBundle(out.dir, { expectHead: head });
  assert.equal(r.ok, true, names(r));
  assert.ok(
    r.checked.includes(`hash chain intact: ${v1.length} events, head ${head}; ${v1.length - masked.length} re-hashed; ${masked.length} masked on export from before chain v2 (events ${masked.join(', ')}) are covered by the manifest (and signature) only`),
    r.checked.join('\n'),
  );
});

test('verify reads bundles defensively: not a bundle, a damaged zip, unsafe zip paths', async () => {
  const notZip = path.join(tmp.dir, 'not.zip');
  writeFileSync(notZip, 'hello');
  await assert.rejects(verifyBundle(notZip), (err: Error) => err instanceof BundleReadError && /is not a readable zip file/.test(err.message));
  await assert.rejects(verifyBundle(path.join(tmp.dir, 'nope')), /no such bundle/);
  const empty = path.join(tmp.dir, 'empty-dir');
  mkdirSync(empty);
  const r = await verifyFiles({ files: new Map(), special: new Set() });
  assert.equal(r.ok, false);
  assert.equal((await verifyBundle(empty)).problems[0]!.message.startsWith('missing file manifest.json'), true);
  // yazl refuses to write "../" names, so build a zip whose name is patched afterwards.
  const evil = path.join(tmp.dir, 'evil.zip');
  await writeZip(new Map([['aa/x.txt', Buffer.from('x')]]), evil, new Date());
  const bytes = readFileSync(evil);
  let i = bytes.indexOf('aa/x.txt');
  while (i !== -1) {
    bytes.write('../x.txt', i, 'latin1');
    i = bytes.indexOf('aa/x.txt', i + 1);
  }
  writeFileSync(evil, bytes);
  await assert.rejects(verifyBundle(evil), (err: Error) => err instanceof BundleReadError && /x\.txt/.test(err.message));
  assert.ok(existsSync(evil));
});

/** Rewrites a file of a bundle folder in place. */
function rewrite(dir: string, rel: string, edit: (text: string) => string): void {
  const f = path.join(dir, rel);
  const before = readFileSync(f, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the rewrite of ${rel} changed nothing`);
  writeFileSync(f, after);
}

test('issue 12: the report, steps.csv, transcripts and the summary rewritten together with an unsigned manifest do not pass on the chain head', async () => {
  const dir = path.join(tmp.dir, 'relabelled');
  cpSync(plain.dir, dir, { recursive: true });
  const status = fx.drill.status;
  const other = status === 'completed' ? 'failed' : 'completed';
  // Every human-readable statement of the outcome, relabelled; the event log itself is left intact.
  rewrite(dir, 'steps.csv', (t) => t.replace(/,(completed|failed|skipped),/g, `,${other},`));
  rewrite(dir, 'report.html', (t) => t.replace(/(<span class="badge [a-z-]+">)(completed|failed|skipped)(<\/span>)/g, `$1${other}$3`));
  for (const t of listFiles(dir).filter((f) => f.startsWith('transcripts/') && f.endsWith('.txt'))) writeFileSync(path.join(dir, t), 'all good\n');
  forge(dir, (doc) => {
    (doc.drill as unknown as { status: string }).status = other;
  });
  const r = await verifyBundle(dir, { expectHead: fx.drill.chainHead });
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.problems.map((p) => [p.kind, p.file]),
    [
      ['derived', 'steps.csv'],
      ['derived', 'report.html'],
      ['derived', 'drill.json'],
    ],
    names(r),
  );
  assert.match(names(r), /report\.html does not say what the verified log says: its result and steps table differ from the log's/);
  assert.match(names(r), new RegExp(`drill\\.json's drill summary \\(${other}\\) does not match its own event log \\(${status}\\)`));
  // The transcripts are not derivable from the log: an intact bundle's OK says they rest on the unsigned manifest.
  const ok = await verifyBundle(plain.dir, { expectHead: fx.drill.chainHead });
  assert.equal(ok.ok, true, names(ok));
  assert.match(ok.coverage ?? '', /The rest \(.*transcripts\/.*\) is covered only by manifest\.json, which is not signed: whoever rewrote them could have rewritten it too\./);
  const trusted = await verifyBundle(signed.dir, { allowedSigners: allowed });
  assert.match(trusted.coverage ?? '', /^nothing in the bundle was changed since .*ana@example\.com.* signed it\.$/);
});

test('issue 12: --allowed-signers requires a signature: a stripped, relabelled bundle fails', async () => {
  const dir = path.join(tmp.dir, 'stripped');
  cpSync(signed.dir, dir, { recursive: true });
  unlinkSync(path.join(dir, 'manifest.json.sig'));
  const parsed = parseManifest(readFileSync(path.join(dir, 'manifest.json')));
  assert.ok(parsed.ok);
  const { digest: _d, files: _f, ...body } = parsed.manifest;
  const current = new Map(listFiles(dir).filter((f) => f !== 'manifest.json').map((f) => [f, readFileSync(path.join(dir, f))]));
  writeFileSync(path.join(dir, 'manifest.json'), serializeManifest(buildManifest({ ...body, signed: false }, current)));
  const r = await verifyBundle(dir, { allowedSigners: allowed });
  assert.equal(r.ok, false);
  assert.match(names(r), /^missing file manifest\.json\.sig: the bundle is not signed, and a signature is required \(--allowed-signers names who must have signed it\)$/);
});
