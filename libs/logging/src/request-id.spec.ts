import { resolveRequestId } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resolveRequestId', () => {
  it.each(['abc', 'A.b_c-9', 'x'.repeat(128), '0'])('keeps the caller id %p', (id) => {
    expect(resolveRequestId(id)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(129)],
    ['a space', 'a b'],
    ['a header injection', 'abc\r\nset-cookie: x=1'],
    ['a colon', 'a:b'],
    ['a slash', '../../etc'],
    ['non-ascii', 'héllo'],
  ])('replaces an id with %s by a fresh UUID', (_, id) => {
    const resolved = resolveRequestId(id);
    expect(resolved).toMatch(UUID);
  });

  it('generates distinct ids when none is given', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => resolveRequestId(undefined)));
    expect(ids.size).toBe(1000);
  });

  it('uses the first value when the header is repeated', () => {
    expect(resolveRequestId(['first', 'second'])).toBe('first');
  });
});
