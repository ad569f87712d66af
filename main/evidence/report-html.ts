/**
 * report.html: one self-contained, printable page an auditor can open
 * anywhere — inline CSS, the timeline as inline SVG drawn from the data, no
 * scripts, no fonts or images from anywhere, and a CSP that forbids loading
 * anything. Every value from the drill is HTML-escaped. Pure.
 */
import type { BundleAttachment, ReportCommand, ReportModel, TimelineData } from './report-model';
import { formatDuration, formatSeconds } from '../common/duration';

const esc = (s: string | number | null | undefined): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function fmtTime(iso: string | null): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Durations in the report: the one formatter (main/common/duration.ts). */
export const fmtDuration = formatDuration;

const fmtSec = formatSeconds;

function verdict(met: boolean | null, open = false): string {
  if (open) return '<span class="badge neutral">in progress</span>';
  if (met === null) return '<span class="badge neutral">not measured</span>';
  return met ? '<span class="badge ok">met</span>' : '<span class="badge bad">missed</span>';
}

const STATUS_CLASS: Record<string, string> = { completed: 'ok', failed: 'bad', aborted: 'bad', skipped: 'warn', running: 'neutral', pending: 'neutral' };
const statusBadge = (s: string) => `<span class="badge ${STATUS_CLASS[s] ?? 'neutral'}">${esc(s)}</span>`;

function table(head: string[], rows: string[][], empty: string, cls = ''): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const stepRef = (m: ReportModel, i: number | null) => (i === null ? '—' : `${i + 1}. ${esc(m.steps[i]?.title ?? '')}`);

function attachmentLink(a: BundleAttachment): string {
  if (!a.bundlePath) return `${esc(a.name)} <em>(withheld: ${esc(a.withheld)})</em>`;
  // A plain relative link: the file opens (or downloads) only if the reader chooses to. A page-like file
  // (HTML, SVG, …) was given a .txt name in the bundle, so it opens as text and its scripts never run.
  const asText = a.bundlePath.endsWith('.txt') && !a.name.toLowerCase().endsWith('.txt');
  return `<a href="${esc(encodeURI(a.bundlePath))}" rel="noopener noreferrer">${esc(a.name)}</a>${asText ? ' <em>(as text: a browser would run it as a page)</em>' : ''}${a.redacted ? ' <em>(redacted)</em>' : ''}`;
}

function code(text: string, max = 4000): string {
  const clipped = text.length > max ? '…' + text.slice(-max) : text;
  return `<pre>${esc(clipped)}</pre>`;
}

