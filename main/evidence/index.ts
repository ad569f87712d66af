/**
 * Audit evidence (main/evidence/BUNDLE.md): evidence recorded in a drill,
 * exported as a bundle an auditor can verify offline.
 */
export * from '../common/evidence';
export { reduceEvidence, computeRpo, emptyEvidence } from '../drill/evidence-reduce';
export { EvidenceService, EXPORT_NAME, runExport, type EvidenceExport, type EvidenceOptions, type AttachmentInput } from './service';
export { AttachmentStore, DEFAULT_MAX_ATTACHMENT_BYTES, safeFileName } from './attachments';
export { blockChecks, checkBindingProblems, itemsProvedBy } from './binding';
export { compilePatterns, redactText, Redactor, DEFAULT_PATTERNS, RedactionConfigError, type RedactionPattern, type RedactionConfig, type PatternSpec } from './redact';
export { loadRedactionPatterns, REDACTION_CONFIG_FILE } from './config';
export { exportBundle, buildBundle, writeBundle, DRILL_FILE, SCHEMA_PATH, type ExportOptions, type ExportResult } from './bundle';
export { verifyBundle, verifyFiles, readBundle, type VerifyResult, type VerifyProblem, type VerifyOptions } from './verify';
export { MANIFEST_FILE, SIGNATURE_FILE, parseManifest, type Manifest } from './manifest';
export { chromiumPrintToPdf, findChromium, pdfPageCount, PdfError, type PrintToPdf } from './pdf';
export { checkSignature, signFile, SIG_NAMESPACE, SignatureError } from './sshsig';
export { terminalTranscripts, type TranscriptSource, type TranscriptInfo } from './transcripts';
export { BundleReadError } from './zip';
