import { PriceTable } from '@tokenscope/cost';
import type { GpuSample, GpuStats } from '@tokenscope/queue-contracts';
import { GpuSamplePricing } from './gpu-sample-pricing.js';

const prices = new PriceTable([
  ['local-8b', { gpuHourlyUsd: 2.5 }],
  ['hosted', { tokens: { inputPer1kUsd: 0.001, outputPer1kUsd: 0.002 } }],
  ['both', { tokens: { inputPer1kUsd: 0.001, outputPer1kUsd: 0.002 }, gpuHourlyUsd: 4 }],
  ['free-gpus', { gpuHourlyUsd: 0 }],
  ['unpriced', {}],
]);

function gpu(index: number): GpuStats {
  return {
    index,
    uuid: `GPU-${index}`,
    name: 'NVIDIA H100 80GB HBM3',
    utilizationPercent: 100,
    memoryUsedBytes: null,
    memoryTotalBytes: null,
    temperatureCelsius: null,
    powerWatts: null,
    smClockHertz: null,
    isMigEnabled: false,
    processes: null,
  };
}

function sample(model: string | null, gpuCount = 2, intervalMs = 5000): GpuSample {
  return { v: 1, host: 'gpu-node-1', model, sampledAtMs: 1_767_225_600_000, intervalMs, gpus: Array.from({ length: gpuCount }, (_, i) => gpu(i)) };
}

describe(GpuSamplePricing.name, () => {
  const pricing = new GpuSamplePricing(prices);

  it('prices a sample as its GPUs x its interval at the hourly GPU price', () => {
    // 2 GPUs x 5 s = 10 GPU-seconds; 10 x 2.5 / 3600
    expect(pricing.charge(sample('local-8b'))).toEqual({ kind: 'priced', model: 'local-8b', gpuSeconds: 10, costUsd: 0.006944444444 });
    // 8 GPUs x 60 s at $2.50: docs/gpu-cost.md's minute of an 8-GPU host
    expect(pricing.charge(sample('local-8b', 8, 60_000))).toEqual({ kind: 'priced', model: 'local-8b', gpuSeconds: 480, costUsd: 0.333333333333 });
  });

  it('books free GPUs at $0 because the price says so, not because a price is missing', () => {
    expect(pricing.charge(sample('free-gpus'))).toEqual({ kind: 'priced', model: 'free-gpus', gpuSeconds: 10, costUsd: 0 });
  });

  it('leaves a sample unpriced, with the reason, when no GPU price applies', () => {
    expect(pricing.charge(sample(null))).toEqual({ kind: 'unattributed', reason: 'no_model', model: null });
    expect(pricing.charge(sample('not-configured'))).toEqual({ kind: 'unattributed', reason: 'unknown_model', model: 'not-configured' });
    expect(pricing.charge(sample('hosted'))).toEqual({ kind: 'unattributed', reason: 'token_priced', model: 'hosted' });
    expect(pricing.charge(sample('unpriced'))).toEqual({ kind: 'unattributed', reason: 'no_gpu_price', model: 'unpriced' });
  });

  it('follows the gateway: a model with a token price is billed by tokens even when it has a GPU price too', () => {
    expect(pricing.charge(sample('both'))).toEqual({ kind: 'unattributed', reason: 'token_priced', model: 'both' });
    expect(pricing.gpuPricedModels(['local-8b', 'hosted', 'both', 'free-gpus', 'unpriced', 'not-configured'])).toEqual(['local-8b', 'free-gpus']);
  });
});
