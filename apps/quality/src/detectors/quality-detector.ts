/** What a detector sees of one finished generation. */
export interface GenerationUnderReview {
  requestId: string;
  model: string;
  /** The generated text (cut by the gateway at EVENT_TEXT_LIMIT_CHARS). */
  output: string;
  /** Grounding documents the request gave, or null. */
  context: readonly string[] | null;
  /**
   * The question (a chat's last user message, or the prompt): an answer's words may come from it as
   * well as from the context. Events carry it from version 3 on, beside a context only; absent in
   * older events.
   */
  prompt?: string;
}

/** The quality signals the window counts. */
export type QualitySignal = 'refusal' | 'hallucination';

/**
 * One detector's answer: `flagged` (a refusal; an ungrounded answer), `clear`, or `not_checked`
 * when it has nothing to judge (no context, nothing but filler sentences).
 */
export interface DetectorVerdict {
  status: 'flagged' | 'clear' | 'not_checked';
  /** Detector-specific strength in [0, 1] (for a groundedness check: the unsupported share). */
  score?: number;
  /** A short fixed phrase for logs and spans, never text from the generation. */
  reason?: string;
  /** The detector's version that gave this answer (`refusal-rules@4`): a new detector shows as a new version. */
  version?: string;
}

/**
 * A pluggable check run on every successful generation. Detectors of the same signal are
 * combined: flagged if any flags, checked if any checked. A detector may be asynchronous (a
 * judge model called through the gateway); a thrown error fails the event, which is retried.
 */
export interface QualityDetector {
  readonly name: string;
  /**
   * `<kind>@<n>`, raised whenever a change can move its verdicts (rules, thresholds, rubric), so
   * that dashboards show a change of detector as a change of version, not of the model.
   */
  readonly version: string;
  readonly signal: QualitySignal;
  detect(generation: GenerationUnderReview): DetectorVerdict | Promise<DetectorVerdict>;
}

/** Injection token of the detector list (QualityDetector[]). */
export const QUALITY_DETECTORS = Symbol('QUALITY_DETECTORS');