export function renderReportHtml(m: ReportModel): string {
  const title = `Restore drill evidence — ${m.runbook.title}`;
  const redactionLine = m.redaction.applied
    ? `Credentials were masked before export (${Object.entries(m.redaction.masked)
        .map(([k, n]) => `${esc(k)} ×${n}`)
        .join(', ') || 'none found'}).`
    : '';
  const body = [
    `<header>
      <h1>${esc(title)}</h1>
      <p class="sub">Drill <code>${esc(m.drillId)}</code> · ${statusBadge(m.interrupted ? 'interrupted' : m.status)} · generated ${esc(fmtTime(m.generatedAt))} by Drillbook ${esc(m.toolVersion)}</p>
      ${m.redaction.applied ? `<p class="note">${redactionLine}</p>` : '<p class="unredacted">UNREDACTED EXPORT: this report may contain credentials exactly as they were recorded.</p>'}
    </header>`,
    section(
      'Summary',
      `<table class="kv"><tbody>
        ${kv('Drill ID', `<code>${esc(m.drillId)}</code>`)}
        ${kv('Runbook', esc(m.runbook.title))}
        ${kv('Runbook file', `<code>${esc(m.runbook.path)}</code>`)}
        ${kv('Runbook SHA-256', `<code class="hash">${esc(m.runbook.sha256)}</code>`)}
        ${kv('Mode', esc(m.mode))}
        ${kv('Test type', esc(m.testType ?? '— (not recorded)'))}
        ${kv('Result', `${statusBadge(m.interrupted ? 'interrupted' : m.status)}${m.endReason ? ` — ${esc(m.endReason)}` : ''}`)}
        ${kv('Operator', esc(m.operator))}
        ${kv('Started', esc(fmtTime(m.startedAt)))}
        ${kv('Ended', esc(fmtTime(m.endedAt)))}
        ${kv('Elapsed', `${esc(fmtDuration(m.clock.netMs))} net (${esc(fmtDuration(m.clock.grossMs))} gross, ${esc(fmtDuration(m.clock.pausedMs))} paused)`)}
      </tbody></table>`,
    ),
    section(
      'Recovery objectives',
      table(
        ['Objective', 'Target', 'Actual', 'Result', 'Measured'],
        [
          [
            'RTO (recovery time)',
            esc(fmtSec(m.rto.targetSec)),
            esc(fmtSec(m.rto.actualSec)),
            verdict(m.rto.met, m.rto.open),
            `from ${m.rto.startStep === null ? 'the first step' : `step ${stepRef(m, m.rto.startStep)}`} to the end of ${m.rto.endStep === null ? 'the last step' : `step ${stepRef(m, m.rto.endStep)}`}; pauses excluded`,
          ],
          [
            'RPO (data loss)',
            esc(fmtSec(m.rpo.targetSec)),
            esc(fmtSec(m.rpo.actualSec)),
            verdict(m.rpo.met),
            m.rpo.problem
              ? esc(m.rpo.problem)
              : `declared failure ${esc(fmtTime(m.rpo.failureAt))} − recovery point ${esc(m.rpo.backupId)} (${esc(fmtTime(m.rpo.backupAt))})${m.rpo.source ? `, from ${esc(m.rpo.source)}` : ''}`,
          ],
        ],
        '',
      ) + (m.rpo.failureNote ? `<p>Failure: ${esc(m.rpo.failureNote)}</p>` : ''),
    ),
    section(
      'Scenario and scope',
      `<table class="kv"><tbody>${kv('Scenario', esc(m.scenario ?? '— (not recorded)'))}${kv('Scope', esc(m.scope ?? '— (not recorded)'))}${kv('Test type', esc(m.testType ?? '—'))}</tbody></table>` +
        '<h3>Participants</h3>' +
        table(['Name', 'Role'], participantRows(m), ''),
    ),
    section('Timeline', timelineSvg(m.timeline) + '<p class="legend"><span class="sw ok"></span>completed <span class="sw bad"></span>failed <span class="sw warn"></span>skipped <span class="sw neutral"></span>running <span class="sw pause"></span>paused <span class="sw rto"></span>RTO window <span class="sw fail"></span>declared failure</p>'),
    section(
      'Steps',
      table(
        ['#', 'Step', 'Start', 'End', 'Duration', 'Result', 'Operator', 'Reason'],
        m.steps.map((s) => [
          String(s.number),
          `${esc(s.title)}${s.rtoStart ? ' <span class="tag">RTO start</span>' : ''}${s.rtoEnd ? ' <span class="tag">RTO end</span>' : ''}`,
          esc(fmtTime(s.startedAt)),
          esc(fmtTime(s.endedAt)),
          esc(fmtDuration(s.durationMs)),
          statusBadge(s.status),
          esc(s.operator ?? '—'),
          esc(s.reason ?? ''),
        ]),
        'The runbook has no steps.',
        'steps',
      ),
    ),
    section(
      'Pauses and gaps',
      table(['From', 'To', 'Duration', 'Reason'], m.pauses.map((p) => [esc(fmtTime(p.startedAt)), esc(fmtTime(p.endedAt)), esc(fmtDuration(p.durationMs)), esc(p.reason)]), 'The drill was not paused.') +
        (m.gaps.length
          ? '<h3>Gaps (Drillbook was not running)</h3>' +
            table(['From', 'To', 'Duration', 'Measured by'], m.gaps.map((g) => [esc(fmtTime(g.from)), esc(fmtTime(g.to)), esc(fmtDuration(g.durationMs)), esc(g.measuredBy)]), '')
          : ''),
    ),
    section(
      'Deviations',
      '<h3>Skipped steps</h3>' +
        table(['#', 'Step', 'Reason'], m.deviations.skipped.map((d) => [String(d.number), esc(d.title), esc(d.reason)]), 'No step was skipped.') +
        '<h3>Failed steps</h3>' +
        table(['#', 'Step', 'Reason'], m.deviations.failed.map((d) => [String(d.number), esc(d.title), esc(d.reason)]), 'No step failed.') +
        '<h3>Commands run that are not in the runbook</h3>' +
        `<p class="coverage" data-coverage>${coverageStatement(m)}</p>` +
        commandTable(m, m.deviations.offRunbook, m.commands.length ? 'None: every recorded command is a runbook block.' : 'No commands were recorded.') +
        '<h3>Commands whose expected result did not come back</h3>' +
        commandTable(m, m.deviations.expectFailed, 'None.'),
    ),
    section('Checklist', checklist(m)),
    section('Commands run', commandTable(m, m.commands, 'No commands were recorded.', true)),
    section('Notes', table(['When', 'Who', 'Step', 'Note'], m.notes.map((n) => [esc(fmtTime(n.at)), esc(n.operator), stepRef(m, n.stepIndex), esc(n.text)]), 'No notes.')),
    section(
      'Findings',
      table(['ID', 'Severity', 'Finding', 'Step', 'Recorded'], m.findings.map((f) => [esc(f.id), `<span class="sev ${esc(f.severity)}">${esc(f.severity)}</span>`, esc(f.text), stepRef(m, f.stepIndex), `${esc(fmtTime(f.at))} by ${esc(f.by)}`]), 'No findings recorded.'),
    ),
    section(
      'Remediation',
      table(['ID', 'Action', 'Owner', 'Due', 'For finding', 'Recorded'], m.remediations.map((r) => [esc(r.id), esc(r.text), esc(r.owner), esc(r.due), esc(r.findingId ?? '—'), `${esc(fmtTime(r.at))} by ${esc(r.by)}`]), 'No remediation items recorded.'),
    ),
    section(
      'Attachments and transcripts',
      table(
        ['Attachment', 'Kind', 'For', 'SHA-256 (original)', 'Size', 'Added'],
        m.attachments.map((a) => [
          attachmentLink(a),
          esc(a.kind),
          a.stepIndex === null ? 'the drill' : `${stepRef(m, a.stepIndex)}${a.itemIndex !== undefined ? `, item ${a.itemIndex + 1}` : ''}`,
          `<code class="hash">${esc(a.sha256)}</code>`,
          `${a.size} B`,
          `${esc(fmtTime(a.at))} by ${esc(a.by)}${a.note ? ` — ${esc(a.note)}` : ''}`,
        ]),
        'No attachments.',
      ) +
        '<h3>Terminal transcripts</h3>' +
        table(
          ['Transcript', 'Session', 'Step', 'From', 'To'],
          m.transcripts.map((t) => [
            `<a href="${esc(encodeURI(t.path))}">${esc(t.path)}</a>${t.indexPath ? ` (<a href="${esc(encodeURI(t.indexPath))}">index</a>)` : ''}`,
            esc(t.title),
            stepRef(m, t.stepIndex),
            esc(fmtTime(t.startedAt)),
            esc(fmtTime(t.endedAt)),
          ]),
          'No terminal transcripts were recorded for this drill.',
        ),
    ),
    section(
      'Sign-off',
      table(['Role', 'Name', 'Signed', 'Statement', 'Chain head signed'], m.signoffs.map((s) => [esc(s.role), esc(s.name), esc(fmtTime(s.at)), esc(s.statement ?? ''), `<code class="hash">${esc(s.signedHead)}</code>`]), 'Not signed off yet.'),
    ),
    section(
      'Integrity',
      `<p>Every event of this drill carries the SHA-256 of the event before it. The last event's hash — the chain head — fixes the whole log: record it somewhere else (a ticket, an email) and any later change to the log shows.</p>
      <table class="kv"><tbody>
        ${kv('Chain head', `<code class="hash big">${esc(m.chain.head)}</code>`)}
        ${kv('Events', String(m.chain.events))}
        ${m.chain.redactedEvents.length ? kv('Masked on export', `events ${m.chain.redactedEvents.join(', ')} (their original content is what the chain hashes; see drill.json)`) : ''}
      </tbody></table>
      <p>Check this bundle offline with <code>drillbook verify &lt;bundle&gt;</code>.</p>`,
    ),
  ].join('\n');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Drillbook ${esc(m.toolVersion)}">
<title>${esc(title)} (${esc(m.drillId)})</title>
<style>${CSS}</style>
</head>
<body>
${body}
<footer>Drill ${esc(m.drillId)} · chain head ${esc(m.chain.head)}</footer>
</body>
</html>
`;
}

function participantRows(m: ReportModel): string[][] {
  const isOperator = (name: string) => name.trim().toLowerCase() === m.operator.trim().toLowerCase();
  const own = m.participants.find((p) => isOperator(p.name));
  return [
    [esc(m.operator), `operator (ran the drill)${own ? `; ${esc(own.role)}` : ''}`],
    ...m.participants.filter((p) => !isOperator(p.name)).map((p) => [esc(p.name), esc(p.role)]),
  ];
}

function section(heading: string, content: string): string {
  const id = heading.toLowerCase().replace(/[^a-z]+/g, '-');
  return `<section id="${id}"><h2>${esc(heading)}</h2>${content}</section>`;
}

function kv(k: string, v: string): string {
  return `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
}

