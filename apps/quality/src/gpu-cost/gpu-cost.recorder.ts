import { Inject, Injectable } from '@nestjs/common';
import { LabelGuard, LLM_GPU_COST_DOLLARS_TOTAL, LLM_GPU_SAMPLES_UNATTRIBUTED_TOTAL, LLM_QUEUE_EVENTS_CONSUMED_TOTAL } from '@tokenscope/metrics';
import { GPU_SAMPLES } from '@tokenscope/queue-contracts';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { MODEL_LABELS } from '../model-labels.js';
import { GpuSamplePricing, UNATTRIBUTED_REASONS, type UnattributedReason } from './gpu-sample-pricing.js';

/** What became of one entry of the GPU samples stream. */
export type GpuSampleOutcome = 'processed' | 'duplicate' | 'unattributed' | 'invalid' | 'failed';

const OUTCOMES: readonly GpuSampleOutcome[] = ['processed', 'duplicate', 'unattributed', 'invalid', 'failed'];

/** The one place where the GPU cost consumer's facts become metrics. */
@Injectable()
export class GpuCostRecorder {
  constructor(
    @Inject(MODEL_LABELS) private readonly models: LabelGuard,
    pricing: GpuSamplePricing,
    @InjectMetric(LLM_GPU_COST_DOLLARS_TOTAL) private readonly cost: Counter<'model'>,
    @InjectMetric(LLM_GPU_SAMPLES_UNATTRIBUTED_TOTAL) private readonly unattributed: Counter<'reason'>,
    @InjectMetric(LLM_QUEUE_EVENTS_CONSUMED_TOTAL) private readonly consumed: Counter<'queue' | 'outcome'>,
  ) {
    // every series exists from the start, so rate() sees the first increment
    for (const model of pricing.gpuPricedModels(models.values)) this.cost.inc({ model }, 0);
    for (const reason of UNATTRIBUTED_REASONS) this.unattributed.inc({ reason }, 0);
    for (const outcome of OUTCOMES) this.consumed.inc({ queue: GPU_SAMPLES, outcome }, 0);
  }

  booked(model: string, costUsd: number): void {
    this.cost.inc({ model: this.models.value(model) }, costUsd);
    this.consumed.inc({ queue: GPU_SAMPLES, outcome: 'processed' });
  }

  unpriced(reason: UnattributedReason): void {
    this.unattributed.inc({ reason });
    this.consumed.inc({ queue: GPU_SAMPLES, outcome: 'unattributed' });
  }

  outcome(outcome: 'duplicate' | 'invalid' | 'failed'): void {
    this.consumed.inc({ queue: GPU_SAMPLES, outcome });
  }
}
