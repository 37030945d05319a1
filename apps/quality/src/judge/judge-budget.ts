import { judgeSpendKey } from '@tokenscope/queue-contracts';
import type { RedisClient } from '@tokenscope/redis';

/** What the judge has spent today, shared by every quality replica. */
export interface JudgeBudget {
  /** True while today's spend is under the daily budget. */
  hasBudget(day: string): Promise<boolean>;
  spend(day: string, costUsd: number): Promise<void>;
}

// a day key outlives its day by one, so a replica with a clock a little behind still reads it
const DAY_KEY_TTL_SECONDS = 2 * 86_400;

/**
 * The judge's spend per cost day in one Redis key (judgeSpendKey, INCRBYFLOAT),
 * so replicas share one budget. Checked before a call and added after it: calls in flight when the
 * budget runs out still land (at most QUALITY_JUDGE_CONCURRENCY per replica over it).
 */
export class RedisJudgeBudget implements JudgeBudget {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly dailyBudgetUsd: number,
  ) {}

  private key(day: string): string {
    return judgeSpendKey(this.prefix, day);
  }

  async hasBudget(day: string): Promise<boolean> {
    const spent = Number((await this.redis.get(this.key(day))) ?? 0);
    return spent < this.dailyBudgetUsd;
  }

  async spend(day: string, costUsd: number): Promise<void> {
    if (costUsd <= 0) return;
    await this.redis.multi().incrbyfloat(this.key(day), costUsd).expire(this.key(day), DAY_KEY_TTL_SECONDS).exec();
  }
}
