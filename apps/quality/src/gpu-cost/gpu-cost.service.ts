import { Inject, Injectable, Logger } from '@nestjs/common';
import { CostCalendar } from '@tokenscope/cost';
import type { GpuSample } from '@tokenscope/queue-contracts';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { GPU_COST_LEDGER, type GpuCostLedger } from '../store/gpu-cost-ledger.js';
import { GpuCostRecorder } from './gpu-cost.recorder.js';
import { GpuSamplePricing, type UnattributedReason } from './gpu-sample-pricing.js';

/** Distinct (reason, model) pairs remembered for the once-per-model warning; beyond it, no more warnings. */
const WARNED_LIMIT = 1000;

/**
 * Turns one GPU sample into GPU-time cost: priced with the model's `gpu_hourly_usd`, then booked
 * once in the cost ledger on the cost day of `sampledAtMs`. A sample that cannot be priced is
 * counted with its reason and warned about once per model, never booked at $0.
 */
@Injectable()
export class GpuCostService {
  private readonly logger = new Logger('gpu-cost');
  private readonly calendar: CostCalendar;
  private readonly warned = new Set<string>();

  constructor(
    private readonly pricing: GpuSamplePricing,
    @Inject(GPU_COST_LEDGER) private readonly ledger: GpuCostLedger,
    @Inject(QUALITY_CONFIG) config: QualityConfig,
    private readonly recorder: GpuCostRecorder,
  ) {
    this.calendar = new CostCalendar(config.COST_TIMEZONE);
  }

  async book(sample: GpuSample): Promise<'processed' | 'duplicate' | 'unattributed'> {
    const charge = this.pricing.charge(sample);
    if (charge.kind === 'unattributed') {
      this.recorder.unpriced(charge.reason);
      this.warnOnce(charge.reason, charge.model, sample.host);
      return 'unattributed';
    }
    const outcome = await this.ledger.book({
      host: sample.host,
      sampledAtMs: sample.sampledAtMs,
      model: charge.model,
      costUsd: charge.costUsd,
      costDay: this.calendar.dayOf(sample.sampledAtMs),
    });
    if (outcome === 'duplicate') {
      this.recorder.outcome('duplicate');
      return 'duplicate';
    }
    this.recorder.booked(charge.model, charge.costUsd);
    this.logger.debug({ host: sample.host, model: charge.model, sampledAtMs: sample.sampledAtMs, gpuSeconds: charge.gpuSeconds, costUsd: charge.costUsd }, 'gpu time booked');
    return 'processed';
  }

  private warnOnce(reason: UnattributedReason, model: string | null, host: string): void {
    const key = `${reason}\u0000${model ?? ''}`;
    if (this.warned.has(key) || this.warned.size >= WARNED_LIMIT) return;
    this.warned.add(key);
    // the model name comes from the agent's config, not from users: safe to log, cut to its contract length
    this.logger.warn({ reason, model, host }, 'gpu samples not priced');
  }
}
