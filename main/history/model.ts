/**
 * What the history answers, as plain JSON-serialisable types shared by the
 * API, the CLI and the UI. Definitions (also in README.md):
 *
 * - result: a finished drill passes when it completed (no step failed) and
 *   met its RTO, or had no RTO target. Failed or aborted drills, and completed
 *   drills that missed (or could not show) their target, fail. A running
 *   drill has no result yet.
 * - pass rate: passes / finished drills (running drills are left out).
 * - percentiles: linear interpolation between closest ranks (the R-7 /
 *   Excel PERCENTILE.INC / NumPy default rule), so p50 is the usual median.
 * - drill durations: over completed drills only (a failed or aborted drill's
 *   time is not the time a restore takes); per-step durations: over every
 *   completed run of the step, whatever became of its drill.
 * - slow: more than 1.5× the median of the same step (or of the drill totals),
 *   judged only once there are at least 3 samples.
 */
import type { DrillMode, DrillStatus, DrillSummary, StepStatus } from '../drill/model';

export type DrillResult = 'pass' | 'fail';

/** A history list row: the drill summary plus its pass/fail result and step counts. */
export interface HistoryEntry extends DrillSummary {
  result: DrillResult | null;
  stepCounts: { total: number; completed: number; skipped: number; failed: number };
}

export interface HistoryFilter {
  runbookPath?: string;
  mode?: DrillMode;
  status?: DrillStatus;
  result?: DrillResult;
  /** ISO date (YYYY-MM-DD, a UTC day) or ISO date-time; drills started at or after it. */
  since?: string;
  /** ISO date (the whole UTC day is included) or ISO date-time (inclusive). */
  until?: string;
}

export interface ListOptions extends HistoryFilter {
  /** Default 500. */
  limit?: number;
  offset?: number;
  /**
   * Include every drill's steps (default true). A list screen only needs
   * `stepCounts`; leaving the steps out makes a page of 500 drills about
   * 20,000 rows lighter.
   */
  steps?: boolean;
}

/** A runbook as it appears in the history (by the path it was drilled from). */
export interface HistoryRunbook {
  path: string;
  title: string;
  drills: number;
  lastStartedAt: string;
}

export interface DurationSummary {
  n: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  /** Coefficient of variation: sample standard deviation / mean; null below 2 samples. */
  cv: number | null;
}

/**
 * Drills on the trend chart, in columns (uPlot's native shape, compact over the wire), oldest first. Every drill,
 * or with many drills the ones the chart can show (main/history/downsample.ts; `RunbookStats.trendSample` says so).
 */
export interface TrendColumns {
  /** Drill start, Unix seconds. */
  t: number[];
  id: string[];
  rtoActualSec: (number | null)[];
  rtoTargetSec: (number | null)[];
  netSec: (number | null)[];
  result: (DrillResult | null)[];
  status: DrillStatus[];
  mode: DrillMode[];
  /** Index into `versions` of the runbook version each drill ran. */
  version: number[];
  /** The rolling median (9 completed drills of the same mode) at each drill, computed over every drill. */
  rolling: (number | null)[];
}

/** How the trend was cut to the chart's width; null when it holds every drill. */
export interface TrendSample {
  /** Drills the chart stands for (all of them in the query). */
  drills: number;
  /** Drills in the trend columns. */
  shown: number;
  /** Pixels of chart width per time bin (each bin keeps its fastest and slowest passed and failed drill). */
  pxPerBin: number;
}

export interface RunbookVersion {
  sha256: string;
  firstStartedAt: string;
  drills: number;
}

/** A change of runbook version between two consecutive drills (a vertical line on the chart). */
export interface VersionMarker {
  /** Index in the trend columns of the first drill on the new version. */
  index: number;
  t: number;
  drillId: string;
  sha256: string;
  /** Index into `versions`. */
  version: number;
  /** This version was seen before (operators alternating between copies of the file). */
  revisited: boolean;
  /** Step changes are worked out for the 20 most recent markers only; false (and empty lists) for older ones. */
  detailed: boolean;
  stepsAdded: string[];
  stepsRemoved: string[];
  stepsRenamed: { key: string; from: string; to: string }[];
}

