import { GpuTimeCostCalculator, gpuSecondsIn, type PriceTable } from '@tokenscope/cost';
import type { GpuSample } from '@tokenscope/queue-contracts';

/**
 * Why a GPU sample carries no cost: the agent names no model (`GPU_AGENT_MODEL` unset), the model
 * is not in MODELS_FILE, the model is billed by tokens (the gateway books those; GPU time on top
 * would count it twice), or the model has no price at all.
 */
export type UnattributedReason = 'no_model' | 'unknown_model' | 'token_priced' | 'no_gpu_price';

export const UNATTRIBUTED_REASONS: readonly UnattributedReason[] = ['no_model', 'unknown_model', 'token_priced', 'no_gpu_price'];

/** What one GPU sample costs, or why it costs nothing. */
export type GpuSampleCharge =
  | {
      kind: 'priced';
      model: string;
      /** GPUs of the sample x its interval, seconds. */
      gpuSeconds: number;
      /** gpuSeconds x gpu_hourly_usd / 3600, US dollars (12 decimals). */
      costUsd: number;
    }
  | { kind: 'unattributed'; reason: UnattributedReason; model: string | null };

/**
 * Prices GPU samples with the price table of MODELS_FILE: a sample stands for `gpus.length` GPUs
 * held for the `intervalMs` that ends at `sampledAtMs`, so its cost is that GPU time at the
 * model's `gpu_hourly_usd` (docs/gpu-cost.md). Only models billed by GPU time are priced, the way
 * PriceTable.costOf decides it: a model with a token price is billed by tokens.
 */
export class GpuSamplePricing {
  private readonly calculators = new Map<string, GpuTimeCostCalculator>();

  constructor(private readonly prices: PriceTable) {}

  /** Models billed by GPU time: the ones whose cost series exist from the start. */
  gpuPricedModels(models: Iterable<string>): string[] {
    return [...models].filter((model) => this.prices.costOf(model, NO_TOKENS).basis === 'gpu_time');
  }

  charge(sample: GpuSample): GpuSampleCharge {
    const { model } = sample;
    if (model === null) return { kind: 'unattributed', reason: 'no_model', model };
    const pricing = this.prices.pricingOf(model);
    if (!pricing) return { kind: 'unattributed', reason: 'unknown_model', model };
    const basis = this.prices.costOf(model, NO_TOKENS).basis;
    if (basis === 'tokens') return { kind: 'unattributed', reason: 'token_priced', model };
    if (basis !== 'gpu_time' || pricing.gpuHourlyUsd === undefined) return { kind: 'unattributed', reason: 'no_gpu_price', model };

    const startMs = sample.sampledAtMs - sample.intervalMs;
    const gpuSeconds = gpuSecondsIn([{ host: sample.host, sampledAtMs: sample.sampledAtMs, intervalMs: sample.intervalMs, gpuCount: sample.gpus.length }], startMs, sample.sampledAtMs);
    return { kind: 'priced', model, gpuSeconds, costUsd: this.calculatorOf(model, pricing.gpuHourlyUsd).costOfGpuSeconds(gpuSeconds) };
  }

  private calculatorOf(model: string, gpuHourlyUsd: number): GpuTimeCostCalculator {
    let calculator = this.calculators.get(model);
    if (!calculator) {
      calculator = new GpuTimeCostCalculator({ gpuHourlyUsd });
      this.calculators.set(model, calculator);
    }
    return calculator;
  }
}

const NO_TOKENS = { promptTokens: 0, completionTokens: 0 };
