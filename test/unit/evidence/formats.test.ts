import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, toCsv } from '../../../main/evidence/csv';
import { buildManifest, parseManifest, serializeManifest, type ManifestBody } from '../../../main/evidence/manifest';
import { renderReportHtml, timelineSvg } from '../../../main/evidence/report-html';
import { buildReportModel } from '../../../main/evidence/report-model';
import { reduceDrill } from '../../../main/drill/reduce';
import { eventHash } from '../../../main/drill/chain';
import type { DrillEvent } from '../../../main/drill/model';
import { safeFileName } from '../../../main/evidence';

test('CSV: RFC 4180 quoting (comma, quote, CR, LF) and CRLF rows', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\rhere'), '"cr\rhere"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(12.5), '12.5');
  assert.equal(toCsv(['a', 'b'], [['1', 2], [null, 'x,y']]), 'a,b\r\n1,2\r\n,"x,y"\r\n');
});

test('CSV: text a spreadsheet would run as a formula is defused', () => {
  for (const evil of ['=HYPERLINK("http://evil","x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
    const out = csvField(evil);
    const unquoted = out.startsWith('"') ? out.slice(1, -1).replace(/""/g, '"') : out;
    assert.ok(unquoted.startsWith("'"), `${JSON.stringify(evil)} → ${out}`);
  }
  assert.equal(csvField(-5), '-5', 'numbers we write are numbers, not text');
  assert.equal(csvField('a=b'), 'a=b');
});

function body(): Omit<ManifestBody, 'files'> {
  return {
    format: 'drillbook-evidence-bundle',
    formatVersion: 1,
    tool: { name: 'drillbook', version: '1.2.3' },
    drillId: 'abcdef-123',
    createdAt: '2026-01-01T00:00:00.000Z',
    chain: { head: 'a'.repeat(64), events: 3, redactedEvents: [2] },
    redaction: { applied: true, patterns: ['jwt'], masked: { jwt: 1 } },
    pdf: true,
    signed: false,
  };
}

test('manifest: round-trips byte for byte; any change to it is reported as a change to the manifest', () => {
  const files = new Map([
    ['b.txt', Buffer.from('bee')],
    ['a.txt', Buffer.from('ay')],
  ]);
  const m = buildManifest(body(), files);
  assert.deepEqual(m.files.map((f) => f.path), ['a.txt', 'b.txt']);
  const bytes = serializeManifest(m);
  const parsed = parseManifest(bytes);
  assert.equal(parsed.ok, true);
  // Every single byte, changed.
  for (let i = 0; i < bytes.length; i++) {
    const copy = Buffer.from(bytes);
    copy[i] = copy[i] === 0x20 ? 0x09 : copy[i]! ^ 0x01;
    const r = parseManifest(copy);
    assert.equal(r.ok, false, `byte ${i} (${JSON.stringify(String.fromCharCode(bytes[i]!))}) changed unnoticed`);
  }
  const doubled = JSON.parse(bytes.toString()) as { files: unknown[] };
  doubled.files.push(doubled.files[0]);
  assert.equal(parseManifest(Buffer.from(JSON.stringify(doubled))).ok, false);
});

function events(): DrillEvent[] {
  const out: DrillEvent[] = [];
  const add = (type: DrillEvent['type'], stepIndex: number | null, data: Record<string, unknown>, operator = 'ana') => {
    const prev = out[out.length - 1];
    const wallMs = Date.UTC(2026, 0, 1, 9, 0, out.length * 10);
    const e = { drillId: 'drill-xyz123', seq: out.length + 1, type, at: new Date(wallMs).toISOString(), wallMs, monoMs: 1000 + out.length * 10_000, clock: 'c', operator, stepIndex, data, prevHash: prev?.hash ?? '' };
    out.push({ ...e, hash: eventHash(e) } as DrillEvent);
  };
  add('drill.started', null, {
    runbook: { title: '<script>alert(1)</script> & "restore"', path: '/r.md', sha256: 'f'.repeat(64) },
    mode: 'rehearsal',
    rtoTargetSec: 60,
    rpoTargetSec: 600,
    steps: [
      { key: 'a', title: 'Step <b>A</b>', rtoStart: false, rtoEnd: false, checklist: [{ text: 'Item <i>', line: 3, checked: false }] },
      { key: 'b', title: 'Step B', rtoStart: false, rtoEnd: false, checklist: [] },
    ],
  });
  add('step.started', 0, {});
  add('check.set', 0, { itemIndex: 0, checked: true, note: '<img src=x onerror=alert(1)>' });
  add('drill.paused', null, { reason: 'coffee' });
  add('drill.resumed', null, {});
  add('step.completed', 0, {});
  add('step.skipped', 1, { reason: 'not needed' });
  add('command.run', 1, { target: 'local', text: 'rm -rf /tmp/x', exitCode: 1, expectPassed: false });
  add('failure.declared', null, { failureAt: '2026-01-01T09:00:15.000Z' });
  add('finding.added', null, { id: 'F1', text: 'javascript:alert(1)', severity: 'critical' });
  add('drill.finished', null, {});
  return out;
}

test('report.html is self-contained, escapes everything, and carries every section', () => {
  const ev = events();
  const snap = reduceDrill(ev, { wallMs: ev.at(-1)!.wallMs, monoMs: ev.at(-1)!.monoMs, clock: 'c' });
  const model = buildReportModel({
    snapshot: snap,
    events: ev,
    runbook: null,
    toolVersion: '9.9.9',
    generatedAt: '2026-01-02T00:00:00.000Z',
    redaction: { applied: false, masked: {}, redactedEvents: [] },
    attachments: [],
    transcripts: [],
  });
  const html = renderReportHtml(model);
  assert.ok(!/<script/i.test(html), 'no script element');
  assert.ok(!/onerror=/i.test(html.replace(/&lt;img src=x onerror=alert\(1\)&gt;/, '')), 'no live attributes from data');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;restore&quot;'));
  assert.ok(!/(src|href)\s*=\s*["']?(https?:|\/\/|javascript:)/i.test(html), 'nothing loads from or links to anywhere');
  assert.ok(!/@import|url\(/i.test(html), 'no external CSS');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  for (const h of ['Summary', 'Recovery objectives', 'Scenario and scope', 'Timeline', 'Steps', 'Pauses and gaps', 'Deviations', 'Checklist', 'Commands run', 'Notes', 'Findings', 'Remediation', 'Attachments and transcripts', 'Sign-off', 'Integrity']) {
    assert.ok(html.includes(`<h2>${h}</h2>`), `section ${h}`);
  }
  assert.ok(html.includes('UNREDACTED EXPORT'));
  assert.ok(html.includes(snap.chainHead));
  assert.ok(html.includes('drill-xyz123'));
  assert.ok(html.includes('coffee'), 'pause with its reason');
  assert.ok(html.includes('not needed'), 'skipped step with its reason');
  assert.ok(html.includes('not in runbook') || model.deviations.offRunbook.length === 0);
  assert.match(html, /@media print/);
  assert.ok(/<svg class="timeline"[^>]*>.*<rect class="bar ok"/s.test(html), 'timeline drawn from the data');
});

test('timeline SVG: one bar per started step, pauses shaded, failure marked', () => {
  const svg = timelineSvg({
    startWallMs: 0,
    endWallMs: 100_000,
    steps: [
      { number: 1, title: 'A', status: 'completed', startMs: 0, endMs: 40_000 },
      { number: 2, title: 'B & C', status: 'failed', startMs: 40_000, endMs: 90_000 },
      { number: 3, title: 'D', status: 'pending', startMs: null, endMs: null },
    ],
    pauses: [{ startMs: 50_000, endMs: 60_000, reason: 'lunch <now>' }],
    gaps: [],
    failureMs: 10_000,
    rtoWindow: { startMs: 0, endMs: 90_000 },
  });
  assert.equal((svg.match(/<rect class="bar /g) ?? []).length, 2);
  assert.ok(svg.includes('class="pause"') && svg.includes('lunch &lt;now&gt;'));
  assert.ok(svg.includes('class="fail"'));
  assert.ok(svg.includes('3. D'), 'every step is labelled, started or not');
});

test('attachment names are made safe for any file system', () => {
  assert.equal(safeFileName('../../etc/passwd'), 'passwd');
  assert.equal(safeFileName('C:\\Users\\x\\report.pdf'), 'report.pdf');
  assert.equal(safeFileName('.hidden'), 'hidden');
  assert.equal(safeFileName('a<b>:c|d?.txt'), 'a_b__c_d_.txt');
  assert.equal(safeFileName('CON.txt'), '_CON.txt');
  assert.equal(safeFileName(''), 'attachment');
  assert.equal(safeFileName('x'.repeat(300) + '.log').length, 100);
});
