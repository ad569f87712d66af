/**
 * Pure helpers the team pages share: what a role may call (the server's own
 * table, main/team/roles.ts), freshness and policy in words, and an event's
 * one-line description. No React, no fetch: unit-tested as they are.
 */
import { API_METHODS, ROLES, allowed, type ApiMethodName, type Role } from '../../main/team/roles.js';
import type { FreshnessRow, TeamEvent, TeamMe, TeamRunbook } from '../../main/team/model.js';
import { formatDuration, formatSeconds } from '../../main/common/duration.js';

/** Whether `role` may call the API method `name`: the table the server enforces, so the page hides exactly what it would refuse. */
export function can(role: Role, name: ApiMethodName): boolean {
  const m = API_METHODS.find((x) => x.name === name);
  return m !== undefined && allowed(m, role);
}

/** 2_592_000 → "30 d"; whole days when it is whole days, else the duration. */
export function everyText(sec: number | null): string {
  if (sec === null) return '—';
  return sec % 86_400 === 0 ? `${sec / 86_400} d` : formatSeconds(sec);
}

/** "drill_every" → "front matter"; "tag:db" → "tag db". */
export function policySourceText(source: string | null): string {
  if (source === null) return '';
  if (source.startsWith('tag:')) return `tag ${source.slice(4)}`;
  if (source === 'drill_every') return 'front matter';
  return source;
}

export type FreshnessState = { kind: 'none' } | { kind: 'overdue'; text: string } | { kind: 'due'; text: string };

/** A runbook's freshness in words: overdue by how long (or never passed), or when it is due. */
export function freshnessState(f: FreshnessRow | undefined): FreshnessState {
  if (!f || f.drillEverySec === null) return { kind: 'none' };
  if (f.overdue) {
    if (f.lastPassAt === null) return { kind: 'overdue', text: 'overdue: never passed' };
    const days = Math.max(1, Math.round((f.overdueBySec ?? 0) / 86_400));
    return { kind: 'overdue', text: `overdue by ${days} d` };
  }
  return { kind: 'due', text: f.dueAt ? `due ${f.dueAt.slice(0, 10)}` : 'fresh' };
}

export interface RunbookRow {
  runbook: TeamRunbook;
  fresh: FreshnessRow | undefined;
}

/** The runbooks list joined with freshness, overdue first, then by title. */
export function runbookRows(runbooks: readonly TeamRunbook[], freshness: readonly FreshnessRow[]): RunbookRow[] {
  const byPath = new Map(freshness.map((f) => [f.runbookPath, f]));
  return runbooks
    .map((runbook) => ({ runbook, fresh: byPath.get(runbook.runbookPath) }))
    .sort((a, b) => Number(b.fresh?.overdue ?? false) - Number(a.fresh?.overdue ?? false) || a.runbook.title.localeCompare(b.runbook.title));
}

/** The tags the team's runbooks carry, sorted, each once (for the history filter). */
export function allTags(freshness: readonly FreshnessRow[]): string[] {
  return [...new Set(freshness.flatMap((f) => f.tags))].sort();
}

const STEP_TYPES: Record<string, string> = {
  'step.started': 'started',
  'step.completed': 'completed',
  'step.failed': 'failed',
  'step.skipped': 'skipped',
};

/** One event as a line of the drill's timeline: its type in words, and the step or detail it names. */
export function eventLine(e: TeamEvent, stepTitle: (index: number) => string | null): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const step = typeof e.stepIndex === 'number' ? stepTitle(e.stepIndex) : null;
  const verb = STEP_TYPES[e.type];
  if (verb && step) return `Step ${verb}: ${step}`;
  const bits: string[] = [];
  if (step) bits.push(step);
  for (const k of ['reason', 'text', 'message', 'verdict', 'title']) {
    const v = d[k];
    if (typeof v === 'string' && v) bits.push(v.length > 160 ? `${v.slice(0, 159)}…` : v);
  }
  if (typeof d.exitCode === 'number') bits.push(`exit ${d.exitCode}`);
  if (typeof d.durationMs === 'number') bits.push(formatDuration(d.durationMs));
  return bits.length ? `${e.type}: ${bits.join(' · ')}` : e.type;
}

/** The file name a download is saved under: the server's name for it, else a safe one. */
export function downloadName(kind: 'csv' | 'json' | 'bundle', id = ''): string {
  if (kind === 'bundle') return `drill-${id.replace(/[^A-Za-z0-9_-]/g, '_')}.zip`;
  return `team-drills.${kind}`;
}

/** A TeamMe read back from storage, or null when it is not one (an older tab, a hand-edited value). */
export function meFrom(raw: string | null): TeamMe | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<TeamMe> | null;
    if (!v || typeof v !== 'object') return null;
    if (typeof v.name !== 'string' || !v.name) return null;
    if (!(ROLES as readonly unknown[]).includes(v.role)) return null;
    if (typeof v.tokenId !== 'number' || !Number.isInteger(v.tokenId)) return null;
    return { name: v.name, role: v.role!, tokenId: v.tokenId };
  } catch {
    return null;
  }
}
