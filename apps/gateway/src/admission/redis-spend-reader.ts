import { userSpendByDayKey } from '@tokenscope/queue-contracts';
import type { Redis } from 'ioredis';
import type { SpendReader } from './budget-guard.js';

export class RedisSpendReader implements SpendReader {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async spendOn(day: string, userId: string): Promise<number> {
    if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
    const score = await this.redis.zscore(userSpendByDayKey(this.prefix, day), userId);
    return score === null ? 0 : Number(score);
  }
}
