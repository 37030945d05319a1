import { foldTopSpenders, OTHER_SPENDERS } from './top-spenders.js';

describe('foldTopSpenders', () => {
  it('keeps the top N and sums the rest into other', () => {
    const series = foldTopSpenders(
      [
        ['carol', 4],
        ['alice', 2],
        ['bob', 1],
      ],
      7.5,
      2,
    );
    expect(series).toEqual([
      { userId: 'carol', amountUsd: 4 },
      { userId: 'alice', amountUsd: 2 },
      { userId: OTHER_SPENDERS, amountUsd: 1.5 },
    ]);
    expect(series.reduce((sum, s) => sum + s.amountUsd, 0)).toBe(7.5);
  });

  it('always has an other series, at 0 when everyone is named', () => {
    expect(foldTopSpenders([['alice', 0.5]], 0.5, 20)).toEqual([
      { userId: 'alice', amountUsd: 0.5 },
      { userId: OTHER_SPENDERS, amountUsd: 0 },
    ]);
    expect(foldTopSpenders([], 0, 3)).toEqual([{ userId: OTHER_SPENDERS, amountUsd: 0 }]);
  });

  it('never names a user called other: that user is part of the bucket', () => {
    const series = foldTopSpenders(
      [
        ['other', 5],
        ['alice', 1],
      ],
      6,
      1,
    );
    expect(series).toEqual([
      { userId: 'alice', amountUsd: 1 },
      { userId: OTHER_SPENDERS, amountUsd: 5 },
    ]);
  });

  it('clamps a float-rounding remainder below zero', () => {
    expect(foldTopSpenders([['a', 0.1 + 0.2]], 0.3, 5).at(-1)).toEqual({ userId: OTHER_SPENDERS, amountUsd: 0 });
  });
});
