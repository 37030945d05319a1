import { costDayOf, nextMidnightAfter } from './cost-day.js';

/**
 * costDayOf for a stream of instants that mostly fall on the same day: formatting a date in a
 * time zone costs microseconds, and a consumer handling thousands of events a second asks the
 * same question each time. Remembers the day of the last instant and where that day ends (found
 * once per day); an instant outside that span is computed afresh.
 */
export class CostCalendar {
  private fromMs = Number.POSITIVE_INFINITY;
  private untilMs = Number.NEGATIVE_INFINITY;
  private day = '';

  constructor(readonly timeZone: string) {}

  /** The cost day (`YYYY-MM-DD` in the time zone) that the instant falls on. */
  dayOf(instantMs: number): string {
    if (instantMs >= this.fromMs && instantMs < this.untilMs) return this.day;
    this.day = costDayOf(instantMs, this.timeZone);
    this.fromMs = instantMs;
    this.untilMs = nextMidnightAfter(instantMs, this.timeZone);
    return this.day;
  }
}
