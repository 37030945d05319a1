import { ratesOf } from './window-rates.js';

describe('ratesOf', () => {
  it('divides each count by its own denominator', () => {
    expect(ratesOf({ generations: 8, refusals: 2, checked: 4, ungrounded: 1, votes: 5, up: 4 })).toEqual({
      refusalRate: 0.25,
      hallucinationRate: 0.25,
      userSatisfaction: 0.8,
    });
  });

  it('gives null, not 0, when a denominator is 0', () => {
    expect(ratesOf({ generations: 3, refusals: 0, checked: 0, ungrounded: 0, votes: 0, up: 0 })).toEqual({
      refusalRate: 0,
      hallucinationRate: null,
      userSatisfaction: null,
    });
  });
});
