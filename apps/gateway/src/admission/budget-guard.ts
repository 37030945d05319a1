import { costDayOf, secondsUntilNextMidnight } from '@tokenscope/cost';
import { GenerationError } from '../generation/generation.errors.js';
import { withTimeout } from './with-timeout.js';

/** Dollars as whole nano-dollars: reservations and settlements of many requests add up exactly. */
export const NANO_USD_PER_USD = 1_000_000_000;

export type Reservation = { kind: 'reserved' } | { kind: 'refused'; spentNanoUsd: number; reservedNanoUsd: number } | { kind: 'unseeded' };

/**
 * Each user's budget day as every gateway replica sees it (Redis in production): what their
 * finished requests cost (`spent`) and the most their requests in flight may still cost
 * (`reserved`), changed atomically.
 */
export interface BudgetStore {
  /**
   * Reserves `amountNanoUsd` when spent + reserved + amount stays within the budget. A day the
   * store does not know yet answers `unseeded` unless `seedSpentNanoUsd` says where it starts.
   */
  reserve(day: string, userId: string, amountNanoUsd: number, budgetNanoUsd: number, seedSpentNanoUsd?: number): Promise<Reservation>;
  /** Releases a reservation and books the request's real cost in its place. */
  settle(day: string, userId: string, reservedNanoUsd: number, costNanoUsd: number): Promise<void>;
  /** The user's spend on `day` in the cost ledger, which the quality service keeps from generation events. */
  ledgerSpendUsd(day: string, userId: string): Promise<number>;
}

export interface BudgetPolicy {
  dailyBudgetUsd: number;
  timeZone: string;
  /** How long a user found at their budget is refused from memory, without asking Redis again (ms). */
  cacheMs: number;
  readTimeoutMs: number;
  /** When the reservation cannot be made in time: `open` admits, `closed` refuses with 503. */
  failMode: 'open' | 'closed';
}

/** What an admitted request holds of its user's budget. */
export interface BudgetHold {
  /** Replaces the reservation with the request's real cost; only the first call counts. */
  settle(costUsd: number): void;
}

const NOTHING_HELD: BudgetHold = { settle: () => undefined };
const EXHAUSTED_CACHE_LIMIT = 10_000;

/**
 * Keeps every user's spend per cost day (COST_TIMEZONE) within DAILY_BUDGET_USD, whatever the
 * number of replicas and concurrent requests: before a request starts it reserves the most it
 * can cost (its prompt bound and max_tokens at the model's prices), atomically with the check,
 * and when it ends the reservation is replaced by what it really cost. A request refused for the
 * budget is a 429: until midnight when the spend alone leaves no room, or shortly when requests
 * in flight hold the rest. The first request of a user's day starts from the quality service's
 * ledger (spend booked before this gateway took over the day). A slow or absent Redis never holds
 * a request longer than readTimeoutMs; failMode decides.
 */
export class BudgetGuard {
  private readonly budgetNanoUsd: number;
  private readonly exhausted = new Map<string, { day: string; untilMs: number }>();

  constructor(
    private readonly store: BudgetStore,
    private readonly policy: BudgetPolicy,
    private readonly now: () => number = Date.now,
    private readonly onStoreFailure: (error: unknown) => void = () => undefined,
  ) {
    this.budgetNanoUsd = Math.round(policy.dailyBudgetUsd * NANO_USD_PER_USD);
  }

  async admit(userId: string, costBoundUsd: number): Promise<BudgetHold> {
    const nowMs = this.now();
    const day = costDayOf(nowMs, this.policy.timeZone);
    const known = this.exhausted.get(userId);
    if (known && known.day === day && nowMs < known.untilMs) throw this.exceeded(nowMs, undefined);
    const amountNanoUsd = Math.ceil(costBoundUsd * NANO_USD_PER_USD);
    let reservation: Reservation;
    try {
      reservation = await withTimeout(this.reserve(day, userId, amountNanoUsd), this.policy.readTimeoutMs);
    } catch (error) {
      this.onStoreFailure(error);
      if (this.policy.failMode === 'open') return NOTHING_HELD;
      throw new GenerationError('BUDGET_UNAVAILABLE', 'the daily budget cannot be checked right now; retry shortly', { retryAfterSeconds: 1 });
    }
    if (reservation.kind === 'refused') {
      if (reservation.spentNanoUsd >= this.budgetNanoUsd) {
        if (this.exhausted.size >= EXHAUSTED_CACHE_LIMIT) this.exhausted.clear();
        this.exhausted.set(userId, { day, untilMs: nowMs + this.policy.cacheMs });
      }
      throw this.exceeded(nowMs, { ...reservation, amountNanoUsd });
    }
    let isSettled = false;
    return {
      settle: (costUsd) => {
        if (isSettled) return;
        isSettled = true;
        this.store.settle(day, userId, amountNanoUsd, Math.round(costUsd * NANO_USD_PER_USD)).catch((error: unknown) => this.onStoreFailure(error));
      },
    };
  }

  private async reserve(day: string, userId: string, amountNanoUsd: number): Promise<Exclude<Reservation, { kind: 'unseeded' }>> {
    const first = await this.store.reserve(day, userId, amountNanoUsd, this.budgetNanoUsd);
    if (first.kind !== 'unseeded') return first;
    const ledgerUsd = await this.store.ledgerSpendUsd(day, userId);
    const seeded = await this.store.reserve(day, userId, amountNanoUsd, this.budgetNanoUsd, Math.round(ledgerUsd * NANO_USD_PER_USD));
    if (seeded.kind === 'unseeded') throw new Error('budget day still unseeded after seeding');
    return seeded;
  }

  /**
   * The 429: until midnight when the spend leaves no room (for this request at least: a smaller
   * max_tokens may still fit), else shortly, when requests in flight hold the rest.
   */
  private exceeded(nowMs: number, state: { spentNanoUsd: number; reservedNanoUsd: number; amountNanoUsd: number } | undefined): GenerationError {
    const budget = `daily budget of $${this.policy.dailyBudgetUsd}`;
    const untilMidnight = { retryAfterSeconds: secondsUntilNextMidnight(nowMs, this.policy.timeZone) };
    if (!state || state.spentNanoUsd >= this.budgetNanoUsd) {
      return new GenerationError('BUDGET_EXCEEDED', `${budget} reached; it resets at midnight ${this.policy.timeZone}`, untilMidnight);
    }
    const usd = (nano: number) => `$${(nano / NANO_USD_PER_USD).toFixed(6)}`;
    const cost = `this request may cost up to ${usd(state.amountNanoUsd)}`;
    if (state.spentNanoUsd + state.amountNanoUsd > this.budgetNanoUsd) {
      return new GenerationError('BUDGET_EXCEEDED', `${budget}: ${usd(this.budgetNanoUsd - state.spentNanoUsd)} is left today and ${cost}; lower max_tokens or wait for midnight ${this.policy.timeZone}`, untilMidnight);
    }
    return new GenerationError('BUDGET_EXCEEDED', `${budget}: ${usd(state.spentNanoUsd)} spent and ${usd(state.reservedNanoUsd)} held by requests in flight leave no room, and ${cost}; retry when they finish`, {
      retryAfterSeconds: 1,
    });
  }
}
