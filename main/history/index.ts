/**
 * Drill history: "how long does our restore really take?" Filtered lists,
 * runbook trends and step statistics, waterfalls, comparisons, and JSONL
 * export/import. Definitions of pass rate, percentiles and the slow flag
 * are in ./model.ts and README.md.
 */
export * from './model';
export { HistoryService, RECENT_DRILLS, MARKER_DETAIL_LIMIT } from './service';
export { HistoryQueries } from './queries';
export { dateBounds, drillWhere, DATE_FILTER_PATTERN } from './filter';
export {
  SLOW_FACTOR,
  MIN_SAMPLES_FOR_FLAG,
  drillResult,
  summarize,
  quantileSorted,
  median,
  coefficientOfVariation,
  isSlow,
  passRate,
  statKeys,
  versionsOf,
  stepChanges,
  rankSteps,
} from './stats';
export { buildWaterfall, compareSteps, type StepMedians } from './waterfall';
export { exportLines, importLines, parseLine, HistoryImporter, type ImportReport, type ExportSummary, LINE_TYPE, LINE_VERSION } from './transfer';
