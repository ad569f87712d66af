/**
 * `drillbook verify BUNDLE [--allowed-signers FILE] [--chain-head HEX]
 *   [--require-signature] [--json]` — checks an evidence bundle (folder or
 * zip) offline. Exit 0 when everything checks out, 1 naming every change
 * found, 3 when the bundle cannot be read at all.
 */
import path from 'node:path';
import { BundleReadError, SignatureError, verifyBundle } from '../evidence';
import { CliError, EXIT } from './common';

export async function verifyCommand(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  if (positionals.length !== 1) throw new CliError('name one bundle: a folder or a .zip written by drillbook export');
  const bundle = path.resolve(positionals[0]!);
  let result;
  try {
    result = await verifyBundle(bundle, {
      ...(typeof values['allowed-signers'] === 'string' ? { allowedSigners: path.resolve(values['allowed-signers']) } : {}),
      ...(typeof values['chain-head'] === 'string' ? { expectHead: values['chain-head'] } : {}),
      requireSignature: values['require-signature'] === true,
    });
  } catch (err) {
    if (err instanceof BundleReadError) throw new CliError(err.message, EXIT.failed);
    if (err instanceof SignatureError) throw new CliError(err.message, EXIT.badInput);
    throw err;
  }
  if (values.json) {
    process.stdout.write(
      JSON.stringify({ bundle, ok: result.ok, coverage: result.coverage, problems: result.problems, checked: result.checked, drillId: result.manifest?.drillId ?? null, chainHead: result.manifest?.chain.head ?? null }, null, 2) + '\n',
    );
    return result.ok ? EXIT.ok : EXIT.failed;
  }
  const out = process.stdout;
  out.write(`Bundle ${bundle}\n`);
  if (result.manifest) {
    const m = result.manifest;
    out.write(`  drill ${m.drillId}, exported ${m.createdAt} by Drillbook ${m.tool.version}${m.redaction.applied ? '' : ' — UNREDACTED'}\n`);
  }
  for (const c of result.checked) out.write(`  ✓ ${c}\n`);
  for (const p of result.problems) out.write(`  ✗ ${p.message}\n`);
  if (result.ok) {
    // Never more than the checks hold: "nothing was changed" only under a trusted signature.
    out.write(`OK: ${result.coverage}\n`);
    return EXIT.ok;
  }
  out.write(`FAILED: ${result.problems.length} problem${result.problems.length > 1 ? 's' : ''}.\n`);
  return EXIT.failed;
}
