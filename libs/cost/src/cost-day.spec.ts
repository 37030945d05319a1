import { costDayOf, nextMidnightAfter, secondsUntilNextMidnight } from './cost-day.js';

describe('cost days', () => {
  it('names the calendar day of the time zone, not of UTC', () => {
    const instant = Date.parse('2026-03-10T23:30:00Z');
    expect(costDayOf(instant, 'UTC')).toBe('2026-03-10');
    expect(costDayOf(instant, 'Europe/Paris')).toBe('2026-03-11');
    expect(costDayOf(instant, 'America/New_York')).toBe('2026-03-10');
  });

  it('finds the next local midnight', () => {
    const instant = Date.parse('2026-06-01T20:00:00Z'); // 22:00 in Paris (UTC+2)
    expect(new Date(nextMidnightAfter(instant, 'Europe/Paris')).toISOString()).toBe('2026-06-01T22:00:00.000Z');
    expect(secondsUntilNextMidnight(instant, 'Europe/Paris')).toBe(7200);
  });

  it('handles a 23-hour day at the spring DST change', () => {
    // New York springs forward on 2026-03-08; midnight of the 9th is 04:00Z
    const instant = Date.parse('2026-03-08T05:00:00Z'); // 00:00 EST on the 8th
    expect(new Date(nextMidnightAfter(instant, 'America/New_York')).toISOString()).toBe('2026-03-09T04:00:00.000Z');
  });

  it('handles a zone whose day starts at 01:00 on the transition day', () => {
    // Santiago springs forward at 24:00 on 2026-09-05: the 6th starts at 01:00 local (04:00Z)
    const instant = Date.parse('2026-09-05T12:00:00Z');
    const next = nextMidnightAfter(instant, 'America/Santiago');
    expect(costDayOf(next, 'America/Santiago')).toBe('2026-09-06');
    expect(costDayOf(next - 1, 'America/Santiago')).toBe('2026-09-05');
  });

  it('gives at least one second of Retry-After exactly at midnight', () => {
    const midnight = Date.parse('2026-01-01T00:00:00Z');
    expect(secondsUntilNextMidnight(midnight, 'UTC')).toBe(86_400);
    expect(secondsUntilNextMidnight(midnight - 1, 'UTC')).toBe(1);
  });
});
