const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // en-CA formats dates as YYYY-MM-DD
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar day (`YYYY-MM-DD`) that the instant falls on in the time zone. */
export function costDayOf(instantMs: number, timeZone: string): string {
  return formatterFor(timeZone).format(instantMs);
}

const DAY_MS = 86_400_000;

/**
 * The first instant (epoch ms) of the day after the one `instantMs` falls on, in the time zone.
 * Found by bisection rather than by adding 24 hours, so days of 23 or 25 hours (DST) and zones
 * whose day starts at 01:00 on a transition day come out right.
 */
export function nextMidnightAfter(instantMs: number, timeZone: string): number {
  const today = costDayOf(instantMs, timeZone);
  let before = instantMs; // still today
  let after = instantMs + DAY_MS + 2 * 3_600_000; // surely tomorrow (or later)
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (costDayOf(middle, timeZone) === today) before = middle;
    else after = middle;
  }
  return after;
}

/** Whole seconds from the instant to the next midnight, at least 1 (for `Retry-After`). */
export function secondsUntilNextMidnight(instantMs: number, timeZone: string): number {
  return Math.max(1, Math.ceil((nextMidnightAfter(instantMs, timeZone) - instantMs) / 1000));
}
