import { costDayOf, secondsUntilNextMidnight } from '@tokenscope/cost';
import { GenerationError } from '../generation/generation.errors.js';

/** Reads how much a user spent on a cost day (USD), as the quality service's ledger holds it. */
export interface SpendReader {
  spendOn(day: string, userId: string): Promise<number>;
}

export interface BudgetPolicy {
  dailyBudgetUsd: number;
  timeZone: string;
  /** Reuse a spend read this long (ms), so a busy user costs one Redis read per interval. */
  cacheMs: number;
  readTimeoutMs: number;
  /** When the spend cannot be read in time: `open` admits, `closed` refuses with 503. */
  failMode: 'open' | 'closed';
}

const CACHE_LIMIT = 10_000;

/**
 * Refuses a user whose spend today reached the daily budget, until their next midnight in
 * COST_TIMEZONE. The spend comes from the ledger that the quality service keeps from
 * generation events, so it trails real spend by the queue's lag: a burst of concurrent requests
 * can overshoot the budget by what they cost. A slow or absent Redis never holds a request longer
 * than readTimeoutMs.
 */
export class BudgetGuard {
  private readonly cache = new Map<string, { spendUsd: number; day: string; readAtMs: number }>();

  constructor(
    private readonly reader: SpendReader,
    private readonly policy: BudgetPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async admit(userId: string): Promise<void> {
    const nowMs = this.now();
    const day = costDayOf(nowMs, this.policy.timeZone);
    const spendUsd = await this.spendOf(userId, day, nowMs);
    if (spendUsd === undefined) {
      if (this.policy.failMode === 'open') return;
      throw new GenerationError('BUDGET_UNAVAILABLE', 'the daily budget cannot be checked right now; retry shortly', { retryAfterSeconds: 1 });
    }
    if (spendUsd >= this.policy.dailyBudgetUsd) {
      throw new GenerationError('BUDGET_EXCEEDED', `daily budget of $${this.policy.dailyBudgetUsd} reached; it resets at midnight ${this.policy.timeZone}`, {
        retryAfterSeconds: secondsUntilNextMidnight(nowMs, this.policy.timeZone),
      });
    }
  }

  private async spendOf(userId: string, day: string, nowMs: number): Promise<number | undefined> {
    const cached = this.cache.get(userId);
    if (cached && cached.day === day && nowMs - cached.readAtMs < this.policy.cacheMs) return cached.spendUsd;
    let timer: NodeJS.Timeout | undefined;
    try {
      const spendUsd = await Promise.race([
        this.reader.spendOn(day, userId),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), this.policy.readTimeoutMs);
        }),
      ]);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(userId, { spendUsd, day, readAtMs: nowMs });
      return spendUsd;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
