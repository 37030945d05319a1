import { PriceTable } from './price-table.js';

describe(PriceTable.name, () => {
  const table = new PriceTable([
    ['hosted', { tokens: { inputPer1kUsd: 0.5, outputPer1kUsd: 1.5 } }],
    ['self-hosted', { gpuHourlyUsd: 2.5 }],
  ]);

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
