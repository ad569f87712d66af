/**
 * Signing and checking a bundle's manifest with OpenSSH's own signatures
 * (`ssh-keygen -Y`, namespace "drillbook"): operators already have SSH keys,
 * and an auditor can check a signature with nothing but ssh-keygen and an
 * allowed_signers file:
 *
 *     ssh-keygen -Y verify -f allowed_signers -I ana@example.com -n drillbook \
 *       -s manifest.json.sig < manifest.json
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SIG_NAMESPACE = 'drillbook';

export class SignatureError extends Error {}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
}

function run(args: string[], input: Buffer | null, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let done = false;
    const child = spawn('ssh-keygen', args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ code: null, stdout, stderr, error: `ssh-keygen did not finish in ${Math.round(timeoutMs / 1000)}s` });
    }, timeoutMs);
    const finish = (r: Run) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      finish({ code: null, stdout, stderr, error: err.code === 'ENOENT' ? 'ssh-keygen was not found (install OpenSSH)' : err.message }),
    );
    child.on('close', (code) => finish({ code, stdout, stderr, error: null }));
    if (input && child.stdin) {
      child.stdin.on('error', () => undefined); // ssh-keygen may exit before reading everything
      child.stdin.end(input);
    }
  });
}

/** Signs `file`, writing `file`.sig. `keyFile` is a private key, or a public key whose private half is in ssh-agent. */
export async function signFile(file: string, keyFile: string, timeoutMs = 120_000): Promise<Buffer> {
  if (!existsSync(keyFile)) throw new SignatureError(`no such key file: ${keyFile}`);
  // A passphrase prompt goes to the terminal (/dev/tty), which is why the timeout is generous.
  const r = await run(['-Y', 'sign', '-f', keyFile, '-n', SIG_NAMESPACE, file], null, timeoutMs);
  if (r.error) throw new SignatureError(`cannot sign the manifest: ${r.error}`);
  if (r.code !== 0) throw new SignatureError(`cannot sign the manifest with ${keyFile}: ${lastLine(r.stderr) || `ssh-keygen exited with ${r.code}`}`);
  return readFileSync(file + '.sig');
}

export interface SignatureCheck {
  /** The signature is a valid signature of these bytes. */
  valid: boolean;
  /** The signing key is in the allowed signers file (null when no file was given). */
  trusted: boolean | null;
  /** Principals from allowed_signers the key belongs to. */
  principals: string[];
  /** Key type and fingerprint, e.g. "ED25519 key SHA256:…". */
  key: string | null;
  /** One line saying what was found. */
  message: string;
}

export type SignatureChecker = (manifest: Buffer, signature: Buffer, allowedSigners?: string) => Promise<SignatureCheck>;

export const checkSignature: SignatureChecker = async (manifest, signature, allowedSigners) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-sig-'));
  try {
    const sigFile = path.join(dir, 'manifest.json.sig');
    writeFileSync(sigFile, signature);
    const basic = await run(['-Y', 'check-novalidate', '-n', SIG_NAMESPACE, '-s', sigFile], manifest, 30_000);
    if (basic.error) throw new SignatureError(`cannot check the signature: ${basic.error}`);
    const key = /with (\S+ key \S+)/.exec(basic.stdout + basic.stderr)?.[1] ?? null;
    if (basic.code !== 0) {
      return { valid: false, trusted: null, principals: [], key, message: `signature invalid: manifest.json.sig is not a valid "${SIG_NAMESPACE}" signature of manifest.json (${lastLine(basic.stderr) || 'rejected'})` };
    }
    if (allowedSigners === undefined) {
      return { valid: true, trusted: null, principals: [], key, message: `signature valid (${key ?? 'unknown key'}), but who signed was not checked: pass --allowed-signers FILE` };
    }
    if (!existsSync(allowedSigners)) throw new SignatureError(`no such allowed signers file: ${allowedSigners}`);
    const found = await run(['-Y', 'find-principals', '-s', sigFile, '-f', allowedSigners], null, 30_000);
    const principals = found.code === 0 ? found.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
    if (principals.length === 0) {
      return { valid: true, trusted: false, principals, key, message: `signature invalid: made by ${key ?? 'a key'} that is not in ${allowedSigners}` };
    }
    for (const principal of principals) {
      const v = await run(['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', SIG_NAMESPACE, '-s', sigFile], manifest, 30_000);
      if (v.code === 0) return { valid: true, trusted: true, principals: [principal], key, message: `signature valid: signed by ${principal} (${key ?? 'key'})` };
    }
    return { valid: true, trusted: false, principals, key, message: `signature invalid: ${principals.join(', ')} may not sign "${SIG_NAMESPACE}" bundles per ${allowedSigners}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

function lastLine(s: string): string {
  return s.trim().split('\n').pop()?.trim() ?? '';
}
