/**
 * One drill as a waterfall (each step a bar on the drill's own time axis)
 * and two drills compared step by step. Pure: events, snapshots and medians in.
 */
import type { DrillEvent, DrillSnapshot, StepStatus } from '../drill/model';
import { axisOffsets } from '../drill/timeline';
import { rtoMetClaim } from '../drill/headline';
import type { ComparedStep, DrillResult, Waterfall, WaterfallStep } from './model';
import { isSlow, statKeys } from './stats';

/** Per stable step key: the median of its completed runs and how many runs that rests on. */
export type StepMedians = Map<string, { medianMs: number | null; samples: number }>;

/**
 * Bars sit on the same axis the drill clock uses (monotonic where it can,
 * wall clock across a reboot; see main/drill/timeline.ts), so pauses and
 * the gaps while Drillbook was down show as the holes they were. A step's
 * bar length can exceed its duration by the pauses inside it; the duration
 * is net, as everywhere else.
 */
export function buildWaterfall(events: readonly DrillEvent[], snap: DrillSnapshot, medians: StepMedians, result: DrillResult | null): Waterfall {
  const offsets = axisOffsets(events);
  const start: (number | null)[] = snap.steps.map(() => null);
  const end: (number | null)[] = snap.steps.map(() => null);
  const pauses: Waterfall['pauses'] = [];
  const gaps: Waterfall['gaps'] = [];
  let openPause: Waterfall['pauses'][number] | null = null;
  events.forEach((e, i) => {
    const at = offsets[i]!;
    const s = e.stepIndex;
    switch (e.type) {
      case 'step.started':
        if (s !== null && s < start.length) start[s] = at;
        break;
      case 'step.completed':
      case 'step.skipped':
      case 'step.failed':
        if (s !== null && s < end.length) {
          end[s] = at;
          // A step skipped without starting is a point in time, not a bar.
          if (start[s] === null) start[s] = at;
        }
        break;
      case 'drill.paused':
        // Open until resumed; a pause still open runs to the end of the axis.
        openPause = { startMs: at, endMs: snap.clock.grossMs, reason: String(e.data.reason ?? '') };
        pauses.push(openPause);
        break;
      case 'drill.resumed':
        if (openPause) openPause.endMs = at;
        openPause = null;
        break;
      case 'drill.recovered':
        gaps.push({ startMs: offsets[i - 1] ?? at, endMs: at, measuredBy: snap.gaps[gaps.length]?.measuredBy ?? 'monotonic' });
        break;
      default:
        break;
    }
  });

  const keys = statKeys(snap.steps.map((s) => s.key));
  const rtoFrom = snap.rto.startStep !== null ? start[snap.rto.startStep] ?? null : null;
  const rtoTo = snap.rto.open || snap.rto.endStep === null ? null : end[snap.rto.endStep] ?? null;
  const steps: WaterfallStep[] = snap.steps.map((st, i) => {
    const m = medians.get(keys[i]!);
    const medianMs = m?.medianMs ?? null;
    const samples = m?.samples ?? 0;
    const measured = st.status === 'completed' ? st.durationMs : null;
    const stepStart = start[i] ?? null;
    return {
      index: i,
      key: keys[i]!,
      title: st.title,
      status: st.status,
      startMs: stepStart,
      endMs: end[i] ?? null,
      durationMs: st.durationMs,
      medianMs,
      samples,
      slow: isSlow(measured, medianMs, samples),
      ratio: measured !== null && medianMs ? measured / medianMs : null,
      inRtoWindow: rtoFrom !== null && stepStart !== null && stepStart >= rtoFrom && (rtoTo === null || stepStart <= rtoTo),
    };
  });

  return {
    drill: {
      id: snap.id,
      runbook: snap.runbook,
      mode: snap.mode,
      operator: snap.operator,
      status: snap.status,
      result,
      startedAt: snap.startedAt,
      endedAt: snap.endedAt,
      netMs: snap.clock.netMs,
      grossMs: snap.clock.grossMs,
      pausedMs: snap.clock.pausedMs,
      rto: { targetSec: snap.rto.targetSec, actualSec: snap.rto.actualSec, met: rtoMetClaim(snap.status, snap.rto.met, snap.steps.filter((s) => s.status === 'failed').length) },
    },
    steps,
    pauses,
    gaps,
    rtoWindow: rtoFrom === null ? null : { startMs: rtoFrom, endMs: rtoTo },
    totalMs: snap.clock.grossMs,
  };
}

export interface CompareInput {
  index: number;
  /** The parser's step key (repeats are numbered here). */
  key: string;
  title: string;
  status: StepStatus;
  durationMs: number | null;
}

/**
 * Steps of drill a and drill b matched by stable key, in b's order, with
 * steps only a had placed after the step that preceded them in a.
 */
export function compareSteps(a: readonly CompareInput[], b: readonly CompareInput[], aMedians: StepMedians, bMedians: StepMedians): ComparedStep[] {
  const aKeys = statKeys(a.map((s) => s.key));
  const bKeys = statKeys(b.map((s) => s.key));
  const aByKey = new Map(a.map((s, i) => [aKeys[i]!, s]));
  const bKeySet = new Set(bKeys);
  const side = (s: CompareInput | undefined, key: string, medians: StepMedians) => {
    if (!s) return null;
    const m = medians.get(key);
    return {
      index: s.index,
      status: s.status,
      durationMs: s.durationMs,
      slow: s.status === 'completed' && isSlow(s.durationMs, m?.medianMs ?? null, m?.samples ?? 0),
    };
  };
  const row = (key: string, as: CompareInput | undefined, bs: CompareInput | undefined): ComparedStep => {
    const both = as && bs && as.status === 'completed' && bs.status === 'completed' && as.durationMs !== null && bs.durationMs !== null;
    return {
      key,
      title: (bs ?? as)!.title,
      a: side(as, key, aMedians),
      b: side(bs, key, bMedians),
      deltaMs: both ? bs.durationMs! - as.durationMs! : null,
      ratio: both && as.durationMs! > 0 ? bs.durationMs! / as.durationMs! : null,
      medianMs: (bMedians.get(key) ?? aMedians.get(key))?.medianMs ?? null,
    };
  };

  // a-only steps, grouped under the nearest preceding step that b also has.
  const orphansAfter = new Map<string | null, string[]>();
  let anchor: string | null = null;
  aKeys.forEach((k) => {
    if (bKeySet.has(k)) anchor = k;
    else orphansAfter.set(anchor, [...(orphansAfter.get(anchor) ?? []), k]);
  });

  const out: ComparedStep[] = [];
  for (const k of orphansAfter.get(null) ?? []) out.push(row(k, aByKey.get(k), undefined));
  bKeys.forEach((k, i) => {
    out.push(row(k, aByKey.get(k), b[i]));
    for (const o of orphansAfter.get(k) ?? []) out.push(row(o, aByKey.get(o), undefined));
  });
  return out;
}
