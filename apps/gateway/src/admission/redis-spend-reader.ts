import { userSpendByDayKey } from '@tokenscope/queue-contracts';
import type { SpendReader } from './budget-guard.js';
import type { RedisClient } from '@tokenscope/redis';

export class RedisSpendReader implements SpendReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async spendOn(day: string, userId: string): Promise<number> {
    if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
    const score = await this.redis.zscore(userSpendByDayKey(this.prefix, day), userId);
    return score === null ? 0 : Number(score);
  }
}
