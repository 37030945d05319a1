import type { GenerationUnderReview, QualityDetector } from '../detectors/quality-detector.js';

/** One human-labelled example: what the detector sees, and whether it should flag it. */
export interface LabelledGeneration {
  id: string;
  generation: GenerationUnderReview;
  /** True when the right verdict is `flagged` (a refusal; an ungrounded answer). */
  shouldFlag: boolean;
}

/** A detector's figures on one labelled set. `not_checked` counts as not flagged in every figure. */
export interface DetectorAccuracy {
  examples: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  notChecked: number;
  /** TP / (TP + FP); 1 when nothing was flagged. */
  precision: number;
  /** TP / (TP + FN); 1 when nothing should have been flagged. */
  recall: number;
  f1: number;
  /** (TP + TN) / examples. */
  accuracy: number;
  /** notChecked / examples. */
  notCheckedShare: number;
  /** Ids of the examples the detector got wrong, for reading (never for tuning on a held-out set). */
  misses: string[];
}

/** Runs the detector on every example and counts its verdicts against the labels. */
export async function measureDetector(detector: QualityDetector, rows: readonly LabelledGeneration[]): Promise<DetectorAccuracy> {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let notChecked = 0;
  const misses: string[] = [];
  for (const row of rows) {
    const verdict = await detector.detect(row.generation);
    const isFlagged = verdict.status === 'flagged';
    if (verdict.status === 'not_checked') notChecked++;
    if (isFlagged && row.shouldFlag) truePositives++;
    else if (isFlagged) falsePositives++;
    else if (row.shouldFlag) falseNegatives++;
    if (isFlagged !== row.shouldFlag) misses.push(row.id);
  }
  const trueNegatives = rows.length - truePositives - falsePositives - falseNegatives;
  const precision = truePositives + falsePositives === 0 ? 1 : truePositives / (truePositives + falsePositives);
  const recall = truePositives + falseNegatives === 0 ? 1 : truePositives / (truePositives + falseNegatives);
  return {
    examples: rows.length,
    truePositives,
    falsePositives,
    falseNegatives,
    trueNegatives,
    notChecked,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    accuracy: rows.length === 0 ? 1 : (truePositives + trueNegatives) / rows.length,
    notCheckedShare: rows.length === 0 ? 0 : notChecked / rows.length,
    misses,
  };
}

/**
 * The split an example belongs to, fixed by its id (or its group, so that answers about one
 * context stay together) before any rule was written: FNV-1a 32-bit, held out when mod 3 is 0.
 */
export function splitOf(key: string): 'tuning' | 'heldout' {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 3 === 0 ? 'heldout' : 'tuning';
}
