/** One secret found in a text: the span to mask and what kind of thing it is. */
export interface Finding {
  start: number;
  end: number;
  kind: string;
  /** Said after the mask, when the mask alone would hide what happened (an unterminated key block). */
  note?: string;
}

/** A detector: finds secrets in a text (pure; may keep compiled state, never per-text state). */
export interface RedactionPattern {
  name: string;
  description: string;
  /** Where it comes from: a library rule, a built-in rule, a rule of the user's config. */
  source: 'library' | 'builtin' | 'config';
  /** Which wins when two detectors find the same secret (lower first): the most specific name says most. */
  tier: number;
  /** Text every finding contains (case-sensitive); texts without it skip the detector. */
  requires?: string;
  /** Lower-case words one of which every finding's context contains; texts with none skip the detector (cheap first look). */
  requiresAny?: readonly string[];
  find(text: string, report: (f: Finding) => void): void;
}

export const MASK_PREFIX = '[REDACTED:';
export const mask = (name: string) => `${MASK_PREFIX}${name}]`;
/** Masks already in a text (ours, and the runner's `[secret]`): never masked again, never part of a new mask. */
export const EXISTING_MASK = /\[REDACTED:[a-z0-9-]+\]|\[secret\]/g;
