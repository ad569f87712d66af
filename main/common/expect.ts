/**
 * `expect` on a command block: a number is the exit code that must come
 * back; a string is a pattern the output must contain (`/re/flags` for a
 * regular expression, otherwise a plain substring) with exit code 0.
 */
export interface ExpectOutcome {
  passed: boolean;
  /** One sentence for the operator when it did not pass. */
  message: string;
}

export function checkExpect(expect: number | string | undefined, exitCode: number | null, output: string): ExpectOutcome {
  if (exitCode === null) return { passed: false, message: 'the command did not exit (killed or timed out)' };
  if (expect === undefined) {
    return exitCode === 0 ? { passed: true, message: '' } : { passed: false, message: `exited with code ${exitCode}` };
  }
  if (typeof expect === 'number') {
    return exitCode === expect
      ? { passed: true, message: '' }
      : { passed: false, message: `exited with code ${exitCode}; expected ${expect}` };
  }
  if (exitCode !== 0) return { passed: false, message: `exited with code ${exitCode}` };
  const re = asRegExp(expect);
  const found = re ? re.test(output) : output.includes(expect);
  return found
    ? { passed: true, message: '' }
    : { passed: false, message: `output did not ${re ? 'match' : 'contain'} ${JSON.stringify(expect)}` };
}

/** `/pattern/flags` → RegExp; anything else → null (a substring). */
export function asRegExp(pattern: string): RegExp | null {
  const m = /^\/(.+)\/([dgimsuy]*)$/s.exec(pattern);
  if (!m) return null;
  try {
    return new RegExp(m[1]!, m[2]!.replace('g', ''));
  } catch {
    return null;
  }
}
