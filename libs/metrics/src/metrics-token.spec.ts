import { MetricsTokenCheck } from './metrics-token.js';

describe(MetricsTokenCheck.name, () => {
  const TOKEN = 'scrape-token-0123456789';

  it('lets everyone in when no token is configured', () => {
    const check = new MetricsTokenCheck(undefined);
    expect(check.isOpen).toBe(true);
    expect(check.allows(undefined)).toBe(true);
  });

  it('accepts the configured bearer token, with any case of "Bearer" and surrounding spaces', () => {
    const check = new MetricsTokenCheck(TOKEN);
    expect(check.isOpen).toBe(false);
    expect(check.allows(`Bearer ${TOKEN}`)).toBe(true);
    expect(check.allows(`bearer   ${TOKEN}  `)).toBe(true);
    expect(check.allows([`Bearer ${TOKEN}`, 'Bearer other'])).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the token without the Bearer scheme', TOKEN],
    ['Basic credentials', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
    ['a wrong token', 'Bearer scrape-token-0123456780'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token with a suffix', `Bearer ${TOKEN}x`],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s', (_, header) => {
    expect(new MetricsTokenCheck(TOKEN).allows(header)).toBe(false);
  });
});
