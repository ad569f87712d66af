/**
 * What the observer view needs of the team server, and the shapes it gets.
 * `TeamApi` is the subset of the team shell's client (renderer/team/client.ts,
 * built alongside) that live drills use: the shell passes its client in.
 */
import type { DrillSnapshot } from '../../../main/drill/model.js';
import type { Step } from '../../../main/runbook/model.js';
import type { LiveList, LiveSummary } from '../../../main/team/model.js';
import type { TeamApi as FullTeamApi } from '../client.js';

/** The part of the shell's client (renderer/team/client.ts) that live drills use. */
export type TeamApi = Pick<FullTeamApi, 'token' | 'getJson' | 'stream'>;

/** GET /api/live/:id — the drill as of its last published event, never a terminal. */
export interface LiveDrillView {
  drill: DrillSnapshot;
  /** The runbook's steps as the operator's machine published them (redacted there). */
  steps: Step[];
  /** ISO UTC of the last event (the snapshot is as of it). */
  lastEventAt: string;
  /** The server's clock when it answered. */
  serverTime: string;
}

/**
 * GET /api/live/:id?base=CHAIN_HEAD when the observer holds the snapshot with
 * that chain head: what changed since (main/team/live.ts snapshotDelta).
 */
export interface LiveDrillDelta {
  delta: {
    from: { eventCount: number; chainHead: string };
    set: Record<string, unknown>;
    tails: Record<string, { at: number; items: unknown[] }>;
  };
  lastEventAt: string;
  serverTime: string;
}

/** One row of GET /api/live (running drills, newest first). */
export type LiveListRow = LiveSummary;
export type { LiveList };

export const livePath = (id: string, base?: string) => `/api/live/${encodeURIComponent(id)}${base ? `?base=${encodeURIComponent(base)}` : ''}`;
export const LIVE_LIST_PATH = '/api/live';
export const LIVE_EVENTS_PATH = '/api/live/events';
