/**
 * Where `drillbook run` writes, by how it was called:
 *   - a person at a terminal: step lines and command output on stdout, and a
 *     live "elapsed of RTO · step" line on stderr, redrawn every second and
 *     cleared around every other write so the two never mix;
 *   - a pipe, cron or CI: the same lines, no live line, no colour;
 *   - `--json`: everything for people goes to stderr, stdout carries exactly
 *     one JSON object with the result (`drillbook run … --json | jq`);
 *   - `--quiet`: only the result line (and errors).
 * Whatever the destination, every line and every byte of command output
 * passes the outbound redaction step first (a CI log is an artefact too):
 * output is masked line by line as it streams, so a secret split across two
 * chunks is still caught, and held-back output is flushed before the next
 * progress line so the order on screen stays true.
 */
import { StringDecoder } from 'node:string_decoder';
import type { DrillSnapshot } from '../drill/model';
import { rtoMetClaim } from '../drill/headline';
import { formatMs } from './common';
import { Progress, getUi, paint } from './output';
import { StreamRedactor, type Redactor } from '../evidence/redact';

export interface RunConsole {
  /** Progress lines for a human (banner, step headers, ✓/✗). */
  log(line: string): void;
  /** Command output, indented under its step. */
  output(chunk: Buffer): void;
  /** The final result: a line for people, or the JSON object. */
  result(drill: DrillSnapshot, outcome: string, code: number, failure: string | null): void;
  /** Lines after the result (JUnit, evidence bundle paths). */
  after(line: string): void;
  /** Ends the live line; with --json prints the object, with the final exit code. */
  close(finalCode?: number): void;
}

export function runConsole(json: boolean, rtoSec: number | null, red: Redactor, startedAt = performance.now()): RunConsole {
  const ui = getUi();
  const stream = new StreamRedactor(red.patterns);
  const human: NodeJS.WriteStream = json ? process.stderr : process.stdout;
  const progress = new Progress();
  let step = '';
  const tick = () => {
    const elapsed = formatMs(performance.now() - startedAt);
    progress.update(`⏱ ${elapsed}${rtoSec !== null ? ` of RTO ${formatMs(rtoSec * 1000)}` : ''}${step ? ` · ${step}` : ''}`, true);
  };
  const timer = ui.progress ? setInterval(tick, 1000) : null;
  timer?.unref();
  const write = (stream: NodeJS.WriteStream, text: string) => {
    progress.clear();
    stream.write(text);
    if (timer) progress.redraw();
  };
  let atLineStart = true;
  // A UTF-8 character split across two chunks must not turn into two U+FFFD.
  const decoder = new StringDecoder('utf8');
  /** Indents command output under its step so progress stays readable. */
  const indent = (text: string): string => {
    let out = '';
    for (const ch of text) {
      if (atLineStart) out += '    │ ';
      out += ch;
      atLineStart = ch === '\n';
    }
    return out;
  };
  /** Output held back for its line end comes before the next progress line. */
  const flush = () => {
    const rest = stream.write(decoder.end()) + stream.end();
    if (rest && !ui.quiet) write(human, indent(rest));
    if (!atLineStart) {
      if (!ui.quiet) write(human, '\n');
      atLineStart = true;
    }
  };
  const extras: string[] = [];
  let jsonResult: Record<string, unknown> | null = null;
  return {
    log(raw) {
      flush();
      const line = red.text(raw);
      const m = /^\[(\d+\/\d+)\] (.*?)(?: — |$)/.exec(line);
      if (m) {
        step = `[${m[1]}] ${m[2]}`;
        if (timer) tick();
      }
      if (!ui.quiet) write(human, line + '\n');
    },
    output(chunk) {
      const text = stream.write(decoder.write(chunk));
      if (text && !ui.quiet) write(human, indent(text));
    },
    result(d, outcome, code, rawFailure) {
      flush();
      const failure = rawFailure === null ? null : red.text(rawFailure);
      if (timer) clearInterval(timer);
      progress.done();
      if (json) {
        jsonResult = {
          drillId: d.id,
          runbook: { title: d.runbook.title, path: d.runbook.path },
          mode: d.mode,
          status: d.status,
          outcome,
          exitCode: code,
          failure,
          startedAt: d.startedAt,
          endedAt: d.endedAt,
          netMs: d.clock.netMs,
          pausedMs: d.clock.pausedMs,
          rto: { targetSec: d.rto.targetSec, actualSec: d.rto.actualSec, met: rtoMetClaim(d.status, d.rto.met, d.steps.filter((s) => s.status === 'failed').length) },
          steps: d.steps.map((s) => ({ index: s.index, title: s.title, status: s.status, durationMs: s.durationMs, reason: s.reason === undefined || s.reason === null ? null : red.text(s.reason) })),
        };
        return;
      }
      const rto =
        d.rto.targetSec === null
          ? 'no RTO target'
          : d.rto.actualSec === null || d.status === 'failed'
            ? `RTO ${formatMs(d.rto.targetSec * 1000)} not ${d.status === 'failed' ? 'judged (nothing was recovered)' : 'measured'}`
            : `RTO ${formatMs(d.rto.actualSec * 1000)} of ${formatMs(d.rto.targetSec * 1000)} — ${d.rto.met ? paint('green', 'met') : paint('red', 'MISSED')}`;
      const status = d.status === 'failed' ? paint('red', d.status) : outcome === 'passed' ? paint('green', d.status) : d.status;
      process.stdout.write(`${ui.quiet ? '' : '\n'}Drill ${d.id} ${status}: ${formatMs(d.clock.netMs)} net; ${rto}\n`);
    },
    after(raw) {
      flush();
      const line = red.text(raw);
      if (json) extras.push(line);
      if (!ui.quiet || line.startsWith('drillbook run: ')) write(human, line + '\n');
    },
    close(finalCode) {
      flush();
      if (timer) clearInterval(timer);
      progress.done();
      if (jsonResult) {
        const exitCode = finalCode ?? jsonResult.exitCode;
        process.stdout.write(JSON.stringify({ ...jsonResult, exitCode, reports: extras }, null, 2) + '\n');
        jsonResult = null;
      }
    },
  };
}
