import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../main/store/db';
import { DrillService } from '../../../main/drill/service';
import { manualClock } from '../../../main/drill/clock';
import { UserError } from '../../../main/common/errors';
import { AttachmentStore, compilePatterns, EvidenceService, exportBundle, verifyBundle, type TranscriptSource } from '../../../main/evidence';
import { makeRunbook, tempDir } from '../../helpers/runbooks';

function setup() {
  const tmp = tempDir('drillbook-export-');
  const clock = manualClock();
  const db = openDatabase(path.join(tmp.dir, 'data'));
  const drills = new DrillService(db, clock.now, { pid: process.pid, session: 's1' });
  const store = new AttachmentStore(path.join(tmp.dir, 'data'));
  const ev = new EvidenceService(drills, store, clock.now, { dataDir: path.join(tmp.dir, 'data') });
  const rb = makeRunbook([{ title: 'Restore', checklist: ['Done'] }], 60);
  const id = drills.start(rb, 'rehearsal', 'ana').id;
  const opts = (out: string, redact = true) => ({ outDir: path.join(tmp.dir, out), redact, patterns: compilePatterns(), printToPdf: null });
  return { tmp, db, drills, ev, store, id, opts, clock, done: () => { db.close(); tmp.cleanup(); } };
}

test('binary attachments that look like they hold credentials are withheld from a redacted bundle, and only from it', async () => {
  const { drills, ev, store, id, opts, tmp, done } = setup();
  try {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), Buffer.from('tEXtComment AKIAIOSFODNN7EXAMPLE')]);
    const clean = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]);
    ev.addAttachment(id, { stepIndex: 0, name: 'screenshot.png', kind: 'file', mediaType: 'image/png', bytes: png });
    ev.addAttachment(id, { stepIndex: 0, name: 'clean.png', kind: 'file', mediaType: 'image/png', bytes: clean });
    ev.addAttachment(id, { stepIndex: null, name: 'clean.png', kind: 'file', mediaType: 'image/png', bytes: clean }); // same bytes again
    ev.addAttachment(id, { stepIndex: null, name: 'clean.png', kind: 'file', mediaType: 'image/png', bytes: Buffer.from([0x89, 9, 9, 9]) }); // same name, other bytes
    const src = { drills, attachments: store };
    const red = await exportBundle(src, id, opts('red'));
    assert.deepEqual(red.redaction.withheld, ['screenshot.png: a binary file that appears to hold credentials (aws-access-key-id) cannot be redacted; export unredacted to include it']);
    const files = readdirSync(path.join(tmp.dir, 'red', 'attachments')).sort();
    assert.equal(files.length, 2, `one file per distinct content: ${files.join(', ')}`);
    const doc = JSON.parse(readFileSync(path.join(tmp.dir, 'red', 'drill.json'), 'utf8')) as { attachments: { name: string; bundlePath: string | null; withheld: string | null }[] };
    assert.equal(doc.attachments.find((a) => a.name === 'screenshot.png')!.bundlePath, null);
    assert.equal(doc.attachments.filter((a) => a.bundlePath !== null).length, 3);
    const html = readFileSync(path.join(tmp.dir, 'red', 'report.html'), 'utf8');
    assert.match(html, /screenshot\.png <em>\(withheld: a binary file that appears to hold credentials/);
    assert.equal((await verifyBundle(path.join(tmp.dir, 'red'))).ok, true);

    const raw = await exportBundle(src, id, opts('raw', false));
    assert.deepEqual(raw.redaction.withheld, []);
    assert.equal(readdirSync(path.join(tmp.dir, 'raw', 'attachments')).length, 3);
  } finally {
    done();
  }
});

test('an attachment missing from the store is reported in the bundle, not fatal', async () => {
  const { drills, ev, store, id, opts, done } = setup();
  try {
    const s = ev.addAttachment(id, { stepIndex: 0, name: 'log.txt', kind: 'file', mediaType: 'text/plain', bytes: Buffer.from('hello') });
    const sha = s.evidence.attachments[0]!.sha256;
    rmSync(path.join(store.root, sha.slice(0, 2), sha));
    const r = await exportBundle({ drills, attachments: store }, id, opts('out'));
    assert.equal(r.redaction.withheld.length, 1);
    assert.match(r.redaction.withheld[0]!, /^log\.txt: attachment [0-9a-f]{12}… is missing from /);
  } finally {
    done();
  }
});

