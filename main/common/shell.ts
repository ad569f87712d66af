/**
 * POSIX shell quoting, shared by the terminal (the integration's command
 * lines) and the runner (commands sent over SSH exec).
 */

/** Single-quotes a string for POSIX sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
