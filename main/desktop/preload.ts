/**
 * The only bridge between the sandboxed renderer and the core: three
 * functions, no Node, no ipcRenderer handed out. Messages are validated on
 * the main side by the same contract as the WebSocket host.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

let nextId = 1;

contextBridge.exposeInMainWorld('drillbook', {
  call(method: string, params: unknown): Promise<unknown> {
    return ipcRenderer
      .invoke('drillbook:call', { id: nextId++, method, params })
      .then((res: { result?: unknown; drill?: unknown; error?: { code: string; message: string } }) => {
        if (res.error) return Promise.reject(res.error);
        // A drill snapshot travels as a patch (main/api/wire.ts); the renderer's transport applies it.
        if (res.drill !== undefined) return { drill: res.drill };
        return { result: res.result };
      });
  },
  onEvent(callback: (event: unknown) => void): () => void {
    const listener = (_e: IpcRendererEvent, event: unknown) => callback(event);
    ipcRenderer.on('drillbook:event', listener);
    return () => ipcRenderer.removeListener('drillbook:event', listener);
  },
  /** Terminal output: raw bytes per terminal (high volume, so not JSON events). */
  onTerminalData(callback: (terminalId: string, bytes: Uint8Array) => void): () => void {
    const listener = (_e: IpcRendererEvent, terminalId: unknown, bytes: unknown) => {
      if (typeof terminalId === 'string' && bytes instanceof Uint8Array) callback(terminalId, bytes);
    };
    ipcRenderer.on('drillbook:term', listener);
    return () => ipcRenderer.removeListener('drillbook:term', listener);
  },
});
