/**
 * manifest.json: the SHA-256 of every file in a bundle, bound to the drill's
 * chain head, plus the tool version. An SSH signature (manifest.json.sig)
 * covers the manifest's exact bytes, so the signature vouches for the
 * manifest, the manifest for every file, and drill.json's hash chain for
 * every event up to the head the manifest names.
 *
 * The manifest also carries its own digest. That is not a security measure
 * (anyone editing it can recompute it) but lets `verify` say precisely that
 * the manifest itself was changed, rather than blaming the file whose entry
 * was altered. Pure.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../drill/chain';

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.json.sig';
export const MANIFEST_FORMAT = 'drillbook-evidence-bundle';
export const MANIFEST_VERSION = 1;

const sha = z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256 hex digest');

export const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    formatVersion: z.literal(MANIFEST_VERSION),
    tool: z.object({ name: z.literal('drillbook'), version: z.string() }).strict(),
    drillId: z.string().min(1),
    createdAt: z.string(),
    chain: z.object({ head: sha, events: z.number().int().positive(), redactedEvents: z.array(z.number().int().positive()) }).strict(),
    redaction: z.object({ applied: z.boolean(), patterns: z.array(z.string()), masked: z.record(z.string(), z.number().int().nonnegative()) }).strict(),
    pdf: z.boolean(),
    /** Whether manifest.json.sig was made with the bundle: its absence is then a removal, not an unsigned bundle. */
    signed: z.boolean(),
    files: z.array(z.object({ path: z.string().min(1), sha256: sha, bytes: z.number().int().nonnegative() }).strict()),
    digest: sha,
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestBody = Omit<Manifest, 'digest'>;

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export function manifestDigest(body: ManifestBody): string {
  return sha256(canonicalJson(body));
}

/** A file already written (a transcript streamed to disk), with the hash and size computed while writing it. */
export interface StagedFile {
  file: string;
  sha256: string;
  bytes: number;
}

export function buildManifest(body: Omit<ManifestBody, 'files'>, files: ReadonlyMap<string, Buffer | StagedFile>): Manifest {
  const entries = [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, f]) => (Buffer.isBuffer(f) ? { path, sha256: sha256(f), bytes: f.length } : { path, sha256: f.sha256, bytes: f.bytes }));
  const full: ManifestBody = { ...body, files: entries };
  // Through the schema, so keys come out in the schema's order: the order parseManifest re-serialises in.
  return manifestSchema.parse({ ...full, digest: manifestDigest(full) });
}

/** The one byte-exact form a manifest is written in; verify insists on it, so no byte can change unnoticed. */
export function serializeManifest(m: Manifest): Buffer {
  return Buffer.from(JSON.stringify(m, null, 2) + '\n', 'utf8');
}

export type ManifestParse = { ok: true; manifest: Manifest } | { ok: false; problem: string };

/** Parses and checks a manifest; any problem means the manifest itself was changed (or is not one). */
export function parseManifest(bytes: Buffer): ManifestParse {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, problem: 'it is not valid JSON' };
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `it is not a Drillbook bundle manifest (${issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : 'invalid'})` };
  }
  const m = parsed.data;
  const { digest, ...body } = m;
  if (manifestDigest(body) !== digest) return { ok: false, problem: 'its content does not match its own digest' };
  if (!serializeManifest(m).equals(bytes)) return { ok: false, problem: 'it is not byte-for-byte as Drillbook wrote it' };
  const seen = new Set<string>();
  for (const f of m.files) {
    if (seen.has(f.path)) return { ok: false, problem: `it lists ${f.path} twice` };
    seen.add(f.path);
  }
  return { ok: true, manifest: m };
}
