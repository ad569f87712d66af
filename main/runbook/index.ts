/**
 * The runbook module's public surface: parse and load runbooks (format v1,
 * runbooks/FORMAT.md), scan and watch the library, durations.
 */
export * from './model';
export { parseRunbook } from './parse';
export { loadRunbookFile, MAX_RUNBOOK_BYTES } from './load';
export { parseDuration } from './duration';
export { scanRunbookDirs, watchRunbookDirs, MAX_LIBRARY_FILES, type LibraryEntry } from './library';
export { parseFenceInfo, parseAttrBlock, splitTrailingAttrs, parseHeadingAttrs, type ParsedAttrs, type ParsedInfo } from './attrs';
