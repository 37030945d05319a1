import { Inject, Injectable } from '@nestjs/common';
import { costDayOf, nextMidnightAfter } from '@tokenscope/cost';
import { CLOCK, type Clock } from '../clock.js';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { QUALITY_STORE, type QualityStore } from '../store/quality-store.js';

/** `GET /v1/spend/:userId`: one user's spend on the current cost day. */
export interface UserSpend {
  user_id: string;
  /** YYYY-MM-DD in time_zone. */
  cost_day: string;
  time_zone: string;
  spend_usd: number;
  daily_budget_usd: number | null;
  remaining_usd: number | null;
  /** ISO instant of the next midnight in time_zone, when the day (and the budget) starts over. */
  resets_at: string;
}

@Injectable()
export class SpendService {
  constructor(
    @Inject(QUALITY_STORE) private readonly store: QualityStore,
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async today(userId: string): Promise<UserSpend> {
    const now = this.clock.now();
    const timeZone = this.config.COST_TIMEZONE;
    const day = costDayOf(now, timeZone);
    const spendUsd = await this.store.userSpendOn(userId, day);
    const budget = this.config.DAILY_BUDGET_USD;
    return {
      user_id: userId,
      cost_day: day,
      time_zone: timeZone,
      spend_usd: spendUsd,
      daily_budget_usd: budget ?? null,
      remaining_usd: budget === undefined ? null : Math.max(0, budget - spendUsd),
      resets_at: new Date(nextMidnightAfter(now, timeZone)).toISOString(),
    };
  }
}
