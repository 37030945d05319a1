import { GpuTimeCostCalculator, gpuSecondsIn, type GpuTimeSample } from './gpu-time-cost.js';

describe(GpuTimeCostCalculator.name, () => {
  // $3.60 per GPU-hour is $0.001 per GPU-second: the expected figures below stay readable
  const calculator = new GpuTimeCostCalculator({ gpuHourlyUsd: 3.6 });

  it('prices GPU-seconds at the hourly price / 3600', () => {
    expect(calculator.costOfGpuSeconds(40)).toBe(0.04);
    expect(new GpuTimeCostCalculator({ gpuHourlyUsd: 2.5 }).costOfGpuSeconds(5)).toBe(0.003472222222);
  });

  it('gives the cost of 1,000 tokens of an interval, and none for an interval without tokens', () => {
    const h100 = new GpuTimeCostCalculator({ gpuHourlyUsd: 2.5 });
    expect(h100.costPer1kTokens(5, 350)).toBe(0.009920634921);
    expect(calculator.costPer1kTokens(40, 800)).toBe(0.05);
    expect(calculator.costPer1kTokens(40, 0)).toBeNull();
  });

  it('shares one window among its requests in proportion to their generated tokens', () => {
    const result = calculator.attribute(
      [{ startMs: 0, endMs: 5000, gpuSeconds: 40 }],
      [
        { requestId: 'a', startedAtMs: 100, finishedAtMs: 4000, promptTokens: 900, completionTokens: 600 },
        { requestId: 'b', startedAtMs: 1000, finishedAtMs: 2000, promptTokens: 50, completionTokens: 200 },
      ],
    );
    expect(result.requests).toEqual([
      { requestId: 'a', costUsd: 0.03, gpuSeconds: 30, weightedTokens: 600 },
      { requestId: 'b', costUsd: 0.01, gpuSeconds: 10, weightedTokens: 200 },
    ]);
    expect(result.windows).toEqual([
      { startMs: 0, endMs: 5000, gpuSeconds: 40, costUsd: 0.04, weightedTokens: 800, costPer1kTokensUsd: 0.05, unattributedUsd: 0 },
    ]);
    expect(result).toMatchObject({ totalCostUsd: 0.04, attributedUsd: 0.04, unattributedUsd: 0 });
  });

  it('spreads a request that spans windows over them by run time, and puts an instant request in the window it finished in', () => {
    const result = calculator.attribute(
      [
        { startMs: 0, endMs: 5000, gpuSeconds: 10 },
        { startMs: 5000, endMs: 10_000, gpuSeconds: 10 },
      ],
      [
        { requestId: 'long', startedAtMs: 2500, finishedAtMs: 7500, promptTokens: 0, completionTokens: 100 },
        { requestId: 'instant', startedAtMs: 5000, finishedAtMs: 5000, promptTokens: 0, completionTokens: 50 },
      ],
    );
    expect(result.requests).toEqual([
      { requestId: 'long', costUsd: 0.015, gpuSeconds: 15, weightedTokens: 100 },
      { requestId: 'instant', costUsd: 0.005, gpuSeconds: 5, weightedTokens: 50 },
    ]);
    expect(result.windows.map((w) => w.costPer1kTokensUsd)).toEqual([0.2, 0.1]);
  });

  it('leaves the cost of idle windows unattributed instead of loading it onto other requests', () => {
    const result = calculator.attribute(
      [
        { startMs: 0, endMs: 5000, gpuSeconds: 40 },
        { startMs: 5000, endMs: 10_000, gpuSeconds: 40 },
      ],
      [{ requestId: 'only', startedAtMs: 1000, finishedAtMs: 2000, promptTokens: 10, completionTokens: 10 }],
    );
    expect(result.requests[0]?.costUsd).toBe(0.04);
    expect(result.windows[1]).toEqual({
      startMs: 5000,
      endMs: 10_000,
      gpuSeconds: 40,
      costUsd: 0.04,
      weightedTokens: 0,
      costPer1kTokensUsd: null,
      unattributedUsd: 0.04,
    });
    expect(result).toMatchObject({ totalCostUsd: 0.08, attributedUsd: 0.04, unattributedUsd: 0.04 });
  });

  it('does not bill request time that falls outside every window', () => {
    const result = calculator.attribute(
      [{ startMs: 0, endMs: 5000, gpuSeconds: 40 }],
      [{ requestId: 'late', startedAtMs: 4000, finishedAtMs: 8000, promptTokens: 0, completionTokens: 400 }],
    );
    expect(result.requests[0]).toEqual({ requestId: 'late', costUsd: 0.04, gpuSeconds: 40, weightedTokens: 100 });
  });

  it('weighs prompt tokens by promptTokenWeight', () => {
    const weighted = new GpuTimeCostCalculator({ gpuHourlyUsd: 3.6, promptTokenWeight: 0.5 });
    const result = weighted.attribute(
      [{ startMs: 0, endMs: 5000, gpuSeconds: 40 }],
      [
        { requestId: 'long-prompt', startedAtMs: 0, finishedAtMs: 1000, promptTokens: 400, completionTokens: 100 },
        { requestId: 'long-answer', startedAtMs: 0, finishedAtMs: 1000, promptTokens: 0, completionTokens: 300 },
      ],
    );
    expect(result.requests.map((r) => r.costUsd)).toEqual([0.02, 0.02]);
    expect(calculator.weightedTokensOf({ promptTokens: 400, completionTokens: 100 })).toBe(100);
  });

  it.each([
    ['a negative price', () => new GpuTimeCostCalculator({ gpuHourlyUsd: -1 })],
    ['a prompt weight above 1', () => new GpuTimeCostCalculator({ gpuHourlyUsd: 1, promptTokenWeight: 2 })],
    ['an empty window', () => calculator.attribute([{ startMs: 5, endMs: 5, gpuSeconds: 1 }], [])],
    ['negative GPU time', () => calculator.costOfGpuSeconds(-1)],
    [
      'a request that finishes before it starts',
      () => calculator.attribute([], [{ requestId: 'x', startedAtMs: 2, finishedAtMs: 1, promptTokens: 0, completionTokens: 1 }]),
    ],
  ])('rejects %s', (_, call) => {
    expect(call).toThrow(RangeError);
  });
});

describe('gpuSecondsIn', () => {
  const every5s = (host: string, gpuCount: number, times: number[]): GpuTimeSample[] =>
    times.map((sampledAtMs) => ({ host, sampledAtMs, intervalMs: 5000, gpuCount }));

  it('adds GPUs x seconds of the samples whose interval falls in the window', () => {
    const samples = every5s('node-a', 8, [10_000, 15_000, 20_000, 25_000]);
    expect(gpuSecondsIn(samples, 10_000, 20_000)).toBe(80);
  });

  it('clips a sample that straddles the window edge', () => {
    expect(gpuSecondsIn(every5s('node-a', 8, [15_000, 20_000]), 12_500, 20_000)).toBe(60);
  });

  it('counts a sample read twice once, and the same instant on two hosts twice', () => {
    const samples = [...every5s('node-a', 2, [5000, 5000]), ...every5s('node-b', 4, [5000])];
    expect(gpuSecondsIn(samples, 0, 5000)).toBe(30);
  });
});
