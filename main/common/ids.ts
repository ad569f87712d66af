/**
 * Ids for terminals, runs, prompts and transcripts: a prefix and 12 hex digits
 * (48 random bits). Web Crypto, so the same function runs in Node 20 and in
 * the renderer; it lives in common/ because the terminal and the runner both
 * name things with it and neither should import the other for that.
 */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return prefix + hex;
}
