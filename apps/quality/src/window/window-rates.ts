import type { QualityWindowCountField } from '@tokenscope/queue-contracts';

/** The window's counters, as kept in Redis. */
export type WindowCounts = Record<QualityWindowCountField, number>;

export const EMPTY_WINDOW: WindowCounts = { generations: 0, refusals: 0, checked: 0, ungrounded: 0, votes: 0, up: 0 };

/** The three rates of a window; null when the denominator is 0 (no data is not a rate of 0). */
export interface WindowRates {
  /** refusals / generations (successful generations in the window). */
  refusalRate: number | null;
  /** ungrounded / checked (generations in the window that had context and a checkable sentence, refusals excluded). */
  hallucinationRate: number | null;
  /** up / votes (latest votes on generations in the window). */
  userSatisfaction: number | null;
}

export function ratesOf(counts: WindowCounts): WindowRates {
  return {
    refusalRate: ratio(counts.refusals, counts.generations),
    hallucinationRate: ratio(counts.ungrounded, counts.checked),
    userSatisfaction: ratio(counts.up, counts.votes),
  };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}
