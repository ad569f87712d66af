/**
 * Evidence actions for the drill view: thin wrappers over the API that keep
 * the drill's snapshot current, plus the evidence panel's own small UI state.
 */
import { create } from 'zustand';
import type { Params, Results } from '../../main/api/contract';
import type { DrillSnapshot } from '../../main/drill/model';
import type { AttachmentKind } from '../../main/common/evidence';
import { api, toast } from '../app/calls';
import { upsertDrill } from '../drill/store';
import { getClient } from '../app/transport';

/** Whether each drill's view shows the evidence panel instead of the step. */
export const useEvidenceUi = create<{ open: Record<string, boolean> }>()(() => ({ open: {} }));

export function setEvidenceOpen(drillId: string, open: boolean): void {
  useEvidenceUi.setState((s) => ({ open: { ...s.open, [drillId]: open } }));
}

type SnapMethod = 'participant.set' | 'scenario.set' | 'failure.declare' | 'recoveryPoint.set' | 'finding.add' | 'remediation.add' | 'attachment.add' | 'signoff.add' | 'check.set';

async function record<M extends SnapMethod>(method: M, params: Params<M>, busyKey: string): Promise<DrillSnapshot | null> {
  const snap = (await api(method, params, busyKey)) as DrillSnapshot | null;
  if (snap) upsertDrill(snap);
  return snap;
}

export const setParticipant = (drillId: string, name: string, role: string | null) => record('participant.set', { drillId, name, role }, 'ev:participant');
export const setScenario = (p: Params<'scenario.set'>) => record('scenario.set', p, 'ev:scenario');
export const declareFailure = (drillId: string, failureAt?: string, note?: string) =>
  record('failure.declare', { drillId, ...(failureAt ? { failureAt } : {}), ...(note ? { note } : {}) }, 'ev:failure');
export const setRecoveryPoint = (p: Params<'recoveryPoint.set'>) => record('recoveryPoint.set', p, 'ev:rp');
export const addFinding = (p: Params<'finding.add'>) => record('finding.add', p, 'ev:finding');
export const addRemediation = (p: Params<'remediation.add'>) => record('remediation.add', p, 'ev:remediation');
export const signOff = (p: Params<'signoff.add'>) => record('signoff.add', p, `ev:signoff:${p.role}`);
export const tickWithNote = (drillId: string, stepIndex: number, itemIndex: number, note: string) =>
  record('check.set', { drillId, stepIndex, itemIndex, checked: true, ...(note ? { note } : {}) }, `check:${stepIndex}:${itemIndex}`);

export interface AttachTarget {
  drillId: string;
  stepIndex: number | null;
  itemIndex?: number;
}

/** Text evidence: a terminal screen, a transcript excerpt, or a pasted log. */
export const attachText = (t: AttachTarget, name: string, kind: AttachmentKind, text: string, note?: string) =>
  record('attachment.add', { drillId: t.drillId, stepIndex: t.stepIndex, ...(t.itemIndex !== undefined ? { itemIndex: t.itemIndex } : {}), name, kind, text, ...(note ? { note } : {}) }, 'ev:attach');

/**
 * A file. In the browser it is POSTed to the host (API messages on the socket
 * are limited to 1 MiB); in the desktop app it goes over IPC as base64.
 */
export async function attachFile(t: AttachTarget, file: File, note?: string): Promise<DrillSnapshot | null> {
  if (getClient().kind === 'websocket') {
    const q = new URLSearchParams({ drillId: t.drillId, name: file.name || 'attachment', kind: 'file' });
    if (t.stepIndex !== null) q.set('stepIndex', String(t.stepIndex));
    if (t.itemIndex !== undefined) q.set('itemIndex', String(t.itemIndex));
    if (note) q.set('note', note);
    try {
      const res = await fetch(`/evidence/attachments?${q.toString()}`, {
        method: 'POST',
        body: file,
        credentials: 'same-origin',
        headers: { 'Content-Type': file.type || 'application/octet-stream' },
      });
      const body = (await res.json()) as { result?: DrillSnapshot; error?: { message: string } };
      if (body.result) {
        upsertDrill(body.result);
        return body.result;
      }
      toast(body.error?.message ?? `upload failed (${res.status})`);
    } catch {
      toast('The upload did not reach Drillbook. Check the connection and try again.');
    }
    return null;
  }
  const base64 = await fileBase64(file);
  return record(
    'attachment.add',
    { drillId: t.drillId, stepIndex: t.stepIndex, ...(t.itemIndex !== undefined ? { itemIndex: t.itemIndex } : {}), name: file.name || 'attachment', kind: 'file', contentBase64: base64, ...(file.type ? { mediaType: file.type } : {}), ...(note ? { note } : {}) },
    'ev:attach',
  );
}

function fileBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new Error('cannot read the file'));
    reader.readAsDataURL(file);
  });
}

export const exportEvidence = (drillId: string, redact: boolean, pdf: boolean): Promise<Results['evidence.export'] | null> =>
  api('evidence.export', { drillId, redact, pdf }, 'ev:export');
