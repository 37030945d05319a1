import { PriceTable } from './price-table.js';

describe(PriceTable.name, () => {
  const table = new PriceTable([
    ['hosted', { tokens: { inputPer1kUsd: 0.5, outputPer1kUsd: 1.5 } }],
    ['self-hosted', { gpuHourlyUsd: 2.5 }],
    ['cache-priced', { tokens: { inputPer1kUsd: 1, outputPer1kUsd: 4, cachedInputPer1kUsd: 0.25 } }],
  ]);

  it('bills cached input tokens at the cache rate, as part of the prompt and never on top of it', () => {
    const cost = table.costOf('cache-priced', { promptTokens: 1000, completionTokens: 100, cachedPromptTokens: 600 });
    // 400 uncached x $1/1K + 600 cached x $0.25/1K + 100 out x $4/1K
    expect(cost.costUsd).toBeCloseTo(0.4 + 0.15 + 0.4, 12);
  });

  it('bills cached tokens at the full input price when the model has no cache price', () => {
    expect(table.costOf('hosted', { promptTokens: 200, completionTokens: 0, cachedPromptTokens: 150 }).costUsd).toBeCloseTo(0.1, 12);
  });

  it('never bills more cached tokens than the prompt holds', () => {
    expect(table.costOf('cache-priced', { promptTokens: 100, completionTokens: 0, cachedPromptTokens: 500 }).costUsd).toBeCloseTo(0.025, 12);
  });

  it('bills prompt and completion tokens at their own per-1K prices', () => {
    const cost = table.costOf('hosted', { promptTokens: 200, completionTokens: 1000 });
    expect(cost.basis).toBe('tokens');
    expect(cost.costUsd).toBeCloseTo(0.1 + 1.5, 12);
  });

  it('leaves gpu-priced models to GPU-time accounting', () => {
    expect(table.costOf('self-hosted', { promptTokens: 10, completionTokens: 10 })).toEqual({ costUsd: 0, basis: 'gpu_time' });
  });

  it('marks a model without a price as unpriced instead of silently free', () => {
    expect(table.costOf('mystery', { promptTokens: 10, completionTokens: 10 })).toEqual({ costUsd: 0, basis: 'unpriced' });
  });
});
