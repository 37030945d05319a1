import { timingsOf, tpotSeconds } from './generation-timing.js';

describe('tpotSeconds', () => {
  it('divides the time after the first token by the tokens after the first', () => {
    // 10 tokens: first at 0.5 s, last at 2.3 s → 9 gaps over 1.8 s
    expect(tpotSeconds(2.3, 0.5, 10)).toBeCloseTo(0.2, 12);
  });

  it('is undefined for a one-token answer instead of dividing by zero', () => {
    expect(tpotSeconds(0.7, 0.7, 1)).toBeUndefined();
  });

  it('is undefined for an empty answer and when no first token was seen', () => {
    expect(tpotSeconds(0.7, 0.7, 0)).toBeUndefined();
    expect(tpotSeconds(0.7, undefined, 5)).toBeUndefined();
  });

  it('never goes negative when clocks round the last token before the first', () => {
    expect(tpotSeconds(0.5, 0.5000001, 3)).toBe(0);
  });
});

describe('timingsOf', () => {
  it('reports milliseconds with null where a figure does not exist', () => {
    expect(timingsOf(1200, 200, 11)).toEqual({ ttftMs: 200, tpotMs: 100, latencyMs: 1200 });
    expect(timingsOf(300, 300, 1)).toEqual({ ttftMs: 300, tpotMs: null, latencyMs: 300 });
    expect(timingsOf(50, undefined, 0)).toEqual({ ttftMs: null, tpotMs: null, latencyMs: 50 });
  });
});
