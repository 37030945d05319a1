import type { DetectorVerdict, GenerationUnderReview, QualityDetector, QualitySignal } from './quality-detector.js';

/** How the window counts one successful generation. */
export type Grounding = 'grounded' | 'ungrounded' | 'not_checked';

export interface QualityVerdict {
  isRefusal: boolean;
  grounding: Grounding;
  /** What each detector that ran answered, in order (for the evaluation events). */
  readings?: DetectorReading[];
}

/** One detector's answer on one generation. */
export interface DetectorReading {
  detector: string;
  /** The detector's version (`refusal-rules@4`). */
  version: string;
  signal: QualitySignal;
  verdict: DetectorVerdict;
}

/**
 * Runs the configured detectors on a generation and combines them per signal: a refusal when
 * any refusal detector flags; for hallucination, ungrounded when any detector flags, grounded
 * when at least one checked and none flagged, else not checked. A refusal is never checked for
 * groundedness: declining is not inventing, and it is already counted as a refusal.
 */
export class DetectorSuite {
  private readonly refusal: readonly QualityDetector[];
  private readonly hallucination: readonly QualityDetector[];

  constructor(detectors: readonly QualityDetector[]) {
    this.refusal = detectors.filter((d) => d.signal === 'refusal');
    this.hallucination = detectors.filter((d) => d.signal === 'hallucination');
  }

  get names(): string[] {
    return [...this.refusal, ...this.hallucination].map((d) => d.name);
  }

  async review(generation: GenerationUnderReview): Promise<QualityVerdict> {
    const readings: DetectorReading[] = [];
    const read = async (detector: QualityDetector) => {
      const verdict = await detector.detect(generation);
      readings.push({ detector: detector.name, version: detector.version, signal: detector.signal, verdict });
      return verdict;
    };
    for (const detector of this.refusal) {
      if ((await read(detector)).status === 'flagged') return { isRefusal: true, grounding: 'not_checked', readings };
    }
    let grounding: Grounding = 'not_checked';
    for (const detector of this.hallucination) {
      const verdict = await read(detector);
      if (verdict.status === 'flagged') return { isRefusal: false, grounding: 'ungrounded', readings };
      if (verdict.status === 'clear') grounding = 'grounded';
    }
    return { isRefusal: false, grounding, readings };
  }
}
