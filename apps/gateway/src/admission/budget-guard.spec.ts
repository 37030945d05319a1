import { GenerationError } from '../generation/generation.errors.js';
import { BudgetGuard, type BudgetPolicy, type SpendReader } from './budget-guard.js';

class FakeSpendReader implements SpendReader {
  readonly reads: Array<[string, string]> = [];
  spend = new Map<string, number>();
  delayMs = 0;
  isDown = false;

  async spendOn(day: string, userId: string): Promise<number> {
    this.reads.push([day, userId]);
    if (this.isDown) throw new Error('redis is down');
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return this.spend.get(`${day}/${userId}`) ?? 0;
  }
}

const policy: BudgetPolicy = { dailyBudgetUsd: 5, timeZone: 'Europe/Paris', cacheMs: 1000, readTimeoutMs: 20, failMode: 'open' };

async function failureOf(promise: Promise<unknown>): Promise<GenerationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GenerationError)) throw new Error('expected a GenerationError');
  return error;
}

describe(BudgetGuard.name, () => {
  // 2026-03-10 22:30 in Paris (UTC+1): the cost day is the 10th, midnight is 90 minutes away
  const now = Date.parse('2026-03-10T21:30:00Z');

  it('admits a user under budget and refuses one at it, with Retry-After until local midnight', async () => {
    const reader = new FakeSpendReader();
    reader.spend.set('2026-03-10/alice', 4.99);
    reader.spend.set('2026-03-10/bob', 5);
    const guard = new BudgetGuard(reader, policy, () => now);
    await expect(guard.admit('alice')).resolves.toBeUndefined();
    const refusal = await failureOf(guard.admit('bob'));
    expect(refusal.code).toBe('BUDGET_EXCEEDED');
    expect(refusal.details.retryAfterSeconds).toBe(90 * 60);
  });

  it('reads the day of COST_TIMEZONE, not of UTC', async () => {
    const reader = new FakeSpendReader();
    const guard = new BudgetGuard(reader, policy, () => Date.parse('2026-03-10T23:30:00Z'));
    await guard.admit('carol');
    expect(reader.reads).toEqual([['2026-03-11', 'carol']]);
  });

  it('reuses a read for cacheMs, then reads again', async () => {
    const reader = new FakeSpendReader();
    let clock = now;
    const guard = new BudgetGuard(reader, policy, () => clock);
    await guard.admit('dave');
    clock += 999;
    await guard.admit('dave');
    expect(reader.reads).toHaveLength(1);
    clock += 1;
    await guard.admit('dave');
    expect(reader.reads).toHaveLength(2);
  });

  it('fails open on a slow or absent Redis by default, and closed when asked', async () => {
    const reader = new FakeSpendReader();
    reader.spend.set('2026-03-10/erin', 100);
    reader.delayMs = 200;
    await expect(new BudgetGuard(reader, policy, () => now).admit('erin')).resolves.toBeUndefined();
    reader.delayMs = 0;
    reader.isDown = true;
    await expect(new BudgetGuard(reader, policy, () => now).admit('erin')).resolves.toBeUndefined();
    const closed = await failureOf(new BudgetGuard(reader, { ...policy, failMode: 'closed' }, () => now).admit('erin'));
    expect(closed.code).toBe('BUDGET_UNAVAILABLE');
  });

  it('starts a new day at midnight even with a cached over-budget read', async () => {
    const reader = new FakeSpendReader();
    reader.spend.set('2026-03-10/frank', 9);
    let clock = Date.parse('2026-03-10T22:59:59Z'); // 23:59:59 in Paris
    const guard = new BudgetGuard(reader, { ...policy, cacheMs: 60_000 }, () => clock);
    expect((await failureOf(guard.admit('frank'))).details.retryAfterSeconds).toBe(1);
    clock += 1000; // midnight in Paris
    await expect(guard.admit('frank')).resolves.toBeUndefined();
  });
});
