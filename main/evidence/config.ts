/**
 * Where redaction patterns come from: the defaults, adjusted by
 * <dataDir>/redaction.json when it exists (or a file given explicitly):
 *
 *     { "disable": ["jwt"],
 *       "patterns": [{ "name": "vault-token", "regex": "hvs\\.[A-Za-z0-9]{24,}", "description": "HashiCorp Vault tokens" }] }
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { compilePatterns, RedactionConfigError, type RedactionPattern } from './redact';

export const REDACTION_CONFIG_FILE = 'redaction.json';

const configSchema = z
  .object({
    disable: z.array(z.string()).optional(),
    patterns: z
      .array(
        z
          .object({
            name: z.string(),
            regex: z.string().min(1),
            description: z.string().default(''),
            flags: z.string().optional(),
            group: z.number().int().optional(),
            requires: z.string().optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

/** The patterns to use; `file` (explicit) must exist, the data folder's file is optional. */
export function loadRedactionPatterns(dataDir: string, file?: string): RedactionPattern[] {
  const target = file ?? path.join(dataDir, REDACTION_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(target, 'utf8');
  } catch (err) {
    if (!file && (err as NodeJS.ErrnoException).code === 'ENOENT') return compilePatterns();
    throw new RedactionConfigError(`cannot read the redaction config ${target}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RedactionConfigError(`${target} is not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RedactionConfigError(`${target}: ${issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : 'invalid'}`);
  }
  try {
    return compilePatterns(parsed.data);
  } catch (err) {
    throw new RedactionConfigError(`${target}: ${(err as Error).message.replace(/^redaction config: /, '')}`);
  }
}
