/**
 * Masks credentials in text before anything leaves Drillbook: evidence
 * bundles, JUnit, `history export`, `show --json`, the console of
 * `drillbook run`. The detectors live in ./redact/ (engine.ts says which and
 * in what order); this module is the one entry every exporter imports.
 */
export { compilePatterns, redactText, applyFindings, collect, Redactor, RedactionConfigError, detectorNames, builtinDetectors, type RedactionConfig, type RedactResult } from './redact/engine';
export { DEFAULT_PATTERNS, type PatternSpec } from './redact/patterns';
export { MASK_PREFIX, mask, type Finding, type RedactionPattern } from './redact/types';
export { StreamRedactor } from './redact/stream';
