/**
 * Drill snapshots on the wire, server side: each connection (a WebSocket, an
 * Electron window) gets a drill's snapshot whole the first time, then only
 * the JSON Patch (RFC 6902) from the last one it was sent.
 *
 * Why: the hosts used to send the whole snapshot with every event, twice (the
 * push to every client and the call's reply). A drill's snapshot grows with
 * its steps, notes and commands: 0.8 MB at 2,641 steps, so a note cost 2.3 MB
 * on the socket with two clients, and the JSON work on both sides. A patch is what the event
 * touched (a step, the clock fields, a note): a few hundred bytes whatever the
 * drill's size (test/integration/web/delta.test.ts; `npm run bench -- transport`).
 *
 * The diff is our own, not fast-json-patch's `compare`: it skips what is
 * the same object, and consecutive snapshots share the steps an event did not
 * touch (main/drill/reduce.ts), so a diff is pointer checks plus the fields
 * that changed: 0.05 ms at 2,641 steps, where `compare` took 0.5 ms on the
 * same snapshots (and 18-31 ms before the steps were shared, against 4-12 ms
 * for this one; measured at load 16-19 on 2 cores). Its output is plain
 * RFC 6902, checked against fast-json-patch's own apply in
 * test/unit/web/wire.test.ts.
 *
 * The patch is computed once per snapshot, whichever connections need it: a
 * recorded event's snapshot is one object that goes to every listener and to
 * the caller, so the caller's reply is the empty patch from the push it just
 * had. Versions are per connection and rise by one with every drill message;
 * a patch names its base, and a client holding any other version asks for the
 * whole snapshot (main/api/mirror.ts).
 */
import type { DrillSnapshot } from '../drill/model';
import type { ApiEvent, DrillWire, PatchOp, WireEvent, Response, WireResponse, Method } from './contract';
import { SNAPSHOT_METHODS } from './contract';

/** How many drills a connection keeps a base for (one or two are open at a time; the oldest goes first). */
const MAX_BASES = 16;

/** The last patch computed, per new snapshot: every connection on the same base shares it. */
const patches = new WeakMap<DrillSnapshot, { base: DrillSnapshot; ops: PatchOp[] }>();

/** The RFC 6902 operations that turn `base` into `next`; none when they are the same object. */
export function diffSnapshots(base: DrillSnapshot, next: DrillSnapshot): PatchOp[] {
  if (base === next) return [];
  const hit = patches.get(next);
  if (hit && hit.base === base) return hit.ops;
  const ops = diffJson(base, next, '', []);
  patches.set(next, { base, ops });
  return ops;
}

type Json = unknown;

function isContainer(x: Json): x is Record<string, Json> | Json[] {
  return typeof x === 'object' && x !== null;
}

/** A member JSON.stringify would write (an undefined one is absent on the wire). */
function has(o: Record<string, Json>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;
}

function escapeKey(k: string): string {
  return k.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * RFC 6902 operations (add, remove, replace) from JSON value `a` to `b`,
 * appended to `out`. Arrays are compared by position: growth is `add` at the
 * end, shrinking is `remove` from the end, so the ops apply in order.
 */
export function diffJson(a: Json, b: Json, path: string, out: PatchOp[]): PatchOp[] {
  if (a === b) return out;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) {
    out.push({ op: 'replace', path, value: b });
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) diffJson(a[i], b[i], `${path}/${i}`, out);
    for (let i = a.length - 1; i >= b.length; i--) out.push({ op: 'remove', path: `${path}/${i}` });
    for (let i = a.length; i < b.length; i++) out.push({ op: 'add', path: `${path}/${i}`, value: b[i] });
    return out;
  }
  const x = a as Record<string, Json>;
  const y = b as Record<string, Json>;
  for (const k in x) {
    if (!has(x, k) || x[k] === y[k]) continue;
    if (!has(y, k)) out.push({ op: 'remove', path: `${path}/${escapeKey(k)}` });
    else diffJson(x[k], y[k], `${path}/${escapeKey(k)}`, out);
  }
  for (const k in y) if (has(y, k) && !has(x, k)) out.push({ op: 'add', path: `${path}/${escapeKey(k)}`, value: y[k] });
  return out;
}

const snapshotMethods: ReadonlySet<string> = new Set(SNAPSHOT_METHODS);

/** One connection's view: what it was last sent per drill, and its version counter. */
export class DrillChannel {
  private v = 0;
  private readonly sent = new Map<string, { v: number; snap: DrillSnapshot }>();

  /** The snapshot as this connection receives it; `full` forces the whole one (a client that lost track). */
  encode(snap: DrillSnapshot, full = false): DrillWire {
    const prev = this.sent.get(snap.id);
    const v = ++this.v;
    const wire: DrillWire = prev && !full ? { drillId: snap.id, v, base: prev.v, ops: diffSnapshots(prev.snap, snap) } : { drillId: snap.id, v, full: snap };
    this.sent.delete(snap.id); // re-inserted last: Map order is the eviction order
    this.sent.set(snap.id, { v, snap });
    if (this.sent.size > MAX_BASES) this.sent.delete(this.sent.keys().next().value as string);
    return wire;
  }

  /** A pushed event as it travels. */
  event(e: ApiEvent): WireEvent {
    return e.type === 'drill.changed' ? { type: 'drill.changed', wire: this.encode(e.drill) } : e;
  }

  /** A call's response as it travels: a snapshot result as a DrillWire. */
  response(res: Response, method: string | undefined, params: unknown): WireResponse {
    if (!('result' in res) || method === undefined || !snapshotMethods.has(method as Method)) return res;
    const snap = res.result as DrillSnapshot;
    const full = method === 'drill.get' && (params as { full?: unknown } | undefined)?.full === true;
    return { id: res.id, drill: this.encode(snap, full) };
  }
}

/** The method a raw request names, when it names one (for `DrillChannel.response`). */
export function requestMethod(raw: unknown): { method: string | undefined; params: unknown } {
  if (typeof raw !== 'object' || raw === null) return { method: undefined, params: undefined };
  const r = raw as { method?: unknown; params?: unknown };
  return { method: typeof r.method === 'string' ? r.method : undefined, params: r.params };
}
