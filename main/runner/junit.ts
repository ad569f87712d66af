/**
 * A finished drill as JUnit XML, for CI dashboards (GitLab, Jenkins, GitHub
 * test reporters): one testcase per step with its time, a <failure> with the
 * reason for a failed step, <skipped> for manual and not-run steps, and one
 * more testcase for the RTO when the runbook has a target.
 *
 * Pure: snapshot and events in, XML text out. Output comes from the drill
 * log, which the runner has already masked (./secrets.ts).
 */
import type { DrillEvent, DrillEventOf, DrillSnapshot, StepState } from '../drill/model';
import { formatSeconds } from '../common/duration';

type RunEvent = DrillEventOf<'command.run'>;

export interface JUnitOptions {
  hostname?: string;
  /** Bytes of each command's output to include (the end of it). */
  outputBytes?: number;
}

const DEFAULT_OUTPUT = 8 * 1024;

export function drillToJUnit(drill: DrillSnapshot, events: readonly DrillEvent[], opts: JUnitOptions = {}): string {
  const classname = `drillbook.${slugName(drill.runbook.path)}`;
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  const commands = events.filter((e): e is RunEvent => e.type === 'command.run');

  for (const step of drill.steps) {
    const runs = commands.filter((e) => e.stepIndex === step.index);
    const out = runs.map((e) => commandText(e, opts.outputBytes ?? DEFAULT_OUTPUT)).join('\n');
    const body: string[] = [];
    if (step.status === 'failed') {
      failures++;
      body.push(`<failure message="${attr(failureMessage(step, runs))}" type="step-failed">${text(failureDetail(step, runs))}</failure>`);
    } else if (step.status === 'skipped') {
      skipped++;
      body.push(skippedElement(step.reason ?? 'skipped'));
    } else if (step.status !== 'completed') {
      // Pending or running in a finished drill: it never got to run (aborted, interrupted).
      skipped++;
      body.push(skippedElement(`not run (the drill is ${drill.status})`));
    }
    // The reason a step was skipped goes into system-out too: GitLab shows a skipped test's output, not its attributes.
    const why = step.status === 'completed' || step.status === 'failed' ? '' : `skipped: ${step.reason ?? `not run (the drill is ${drill.status})`}\n`;
    if (out || why) body.push(`<system-out>${text(why + out)}</system-out>`);
    cases.push(testcase(`${step.index + 1}. ${step.title}`, classname, (step.durationMs ?? 0) / 1000, body));
  }

  if (drill.rto.targetSec !== null) {
    const target = duration(drill.rto.targetSec);
    const body: string[] = [];
    if (drill.status === 'failed' || drill.status === 'aborted') {
      // The reducer may close the window on a skipped end step; a failed drill recovered nothing, so no verdict.
      skipped++;
      body.push(skippedElement(`RTO not judged: the drill ${drill.status} before recovery was verified`));
    } else if (drill.rto.met === false) {
      failures++;
      const message = `RTO missed: ${duration(drill.rto.actualSec ?? 0)} against a target of ${target}`;
      body.push(`<failure message="${attr(message)}" type="rto-missed">${text(message)}</failure>`);
    } else if (drill.rto.met === null) {
      skipped++;
      body.push(skippedElement('RTO not measured: the drill did not get through its RTO window'));
    }
    cases.push(testcase(`RTO within ${target}`, classname, drill.rto.actualSec ?? 0, body));
  }

  const time = seconds(drill.clock.netMs / 1000);
  const props = [
    ['drill.id', drill.id],
    ['drill.mode', drill.mode],
    ['drill.status', drill.status],
    ['drill.operator', drill.operator],
    ['runbook.path', drill.runbook.path],
    ['runbook.sha256', drill.runbook.sha256],
    ['rto.target.seconds', drill.rto.targetSec === null ? '' : String(drill.rto.targetSec)],
    ['rto.actual.seconds', drill.rto.actualSec === null ? '' : String(Math.round(drill.rto.actualSec))],
    // A failed or aborted drill recovered nothing: no RTO verdict, whatever the window says (as its RTO testcase).
    ['rto.met', drill.rto.met === null || drill.status === 'failed' || drill.status === 'aborted' ? '' : String(drill.rto.met)],
  ]
    .map(([k, v]) => `      <property name="${attr(k!)}" value="${attr(v!)}"/>`)
    .join('\n');
  const suiteAttrs =
    `name="${attr(drill.runbook.title)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" ` +
    `time="${time}" timestamp="${attr(drill.startedAt.replace(/\.\d+Z$/, 'Z'))}"` +
    (opts.hostname ? ` hostname="${attr(opts.hostname)}"` : '') +
    ` id="${attr(drill.id)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // No `skipped` here: Jenkins' junit-10.xsd allows it on <testsuite> only (test/fixtures/junit/junit-10.xsd).
    `<testsuites name="drillbook" tests="${cases.length}" failures="${failures}" errors="0" time="${time}">`,
    `  <testsuite ${suiteAttrs}>`,
    '    <properties>',
    props,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The reason as the message attribute and as the element's text (reporters differ in which they show). */
function skippedElement(reason: string): string {
  return `<skipped message="${attr(reason)}">${text(reason)}</skipped>`;
}

function testcase(name: string, classname: string, timeSec: number, body: string[]): string {
  const open = `    <testcase name="${attr(name)}" classname="${attr(classname)}" time="${seconds(timeSec)}"`;
  return body.length === 0 ? `${open}/>` : [`${open}>`, ...body.map((b) => `      ${b}`), '    </testcase>'].join('\n');
}

/**
 * The reason, plus the failed command's last line of output: CI lists only
 * this message, and "exited with code 1" alone does not say what broke.
 */
function failureMessage(step: StepState, runs: readonly RunEvent[]): string {
  const reason = step.reason ?? 'the step failed';
  const failed = [...runs].reverse().find((e) => e.data.expectPassed === false);
  const tail = typeof failed?.data.outputTail === 'string' ? clean(failed.data.outputTail) : '';
  const last = tail.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
  if (!last || reason.includes(last)) return reason;
  return `${reason}: ${last.length > 240 ? last.slice(0, 239) + '…' : last}`;
}

function failureDetail(step: StepState, runs: readonly RunEvent[]): string {
  const failed = [...runs].reverse().find((e) => e.data.expectPassed === false);
  const lines = [step.reason ?? 'the step failed'];
  if (failed) {
    const d = failed.data;
    lines.push('', `command: ${String(d.name ?? firstLine(String(d.text ?? '')))} (line ${String(d.line ?? '?')}, on ${String(d.target ?? 'local')})`);
    if (d.expect !== undefined) lines.push(`expect: ${JSON.stringify(d.expect)}`);
    lines.push(`exit code: ${d.exitCode === null || d.exitCode === undefined ? 'none (killed or timed out)' : String(d.exitCode)}`);
    const tail = typeof d.outputTail === 'string' ? lastLines(d.outputTail, 20) : '';
    if (tail) lines.push('', 'last output:', tail);
  }
  return lines.join('\n');
}

function commandText(e: RunEvent, maxBytes: number): string {
  const d = e.data;
  const exit = d.exitCode === null || d.exitCode === undefined ? 'no exit code' : `exit ${String(d.exitCode)}`;
  const took = typeof d.durationMs === 'number' ? ` in ${(d.durationMs / 1000).toFixed(2)}s` : '';
  const head = `$ ${String(d.name ?? firstLine(String(d.text ?? '')))} [${String(d.target ?? 'local')}] ${exit}${took}${d.expectPassed === false ? ' FAILED' : ''}`;
  let tail = typeof d.outputTail === 'string' ? d.outputTail : '';
  if (tail.length > maxBytes) tail = '…' + tail.slice(-maxBytes);
  return tail ? `${head}\n${tail.replace(/\n?$/, '\n')}` : head;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}

function lastLines(s: string, n: number): string {
  return s.replace(/\n+$/, '').split('\n').slice(-n).join('\n');
}

function slugName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.md$/i, '').replace(/[^A-Za-z0-9_-]+/g, '_') || 'runbook';
}

function seconds(s: number): string {
  return (Math.round(s * 1000) / 1000).toFixed(3);
}

/** Durations in the report's names and messages: the one formatter (main/common/duration.ts). */
const duration = formatSeconds;

/**
 * Text as XML character data: terminal colour codes removed (they are noise
 * in a CI report), characters XML 1.0 forbids dropped, markup escaped.
 */
export function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text as an attribute value; line breaks kept as character references so parsers do not fold them. */
export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

// ESC [ … final byte (CSI), ESC ] … BEL/ST (OSC), and two-byte ESC sequences.
/* eslint-disable no-control-regex -- terminal escapes and the characters XML 1.0 forbids are stripped from the report */
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// Anything outside XML 1.0's Char production (lone surrogates included, hence the u flag).
const NOT_XML = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
/* eslint-enable no-control-regex */

function clean(s: string): string {
  return s.replace(ANSI, '').replace(NOT_XML, '');
}
