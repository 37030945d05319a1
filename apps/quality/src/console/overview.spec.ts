import type { RequestEntry } from '@tokenscope/console-contract';
import { requestEntry } from '../../test/request-entries.js';
import { figuresOf, overviewOf, percentile } from './overview.js';

const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

function entry(overrides: Partial<RequestEntry>): RequestEntry {
  return requestEntry({ finishedAtMs: NOW - 500, ...overrides });
}

describe('percentile', () => {
  it('takes the nearest rank: the smallest value with at least p of the values at or below it', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(10);
    expect(percentile(values, 0.95)).toBe(19);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('figuresOf', () => {
  it('counts statuses, rates over all requests, sums tokens and cost, and leaves failed requests out of the latency', () => {
    const figures = figuresOf(
      [
        entry({ latencyMs: 400, ttftMs: 50 }),
        entry({ latencyMs: 600, ttftMs: 150, isRefusal: true }),
        entry({ status: 'error', latencyMs: 90_000, ttftMs: null, isRefusal: null, grounding: null, completionTokens: 0, costUsd: 0 }),
        entry({ status: 'cancelled', latencyMs: 80_000, ttftMs: 70, isRefusal: null, grounding: null, completionTokens: 5 }),
      ],
      100,
    );
    expect(figures).toMatchObject({ requests: 4, requestsPerSecond: 0.04, success: 2, errors: 1, cancelled: 1, rejected: 0, errorRate: 0.25, cancelRate: 0.25 });
    expect(figures.latencyP95Ms).toBe(600);
    expect(figures.ttftP50Ms).toBe(70);
    expect(figures.ttftP95Ms).toBe(150);
    expect(figures.completionTokens).toBe(45);
    expect(figures.tokensPerSecond).toBeCloseTo(0.45);
    expect(figures.costUsd).toBeCloseTo(0.003);
    expect(figures.refusalRate).toBe(0.5);
    expect(figures.hallucinationRate).toBeNull();
  });

  it('rates hallucination over the generations whose grounding was checked', () => {
    const figures = figuresOf([entry({ grounding: 'grounded' }), entry({ grounding: 'ungrounded' }), entry({ grounding: 'ungrounded' }), entry({})], 60);
    expect(figures.hallucinationRate).toBeCloseTo(2 / 3);
  });

  it('gives null rates and percentiles, not zeros, when nothing finished', () => {
    expect(figuresOf([], 900)).toMatchObject({ requests: 0, errorRate: null, cancelRate: null, ttftP50Ms: null, latencyP95Ms: null, refusalRate: null });
  });
});

describe('overviewOf', () => {
  it('keeps only the window, splits by model busiest first, and fills one bucket per period', () => {
    const entries = [
      entry({ id: 'old', finishedAtMs: NOW - 900_000 }),
      entry({ id: 'a', model: 'sim-large', finishedAtMs: NOW - 899_999 }),
      entry({ id: 'b', finishedAtMs: NOW - 10_000 }),
      entry({ id: 'c', finishedAtMs: NOW }),
      entry({ id: 'future', finishedAtMs: NOW + 1 }),
    ];
    const overview = overviewOf(entries, NOW, 900, 30);
    expect(overview.total.requests).toBe(3);
    expect(overview.models.map((m) => [m.model, m.requests])).toEqual([
      ['sim-fast', 2],
      ['sim-large', 1],
    ]);
    expect(overview.series.t).toHaveLength(30);
    expect(overview.series.t[0]).toBe((NOW - 900_000) / 1000);
    expect(overview.series.requestsPerSecond[0]).toBeCloseTo(1 / 30);
    expect(overview.series.requestsPerSecond[29]).toBeCloseTo(2 / 30);
    expect(overview.series.requestsPerSecond.slice(1, 29).every((v) => v === 0)).toBe(true);
    expect(overview.series.latencyP95Ms[1]).toBeNull();
  });
});
