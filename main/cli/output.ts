/**
 * How the CLI talks, per clig.dev: results on stdout, progress and errors on
 * stderr; progress only when stderr is a terminal (and not --quiet); colour
 * only on a terminal and never with NO_COLOR (no-color.org) or TERM=dumb;
 * and output into a closed pipe (`drillbook history | head`) ends the command
 * quietly, as `cat` does, instead of a Node EPIPE stack trace.
 *
 * No imports beyond Node built-ins: loaded on every call.
 */

export interface UiOptions {
  quiet: boolean;
  color: boolean;
  /** stderr is a terminal and not --quiet: progress lines may be drawn. */
  progress: boolean;
  /** stdout is a terminal: tables get a header row. */
  tty: boolean;
}

export function uiOptions(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env, stdoutTty = process.stdout.isTTY === true, stderrTty = process.stderr.isTTY === true): UiOptions {
  const quiet = values.quiet === true;
  const noColor = values['no-color'] === true || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  return { quiet, color: stdoutTty && !noColor, progress: stderrTty && !quiet && env.TERM !== 'dumb', tty: stdoutTty };
}

let ui: UiOptions = { quiet: false, color: false, progress: false, tty: false };
export function setUi(options: UiOptions): void {
  ui = options;
}
export function getUi(): UiOptions {
  return ui;
}

const SGR = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
/** `paint('red', 'FAIL')`: coloured only when colour is on. */
export function paint(style: keyof typeof SGR, text: string): string {
  return ui.color ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text;
}

/** An informational line on stdout, left out with --quiet. */
export function info(line: string): void {
  if (!ui.quiet) process.stdout.write(line + '\n');
}

/**
 * Ends the process quietly when a reader closes the pipe (EPIPE), or — for a
 * command that must keep going (a drill in progress) — stops writing to that
 * stream and carries on. The exit code is the one the command had set (0 if
 * none): a reader that stops early is not a failure, as with `cat`.
 */
export function guardPipes(keepGoing: boolean): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
      if (!keepGoing) process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      // Nobody is reading any more: further writes are dropped, the work goes on.
      stream.write = (() => true) as typeof stream.write;
    });
  }
}

/**
 * One live status line on stderr (`\r` + clear), redrawn at most every
 * 100 ms; does nothing when stderr is not a terminal or with --quiet, so logs
 * and pipes see only the final results. `clear()` before writing other output
 * to the same terminal, `redraw()` after.
 */
export class Progress {
  private text = '';
  private shown = false;
  private last = 0;
  constructor(private readonly enabled = ui.progress) {}

  update(text: string, force = false): void {
    this.text = text;
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    this.draw();
  }

  clear(): void {
    if (this.enabled && this.shown) {
      process.stderr.write('\r\x1b[2K');
      this.shown = false;
    }
  }

  redraw(): void {
    if (this.enabled && this.text) this.draw();
  }

  done(): void {
    this.clear();
    this.text = '';
  }

  private draw(): void {
    const cols = process.stderr.columns || 80;
    const line = this.text.length >= cols ? this.text.slice(0, cols - 2) + '…' : this.text;
    process.stderr.write(`\r\x1b[2K${ui.color ? `\x1b[2m${line}\x1b[0m` : line}`);
    this.shown = true;
  }
}

/** Rows as aligned columns; with a header row (bold on colour) when stdout is a terminal. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[] = []): string {
  const all = ui.tty ? [header, ...rows] : rows;
  const widths = header.map((_, i) => Math.max(0, ...all.map((r) => visible(r[i] ?? '').length)));
  const fmt = (r: readonly string[]) =>
    r
      .map((cell, i) => {
        const pad = widths[i]! - visible(cell).length;
        if (i === r.length - 1) return cell;
        return align[i] === 'r' ? ' '.repeat(pad) + cell : cell + ' '.repeat(pad);
      })
      .join('  ')
      .trimEnd();
  const lines = rows.map(fmt);
  if (ui.tty) lines.unshift(paint('bold', fmt(header)));
  return lines.join('\n') + '\n';
}

function visible(s: string): string {
  // eslint-disable-next-line no-control-regex -- SGR colour escapes take no width
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