test('a drill whose recorded log fails its hash check is not exported as evidence', async () => {
  const { drills, db, id, opts, tmp, done, store } = setup();
  try {
    drills.stepStart(id, 0);
    db.prepare("UPDATE events SET data = '{\"forged\":true}' WHERE drill_id = ? AND seq = 2").run(id);
    const fresh = new DrillService(db, manualClock().now, { pid: process.pid, session: 's2' });
    await assert.rejects(
      exportBundle({ drills: fresh, attachments: store }, id, opts('out')),
      (err: Error) => err instanceof UserError && /fails its hash check \(event 2 \(step.started\) was altered/.test(err.message),
    );
    assert.deepEqual(readdirSync(tmp.dir).filter((n) => n.includes('out')), [], 'nothing half-written');
  } finally {
    done();
  }
});

test('export refuses a non-empty folder and leaves nothing behind when it fails', async () => {
  const { drills, store, id, opts, tmp, done } = setup();
  try {
    mkdirSync(path.join(tmp.dir, 'busy'));
    writeFileSync(path.join(tmp.dir, 'busy', 'keep.txt'), 'mine');
    await assert.rejects(exportBundle({ drills, attachments: store }, id, opts('busy')), /is not empty/);
    assert.deepEqual(readdirSync(path.join(tmp.dir, 'busy')), ['keep.txt']);
    const failing = { ...opts('pdf-fails'), printToPdf: async () => Promise.reject(new Error('printer on fire')) };
    await assert.rejects(exportBundle({ drills, attachments: store }, id, failing), /printer on fire/);
    assert.ok(!existsSync(path.join(tmp.dir, 'pdf-fails')));
    assert.deepEqual(readdirSync(tmp.dir).filter((n) => n.includes('partial')), []);
    // An empty folder is fine.
    mkdirSync(path.join(tmp.dir, 'empty'));
    await exportBundle({ drills, attachments: store }, id, opts('empty'));
    assert.ok(existsSync(path.join(tmp.dir, 'empty', 'manifest.json')));
  } finally {
    done();
  }
});

test('transcripts from any source become redacted text and a redacted index', async () => {
  const { drills, store, id, opts, tmp, done } = setup();
  try {
    const source: TranscriptSource = {
      list: () => [{ id: '../../etc/x', title: 'local shell', stepIndex: 0, startedAt: '2026-01-01T09:00:00.000Z', endedAt: null }],
      read: () => Buffer.from('\x1b[1m$\x1b[0m export TOKEN=abc123secret\r\nprogress 10%\rprogress 100%\r\n'),
      index: () => '{"t":"command","text":"export TOKEN=abc123secret","at":"2026-01-01T09:00:00.000Z","offset":0}\n{"torn',
    };
    await exportBundle({ drills, attachments: store }, id, { ...opts('t'), transcripts: source });
    const dir = path.join(tmp.dir, 't', 'transcripts');
    // The asciicast copy (issue 13's transcripts/*.cast) is written beside them, redacted as well.
    assert.deepEqual(readdirSync(dir).sort(), ['x.cast', 'x.jsonl', 'x.txt']);
    assert.ok(!readFileSync(path.join(dir, 'x.cast'), 'utf8').includes('abc123secret'), 'the cast is redacted too');
    assert.equal(readFileSync(path.join(dir, 'x.txt'), 'utf8'), '$ export TOKEN=[REDACTED:password-assignment]\nprogress 100%\n');
    const index = readFileSync(path.join(dir, 'x.jsonl'), 'utf8').split('\n');
    assert.deepEqual(JSON.parse(index[0]!), { t: 'command', text: 'export TOKEN=[REDACTED:password-assignment]', at: '2026-01-01T09:00:00.000Z', offset: 0 });
    assert.equal(index[1], '{"torn', 'a torn line is kept (redacted as text)');
  } finally {
    done();
  }
});

test('exports into the data folder get unique names, and only those names are served', async () => {
  const { ev, id, done } = setup();
  try {
    const a = await ev.export(id, { pdf: false });
    const b = await ev.export(id, { pdf: false });
    assert.notEqual(a.name, b.name);
    assert.match(b.name, /-2$/);
    assert.equal(ev.exportZip(a.name), a.zipPath);
    assert.equal(ev.exportZip('../' + a.name), null);
    assert.equal(ev.exportZip(a.name + '/../x'), null);
    assert.equal(ev.exportZip('nosuchdrill-20260101T000000Z'), null);
  } finally {
    done();
  }
});
