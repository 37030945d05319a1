import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { jsonPost, startQuality, writeRequestRecord, type RunningQuality } from './quality-harness.js';

describe('the quality service while Redis is away', () => {
  let redis: TestRedis;
  let quality: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('answers 503 instead of hanging, recovers by itself, and still shuts down while Redis is down', async () => {
    await redis.kill();
    await waitFor(async () => expect((await fetch(`${quality.url}/readyz`)).status).toBe(503));
    const vote = await jsonPost(`${quality.url}/v1/feedback`, { request_id: 'r-1', thumbs_up: true }, { 'x-request-id': 'outage-1' });
    expect(vote.status).toBe(503);
    expect(await vote.json()).toEqual({ code: 'STORE_UNAVAILABLE', message: 'the quality store did not answer', requestId: 'outage-1' });
    expect((await fetch(`${quality.url}/v1/quality`)).status).toBe(503);

    await redis.restart(); // empty: the gateway would write new records
    const client = new Redis(redis.url);
    await writeRequestRecord(client, redis.prefix, 'r-1', { userId: 'alice' });
    client.disconnect();
    await waitFor(async () => expect((await jsonPost(`${quality.url}/v1/feedback`, { request_id: 'r-1', thumbs_up: true })).status).toBe(200), { timeoutMs: 20_000 });

    await redis.kill();
    // bounded: the worker gets 5 s for jobs in flight, then its connection is closed
    await quality.close();
  });
});
