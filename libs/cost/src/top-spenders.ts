/** The label value that the spenders outside the top N are summed into. */
export const OTHER_SPENDERS = 'other';

/** One series of a per-user spend gauge. */
export interface SpendSeries {
  userId: string;
  amountUsd: number;
}

/**
 * Folds per-user spend into at most `topN` named series plus one `other` series whose amount is
 * `totalUsd` minus the named ones, so the series always add up to the total (to float rounding)
 * while the number of series stays bounded whatever the number of users.
 *
 * `ranked` is the top of the ranking, highest first (it may hold more than `topN` entries). A user
 * whose id is literally `other` is folded into `other` too, so a real user can never be mistaken
 * for the bucket. Tiny negative remainders from float rounding are clamped to 0.
 */
export function foldTopSpenders(ranked: ReadonlyArray<readonly [userId: string, amountUsd: number]>, totalUsd: number, topN: number): SpendSeries[] {
  const named: SpendSeries[] = [];
  let namedSum = 0;
  for (const [userId, amountUsd] of ranked) {
    if (named.length >= topN) break;
    if (userId === OTHER_SPENDERS) continue;
    named.push({ userId, amountUsd });
    namedSum += amountUsd;
  }
  const rest = totalUsd - namedSum;
  return [...named, { userId: OTHER_SPENDERS, amountUsd: rest > 0 ? rest : 0 }];
}
