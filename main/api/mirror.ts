/**
 * Drill snapshots on the wire, client side: holds the last snapshot received
 * per drill and applies the server's patches to it (main/api/wire.ts).
 *
 * Pure and free of Node: the renderer's transport and the tests' socket client
 * both use it. A patch is applied by copying only the objects on each changed
 * path (structural sharing), so the new snapshot is a new object — what React
 * and zustand compare — without cloning 5,000 steps per event; the snapshot
 * handed out before is never changed. fast-json-patch's immutable apply
 * clones the whole document, which is the cost this protocol removes.
 *
 * Anything that does not fit — a base this mirror does not hold (a missed or
 * reordered message, a reconnect), a path that does not resolve, an unknown
 * operation — returns null and forgets the drill: the caller asks for the
 * whole snapshot and the mirror starts again from it.
 */
import type { DrillSnapshot } from '../drill/model';
import type { ApiEvent, DrillWire, PatchOp, WireEvent } from './contract';

export class DrillMirror {
  private readonly held = new Map<string, { v: number; snap: DrillSnapshot }>();

  /** The snapshot this message describes, or null when this mirror cannot know it (ask for the whole one). */
  accept(wire: DrillWire): DrillSnapshot | null {
    if ('full' in wire) {
      this.held.set(wire.drillId, { v: wire.v, snap: wire.full });
      return wire.full;
    }
    const prev = this.held.get(wire.drillId);
    if (!prev || prev.v !== wire.base) {
      this.held.delete(wire.drillId);
      return null;
    }
    let snap: DrillSnapshot;
    try {
      snap = applyPatch(prev.snap, wire.ops);
    } catch {
      this.held.delete(wire.drillId);
      return null;
    }
    this.held.set(wire.drillId, { v: wire.v, snap });
    return snap;
  }

  /** The version held for a drill (tests). */
  version(drillId: string): number | null {
    return this.held.get(drillId)?.v ?? null;
  }
}

/**
 * Whole snapshots from the wire's drill messages (the DrillMirror above). A
 * message this client cannot apply (it missed a version) costs one
 * `drill.get` with `full`, once per drill however many patches arrive
 * meanwhile. The renderer's transport (Electron and WebSocket) uses it.
 */
export class DrillDecoder {
  private mirror = new DrillMirror();
  private readonly resyncing = new Set<string>();
  constructor(
    private readonly fetchFull: (drillId: string) => Promise<DrillSnapshot>,
    private readonly emit: (e: ApiEvent) => void,
  ) {}

  /** A new connection: the server starts every drill again from a whole snapshot. */
  reset(): void {
    this.mirror = new DrillMirror();
  }

  /** A call's snapshot result. The mirror takes it synchronously, in the order messages arrive. */
  result(wire: DrillWire): Promise<DrillSnapshot> {
    const snap = this.mirror.accept(wire);
    return snap ? Promise.resolve(snap) : this.fetchFull(wire.drillId);
  }

  event(e: WireEvent): void {
    if (e.type !== 'drill.changed') return this.emit(e);
    const snap = this.mirror.accept(e.wire);
    if (snap) return this.emit({ type: 'drill.changed', drill: snap });
    const id = e.wire.drillId;
    if (this.resyncing.has(id)) return;
    this.resyncing.add(id);
    this.fetchFull(id)
      .then((drill) => this.emit({ type: 'drill.changed', drill }))
      .catch(() => {
        /* the next connection or call brings it back */
      })
      .finally(() => this.resyncing.delete(id));
  }
}

type Json = unknown;
type Container = Record<string, Json> | Json[];

/** Applies RFC 6902 add/replace/remove to a copy of `doc` that shares every untouched object. Throws on a path that does not resolve. */
export function applyPatch<T>(doc: T, ops: readonly PatchOp[]): T {
  if (!Array.isArray(ops)) throw new Error('ops is not a list');
  // Containers copied during this patch: copied once, then changed in place.
  const fresh = new Set<Container>();
  let root = doc as Json;
  for (const op of ops) {
    if (!op || typeof op !== 'object' || typeof op.path !== 'string') throw new Error('not a patch operation');
    const keys = parsePointer(op.path);
    if (keys.length === 0) {
      if (op.op === 'remove') throw new Error('cannot remove the document');
      if (op.op !== 'add' && op.op !== 'replace') throw new Error(`unknown operation ${String((op as { op?: unknown }).op)}`);
      root = op.value;
      continue;
    }
    root = own(root, fresh);
    let parent = root as Container;
    for (let i = 0; i < keys.length - 1; i++) {
      const key = keys[i]!;
      const child = childOf(parent, key);
      const copy = own(child, fresh);
      setChild(parent, key, copy);
      parent = copy;
    }
    const last = keys[keys.length - 1]!;
    switch (op.op) {
      case 'add':
        if (Array.isArray(parent)) {
          const at = last === '-' ? parent.length : arrayIndex(parent, last, true);
          parent.splice(at, 0, op.value);
        } else parent[last] = op.value;
        break;
      case 'replace':
        childOf(parent, last);
        setChild(parent, last, op.value);
        break;
      case 'remove':
        childOf(parent, last);
        if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false), 1);
        else delete parent[last];
        break;
      default:
        throw new Error(`unknown operation ${String((op as { op?: unknown }).op)}`);
    }
  }
  return root as T;
}

function own(value: Json, fresh: Set<Container>): Container {
  if (typeof value !== 'object' || value === null) throw new Error('path goes through a value that is not an object');
  const c = value as Container;
  if (fresh.has(c)) return c;
  const copy: Container = Array.isArray(c) ? c.slice() : { ...c };
  fresh.add(copy);
  return copy;
}

function childOf(parent: Container, key: string): Json {
  if (Array.isArray(parent)) return parent[arrayIndex(parent, key, false)];
  if (!Object.prototype.hasOwnProperty.call(parent, key)) throw new Error(`no member ${key}`);
  return parent[key];
}

function setChild(parent: Container, key: string, value: Json): void {
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, false)] = value;
  else parent[key] = value;
}

function arrayIndex(arr: Json[], key: string, forAdd: boolean): number {
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new Error(`not an array index: ${key}`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new Error(`index ${i} out of range`);
  return i;
}

/** JSON Pointer (RFC 6901) to its keys; '' is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((k) => {
      if (k === '__proto__') throw new Error('refused key');
      return k.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}
