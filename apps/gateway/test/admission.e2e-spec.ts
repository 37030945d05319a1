import { costDayOf, secondsUntilNextMidnight } from '@tokenscope/cost';
import { requestRecordKey, userSpendByDayKey } from '@tokenscope/queue-contracts';
import { sampleValue, startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { jsonPost, startGateway, type RunningGateway } from './gateway-harness.js';

const TIME_ZONE = 'Asia/Tokyo';

describe('admission: API keys, daily budgets, the concurrency limit', () => {
  let redis: TestRedis;
  let gateway: RunningGateway;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    gateway = await startGateway({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      API_KEYS: 'sk-alice-0001:alice,sk-bob-0002:bob,sk-ops-0003:ops:admin',
      DAILY_BUDGET_USD: '0.5',
      COST_TIMEZONE: TIME_ZONE,
      BUDGET_CACHE_MS: '0',
      GATEWAY_MAX_CONCURRENT_REQUESTS: '2',
      SIMULATOR_SPEED: '1',
    });
  });

  afterAll(async () => {
    client?.disconnect();
    await gateway?.close();
    await redis?.stop();
  });

  const asUser = (key: string) => ({ authorization: `Bearer ${key}` });

  it('answers 401 without a key or with an unknown one, never echoing the key', async () => {
    const missing = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const wrong = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, asUser('sk-guessed-9999'));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('sk-guessed-9999');
    expect(gateway.logs.raw.join('\n')).not.toContain('sk-guessed-9999');
  });

  it('takes the user from the key, not from the body', async () => {
    const response = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1, user: 'mallory' }, { ...asUser('sk-alice-0001'), 'x-request-id': 'who-1' });
    expect(response.status).toBe(200);
    await response.text();
    expect(await client.hget(requestRecordKey(redis.prefix, 'who-1'), 'userId')).toBe('alice');
  });

  it('keeps the simulator admin endpoints for admin keys', async () => {
    const asAlice = await fetch(`${gateway.url}/admin/simulator/faults`, { headers: asUser('sk-alice-0001') });
    expect(asAlice.status).toBe(403);
    const asOps = await fetch(`${gateway.url}/admin/simulator/faults`, { headers: asUser('sk-ops-0003') });
    expect(asOps.status).toBe(200);
  });

  it('refuses a user whose spend today reached the budget with 429 and Retry-After until their midnight', async () => {
    const now = Date.now();
    await client.zadd(userSpendByDayKey(redis.prefix, costDayOf(now, TIME_ZONE)), 0.5, 'bob');
    const refused = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, asUser('sk-bob-0002'));
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: { code: string; type: string } };
    expect(body.error).toMatchObject({ code: 'BUDGET_EXCEEDED', type: 'insufficient_quota' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    const expected = secondsUntilNextMidnight(Date.now(), TIME_ZONE);
    expect(Math.abs(retryAfter - expected)).toBeLessThanOrEqual(2);

    const rejectedBefore = sampleValue(await gateway.metrics(), 'llm_requests_total', { model: 'sim-fast', status: 'rejected' });
    await (await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, asUser('sk-bob-0002'))).text();
    expect(sampleValue(await gateway.metrics(), 'llm_requests_total', { model: 'sim-fast', status: 'rejected' }) - rejectedBefore).toBe(1);

    // another user is not affected
    const alice = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, asUser('sk-alice-0001'));
    expect(alice.status).toBe(200);
    await alice.text();
  });

  it('answers 429 with Retry-After beyond the concurrency limit instead of queueing', async () => {
    const slow = () => jsonPost(`${gateway.url}/v1/generate`, { model: 'sim-large', prompt: 'slow', max_tokens: 60 }, asUser('sk-alice-0001'));
    const first = slow();
    const second = slow();
    // both hold their slot (no timing guess: the gauge says when)
    await waitFor(async () => expect(sampleValue(await gateway.metrics(), 'llm_active_requests')).toBe(2));
    const third = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, asUser('sk-alice-0001'));
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('OVERLOADED');
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    const after = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, asUser('sk-alice-0001'));
    expect(after.status).toBe(200);
  });
});