export interface StepStat {
  /** Stable identity across versions (parser step key; "#2" for a repeated key). */
  key: string;
  /** The title it had most recently. */
  title: string;
  /** Position in the most recent drill that had it (later positions for steps since removed). */
  order: number;
  /** Still in the most recent drill. */
  current: boolean;
  /** Completed runs. */
  n: number;
  durations: DurationSummary | null;
  /** Share of the sum of all steps' median durations (0..1). */
  shareOfMedian: number | null;
  /** Completed runs that took more than 1.5× the median. */
  slowRuns: number;
  /** This step in the most recent drill. */
  last: { drillId: string; status: StepStatus; durationMs: number | null; slow: boolean } | null;
}

export interface DrillBrief {
  id: string;
  runbook: { title: string; path: string; sha256: string };
  mode: DrillMode;
  operator: string;
  status: DrillStatus;
  result: DrillResult | null;
  startedAt: string;
  endedAt: string | null;
  netMs: number | null;
  rto: { targetSec: number | null; actualSec: number | null; met: boolean | null };
}

export interface RecentDrill extends DrillBrief {
  /** Steps that took more than 1.5× their median. */
  slowSteps: { key: string; title: string; durationMs: number; medianMs: number }[];
  /** Net duration more than 1.5× the median of completed drills. */
  slowOverall: boolean;
}

export interface RunbookStatsQuery {
  runbookPath: string;
  mode?: DrillMode;
  since?: string;
  until?: string;
  /** The trend chart's width in pixels: the trend is cut to what it can show (default 1600). */
  chartPx?: number;
}

export interface RunbookStats {
  runbook: { path: string; title: string; rtoTargetSec: number | null };
  query: RunbookStatsQuery;
  counts: { drills: number; running: number; finished: number; passed: number; failed: number; completed: number };
  /** passed / finished; null when nothing finished. */
  passRate: number | null;
  /** Over completed drills: RTO actual (seconds) and net duration (ms). */
  rtoSec: DurationSummary | null;
  netMs: DurationSummary | null;
  last: RecentDrill | null;
  /** Newest first. */
  recent: RecentDrill[];
  trend: TrendColumns;
  trendSample: TrendSample | null;
  versions: RunbookVersion[];
  markers: VersionMarker[];
  /** In runbook order. */
  steps: StepStat[];
  /** Step keys, slowest median first / most variable (highest CV, at least 3 runs) first. */
  slowest: string[];
  mostVariable: string[];
  /** How long the server took to compute this, for the bench and the curious. */
  computeMs: number;
  /** Served from the server's cache (nothing it depends on changed since it was computed, in computeMs). */
  cached?: boolean;
  /** The same figures for each mode in view: modes are never mixed in a judgement (a cron run is not a rehearsal). */
  byMode: ModeStats[];
}

export interface ModeStats {
  mode: DrillMode;
  drills: number;
  finished: number;
  passRate: number | null;
  rtoSec: DurationSummary | null;
  netMs: DurationSummary | null;
}

export interface WaterfallStep {
  index: number;
  key: string;
  title: string;
  status: StepStatus;
  /** Offsets on the drill's own time axis (ms since it started; pauses and gaps included). */
  startMs: number | null;
  endMs: number | null;
  /** Net time the step ran, pauses excluded. */
  durationMs: number | null;
  medianMs: number | null;
  samples: number;
  slow: boolean;
  /** durationMs / medianMs. */
  ratio: number | null;
  inRtoWindow: boolean;
}

export interface Waterfall {
  drill: DrillBrief & { grossMs: number; pausedMs: number };
  steps: WaterfallStep[];
  pauses: { startMs: number; endMs: number; reason: string }[];
  gaps: { startMs: number; endMs: number; measuredBy: 'monotonic' | 'wall-clock' }[];
  rtoWindow: { startMs: number; endMs: number | null } | null;
  totalMs: number;
}

export interface ComparedStep {
  key: string;
  title: string;
  a: { index: number; status: StepStatus; durationMs: number | null; slow: boolean } | null;
  b: { index: number; status: StepStatus; durationMs: number | null; slow: boolean } | null;
  /** b - a, when both completed. */
  deltaMs: number | null;
  /** b / a, when both completed and a > 0. */
  ratio: number | null;
  medianMs: number | null;
}

export interface DrillComparison {
  a: DrillBrief;
  b: DrillBrief;
  sameRunbook: boolean;
  sameVersion: boolean;
  steps: ComparedStep[];
  netDeltaMs: number | null;
  rtoDeltaSec: number | null;
}
