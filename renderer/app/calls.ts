/**
 * The renderer's link to the core, shared by every feature: the connection
 * state, the app's info, toasts, and `api()` (a call whose failure becomes a
 * toast, with an optional busy key that disables its button meanwhile).
 *
 * Each of these is its own small zustand store, as each feature's state is
 * (drill/store.ts, library/store.ts, history/store.ts, terminal/state.ts):
 * with one store for everything, every snapshot, toast or busy flag woke
 * every subscribed component to run its selector; now a component only
 * hears about the slice it reads.
 */
import { create } from 'zustand';
import type { AppInfo, Method, Params, Results } from '../../main/api/contract';
import { getClient, toApiError, type ConnStatus } from './transport';

export interface ConnState {
  conn: ConnStatus;
  appInfo: AppInfo | null;
}

export const useConn = create<ConnState>()(() => ({ conn: { state: 'connecting' }, appInfo: null }));

// ---------------------------------------------------------------------------
// Toasts

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

export const useToasts = create<{ toasts: Toast[] }>()(() => ({ toasts: [] }));

let toastSeq = 1;
export function toast(message: string, kind: Toast['kind'] = 'error'): void {
  const id = toastSeq++;
  // At most 3 at once; each goes by itself (renderer/ui/Toasts.tsx).
  useToasts.setState((s) => ({ toasts: [...s.toasts.filter((t) => t.message !== message), { id, kind, message }].slice(-3) }));
}

export function dismissToast(id: number): void {
  useToasts.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}

// ---------------------------------------------------------------------------
// Calls

/** A call in flight per key ("step.complete:3"), to disable its button. Select one key: `useBusy((s) => !!s.busy[key])`. */
export const useBusy = create<{ busy: Record<string, true> }>()(() => ({ busy: {} }));

/** Calls the API; on failure shows the server's message as a toast and returns null. */
export async function api<M extends Method>(method: M, params: Params<M>, busyKey?: string): Promise<Results[M] | null> {
  if (busyKey) useBusy.setState((s) => ({ busy: { ...s.busy, [busyKey]: true } }));
  try {
    return await getClient().call(method, params);
  } catch (err) {
    toast(toApiError(err).message);
    return null;
  } finally {
    if (busyKey)
      useBusy.setState((s) => {
        const busy = { ...s.busy };
        delete busy[busyKey];
        return { busy };
      });
  }
}
