import { Inject, Injectable } from '@nestjs/common';
import { foldTopSpenders } from '@tokenscope/cost';
import {
  LabelGuard,
  LLM_COST_BY_MODEL_DOLLARS,
  LLM_COST_BY_USER_DOLLARS,
  LLM_DAILY_COST_DOLLARS,
  LLM_HALLUCINATION_RATE,
  LLM_QUALITY_WINDOW_GENERATIONS,
  LLM_QUEUE_JOBS,
  LLM_REFUSAL_RATE,
  LLM_USER_SATISFACTION,
  LLM_USERS_AT_BUDGET,
} from '@tokenscope/metrics';
import { GENERATION_EVENTS } from '@tokenscope/queue-contracts';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { MODEL_LABELS } from '../model-labels.js';
import type { StoreSnapshot } from '../store/quality-store.js';
import { ratesOf } from '../window/window-rates.js';

export type QueueJobCounts = Record<'waiting' | 'active' | 'delayed' | 'failed', number>;

/**
 * The quality service's gauges, set from what is in Redis (never from this process's own
 * history), so every replica shows the same values. A rate without a denominator is NaN:
 * "no data" must not read as 0% refusals or 0% satisfaction.
 */
@Injectable()
export class QualityGauges {
  constructor(
    @Inject(MODEL_LABELS) private readonly models: LabelGuard,
    @InjectMetric(LLM_HALLUCINATION_RATE) private readonly hallucinationRate: Gauge,
    @InjectMetric(LLM_USER_SATISFACTION) private readonly userSatisfaction: Gauge,
    @InjectMetric(LLM_REFUSAL_RATE) private readonly refusalRate: Gauge,
    @InjectMetric(LLM_QUALITY_WINDOW_GENERATIONS) private readonly windowGenerations: Gauge,
    @InjectMetric(LLM_COST_BY_USER_DOLLARS) private readonly costByUser: Gauge<'user_id'>,
    @InjectMetric(LLM_COST_BY_MODEL_DOLLARS) private readonly costByModel: Gauge<'model'>,
    @InjectMetric(LLM_DAILY_COST_DOLLARS) private readonly dailyCost: Gauge,
    @InjectMetric(LLM_USERS_AT_BUDGET) private readonly usersAtBudget: Gauge,
    @InjectMetric(LLM_QUEUE_JOBS) private readonly queueJobs: Gauge<'queue' | 'state'>,
  ) {}

  show(snapshot: StoreSnapshot, topUsers: number): void {
    const rates = ratesOf(snapshot.window);
    this.refusalRate.set(rates.refusalRate ?? Number.NaN);
    this.hallucinationRate.set(rates.hallucinationRate ?? Number.NaN);
    this.userSatisfaction.set(rates.userSatisfaction ?? Number.NaN);
    this.windowGenerations.set(snapshot.window.generations);
    this.dailyCost.set(snapshot.dailySpendUsd);
    this.usersAtBudget.set(snapshot.usersAtBudget ?? 0);

    // reset first: a user who left the top N must lose their series, not keep a stale value
    this.costByUser.reset();
    for (const series of foldTopSpenders(snapshot.topSpenders, snapshot.totalSpendUsd, topUsers)) {
      this.costByUser.set({ user_id: series.userId }, series.amountUsd);
    }
    // configured models show 0 until they cost something (self-hosted ones are billed by GPU time)
    const byModel = new Map<string, number>(this.models.values.filter((m) => m !== this.models.fallback).map((m) => [m, 0]));
    for (const [model, amount] of snapshot.spendByModel) {
      const label = this.models.value(model);
      byModel.set(label, (byModel.get(label) ?? 0) + amount);
    }
    this.costByModel.reset();
    for (const [model, amount] of byModel) this.costByModel.set({ model }, amount);
  }

  showQueue(counts: QueueJobCounts): void {
    for (const [state, count] of Object.entries(counts)) this.queueJobs.set({ queue: GENERATION_EVENTS, state }, count);
  }
}
