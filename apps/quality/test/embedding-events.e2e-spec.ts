import { sampleValue, startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { EventQueue, generationEvent, REFUSAL_TEXT, startQuality, type RunningQuality } from './quality-harness.js';

/** An embeddings request costs money but has no answer to judge. */
describe('embedding events in the quality service', () => {
  let redis: TestRedis;
  let client: Redis;
  let events: EventQueue;
  let quality: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    events = new EventQueue(redis.url, redis.prefix);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
  });

  afterAll(async () => {
    await quality?.close();
    await events?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it('books their cost in the ledger and keeps them out of the quality window', async () => {
    await events.publish(generationEvent({ endpoint: 'embeddings', userId: 'erin', costUsd: 0.25, output: '', completionTokens: 0, ttftMs: null, tpotMs: null }));
    // a refusal-looking chat answer after it: the window must count that one only
    await events.publish(generationEvent({ userId: 'erin', costUsd: 0.5, output: REFUSAL_TEXT }));
    await waitFor(async () => expect(await client.zscore(`${redis.prefix}:cost:user`, 'erin')).toBe('0.75'));
    const window = (await (await fetch(`${quality.url}/v1/quality`)).json()) as { window: { generations: number; refusals: number } };
    expect(window.window).toMatchObject({ generations: 1, refusals: 1 });
    expect(sampleValue(await quality.metrics(), 'llm_refusal_rate')).toBe(1);
  });
});
