import { budgetKey, userSpendByDayKey } from '@tokenscope/queue-contracts';
import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { RedisBudgetStore } from '../src/admission/redis-budget-store.js';

/** The budget scripts on a real Redis, from many connections at once, as many gateway replicas call them. */
describe(RedisBudgetStore.name, () => {
  let redis: TestRedis;
  const clients: Redis[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    for (let i = 0; i < 8; i++) clients.push(new Redis(redis.url));
    await waitFor(async () => expect(clients.every((c) => c.status === 'ready')).toBe(true));
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await redis?.stop();
  });

  const DAY = '2026-12-04';
  const stores = () => clients.map((client) => new RedisBudgetStore(client, redis.prefix));

  it('starts a day only from a seed, then reserves no more than the budget across 8 connections racing', async () => {
    const [first] = stores();
    expect(await first!.reserve(DAY, 'alice', 10, 1_000)).toEqual({ kind: 'unseeded' });
    expect(await first!.reserve(DAY, 'alice', 10, 1_000, 250)).toEqual({ kind: 'reserved' });
    // 750 left of 1,000 after the seed and the first 10: 74 more reservations of 10 fit, not one more
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => stores()[i % 8]!.reserve(DAY, 'alice', 10, 1_000)));
    expect(outcomes.filter((o) => o.kind === 'reserved')).toHaveLength(74);
    expect(await clients[0]!.hgetall(budgetKey(redis.prefix, DAY, 'alice'))).toEqual({ spent: '250', reserved: '750', user: 'alice' });
    expect(outcomes.find((o) => o.kind === 'refused')).toEqual({ kind: 'refused', spentNanoUsd: 250, reservedNanoUsd: 750 });
    expect(await clients[0]!.ttl(budgetKey(redis.prefix, DAY, 'alice'))).toBeGreaterThan(7 * 86_400);
  });

  it('settles each reservation into the real cost, exactly, however many settle at once', async () => {
    const all = stores();
    await all[0]!.reserve(DAY, 'bob', 0, 1_000_000_000, 0);
    await Promise.all(Array.from({ length: 100 }, (_, i) => all[i % 8]!.reserve(DAY, 'bob', 7_000_000, 1_000_000_000)));
    await Promise.all(Array.from({ length: 100 }, (_, i) => all[i % 8]!.settle(DAY, 'bob', 7_000_000, 1_234_567)));
    expect(await clients[0]!.hgetall(budgetKey(redis.prefix, DAY, 'bob'))).toEqual({ spent: String(100 * 1_234_567), reserved: '0', user: 'bob' });
  });

  it('refuses anything once the spend reached the budget, even a request that may cost nothing', async () => {
    const [store] = stores();
    expect(await store!.reserve(DAY, 'carol', 0, 500, 500)).toEqual({ kind: 'refused', spentNanoUsd: 500, reservedNanoUsd: 0 });
  });

  it('reads the day\'s spend from the quality service\'s ledger', async () => {
    await clients[0]!.zadd(userSpendByDayKey(redis.prefix, DAY), 0.125, 'dave');
    expect(await stores()[0]!.ledgerSpendUsd(DAY, 'dave')).toBe(0.125);
    expect(await stores()[0]!.ledgerSpendUsd(DAY, 'erin')).toBe(0);
  });

  it('leaves a day that expired alone when a late settlement arrives', async () => {
    await stores()[0]!.settle('2026-01-01', 'frank', 10, 5);
    expect(await clients[0]!.exists(budgetKey(redis.prefix, '2026-01-01', 'frank'))).toBe(0);
  });
});