/** What the log says about commands, and nothing more: counts, and where typed commands could not be recorded. */
export function coverageStatement(m: ReportModel): string {
  const c = m.coverage;
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const parts = [`The log records ${n(c.blockRuns, 'runbook block run', 'runbook block runs')} and ${n(c.typed, 'command typed by hand', 'commands typed by hand')} (as the terminals' shells reported them; keystrokes are not recorded).`];
  if (c.typedWithoutText) parts.push(`${n(c.typedWithoutText, 'typed command is', 'typed commands are')} not in the shell history, so ${c.typedWithoutText === 1 ? 'its' : 'their'} text is only in the transcript.`);
  for (const u of c.untracked) {
    parts.push(`Shell integration was unavailable in the ${esc(u.target)} terminal (${esc(u.terminalId)}) from ${esc(fmtTime(u.at))}: commands typed there could not be recorded; its transcript has what was shown.`);
  }
  return parts.join(' ');
}

function commandTable(m: ReportModel, cmds: ReportCommand[], empty: string, withOutput = false): string {
  return table(
    ['When', 'Step', 'Target', 'Command', 'Exit', 'Took', 'Expect', ...(withOutput ? ['Output (tail)'] : [])],
    cmds.map((c) => [
      esc(fmtTime(c.at)),
      stepRef(m, c.stepIndex),
      esc(c.target),
      `${c.name ? `<strong>${esc(c.name)}</strong>` : ''}${c.typed && !c.text ? '<em>(text not in the shell history)</em>' : code(c.text, 2000)}${c.typed ? '<span class="tag">typed</span>' : ''}${c.inRunbook ? '' : '<span class="tag warn">not in runbook</span>'}${c.note ? `<div class="small">${esc(c.note)}</div>` : ''}`,
      esc(c.exitCode ?? '—'),
      esc(fmtDuration(c.durationMs)),
      c.expectPassed === null ? '—' : c.expectPassed ? '<span class="badge ok">passed</span>' : '<span class="badge bad">failed</span>',
      ...(withOutput ? [c.output ? code(c.output, 1500) : '—'] : []),
    ]),
    empty,
    'commands',
  );
}

