import { rejectionOf } from '@tokenscope/testing';
import { GenerationError } from '../generation/generation.errors.js';
import { BudgetGuard, NANO_USD_PER_USD, type BudgetPolicy, type BudgetStore, type Reservation } from './budget-guard.js';

const failureOf = (promise: Promise<unknown>) => rejectionOf(promise, GenerationError);

/** The guard's view of the store; RedisBudgetStore's own behaviour is tested on a real Redis (test/budget-store.int-spec.ts). */
class MemoryBudgetStore implements BudgetStore {
  readonly days = new Map<string, { spent: number; reserved: number }>();
  ledger = new Map<string, number>();
  readonly calls: string[] = [];
  delayMs = 0;
  isDown = false;

  async reserve(day: string, userId: string, amount: number, budget: number, seed?: number): Promise<Reservation> {
    this.calls.push(`reserve ${day} ${userId} ${amount}${seed === undefined ? '' : ` seed ${seed}`}`);
    if (this.isDown) throw new Error('redis is down');
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    let state = this.days.get(`${day}/${userId}`);
    if (!state) {
      if (seed === undefined) return { kind: 'unseeded' };
      state = { spent: seed, reserved: 0 };
      this.days.set(`${day}/${userId}`, state);
    }
    if (state.spent >= budget || state.spent + state.reserved + amount > budget) return { kind: 'refused', spentNanoUsd: state.spent, reservedNanoUsd: state.reserved };
    state.reserved += amount;
    return { kind: 'reserved' };
  }

  async settle(day: string, userId: string, reserved: number, cost: number): Promise<void> {
    const state = this.days.get(`${day}/${userId}`)!;
    state.reserved -= reserved;
    state.spent += cost;
  }

  async ledgerSpendUsd(day: string, userId: string): Promise<number> {
    this.calls.push(`ledger ${day} ${userId}`);
    return this.ledger.get(`${day}/${userId}`) ?? 0;
  }
}

const policy: BudgetPolicy = { dailyBudgetUsd: 5, timeZone: 'Europe/Paris', cacheMs: 1000, readTimeoutMs: 20, failMode: 'open' };
const nano = (usd: number) => Math.round(usd * NANO_USD_PER_USD);

describe(BudgetGuard.name, () => {
  // 2026-03-10 22:30 in Paris (UTC+1): the cost day is the 10th, midnight is 90 minutes away
  const now = Date.parse('2026-03-10T21:30:00Z');

  it('starts a user\'s day from the ledger, then reserves and settles without reading it again', async () => {
    const store = new MemoryBudgetStore();
    store.ledger.set('2026-03-10/alice', 1.25);
    const guard = new BudgetGuard(store, policy, () => now);
    const first = await guard.admit('alice', 0.5);
    expect(store.calls).toEqual([`reserve 2026-03-10 alice ${nano(0.5)}`, 'ledger 2026-03-10 alice', `reserve 2026-03-10 alice ${nano(0.5)} seed ${nano(1.25)}`]);
    expect(store.days.get('2026-03-10/alice')).toEqual({ spent: nano(1.25), reserved: nano(0.5) });
    first.settle(0.1);
    first.settle(0.1); // only the first settlement counts
    await new Promise((r) => setImmediate(r));
    expect(store.days.get('2026-03-10/alice')).toEqual({ spent: nano(1.35), reserved: 0 });
    await guard.admit('alice', 0.2);
    expect(store.calls.filter((c) => c.startsWith('ledger'))).toHaveLength(1);
  });

  it('refuses at the budget with Retry-After until local midnight, and remembers it for cacheMs', async () => {
    const store = new MemoryBudgetStore();
    store.ledger.set('2026-03-10/bob', 5);
    let clock = now;
    const guard = new BudgetGuard(store, policy, () => clock);
    const refusal = await failureOf(guard.admit('bob', 0));
    expect(refusal.code).toBe('BUDGET_EXCEEDED');
    expect(refusal.message).toBe('daily budget of $5 reached; it resets at midnight Europe/Paris');
    expect(refusal.details.retryAfterSeconds).toBe(90 * 60);
    const calls = store.calls.length;
    clock += 999;
    await failureOf(guard.admit('bob', 0));
    expect(store.calls).toHaveLength(calls);
    clock += 1;
    await failureOf(guard.admit('bob', 0));
    expect(store.calls).toHaveLength(calls + 1);
  });

  it('refuses a request that may cost more than is left today until midnight, but one that fits once requests in flight end after a second', async () => {
    const store = new MemoryBudgetStore();
    store.ledger.set('2026-03-10/carol', 4);
    const guard = new BudgetGuard(store, policy, () => now);
    const tooLarge = await failureOf(guard.admit('carol', 1.5));
    expect(tooLarge.message).toBe('daily budget of $5: $1.000000 is left today and this request may cost up to $1.500000; lower max_tokens or wait for midnight Europe/Paris');
    expect(tooLarge.details.retryAfterSeconds).toBe(90 * 60);
    const held = await guard.admit('carol', 0.75);
    const crowded = await failureOf(guard.admit('carol', 0.5));
    expect(crowded.message).toBe('daily budget of $5: $4.000000 spent and $0.750000 held by requests in flight leave no room, and this request may cost up to $0.500000; retry when they finish');
    expect(crowded.details.retryAfterSeconds).toBe(1);
    held.settle(0.25);
    await new Promise((r) => setImmediate(r));
    await expect(guard.admit('carol', 0.5)).resolves.toBeDefined();
    expect(store.days.get('2026-03-10/carol')).toEqual({ spent: nano(4.25), reserved: nano(0.5) });
  });

  it('keeps the day of COST_TIMEZONE, not of UTC', async () => {
    const store = new MemoryBudgetStore();
    await new BudgetGuard(store, policy, () => Date.parse('2026-03-10T23:30:00Z')).admit('dave', 0);
    expect(store.calls[0]).toBe('reserve 2026-03-11 dave 0');
  });

  it('fails open on a slow or absent Redis by default, and closed when asked', async () => {
    const store = new MemoryBudgetStore();
    store.ledger.set('2026-03-10/erin', 100);
    store.delayMs = 200;
    const failures: unknown[] = [];
    await expect(new BudgetGuard(store, policy, () => now, (e) => failures.push(e)).admit('erin', 1)).resolves.toBeDefined();
    store.delayMs = 0;
    store.isDown = true;
    await expect(new BudgetGuard(store, policy, () => now, (e) => failures.push(e)).admit('erin', 1)).resolves.toBeDefined();
    expect(failures).toHaveLength(2);
    const closed = await failureOf(new BudgetGuard(store, { ...policy, failMode: 'closed' }, () => now).admit('erin', 1));
    expect(closed.code).toBe('BUDGET_UNAVAILABLE');
  });

  it('starts a new day at midnight even with a remembered refusal', async () => {
    const store = new MemoryBudgetStore();
    store.ledger.set('2026-03-10/frank', 9);
    let clock = Date.parse('2026-03-10T22:59:59Z'); // 23:59:59 in Paris
    const guard = new BudgetGuard(store, { ...policy, cacheMs: 60_000 }, () => clock);
    expect((await failureOf(guard.admit('frank', 0))).details.retryAfterSeconds).toBe(1);
    clock += 1000; // midnight in Paris
    await expect(guard.admit('frank', 0)).resolves.toBeDefined();
  });
});
