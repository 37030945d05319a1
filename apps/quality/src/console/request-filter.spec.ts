import type { RequestEntry } from '@tokenscope/console-contract';
import { matcherOf } from './request-filter.js';

const base = { model: 'sim-fast', user: 'alice', status: 'success', id: 'Req-ABC-123' } as RequestEntry;

describe('matcherOf', () => {
  it('keeps everything when no filter is given', () => {
    expect(matcherOf({})(base)).toBe(true);
    expect(matcherOf({ model: '', user: '', status: '', idContains: '' })(base)).toBe(true);
  });

  it('matches model, user and status exactly, and the id by case-insensitive substring', () => {
    expect(matcherOf({ model: 'sim-fast' })(base)).toBe(true);
    expect(matcherOf({ model: 'sim' })(base)).toBe(false);
    expect(matcherOf({ user: 'alice' })(base)).toBe(true);
    expect(matcherOf({ user: 'bob' })(base)).toBe(false);
    expect(matcherOf({ status: 'error' })(base)).toBe(false);
    expect(matcherOf({ idContains: 'abc-1' })(base)).toBe(true);
    expect(matcherOf({ idContains: 'xyz' })(base)).toBe(false);
  });

  it('needs every given filter to match', () => {
    expect(matcherOf({ model: 'sim-fast', user: 'bob' })(base)).toBe(false);
    expect(matcherOf({ model: 'sim-fast', user: 'alice', status: 'success', idContains: '123' })(base)).toBe(true);
  });
});