function checklist(m: ReportModel): string {
  const rows: string[][] = [];
  for (const s of m.steps) {
    s.checklist.forEach((c, i) => {
      rows.push([
        `${s.number}.${i + 1}`,
        `${esc(s.title)}`,
        esc(c.text),
        c.checked ? '<span class="badge ok">✓ done</span>' : '<span class="badge neutral">not done</span>',
        esc(c.by ?? '—'),
        esc(fmtTime(c.at)),
        [
          c.note ? esc(c.note) : '',
          c.proof
            ? `proved by command ${c.proof.name ? `<strong>${esc(c.proof.name)}</strong> ` : ''}(event ${c.proof.commandSeq}, exit ${esc(c.proof.exitCode ?? '—')})${c.proof.output ? code(c.proof.output, 800) : ''}`
            : '',
          c.attachments.length ? `attachments: ${c.attachments.map(attachmentLink).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('<br>'),
      ]);
    });
  }
  return table(['Item', 'Step', 'Check', 'State', 'By', 'When (UTC)', 'Evidence'], rows, 'The runbook has no checklist items.', 'checklist');
}

/** The drill on one wall-clock axis: a bar per step, pauses and gaps shaded, the RTO window and the declared failure marked. */
export function timelineSvg(t: TimelineData): string {
  const W = 760;
  const LABEL = 190;
  const ROW = 18;
  const TOP = 22;
  const plotW = W - LABEL - 10;
  const H = TOP + Math.max(1, t.steps.length) * ROW + 28;
  const span = Math.max(1000, t.endWallMs - t.startWallMs);
  const x = (ms: number) => LABEL + Math.min(plotW, Math.max(0, ((ms - t.startWallMs) / span) * plotW));
  const parts: string[] = [];
  const bottom = TOP + t.steps.length * ROW;
  for (const g of t.gaps) parts.push(`<rect class="gap" x="${x(g.startMs).toFixed(1)}" y="${TOP - 4}" width="${Math.max(1, x(g.endMs) - x(g.startMs)).toFixed(1)}" height="${bottom - TOP + 8}"><title>not running</title></rect>`);
  for (const p of t.pauses) parts.push(`<rect class="pause" x="${x(p.startMs).toFixed(1)}" y="${TOP - 4}" width="${Math.max(1, x(p.endMs) - x(p.startMs)).toFixed(1)}" height="${bottom - TOP + 8}"><title>paused: ${esc(p.reason)}</title></rect>`);
  if (t.rtoWindow) {
    const x1 = x(t.rtoWindow.startMs);
    const x2 = x(t.rtoWindow.endMs ?? t.endWallMs);
    parts.push(`<rect class="rto" x="${x1.toFixed(1)}" y="6" width="${Math.max(1, x2 - x1).toFixed(1)}" height="8"><title>RTO window</title></rect>`);
  }
  t.steps.forEach((s, i) => {
    const y = TOP + i * ROW;
    const label = s.title.length > 30 ? s.title.slice(0, 29) + '…' : s.title;
    parts.push(`<text class="lbl" x="${LABEL - 6}" y="${y + 12}" text-anchor="end">${esc(`${s.number}. ${label}`)}</text>`);
    const start = s.startMs ?? s.endMs;
    if (start === null) return;
    const end = s.endMs ?? t.endWallMs;
    const cls = STATUS_CLASS[s.status] ?? 'neutral';
    parts.push(`<rect class="bar ${cls}" x="${x(start).toFixed(1)}" y="${y + 3}" width="${Math.max(2, x(end) - x(start)).toFixed(1)}" height="${ROW - 6}"><title>${esc(`${s.number}. ${s.title}: ${s.status}`)}</title></rect>`);
  });
  if (t.failureMs !== null && t.failureMs >= t.startWallMs && t.failureMs <= t.endWallMs) {
    const fx = x(t.failureMs).toFixed(1);
    parts.push(`<line class="fail" x1="${fx}" x2="${fx}" y1="${TOP - 8}" y2="${bottom + 4}"><title>declared failure</title></line>`);
  }
  // Axis: elapsed time from the start of the drill.
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const ms = (span * i) / ticks;
    const tx = (LABEL + (plotW * i) / ticks).toFixed(1);
    parts.push(`<line class="tick" x1="${tx}" x2="${tx}" y1="${bottom + 4}" y2="${bottom + 9}"></line><text class="ax" x="${tx}" y="${bottom + 21}" text-anchor="middle">${esc(fmtDuration(Math.round(ms / 1000) * 1000))}</text>`);
  }
  parts.push(`<line class="axis" x1="${LABEL}" x2="${LABEL + plotW}" y1="${bottom + 4}" y2="${bottom + 4}"></line>`);
  return `<svg class="timeline" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Drill timeline">${parts.join('')}</svg>`;
}

const CSS = `
:root { --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; --neutral:#57606a; --line:#d0d7de; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 13px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 24px auto; max-width: 1040px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; border-bottom: 2px solid var(--line); padding-bottom: 3px; margin: 26px 0 10px; }
h3 { font-size: 13px; margin: 14px 0 6px; color: #424a53; }
.sub { color: var(--neutral); margin: 0; }
.note { color: var(--neutral); }
.unredacted { background: #ffebe9; border: 2px solid var(--bad); color: var(--bad); font-weight: 700; padding: 6px 10px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
thead th { background: var(--bg); }
table.kv th { width: 170px; background: var(--bg); font-weight: 600; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code.hash { word-break: break-all; }
code.big { font-size: 13px; font-weight: 700; }
pre { font: 11px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--bg); padding: 4px 6px; margin: 2px 0; white-space: pre-wrap; word-break: break-all; max-width: 100%; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; font-weight: 600; color: #fff; background: var(--neutral); white-space: nowrap; }
.badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); } .badge.warn { background: var(--warn); }
.tag { display: inline-block; font-size: 10px; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; color: var(--neutral); }
.tag.warn { border-color: var(--warn); color: var(--warn); }
.sev.critical, .sev.high { color: var(--bad); font-weight: 700; } .sev.medium { color: var(--warn); font-weight: 600; }
.empty { color: var(--neutral); font-style: italic; }
svg.timeline { border: 1px solid var(--line); background: #fff; }
svg .lbl, svg .ax { font: 11px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #1f2328; }
svg .ax { fill: var(--neutral); }
svg .bar.ok { fill: var(--ok); } svg .bar.bad { fill: var(--bad); } svg .bar.warn { fill: var(--warn); } svg .bar.neutral { fill: var(--neutral); }
svg .pause { fill: #d0d7de; opacity: .7; } svg .gap { fill: #ffd8b5; opacity: .7; }
svg .rto { fill: #0969da; opacity: .6; }
svg .fail { stroke: var(--bad); stroke-width: 2; stroke-dasharray: 4 2; }
svg .axis, svg .tick { stroke: var(--neutral); }
.legend { color: var(--neutral); font-size: 11px; }
.sw { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 10px; vertical-align: -1px; background: var(--neutral); }
.sw.ok { background: var(--ok); } .sw.bad { background: var(--bad); } .sw.warn { background: var(--warn); } .sw.pause { background: #d0d7de; } .sw.rto { background: #0969da; opacity: .6; } .sw.fail { background: var(--bad); width: 3px; }
footer { margin-top: 30px; color: var(--neutral); font-size: 11px; border-top: 1px solid var(--line); padding-top: 6px; word-break: break-all; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10.5px; }
  h2 { break-after: avoid; }
  tr, pre, svg { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg, .sw, .unredacted { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
