import { LatencyModel } from './latency-model.js';
import { seededRandom } from './rng.js';

const profile = { ttft_base_ms: 100, prefill_ms_per_token: 0.5, inter_token_ms: 20, spread: 0, concurrency_slowdown: 0.1 };

describe(LatencyModel.name, () => {
  it('charges a base plus a prefill cost per prompt token', () => {
    const model = new LatencyModel(profile, 1, seededRandom(1));
    expect(model.ttftMs(0, 1)).toBe(100);
    expect(model.ttftMs(200, 1)).toBe(200);
  });

  it('slows down linearly with the requests in flight', () => {
    const model = new LatencyModel(profile, 1, seededRandom(1));
    expect(model.interTokenMs(1)).toBe(20);
    expect(model.interTokenMs(11)).toBeCloseTo(40, 10);
    expect(model.ttftMs(0, 6)).toBeCloseTo(150, 10);
  });

  it('spreads delays around the mean with the configured relative spread', () => {
    const model = new LatencyModel({ ...profile, spread: 0.2 }, 1, seededRandom(7));
    const draws = Array.from({ length: 20_000 }, () => model.interTokenMs(1));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
    expect(mean).toBeGreaterThan(19.6);
    expect(mean).toBeLessThan(20.4);
    expect(sd / mean).toBeGreaterThan(0.18);
    expect(sd / mean).toBeLessThan(0.22);
    expect(Math.min(...draws)).toBeGreaterThan(0);
  });

  it('answers instantly at speed 0', () => {
    const model = new LatencyModel({ ...profile, spread: 0.5 }, 0, seededRandom(3));
    expect(model.ttftMs(1000, 50)).toBe(0);
    expect(model.interTokenMs(50)).toBe(0);
  });
});
