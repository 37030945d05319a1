import { CostCalendar } from './cost-calendar.js';
import { costDayOf } from './cost-day.js';

describe(CostCalendar.name, () => {
  it('agrees with costDayOf for instants in any order, across midnights and DST changes', () => {
    const calendar = new CostCalendar('America/New_York');
    const start = Date.parse('2026-03-07T00:00:00Z');
    const instants = Array.from({ length: 2000 }, (_, i) => start + ((i * 7_919_000) % (4 * 86_400_000)));
    for (const instant of instants) expect(calendar.dayOf(instant)).toBe(costDayOf(instant, 'America/New_York'));
  });

  it('switches day exactly at local midnight', () => {
    const calendar = new CostCalendar('Asia/Kolkata');
    const midnight = Date.parse('2026-03-10T18:30:00Z');
    expect(calendar.dayOf(midnight - 60_000)).toBe('2026-03-10');
    expect(calendar.dayOf(midnight - 1)).toBe('2026-03-10');
    expect(calendar.dayOf(midnight)).toBe('2026-03-11');
  });
});
