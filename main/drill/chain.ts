/**
 * The drill log's hash chain: every event carries the SHA-256 of the one
 * before, so changing, removing or reordering any recorded event breaks every
 * hash after it.
 *
 * Two hash formats, told apart by the event's `salt`:
 *
 * - v1 (no salt; events recorded before chain v2): the hash covers the
 *   event's data as it is. An export that masks a secret in the data can no
 *   longer be re-hashed.
 * - v2 (a random 128-bit salt per event): the hash covers the data with every
 *   string replaced by a salted commitment, HMAC-SHA256(leafSalt, value), where
 *   leafSalt = HMAC-SHA256(salt, JSON pointer of the string)[:16 bytes]. An
 *   export that masks some strings ships, for that event, the leaf salts of
 *   the strings it shows as recorded and only the commitments of the ones it
 *   masked (a "disclosure"): a verifier re-hashes every event, and a masked
 *   value cannot be guessed from its commitment without its salt. This is the
 *   salted-disclosure idea of SD-JWT, applied per string.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { UncheckedDrillEvent } from './model';

/** JSON with object keys sorted at every level, so the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

const SALT_HEX = /^[0-9a-f]{32}$/;

/** Salts are cut from 4 KiB of the CSPRNG at a time: one `randomBytes(16)` call per event was ~17 µs of an append. */
const SALT_POOL = 4096;
let pool = Buffer.alloc(0);
let poolAt = SALT_POOL;

/** A fresh per-event salt (chain v2). It stays in the local history; exports never carry it for a masked event. */
export function newEventSalt(): string {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(SALT_POOL);
    poolAt = 0;
  }
  const salt = pool.toString('hex', poolAt, poolAt + 16);
  pool.fill(0, poolAt, poolAt + 16); // a salt handed out is not kept in memory here
  poolAt += 16;
  return salt;
}

export function isSalt(value: unknown): value is string {
  return typeof value === 'string' && SALT_HEX.test(value);
}

/** The salt of one string inside an event's data, derived from the event's salt and the string's JSON pointer. */
export function leafSalt(eventSalt: string, pointer: string): string {
  return createHmac('sha256', Buffer.from(eventSalt, 'hex')).update(pointer, 'utf8').digest('hex').slice(0, 32);
}

/** The commitment to one string: binding (HMAC-SHA256) and hiding without its salt. */
export function leafCommitment(salt: string, value: string): string {
  return createHmac('sha256', Buffer.from(salt, 'hex')).update(value, 'utf8').digest('hex');
}

function childPointer(parent: string, key: string | number): string {
  return `${parent}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** `value` with every string replaced by `commit(pointer, string)`; the shape and other values stay. */
function commitStrings(value: unknown, pointer: string, commit: (pointer: string, text: string) => string): unknown {
  if (typeof value === 'string') return commit(pointer, value);
  if (Array.isArray(value)) return value.map((v, i) => commitStrings(v, childPointer(pointer, i), commit));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = commitStrings(v, childPointer(pointer, k), commit);
    return out;
  }
  return value;
}

type HashedFields = Omit<UncheckedDrillEvent, 'hash' | 'salt' | 'data'>;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function v2Hash(event: HashedFields, committedData: unknown): string {
  const { drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, prevHash } = event;
  return sha256(canonicalJson({ drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, committedData, prevHash }));
}

export function eventHash(event: Omit<UncheckedDrillEvent, 'hash'>): string {
  const { salt } = event;
  if (salt !== undefined) {
    if (!isSalt(salt)) throw new Error('an event salt must be 32 hex digits');
    return v2Hash(event, commitStrings(event.data, '', (p, text) => leafCommitment(leafSalt(salt, p), text)));
  }
  const { drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, data, prevHash } = event;
  return sha256(canonicalJson({ drillId, seq, type, at, wallMs, monoMs, clock, operator, stepIndex, data, prevHash }));
}

/**
 * What an export ships instead of the salt of a v2 event whose data it shows
 * masked: per string (by JSON pointer), its salt when it is shown as
 * recorded, or only its commitment when it was masked.
 */
export interface Disclosure {
  salts: Record<string, string>;
  commitments: Record<string, string>;
}

/**
 * The disclosure for showing `shown` (the event's data with some strings
 * masked; same shape) in place of the recorded data of v2 event `event`.
 */
export function disclose(event: Pick<UncheckedDrillEvent, 'data'> & { salt: string }, shown: unknown): Disclosure {
  const salts: Record<string, string> = {};
  const commitments: Record<string, string> = {};
  const walk = (recorded: unknown, visible: unknown, pointer: string): void => {
    if (typeof recorded === 'string') {
      const s = leafSalt(event.salt, pointer);
      if (visible === recorded) salts[pointer] = s;
      else commitments[pointer] = leafCommitment(s, recorded);
      return;
    }
    if (recorded === null || typeof recorded !== 'object') return;
    const other = (visible ?? {}) as Record<string | number, unknown>;
    if (Array.isArray(recorded)) recorded.forEach((v, i) => walk(v, other[i], childPointer(pointer, i)));
    else for (const [k, v] of Object.entries(recorded)) if (v !== undefined) walk(v, other[k], childPointer(pointer, k));
  };
  walk(event.data, shown, '');
  return { salts, commitments };
}

/**
 * Re-hashes a v2 event from what an export shows: its (partly masked) data
 * and its disclosure. Throws when the disclosure does not fit the data (a
 * string with neither salt nor commitment, or entries for strings that are
 * not there): the event was altered.
 */
export function disclosedEventHash(event: Omit<UncheckedDrillEvent, 'hash' | 'salt'>, disclosure: Disclosure): string {
  const used = new Set<string>();
  const committed = commitStrings(event.data, '', (p, text) => {
    used.add(p);
    const c = disclosure.commitments[p];
    if (c !== undefined) return c;
    const s = disclosure.salts[p];
    if (s === undefined || !isSalt(s)) throw new Error(`no salt for ${p}`);
    return leafCommitment(s, text);
  });
  const extra = [...Object.keys(disclosure.salts), ...Object.keys(disclosure.commitments)].filter((p) => !used.has(p));
  if (extra.length > 0) throw new Error(`the disclosure names strings the data lacks: ${extra.join(', ')}`);
  return v2Hash(event, committed);
}

export interface ChainProblem {
  seq: number;
  problem: string;
}

/** Checks a drill's events link up and hash correctly; returns the first problem, if any. */
export function verifyChain(events: readonly UncheckedDrillEvent[]): ChainProblem | null {
  let prev = '';
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.seq !== i + 1) return { seq: e.seq, problem: `event ${i + 1} is missing or out of order (found seq ${e.seq})` };
    if (e.prevHash !== prev) return { seq: e.seq, problem: `event ${e.seq} does not link to the event before it` };
    let hash: string;
    try {
      hash = eventHash(e);
    } catch {
      hash = '';
    }
    if (hash !== e.hash) return { seq: e.seq, problem: `event ${e.seq} (${e.type}) was altered: its hash does not match` };
    prev = e.hash;
  }
  return null;
}
